//! The message pipeline and what users do to messages: edit, delete,
//! react, pin and star. Reading them back (listings, threads, search,
//! sync) is in [`listing`]; read state and ignoring in [`read_state`];
//! what only apps write (edits of their own messages, ephemeral messages)
//! in [`app_writes`].

mod app_writes;
mod listing;
mod read_state;
mod sync;
mod targets;

use std::sync::LazyLock;
use std::time::Duration;

use rand::Rng;
use regex::Regex;
use serde_json::{Value, json};

use super::mentions::{room_mentions, user_mentions};
use super::rooms::{RoomRef, RoomView};
use super::{Chat, ChatError, limits};
use crate::model::{Message, MessageId, RoomId, RoomKind, Star, Timestamp, User};
use crate::store::StoreError;

pub use listing::{Order, RoomMessages};
pub use read_state::UnreadFrom;
pub use sync::{ChangeKind, ChangePage, SyncCursor};

static EMOJI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^:?([0-9A-Za-z_+\-]{1,64}):?$").expect("valid regex"));
static MESSAGE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z_-]{1,64}$").expect("valid regex"));

/// How many times a change is retried when another change to the same
/// message lands between its read and its write. Each retry waits a little
/// longer (with jitter), so a burst of writers to one message (everyone
/// reacting at once) spreads out instead of colliding round after round.
const CHANGE_RETRIES: usize = 64;
/// The longest wait between two attempts of a change, in milliseconds.
const MAX_BACKOFF_MS: u64 = 20;

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

/// What a send may ask beyond what [`NewMessage`] holds (kept apart so
/// code that builds a `NewMessage` field by field keeps compiling).
#[derive(Clone, Debug, Default)]
pub struct SendOptions {
    /// Show a thread reply in the room as well (`tshow`); needs a `tmid`.
    pub tshow: bool,
    /// The pipeline depth: 0 for a person's message, n+1 for a message an
    /// app sent while handling one at depth n. Apps' hooks see it, and the
    /// apps layer refuses app writes past its depth limit, so apps that answer
    /// each other cannot loop.
    pub depth: u32,
    /// The app sending the message through its bot user; recorded on the
    /// message (`appId`).
    pub app_id: Option<String>,
    /// A bot's or integration's mark (`bot`), kept on the message as
    /// given; it must be a JSON object.
    pub bot: Option<Value>,
}

/// A change a user makes to a message.
#[derive(Clone, Debug)]
pub enum MessageChange {
    /// Replace the text.
    Edit(String),
    /// Add (`true`) or remove (`false`) the actor's reaction; `None` toggles.
    React {
        emoji: String,
        add: Option<bool>,
    },
    Pin(bool),
    Star(bool),
    /// An app's edit of a message it sent, made as its bot user: `None`
    /// leaves that part as it is. Refused on any other message.
    AppEdit {
        app_id: String,
        text: Option<String>,
        attachments: Option<Vec<Value>>,
    },
}

/// Normalises an emoji name to `:name:`.
fn emoji_name(emoji: &str) -> Result<String, ChatError> {
    EMOJI
        .captures(emoji.trim())
        .map(|c| format!(":{}:", &c[1]))
        .ok_or_else(|| {
            ChatError::invalid(
                "error-not-allowed",
                format!("`{emoji}` is not an emoji name"),
            )
        })
}

impl Chat {
    /// The one message pipeline: authorizes, validates, runs the apps'
    /// pre-send hooks (which may stop or change the message), finds
    /// mentions, stores the message and starts the post-send hooks. Every
    /// API sends through here, and so do apps.
    ///
    /// A person's message whose first word is `/name` is a slash command
    /// ([`commands::parse`](super::commands::parse)): it runs (or, unknown, gets a
    /// private "No such command") after the room's authorization, and the
    /// answer is the message as it would have been, not stored.
    pub async fn send_message(&self, actor: &User, new: NewMessage) -> Result<Message, ChatError> {
        self.send_message_with(actor, new, SendOptions::default())
            .await
    }

