//! `message-read`: messages and room history, optionally limited to rooms.

use crate::app::state::HostState;
use crate::bindings::v0_1_0::capsule::apps::message_read::Host;
use crate::bindings::v0_1_0::types::{Error, Message};
use crate::grants::Capability;

/// Most messages one history call returns.
const MAX_HISTORY: u32 = 100;

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Message>, Error> {
        self.grant(Capability::MessageRead)?;
        let bridge = self.app.bridge.clone();
        let Some(message) = self.host_wait(bridge.message(&id)).await? else {
            return Ok(None);
        };
        // Checked after the read: an app limited to some rooms learns
        // nothing, not even existence, about messages elsewhere.
        if self.room_grant(Capability::MessageRead, &message.room_id).is_err() {
            return Ok(None);
        }
        Ok(Some(message.into()))
    }

    async fn history(&mut self, room: String, before: Option<u64>, limit: u32) -> Result<Vec<Message>, Error> {
        self.room_grant(Capability::MessageRead, &room)?;
        let bridge = self.app.bridge.clone();
        let messages = self.host_wait(bridge.room_history(&room, before, limit.min(MAX_HISTORY))).await?;
        Ok(messages.into_iter().map(Into::into).collect())
    }
}
