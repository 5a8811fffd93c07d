//! The message pipeline and what users do to messages: edit, delete,
//! react, pin and star.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::mentions::{room_mentions, user_mentions};
use super::rooms::{RoomRef, RoomView};
use super::{Chat, ChatError};
use crate::model::{Message, MessageId, Reaction, RoomKind, Star, Timestamp, User};
use crate::store::StoreError;

static EMOJI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^:?([0-9A-Za-z_+\-]{1,64}):?$").expect("valid regex"));
static MESSAGE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z_-]{1,64}$").expect("valid regex"));

/// How many times a change is retried when another change to the same
/// message lands between its read and its write.
const CHANGE_RETRIES: usize = 16;

/// A message as a client sends it.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// A client-chosen id; a fresh one when `None`.
    pub id: Option<MessageId>,
    pub room: RoomRef,
    pub text: String,
    pub alias: Option<String>,
    pub emoji: Option<String>,
    pub avatar: Option<String>,
    pub attachments: Vec<Value>,
    /// The thread to reply in.
    pub tmid: Option<MessageId>,
}

impl NewMessage {
    /// Plain text to a room.
    pub fn text(room: RoomRef, text: &str) -> NewMessage {
        NewMessage {
            id: None,
            room,
            text: text.to_owned(),
            alias: None,
            emoji: None,
            avatar: None,
            attachments: Vec::new(),
            tmid: None,
        }
    }
}

/// A change a user makes to a message.
#[derive(Clone, Debug)]
pub enum MessageChange {
    /// Replace the text.
    Edit(String),
    /// Add (`true`) or remove (`false`) the actor's reaction; `None` toggles.
    React { emoji: String, add: Option<bool> },
    Pin(bool),
    Star(bool),
}

/// Normalises an emoji name to `:name:`.
fn emoji_name(emoji: &str) -> Result<String, ChatError> {
    EMOJI
        .captures(emoji.trim())
        .map(|c| format!(":{}:", &c[1]))
        .ok_or_else(|| {
            ChatError::invalid("error-not-allowed", format!("`{emoji}` is not an emoji name"))
        })
}

