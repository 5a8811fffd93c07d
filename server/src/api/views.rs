//! How records are shown to a caller: which user fields others see, and
//! the shapes Rocket.Chat's answers embed.

use serde_json::{Value, json};

use std::collections::HashMap;

use super::envelope::to_json;
use crate::model::{Message, Room, RoomId, User};

/// A user as any signed-in user sees them: no e-mail addresses, no
/// account flags.
pub fn user_public(user: &User) -> Value {
    json!({
        "_id": user.id,
        "username": user.username,
        "name": user.name,
        "status": user.status,
        "statusText": user.status_text,
        "active": user.active,
        "type": user.kind,
        "roles": user.roles,
        "utcOffset": user.utc_offset.unwrap_or(0.0),
    })
}

/// A user as they see themselves or an admin sees them: everything but
/// secrets (which the record never holds).
pub fn user_full(user: &User) -> Value {
    let mut value = to_json(user);
    if let Some(email) = user.email() {
        value["email"] = json!(email);
    }
    value
}

/// A user as `viewer` may see them.
pub fn user_for(viewer: &User, user: &User) -> Value {
    if viewer.id == user.id || viewer.is_admin() {
        user_full(user)
    } else {
        user_public(user)
    }
}

/// A user as the directory lists them: public fields, and e-mail
/// addresses for admins.
pub fn user_directory(viewer: &User, user: &User) -> Value {
    let mut value = json!({
        "_id": user.id,
        "username": user.username,
        "name": user.name,
        "createdAt": user.created_at,
        "status": user.status,
        "type": user.kind,
    });
    if viewer.is_admin() && !user.emails.is_empty() {
        value["emails"] = to_json(&user.emails);
    }
    value
}

/// A user as `spotlight` and `users.presence` show them.
pub fn user_presence(user: &User) -> Value {
    json!({
        "_id": user.id,
        "username": user.username,
        "name": user.name,
        "status": user.status,
        "statusText": user.status_text,
        "utcOffset": user.utc_offset.unwrap_or(0.0),
    })
}

/// A room as the directory and `spotlight` list it: its identity and
/// description, not its member lists.
pub fn room_directory(room: &Room) -> Value {
    let mut value = to_json(room);
    if let Some(fields) = value.as_object_mut() {
        fields.retain(|key, _| ROOM_DIRECTORY_FIELDS.contains(&key.as_str()));
    }
    value
}

const ROOM_DIRECTORY_FIELDS: &[&str] = &[
    "_id",
    "t",
    "name",
    "fname",
    "ts",
    "usersCount",
    "msgs",
    "lm",
    "topic",
    "description",
    "announcement",
    "ro",
    "archived",
    "default",
    "u",
];

/// `record` (a room or a membership of room `rid`) with the room's newest
/// message as `lastMessage`, when `last` has one
/// ([`crate::chat::Chat::last_messages`]).
pub fn with_last_message(
    mut record: Value,
    rid: &RoomId,
    last: &HashMap<RoomId, Message>,
) -> Value {
    if let Some(message) = last.get(rid) {
        record["lastMessage"] = to_json(message);
    }
    record
}
