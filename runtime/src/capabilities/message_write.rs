//! `message-write`: send and update messages, notify one user. Writes are
//! rate-limited, and a message sent while handling an event re-enters the
//! pipeline one level deeper, up to the app's depth limit.

use crate::app::state::HostState;
use crate::bindings::v0_1_0::capsule::apps::message_write::Host;
use crate::bindings::v0_1_0::types::{Error, MessageEdit, OutgoingMessage};
use crate::bridge::Origin;
use crate::capabilities::check_len;
use crate::fault::Fault;
use crate::grants::Capability;

/// Longest message text an app may send (Rocket.Chat's default is 5,000 characters).
const MAX_TEXT_BYTES: usize = 20_000;

impl HostState {
    /// The origin of a write made now, or a loop fault when it would go too deep.
    fn write_origin(&mut self) -> Result<Origin, Error> {
        let depth = self.call.depth + 1;
        let max_depth = self.app.limits.max_depth;
        if depth > max_depth {
            return Err(self.violation(Fault::LoopDetected { max_depth }).into());
        }
        Ok(Origin { app_id: self.app.id.to_string(), depth })
    }
}

impl Host for HostState {
    async fn send(&mut self, msg: OutgoingMessage) -> Result<String, Error> {
        self.room_grant(Capability::MessageWrite, &msg.room_id)?;
        check_len("the message text", msg.text.len(), MAX_TEXT_BYTES)?;
        let origin = self.write_origin()?;
        self.write_permit()?;
        let bridge = self.app.bridge.clone();
        Ok(self.host_wait(bridge.send_message(&origin, msg.into())).await?)
    }

    async fn update(&mut self, id: String, edit: MessageEdit) -> Result<(), Error> {
        self.grant(Capability::MessageWrite)?;
        if let Some(text) = &edit.text {
            check_len("the message text", text.len(), MAX_TEXT_BYTES)?;
        }
        let bridge = self.app.bridge.clone();
        let Some(message) = self.host_wait(bridge.message(&id)).await? else {
            return Err(Error::NotFound(format!("message `{id}`")));
        };
        self.room_grant(Capability::MessageWrite, &message.room_id)?;
        let origin = self.write_origin()?;
        self.write_permit()?;
        Ok(self.host_wait(bridge.update_message(&origin, &id, edit.into())).await?)
    }

    async fn notify_user(&mut self, room: String, user: String, text: String) -> Result<(), Error> {
        self.room_grant(Capability::MessageWrite, &room)?;
        check_len("the notification text", text.len(), MAX_TEXT_BYTES)?;
        let origin = self.write_origin()?;
        self.write_permit()?;
        let bridge = self.app.bridge.clone();
        Ok(self.host_wait(bridge.notify_user(&origin, &room, &user, &text)).await?)
    }
}