impl Chat {
    /// The one message pipeline: authorizes, validates, finds mentions and
    /// stores the message. Every API sends through here.
    pub async fn send_message(&self, actor: &User, new: NewMessage) -> Result<Message, ChatError> {
        let view = self.view_room(actor, &new.room).await?;
        if !view.access.post {
            return Err(post_refusal(&view));
        }
        let max = self.settings.int("Message_MaxAllowedSize").max(1) as usize;
        if new.text.chars().count() > max {
            return Err(ChatError::invalid(
                "error-message-size-exceeded",
                format!("the message is longer than {max} characters"),
            ));
        }
        if new.text.trim().is_empty() && new.attachments.is_empty() {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "a message needs text or attachments",
            ));
        }
        if (new.alias.is_some() || new.avatar.is_some())
            && !(actor.is_admin() || actor.has_role("bot"))
        {
            return Err(ChatError::not_allowed(
                "only bots and admins may post with an alias or avatar",
            ));
        }
        let mut message = Message::new(&view.room.id, actor.to_ref(), &new.text);
        if let Some(id) = new.id {
            if !MESSAGE_ID.is_match(id.as_str()) {
                return Err(ChatError::invalid(
                    "error-invalid-params",
                    format!("`{id}` is not a valid message id: use 1 to 64 letters, digits, `_` or `-`"),
                ));
            }
            message.id = id;
        }
        if let Some(tmid) = new.tmid {
            message.tmid = Some(self.thread_root(&view, &tmid).await?);
        }
        message.alias = new.alias;
        message.emoji = new.emoji;
        message.avatar = new.avatar;
        message.attachments = new.attachments;
        message.mentions = user_mentions(self.store.as_ref(), &message.msg).await;
        message.channels = room_mentions(self.store.as_ref(), &message.msg).await;
        self.store.insert_message(&message).await.map_err(|e| match e {
            StoreError::Conflict(_) => ChatError::invalid(
                "error-message-already-exists",
                format!("a message with the id `{}` exists", message.id),
            ),
            other => other.into(),
        })?;
        Ok(message)
    }

    /// The message a reply belongs under: the parent, or the parent's own
    /// thread when the parent is itself a reply.
    async fn thread_root(&self, view: &RoomView, tmid: &MessageId) -> Result<MessageId, ChatError> {
        if !self.settings.flag("Threads_enabled") {
            return Err(ChatError::not_allowed("threads are disabled on this server"));
        }
        let parent = self
            .store
            .message(tmid)
            .await?
            .filter(|m| m.rid == view.room.id)
            .ok_or_else(|| ChatError::invalid("error-invalid-message", format!("no message `{tmid}` in this room to reply to")))?;
        Ok(parent.tmid.unwrap_or(parent.id))
    }

    /// A message `actor` may read, with their view of its room.
    pub async fn read_message(&self, actor: &User, id: &MessageId) -> Result<(Message, RoomView), ChatError> {
        let not_found = || ChatError::MessageNotFound(id.to_string());
        let message = self.store.message(id).await?.ok_or_else(not_found)?;
        let view = self
            .view_room(actor, &RoomRef::Id(message.rid.clone()))
            .await
            .map_err(|e| match e {
                ChatError::RoomNotFound => not_found(),
                other => other,
            })?;
        Ok((message, view))
    }

    /// Applies a user's change to a message, retrying when another change
    /// lands at the same time, so none is lost.
    pub async fn change_message(
        &self,
        actor: &User,
        id: &MessageId,
        change: MessageChange,
    ) -> Result<Message, ChatError> {
        for _ in 0..CHANGE_RETRIES {
            let (mut message, view) = self.read_message(actor, id).await?;
            let expected = message.updated_at;
            self.apply_change(actor, &view, &mut message, &change).await?;
            message.updated_at = Timestamp::now();
            match self.store.replace_message(&message, expected).await {
                Ok(()) => return Ok(self.store.message(id).await?.unwrap_or(message)),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ChatError::Store(StoreError::Backend(format!(
            "message `{id}` kept changing; try again"
        ))))
    }

    async fn apply_change(
        &self,
        actor: &User,
        view: &RoomView,
        message: &mut Message,
        change: &MessageChange,
    ) -> Result<(), ChatError> {
        if view.room.archived {
            return Err(ChatError::invalid("error-room-archived", "the room is archived"));
        }
        match change {
            MessageChange::Edit(text) => {
                let own = message.sender.id == actor.id;
                let allowed = (own && self.settings.flag("Message_AllowEditing") && view.access.member)
                    || view.access.manage;
                if !allowed || !message.is_user_message() {
                    return Err(ChatError::not_allowed("you are not allowed to edit this message"));
                }
                let max = self.settings.int("Message_MaxAllowedSize").max(1) as usize;
                if text.chars().count() > max {
                    return Err(ChatError::invalid(
                        "error-message-size-exceeded",
                        format!("the message is longer than {max} characters"),
                    ));
                }
                message.msg = text.clone();
                message.edited_at = Some(Timestamp::now());
                message.edited_by = Some(actor.to_ref());
                message.mentions = user_mentions(self.store.as_ref(), text).await;
                message.channels = room_mentions(self.store.as_ref(), text).await;
            }
            MessageChange::React { emoji, add } => {
                if view.room.kind != RoomKind::Channel && !view.access.member {
                    return Err(ChatError::not_allowed("only members can react here"));
                }
                let emoji = emoji_name(emoji)?;
                let reaction = message.reactions.entry(emoji.clone()).or_insert_with(Reaction::default);
                let has = reaction.usernames.contains(&actor.username);
                let want = add.unwrap_or(!has);
                if want && !has {
                    reaction.usernames.push(actor.username.clone());
                } else if !want && has {
                    reaction.usernames.retain(|u| *u != actor.username);
                }
                if reaction.usernames.is_empty() {
                    message.reactions.remove(&emoji);
                }
            }
            MessageChange::Pin(pin) => {
                if !self.settings.flag("Message_AllowPinning") {
                    return Err(ChatError::not_allowed("pinning is disabled on this server"));
                }
                if !(view.access.manage || (view.access.member && view.room.kind == RoomKind::Direct)) {
                    return Err(ChatError::not_allowed("only owners, moderators and admins can pin"));
                }
                message.pinned = *pin;
                message.pinned_at = pin.then(Timestamp::now);
                message.pinned_by = pin.then(|| actor.to_ref());
            }
            MessageChange::Star(star) => {
                if !self.settings.flag("Message_AllowStarring") {
                    return Err(ChatError::not_allowed("starring is disabled on this server"));
                }
                if !view.access.member {
                    return Err(ChatError::not_allowed("only members can star messages"));
                }
                message.starred.retain(|s| s.id != actor.id);
                if *star {
                    message.starred.push(Star { id: actor.id.clone() });
                }
            }
        }
        Ok(())
    }

    /// Deletes a message: its sender (when deleting is allowed) or whoever
    /// manages the room.
    pub async fn delete_message(&self, actor: &User, id: &MessageId) -> Result<Message, ChatError> {
        let (message, view) = self.read_message(actor, id).await?;
        let own = message.sender.id == actor.id && view.access.member;
        if !((own && self.settings.flag("Message_AllowDeleting")) || view.access.manage) {
            return Err(ChatError::not_allowed("you are not allowed to delete this message"));
        }
        self.store
            .delete_message(id)
            .await?
            .ok_or_else(|| ChatError::MessageNotFound(id.to_string()))
    }
}

fn post_refusal(view: &RoomView) -> ChatError {
    if view.room.archived {
        ChatError::invalid("error-room-archived", "the room is archived")
    } else if !view.access.member {
        ChatError::not_allowed("you must join the room to post in it")
    } else {
        ChatError::not_allowed("the room is read-only")
    }
}
