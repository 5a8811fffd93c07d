//! What only apps write, through their bot users: edits of their own
//! messages, and ephemeral messages shown to one user.

use serde_json::Value;

use super::super::mentions::{room_mentions, user_mentions};
use super::super::{Access, Chat, ChatError};
use super::MessageChange;
use crate::model::{Message, MessageId, RoomId, Timestamp, User, UserId};
use crate::reactivity::Change;

impl Chat {
    /// `bot`, the bot user of `app_id`, edits a message the app sent. The
    /// pipeline depth is the app's, so the post-update hooks it raises
    /// count toward the apps' loop limit.
    pub async fn update_app_message(
        &self,
        bot: &User,
        app_id: &str,
        id: &MessageId,
        text: Option<String>,
        attachments: Option<Vec<Value>>,
        depth: u32,
    ) -> Result<Message, ChatError> {
        let change = MessageChange::AppEdit {
            app_id: app_id.to_owned(),
            text,
            attachments,
        };
        self.change_message_at(bot, id, change, depth).await
    }

    /// Applies [`MessageChange::AppEdit`]: only to a message the app sent
    /// as this bot.
    pub(super) async fn apply_app_edit(
        &self,
        actor: &User,
        message: &mut Message,
        app_id: &str,
        text: &Option<String>,
        attachments: &Option<Vec<Value>>,
    ) -> Result<(), ChatError> {
        if message.app_id.as_deref() != Some(app_id) || message.sender.id != actor.id {
            return Err(ChatError::not_allowed(format!(
                "the app `{app_id}` may only edit messages it sent"
            )));
        }
        if let Some(text) = text {
            self.check_size(text)?;
            message.msg = text.clone();
            message.mentions = user_mentions(self.store.as_ref(), text).await;
            message.channels = room_mentions(self.store.as_ref(), text).await;
        }
        if let Some(attachments) = attachments {
            message.attachments = attachments.clone();
        }
        message.edited_at = Some(Timestamp::now());
        message.edited_by = Some(actor.to_ref());
        Ok(())
    }

    /// Shows `text` from `bot` (the bot user of `app_id`) to `user` alone,
    /// in `room`: published on the user's real-time topic, never stored.
    /// The user must be able to read the room (else it is not found); the
    /// bot need not be a member, as nothing is posted to the room.
    pub async fn send_ephemeral(
        &self,
        bot: &User,
        app_id: &str,
        room: &RoomId,
        user: &UserId,
        text: &str,
    ) -> Result<Message, ChatError> {
        self.check_size(text)?;
        let target = self
            .store
            .user(user)
            .await?
            .ok_or(ChatError::UserNotFound)?;
        let room = self
            .store
            .room(room)
            .await?
            .ok_or(ChatError::RoomNotFound)?;
        let membership = self.store.membership(&room.id, &target.id).await?;
        if !Access::of(&target, &room, membership.as_ref()).read {
            return Err(ChatError::RoomNotFound);
        }
        let mut message = Message::new(&room.id, bot.to_ref(), text);
        message.app_id = Some(app_id.to_owned());
        self.whisper(&target.id, message.clone());
        Ok(message)
    }

    /// Publishes `message` to `user` alone; never stored.
    pub(in crate::chat) fn whisper(&self, user: &UserId, message: Message) {
        self.bus.publish(Change::Ephemeral {
            user: user.clone(),
            message,
        });
    }
}
