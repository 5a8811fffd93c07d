//! Methods about the user's rooms, as bots and clients call them at
//! start-up: their lists, finding a room by name, joining and leaving,
//! and opening a direct conversation.

use serde_json::{Value, json};

use super::{MethodResult, param, to_ddp};
use crate::chat::{Chat, ChatError, RoomRef, RoomView};
use crate::model::{Message, RoomId, Timestamp, User};
use crate::realtime::protocol::DdpError;

/// Runs one of this module's methods.
pub(super) async fn call(chat: &Chat, user: &User, method: &str, params: &[Value]) -> MethodResult {
    match method {
        "subscriptions/get" => {
            let since: Option<Timestamp> = param(params, 0, "since")?;
            let subscriptions = chat.my_subscriptions(user, since).await?;
            let rooms: Vec<RoomId> = subscriptions.iter().map(|s| s.rid.clone()).collect();
            let last = chat.last_messages(user, &rooms).await?;
            let items = subscriptions
                .iter()
                .map(|s| with_last_message(to_ddp(s), last.get(&s.rid)))
                .collect();
            // Memberships that ended are not kept, so `remove` stays
            // empty; a client that missed a removal learns it from the
            // full list.
            Ok(Some(changed_since(since, Value::Array(items))))
        }
        "rooms/get" => {
            let since: Option<Timestamp> = param(params, 0, "since")?;
            let rooms = chat.rooms_of(user, since).await?;
            let ids: Vec<RoomId> = rooms.iter().map(|r| r.id.clone()).collect();
            let last = chat.last_messages(user, &ids).await?;
            let items = rooms
                .iter()
                .map(|room| with_last_message(to_ddp(room), last.get(&room.id)))
                .collect();
            Ok(Some(changed_since(since, Value::Array(items))))
        }
        "getRoomIdByNameOrId" => {
            let name: String = param(params, 0, "the room name or id")?;
            let view = room_named(chat, user, &name).await?;
            Ok(Some(json!(view.room.id)))
        }
        "getRoomNameById" => {
            let rid: String = param(params, 0, "the room id")?;
            let view = chat
                .view_room(user, &RoomRef::Id(RoomId::from(rid.as_str())))
                .await
                .map_err(not_allowed)?;
            // A direct message has no name: the result is left out.
            Ok(view.room.name.map(Value::from))
        }
        "joinRoom" => {
            let rid: String = param(params, 0, "the room id")?;
            chat.join(user, &RoomRef::Id(RoomId::from(rid.as_str())))
                .await
                .map_err(|error| match error {
                    ChatError::RoomNotFound => {
                        DdpError::typed("error-invalid-room", "Invalid room")
                    }
                    other => other.into(),
                })?;
            Ok(Some(json!(true)))
        }
        "leaveRoom" => {
            let rid: String = param(params, 0, "the room id")?;
            chat.leave(user, &RoomRef::Id(RoomId::from(rid.as_str())))
                .await?;
            Ok(None)
        }
        "createDirectMessage" => {
            let usernames = usernames(params)?;
            let room = chat.open_direct(user, &usernames).await?;
            // Rocket.Chat answers the room with its id as `rid`.
            let mut answer = to_ddp(&room);
            if let Some(fields) = answer.as_object_mut() {
                fields.remove("_id");
                fields.insert("rid".to_owned(), json!(room.id));
            }
            Ok(Some(answer))
        }
        other => unreachable!("`{other}` is not a room method"),
    }
}

/// `record` (a room, or a membership) with the room's newest message as
/// `lastMessage`, as the room lists show it (`Store_Last_Message`).
fn with_last_message(mut record: Value, last: Option<&Message>) -> Value {
    if let Some(message) = last {
        record["lastMessage"] = to_ddp(message);
    }
    record
}

/// A list as `rooms/get` and `subscriptions/get` answer it: all of it, or
/// after `since` the changed part as `{"update", "remove"}`.
fn changed_since(since: Option<Timestamp>, items: Value) -> Value {
    match since {
        None => items,
        Some(_) => json!({"update": items, "remove": []}),
    }
}

/// The room called `name`, or whose id it is, if the user may read it.
async fn room_named(chat: &Chat, user: &User, name: &str) -> Result<RoomView, DdpError> {
    match chat.view_room(user, &RoomRef::Id(RoomId::from(name))).await {
        Err(ChatError::RoomNotFound) => chat
            .view_room(user, &RoomRef::Name(name.to_owned()))
            .await
            .map_err(not_allowed),
        other => other.map_err(not_allowed),
    }
}

/// A room that is missing or out of reach, as Rocket.Chat's room lookups
/// answer both.
fn not_allowed(error: ChatError) -> DdpError {
    match error {
        ChatError::RoomNotFound => DdpError::typed("error-not-allowed", "Not allowed"),
        other => other.into(),
    }
}

/// `createDirectMessage`'s parameters: one or more usernames.
fn usernames(params: &[Value]) -> Result<Vec<String>, DdpError> {
    if params.is_empty() {
        return Err(DdpError::typed(
            "error-invalid-params",
            "name at least one user to write to",
        ));
    }
    params
        .iter()
        .enumerate()
        .map(|(n, value)| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                DdpError::typed(
                    "error-invalid-params",
                    format!("parameter {} must be a username, not {value}", n + 1),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_messages_take_usernames_only() {
        assert_eq!(
            usernames(&[json!("bob"), json!("carol")]).unwrap(),
            ["bob", "carol"]
        );
        let error = usernames(&[json!("bob"), json!(7)]).unwrap_err();
        assert!(error.reason.contains("parameter 2"), "{}", error.reason);
        assert_eq!(usernames(&[]).unwrap_err().error, "error-invalid-params");
    }
}
