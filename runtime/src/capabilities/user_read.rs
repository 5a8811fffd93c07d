//! `user-read`: user accounts (never credentials).

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::user_read::Host;
use crate::bindings::v0_1::types::{Error, User};
use capsule_contract::Capability;

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<User>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge = self.app.bridge.clone();
        Ok(self.host_wait(bridge.user(&id)).await?.map(Into::into))
    }

    async fn get_by_username(&mut self, username: String) -> Result<Option<User>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge = self.app.bridge.clone();
        Ok(self
            .host_wait(bridge.user_by_username(&username))
            .await?
            .map(Into::into))
    }

    async fn utc_offset(&mut self, id: String) -> Result<Option<i32>, Error> {
        self.grant(Capability::UserRead)?;
        let bridge = self.app.bridge.clone();
        Ok(self.host_wait(bridge.user_utc_offset(&id)).await?)
    }
}
