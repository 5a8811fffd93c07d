//! `message-read`: messages and room history, optionally limited to rooms.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::message_read::Host;
use crate::bindings::v0_1::types::{Error, Message};
use crate::bridge::BridgeError;
use crate::model;
use capsule_contract::Capability;

/// Most messages one history call returns.
const MAX_HISTORY: u32 = 100;

/// What `message-read` needs from the chat: stored messages. The runtime
/// checks the grant and its room list; the chat only reads.
#[async_trait]
pub trait MessageReadBridge: Send + Sync {
    /// One message by id.
    async fn message(&self, id: &str) -> Result<Option<model::Message>, BridgeError>;
    /// Messages of a room, newest first, created before `before`.
    async fn room_history(
        &self,
        room: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<model::Message>, BridgeError>;
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Message>, Error> {
        let grants = self.grant(Capability::MessageRead)?;
        let bridge: Arc<dyn MessageReadBridge> = self.app.bridge.clone();
        let message = self.host_wait(bridge.message(&id)).await?;
        // Checked after the read: an app limited to some rooms learns
        // nothing, not even existence, about messages elsewhere. Not a
        // violation: the app could not know where the id points.
        Ok(message
            .filter(|m| grants.allows_room(&m.room_id))
            .map(Into::into))
    }

    async fn history(
        &mut self,
        room: String,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        self.room_grant(Capability::MessageRead, &room)?;
        let bridge: Arc<dyn MessageReadBridge> = self.app.bridge.clone();
        let messages = self
            .host_wait(bridge.room_history(&room, before, limit.min(MAX_HISTORY)))
            .await?;
        Ok(messages.into_iter().map(Into::into).collect())
    }
}
