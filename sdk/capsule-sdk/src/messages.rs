//! Read, send and update messages.
//!
//! [`get`] and [`history`] need the `message-read` permission; [`send`],
//! [`update`], [`notify_user`], [`send_text`], [`direct_room`] and
//! [`send_direct`] need `message-write` (the last two for all rooms, not a
//! list of them).
//! [`edit_text`] and [`outgoing`] only build values and need nothing.

use crate::bindings::capsule::apps::{message_read, message_write};
use crate::error::Result;
use crate::prelude::{Message, MessageEdit, OutgoingMessage, Timestamp};

/// The most messages one [`history`] call returns; the host caps `limit`
/// at this.
pub const HISTORY_LIMIT: u32 = 100;

/// One message by id; `None` when it does not exist.
pub fn get(id: &str) -> Result<Option<Message>> {
    message_read::get(id)
}

/// Messages of `room`, newest first, created strictly before `before` (or
/// the newest when `None`); at most `limit`, capped at [`HISTORY_LIMIT`].
pub fn history(room: &str, before: Option<Timestamp>, limit: u32) -> Result<Vec<Message>> {
    message_read::history(room, before, limit)
}

/// Sends `msg` as the app's bot user and returns the new message's id.
///
/// The message passes through every app's pre-send hooks, this app's
/// included, like a user's message would; the host stops chains that loop
/// with [`Error::LoopDetected`](crate::Error::LoopDetected).
pub fn send(msg: &OutgoingMessage) -> Result<String> {
    message_write::send(msg)
}

/// Sends plain `text` to `room`; shorthand for [`send`] with
/// [`outgoing`].
pub fn send_text(room: &str, text: &str) -> Result<String> {
    send(&outgoing(room, text))
}

/// Changes a message this app sent earlier.
pub fn update(id: &str, edit: &MessageEdit) -> Result<()> {
    message_write::update(id, edit)
}

/// Shows `text` only to `user` in `room`. The message is not stored.
pub fn notify_user(room: &str, user: &str, text: &str) -> Result<()> {
    message_write::notify_user(room, user, text)
}

/// The direct-message room between this app's bot user and `user` (an
/// id), opened when there is none yet. Messages sent there reach only
/// that user, and stay in their list of conversations; use it for what
/// [`notify_user`] would lose, such as a reminder the user was away for.
///
/// Needs a server with contract 0.1.1 or later.
pub fn direct_room(user: &str) -> Result<String> {
    message_write::direct_room(user)
}

/// Sends plain `text` to `user` in their direct room with this app's bot;
/// returns the message id. Shorthand for [`direct_room`] and [`send_text`].
pub fn send_direct(user: &str, text: &str) -> Result<String> {
    send_text(&direct_room(user)?, text)
}

/// A plain-text message to `room` with every optional field unset.
pub fn outgoing(room: &str, text: impl Into<String>) -> OutgoingMessage {
    OutgoingMessage {
        room_id: room.to_owned(),
        text: text.into(),
        thread_id: None,
        alias: None,
        emoji: None,
        avatar_url: None,
        attachments: Vec::new(),
    }
}

/// An edit that replaces a message's text and keeps its attachments; what
/// most pre-send-modify hooks return.
pub fn edit_text(text: impl Into<String>) -> MessageEdit {
    MessageEdit {
        text: Some(text.into()),
        attachments: None,
    }
}