    /// [`Chat::send_message`] with the options of `chat.sendMessage`.
    pub async fn send_message_with(
        &self,
        actor: &User,
        new: NewMessage,
        options: SendOptions,
    ) -> Result<Message, ChatError> {
        if options.tshow && new.tmid.is_none() {
            return Err(ChatError::invalid(
                "invalid-params",
                "tshow provided but missing tmid",
            ));
        }
        let view = self.view_room(actor, &new.room).await?;
        if !view.access.post {
            return Err(post_refusal(&view));
        }
        self.check_size(&new.text)?;
        // A person's `/name ...` is a slash command, never stored; apps'
        // messages are always messages (an app cannot run commands as a
        // user by posting text).
        if options.app_id.is_none()
            && let Some(parsed) = super::commands::parse(&new.text)
        {
            let mut message = Message::new(&view.room.id, actor.to_ref(), &new.text);
            if let Some(id) = new.id {
                message.id = id;
            }
            message.tmid = new.tmid;
            return self.send_as_command(actor, view, parsed, message).await;
        }
        for attachment in &new.attachments {
            if let Some(text) = attachment.get("text").and_then(Value::as_str) {
                self.check_size(text)?;
            }
        }
        if new.text.trim().is_empty() && new.attachments.is_empty() {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "a message needs text or attachments",
            ));
        }
        if let Some(bot) = &options.bot
            && !bot.is_object()
        {
            return Err(ChatError::invalid(
                "error-invalid-params",
                format!("`bot` must be an object such as {{\"i\": \"integration\"}}, not {bot}"),
            ));
        }
        limits::MESSAGE_ALIAS.check_some(new.alias.as_deref())?;
        limits::MESSAGE_EMOJI.check_some(new.emoji.as_deref())?;
        limits::MESSAGE_AVATAR.check_some(new.avatar.as_deref())?;
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
                    format!(
                        "`{id}` is not a valid message id: use 1 to 64 letters, digits, `_` or `-`"
                    ),
                ));
            }
            message.id = id;
        }
        if let Some(tmid) = new.tmid {
            message.tmid = Some(self.thread_root(&view, &tmid).await?);
        }
        message.tshow = options.tshow;
        message.alias = new.alias;
        message.emoji = new.emoji;
        message.avatar = new.avatar;
        message.attachments = new.attachments;
        message.app_id = options.app_id;
        message.bot = options.bot;
        // After every check, before the store: a vetoed message is never
        // stored, a modified one is stored as the hooks left it.
        self.pre_send_hooks(&mut message, options.depth).await?;
        message.mentions = user_mentions(self.store.as_ref(), &message.msg).await;
        message.channels = room_mentions(self.store.as_ref(), &message.msg).await;
        self.store
            .insert_message(&message)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ChatError::invalid(
                    "error-message-already-exists",
                    format!("a message with the id `{}` exists", message.id),
                ),
                other => other.into(),
            })?;
        metrics::counter!("capsule_messages_total").increment(1);
        self.raise_post_send(&message, options.depth);
        Ok(message)
    }

    /// Refuses text longer than `Message_MaxAllowedSize` characters.
    fn check_size(&self, text: &str) -> Result<(), ChatError> {
        let max = self.settings.int("Message_MaxAllowedSize").max(1) as usize;
        if text.chars().count() > max {
            return Err(ChatError::invalid(
                "error-message-size-exceeded",
                format!("the message is longer than {max} characters (Message_MaxAllowedSize)"),
            ));
        }
        Ok(())
    }

    /// The message a reply belongs under: the parent, or the parent's own
    /// thread when the parent is itself a reply.
    pub(super) async fn thread_root(
        &self,
        view: &RoomView,
        tmid: &MessageId,
    ) -> Result<MessageId, ChatError> {
        if !self.settings.flag("Threads_enabled") {
            return Err(ChatError::not_allowed(
                "threads are disabled on this server",
            ));
        }
        let parent = self
            .store
            .message(tmid)
            .await?
            .filter(|m| m.rid == view.room.id)
            .ok_or_else(|| {
                ChatError::invalid(
                    "error-invalid-message",
                    format!("no message `{tmid}` in this room to reply to"),
                )
            })?;
        Ok(parent.tmid.unwrap_or(parent.id))
    }

    /// A message `actor` may read, with their view of its room.
    pub async fn read_message(
        &self,
        actor: &User,
        id: &MessageId,
    ) -> Result<(Message, RoomView), ChatError> {
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

    /// A message `actor` may read that must be in room `rid`, as
    /// `chat.update` and `chat.delete` name both.
    pub async fn read_message_in(
        &self,
        actor: &User,
        rid: &RoomId,
        id: &MessageId,
    ) -> Result<(Message, RoomView), ChatError> {
        let (message, view) = self.read_message(actor, id).await?;
        if message.rid != *rid {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "The room id provided does not match where the message is from.",
            ));
        }
        Ok((message, view))
    }

    /// Applies a user's change to a message, retrying when another change
    /// lands at the same time, so none is lost. An edit raises the apps'
    /// post-update hooks (reactions, pins and stars do not: the contract
    /// has no event for them).
    pub async fn change_message(
        &self,
        actor: &User,
        id: &MessageId,
        change: MessageChange,
    ) -> Result<Message, ChatError> {
        self.change_message_at(actor, id, change, 0).await
    }

    /// [`Chat::change_message`] at pipeline depth `depth` (an app's edit).
    async fn change_message_at(
        &self,
        actor: &User,
        id: &MessageId,
        change: MessageChange,
        depth: u32,
    ) -> Result<Message, ChatError> {
        for attempt in 0..CHANGE_RETRIES {
            let (mut message, view) = self.read_message(actor, id).await?;
            let expected = message.updated_at;
            self.apply_change(actor, &view, &mut message, &change)
                .await?;
            message.updated_at = Timestamp::now();
            match self.store.replace_message(&message, expected).await {
                Ok(()) => {
                    let changed = self.store.message(id).await?.unwrap_or(message);
                    if matches!(
                        change,
                        MessageChange::Edit(_) | MessageChange::AppEdit { .. }
                    ) {
                        self.raise_post_update(&changed, depth);
                    }
                    return Ok(changed);
                }
                Err(StoreError::Conflict(_)) => backoff(attempt).await,
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
            return Err(ChatError::invalid(
                "error-room-archived",
                "the room is archived",
            ));
        }
        match change {
            MessageChange::Edit(text) => {
                let own = message.sender.id == actor.id;
                let allowed =
                    (own && self.settings.flag("Message_AllowEditing") && view.access.member)
                        || view.access.manage;
                if !allowed || !message.is_user_message() {
                    return Err(ChatError::not_allowed(
                        "you are not allowed to edit this message",
                    ));
                }
                self.check_size(text)?;
                if text.trim().is_empty() && message.attachments.is_empty() {
                    return Err(ChatError::invalid(
                        "error-invalid-params",
                        "a message needs text: delete it instead of emptying it",
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
                // A read-only room takes reactions, like posts, only from
                // those who may post in it.
                if view.room.ro && !view.access.post {
                    return Err(ChatError::not_allowed("the room is read-only"));
                }
                let emoji = emoji_name(emoji)?;
                let reaction = message.reactions.entry(emoji.clone()).or_default();
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
                if !(view.access.manage
                    || (view.access.member && view.room.kind == RoomKind::Direct))
                {
                    return Err(ChatError::not_allowed(
                        "only owners, moderators and admins can pin",
                    ));
                }
                message.pinned = *pin;
                message.pinned_at = pin.then(Timestamp::now);
                message.pinned_by = pin.then(|| actor.to_ref());
            }
            MessageChange::AppEdit {
                app_id,
                text,
                attachments,
            } => {
                self.apply_app_edit(actor, message, app_id, text, attachments)
                    .await?
            }
            MessageChange::Star(star) => {
                if !self.settings.flag("Message_AllowStarring") {
                    return Err(ChatError::not_allowed(
                        "starring is disabled on this server",
                    ));
                }
                if !view.access.member {
                    return Err(ChatError::not_allowed("only members can star messages"));
                }
                message.starred.retain(|s| s.id != actor.id);
                if *star {
                    message.starred.push(Star {
                        id: actor.id.clone(),
                    });
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
            return Err(ChatError::not_allowed(
                "you are not allowed to delete this message",
            ));
        }
        let deleted = self
            .store
            .delete_message(id)
            .await?
            .ok_or_else(|| ChatError::MessageNotFound(id.to_string()))?;
        self.raise_post_delete(&deleted, 0);
        Ok(deleted)
    }

    /// `chat.delete`: deletes a message of room `rid`. With `as_user` the
    /// deletion is done as the message's sender, which only admins may do
    /// for someone else's message (Rocket.Chat's `force-delete-message`).
    pub async fn delete_message_in(
        &self,
        actor: &User,
        rid: &RoomId,
        id: &MessageId,
        as_user: bool,
    ) -> Result<Message, ChatError> {
        let (message, _) = self.read_message_in(actor, rid, id).await?;
        if as_user && message.sender.id != actor.id && !actor.is_admin() {
            return Err(ChatError::not_allowed(
                "Unauthorized. You must have the permission \"force-delete-message\" to delete other's message as them.",
            ));
        }
        self.delete_message(actor, id).await
    }

    /// Pins a message and, when it was not pinned yet and the room shows
    /// system messages, posts the `message_pinned` notice quoting it, as
    /// Rocket.Chat does. Answers the notice, or the message when there is
    /// none. The notice is a system message: like Rocket.Chat's, it does
    /// not go through the apps' pre-send hooks.
    pub async fn pin_message(&self, actor: &User, id: &MessageId) -> Result<Message, ChatError> {
        let (before, view) = self.read_message(actor, id).await?;
        let pinned = self
            .change_message(actor, id, MessageChange::Pin(true))
            .await?;
        if before.pinned || !view.room.sys_mes {
            return Ok(pinned);
        }
        let notice = pin_notice(&pinned, actor);
        self.store.insert_message(&notice).await?;
        Ok(notice)
    }
}

/// Waits before attempt `attempt + 1` of a change: a random share of a
/// window that grows with each attempt, so colliding writers drift apart.
async fn backoff(attempt: usize) {
    let window = (1u64 << attempt.min(5)).min(MAX_BACKOFF_MS);
    let wait = rand::thread_rng().gen_range(0..=window * 1000);
    tokio::time::sleep(Duration::from_micros(wait)).await;
}

/// The `message_pinned` system message about `pinned`, quoting it.
fn pin_notice(pinned: &Message, actor: &User) -> Message {
    let mut notice = Message::new(&pinned.rid, actor.to_ref(), "");
    notice.kind = Some("message_pinned".to_owned());
    notice.groupable = false;
    notice.attachments = vec![json!({
        "text": pinned.msg,
        "author_name": pinned.sender.username,
        "author_icon": format!("/avatar/{}", pinned.sender.username),
        "ts": pinned.ts,
        "attachments": pinned.attachments,
    })];
    notice
}

pub(super) fn post_refusal(view: &RoomView) -> ChatError {
    if view.room.archived {
        ChatError::invalid("error-room-archived", "the room is archived")
    } else if !view.access.member {
        ChatError::not_allowed("you must join the room to post in it")
    } else {
        ChatError::not_allowed("the room is read-only")
    }
}
