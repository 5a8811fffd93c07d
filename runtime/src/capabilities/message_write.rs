//! `message-write`: send and update messages, notify one user. Writes are
//! rate-limited, and a message sent while handling an event re-enters the
//! pipeline one level deeper, up to the app's depth limit.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::message_write::Host;
use crate::bindings::v0_1::types::{Error, MessageEdit, OutgoingMessage};
use crate::bridge::{BridgeError, Origin};
use crate::capabilities::check_len;
use crate::model;
use crate::refusal::Refusal;
use capsule_contract::Capability;

/// Most bytes of text and attachments one message an app sends may carry
/// (Rocket.Chat's default message limit is 5,000 characters).
const MAX_MESSAGE_BYTES: usize = 64 << 10;

/// Longest user id accepted (ids are short; this only bounds a hostile one).
const MAX_ID_BYTES: usize = 256;

/// What `message-write` needs from the chat: writes as the app's bot user,
/// each through the chat's own pipeline. The runtime checks the grant, its
/// room list, the rate limit and the depth limit first.
#[async_trait]
pub trait MessageWriteBridge: Send + Sync {
    /// The room the message `id` is in; `None` when there is no such
    /// message. Asked before an update, to check the grant's room list.
    async fn message_room(&self, id: &str) -> Result<Option<String>, BridgeError>;
    /// Sends a message as the app's bot user through the full pipeline
    /// (the server calls the runtime's pre-send hooks at `origin.depth`).
    async fn send_message(
        &self,
        origin: &Origin,
        message: model::OutgoingMessage,
    ) -> Result<String, BridgeError>;
    /// Edits a message the app sent.
    async fn update_message(
        &self,
        origin: &Origin,
        id: &str,
        edit: model::MessageEdit,
    ) -> Result<(), BridgeError>;
    /// Shows a message to one user only.
    async fn notify_user(
        &self,
        origin: &Origin,
        room: &str,
        user: &str,
        text: &str,
    ) -> Result<(), BridgeError>;
    /// The direct room of the app's bot user and the user with id `user`,
    /// opened when there is none yet; its id.
    async fn direct_room(&self, origin: &Origin, user: &str) -> Result<String, BridgeError>;
}

impl HostState {
    /// The origin of a write made now, or a loop fault when it would go too deep.
    fn write_origin(&mut self) -> Result<Origin, Error> {
        let depth = self.call.depth + 1;
        let max_depth = self.app.limits.max_depth;
        if depth > max_depth {
            return Err(self.refuse(Refusal::LoopDetected { max_depth }).into());
        }
        Ok(Origin {
            app_id: self.app.id.to_string(),
            depth,
        })
    }
}

impl Host for HostState {
    async fn send(&mut self, msg: OutgoingMessage) -> Result<String, Error> {
        self.room_grant(Capability::MessageWrite, &msg.room_id)?;
        let outgoing: model::OutgoingMessage = msg.into();
        let size = outgoing.text.len()
            + outgoing
                .attachments
                .iter()
                .map(model::Attachment::byte_len)
                .sum::<usize>();
        check_len(
            "the message (text and attachments)",
            size,
            MAX_MESSAGE_BYTES,
        )?;
        let origin = self.write_origin()?;
        self.write_permit(Capability::MessageWrite)?;
        let bridge: Arc<dyn MessageWriteBridge> = self.app.bridge.clone();
        Ok(self
            .host_wait(bridge.send_message(&origin, outgoing))
            .await?)
    }

    async fn update(&mut self, id: String, edit: MessageEdit) -> Result<(), Error> {
        let grants = self.grant(Capability::MessageWrite)?;
        let edit: model::MessageEdit = edit.into();
        check_len(
            "the edit (text and attachments)",
            edit.byte_len(),
            MAX_MESSAGE_BYTES,
        )?;
        let bridge: Arc<dyn MessageWriteBridge> = self.app.bridge.clone();
        let room = self.host_wait(bridge.message_room(&id)).await?;
        // A message in a room outside the grant answers exactly as a missing
        // one, so an app cannot probe which ids exist elsewhere.
        if !room.is_some_and(|room| grants.allows_room(&room)) {
            return Err(Error::NotFound(format!(
                "message `{id}` (in a room the app may write to)"
            )));
        }
        let origin = self.write_origin()?;
        self.write_permit(Capability::MessageWrite)?;
        Ok(self
            .host_wait(bridge.update_message(&origin, &id, edit))
            .await?)
    }

    async fn notify_user(&mut self, room: String, user: String, text: String) -> Result<(), Error> {
        self.room_grant(Capability::MessageWrite, &room)?;
        check_len("the notification text", text.len(), MAX_MESSAGE_BYTES)?;
        let origin = self.write_origin()?;
        self.write_permit(Capability::MessageWrite)?;
        let bridge: Arc<dyn MessageWriteBridge> = self.app.bridge.clone();
        Ok(self
            .host_wait(bridge.notify_user(&origin, &room, &user, &text))
            .await?)
    }

    async fn direct_room(&mut self, user: String) -> Result<String, Error> {
        let grants = self.grant(Capability::MessageWrite)?;
        if !grants.all_rooms() {
            return Err(self
                .refuse(Refusal::Denied {
                    capability: Capability::MessageWrite,
                    detail: "the `message-write` grant is limited to listed rooms, \
                             and a direct room is never one of them"
                        .into(),
                })
                .into());
        }
        check_len("the user id", user.len(), MAX_ID_BYTES)?;
        // Opening a room is a write: it creates the room and subscriptions.
        let origin = self.write_origin()?;
        self.write_permit(Capability::MessageWrite)?;
        let bridge: Arc<dyn MessageWriteBridge> = self.app.bridge.clone();
        Ok(self.host_wait(bridge.direct_room(&origin, &user)).await?)
    }
}
