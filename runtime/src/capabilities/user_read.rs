//! `user-read`: user accounts (never credentials).

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::user_read::Host;
use crate::bindings::v0_1::types::{Error, User};
use crate::bridge::BridgeError;
use crate::model;
use capsule_contract::Capability;

/// What `user-read` needs from the chat: user accounts, never credentials.
#[async_trait]
pub trait UserReadBridge: Send + Sync {
    /// One user by id.
    async fn user(&self, id: &str) -> Result<Option<model::User>, BridgeError>;
    /// One user by username.
    async fn user_by_username(&self, username: &str) -> Result<Option<model::User>, BridgeError>;
    /// A user's offset from UTC in minutes, if their client reported one.
    async fn user_utc_offset(&self, id: &str) -> Result<Option<i32>, BridgeError>;
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<User>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge: Arc<dyn UserReadBridge> = self.app.bridge.clone();
        Ok(self.host_wait(bridge.user(&id)).await?.map(Into::into))
    }

    async fn get_by_username(&mut self, username: String) -> Result<Option<User>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge: Arc<dyn UserReadBridge> = self.app.bridge.clone();
        Ok(self
            .host_wait(bridge.user_by_username(&username))
            .await?
            .map(Into::into))
    }

    async fn utc_offset(&mut self, id: String) -> Result<Option<i32>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge: Arc<dyn UserReadBridge> = self.app.bridge.clone();
        Ok(self.host_wait(bridge.user_utc_offset(&id)).await?)
    }
}
