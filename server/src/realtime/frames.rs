//! The frames of live events: how each change is shown on each stream.
//!
//! A change many connections send alike (a room's message, a user's new
//! status) is encoded once per way of showing it ([`Shown`]) and the same
//! bytes go to every subscriber. What is one user's own (their
//! memberships, their rooms, their notifications) is encoded per user.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use super::protocol::stream_event;
use crate::model::{Message, RoomId, RoomKind, UserId, ejson};
use crate::reactivity::{Change, UserFace};

/// The all-rooms event name of `stream-room-messages`.
pub const MY_MESSAGES: &str = "__my_messages__";

/// How a listener shows a change it shares with others; each way has its
/// own encoding, made once per change.
#[derive(Clone, Debug)]
pub enum Shown {
    /// On the stream the change belongs to: a message on its room's
    /// stream, a status or name change on `stream-notify-logged`.
    Directly,
    /// A message on `__my_messages__`, with what Rocket.Chat tells about
    /// its room.
    MyMessages(Arc<RoomLabel>),
    /// A status change on `stream-user-presence`.
    Presence,
}

impl Shown {
    /// Which of the event's shared encodings this is.
    pub fn form(&self) -> usize {
        match self {
            Shown::Directly => 0,
            Shown::MyMessages(_) | Shown::Presence => 1,
        }
    }
}

/// What `__my_messages__` events tell about a message's room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomLabel {
    /// The room's name (none for direct messages, as in Rocket.Chat).
    pub name: Option<String>,
    pub kind: RoomKind,
}

/// The frame every listener of a shared change sends, shown as `shown`
/// says (the same bytes for every subscriber, so it is made once per
/// change and form).
pub fn shared_frame(change: &Change, shown: &Shown) -> Bytes {
    match (change, shown) {
        (
            Change::MessageInserted(message) | Change::MessageUpdated(message),
            Shown::MyMessages(label),
        ) => my_message(message, label),
        (Change::MessageInserted(message) | Change::MessageUpdated(message), _) => {
            stream_event("stream-room-messages", message.rid.as_str(), &[message])
        }
        (Change::MessageDeleted { room, id }, _) => stream_event(
            "stream-notify-room",
            &format!("{room}/deleteMessage"),
            &[json!({ "_id": id })],
        ),
        (
            Change::HistoryPruned {
                room,
                oldest,
                latest,
            },
            _,
        ) => stream_event(
            "stream-notify-room",
            &format!("{room}/deleteMessageBulk"),
            &[json!({
                "rid": room,
                "excludePinned": false,
                "ignoreDiscussion": true,
                "ts": {"$gte": {"$date": oldest.millis()}, "$lte": {"$date": latest.millis()}},
                "users": [],
            })],
        ),
        (Change::Ephemeral { user, message }, _) => {
            stream_event("stream-notify-user", &format!("{user}/message"), &[message])
        }
        (
            Change::Activity {
                room,
                username,
                activities,
            },
            _,
        ) => stream_event(
            "stream-notify-room",
            &format!("{room}/user-activity"),
            &json!([username, activities, {}]),
        ),
        (Change::PresenceChanged(face), Shown::Presence) => stream_event(
            "stream-user-presence",
            face.id.as_str(),
            &json!([[face.username, face.status.code(), face.status_text]]),
        ),
        (Change::PresenceChanged(face), _) => user_status(face),
        (Change::UserRenamed(face), _) => stream_event(
            "stream-notify-logged",
            "Users:NameChanged",
            &json!([{"_id": face.id, "name": face.name, "username": face.username}]),
        ),
        // Never offered as shared frames (see `Listener::offer`).
        (
            Change::SubscriptionInserted(_)
            | Change::SubscriptionUpdated { .. }
            | Change::SubscriptionRemoved { .. }
            | Change::RoomUpdated(_)
            | Change::RoomDeleted(_)
            | Change::SessionsEnded { .. },
            _,
        ) => Bytes::new(),
    }
}

/// A message on `__my_messages__`: the message, then its room's
/// `{roomParticipant, roomType, roomName}`. Only members follow the
/// stream, so `roomParticipant` is always true.
fn my_message(message: &Message, label: &RoomLabel) -> Bytes {
    let mut room = json!({"roomParticipant": true, "roomType": label.kind});
    if let Some(name) = &label.name {
        room["roomName"] = Value::from(name.as_str());
    }
    // A tuple, not `json!`: the message's dates must be written inside
    // the frame's EJSON encoding.
    stream_event("stream-room-messages", MY_MESSAGES, &(message, room))
}

/// `user-status` on `stream-notify-logged`: `[[id, username, status
/// code, status text, name]]`.
fn user_status(face: &UserFace) -> Bytes {
    stream_event(
        "stream-notify-logged",
        "user-status",
        &json!([[
            face.id,
            face.username,
            face.status.code(),
            face.status_text,
            face.name
        ]]),
    )
}

/// An event of one user's own stream `<uid>/<event>`.
pub fn user_event(user: &UserId, event: &str, args: &Value) -> Bytes {
    stream_event("stream-notify-user", &format!("{user}/{event}"), args)
}

/// A record as the real-time API writes it (dates as EJSON).
pub fn record_json<T: serde::Serialize>(record: &T) -> Value {
    ejson(|| serde_json::to_value(record)).unwrap_or(Value::Null)
}

/// What `removed` events carry of a room that is gone for the user.
pub fn removed_room(room: &RoomId) -> Value {
    json!({ "_id": room })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Presence, UserRef};

    fn message() -> Message {
        let author = UserRef {
            id: "u1".into(),
            username: "alice".into(),
            name: None,
        };
        Message::new(&RoomId::from("r1"), author, "hi")
    }

    #[test]
    fn my_messages_carry_the_room_as_rocket_chat_sends_it() {
        let label = Arc::new(RoomLabel {
            name: Some("dev".into()),
            kind: RoomKind::Channel,
        });
        let change = Change::MessageInserted(message());
        let frame: Value =
            serde_json::from_slice(&shared_frame(&change, &Shown::MyMessages(label))).unwrap();
        assert_eq!(frame["collection"], "stream-room-messages");
        assert_eq!(frame["fields"]["eventName"], MY_MESSAGES);
        assert_eq!(frame["fields"]["args"][0]["msg"], "hi");
        assert_eq!(
            frame["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "c", "roomName": "dev"})
        );
        let direct = Arc::new(RoomLabel {
            name: None,
            kind: RoomKind::Direct,
        });
        let frame: Value =
            serde_json::from_slice(&shared_frame(&change, &Shown::MyMessages(direct))).unwrap();
        assert_eq!(
            frame["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "d"})
        );
    }

    #[test]
    fn a_status_change_shows_on_the_logged_in_stream_and_as_presence() {
        let change = Change::PresenceChanged(UserFace {
            id: "u1".into(),
            username: "alice".into(),
            name: "Alice".into(),
            status: Presence::Away,
            status_text: "lunch".into(),
        });
        let logged: Value =
            serde_json::from_slice(&shared_frame(&change, &Shown::Directly)).unwrap();
        assert_eq!(logged["collection"], "stream-notify-logged");
        assert_eq!(logged["fields"]["eventName"], "user-status");
        assert_eq!(
            logged["fields"]["args"],
            json!([["u1", "alice", 2, "lunch", "Alice"]])
        );
        let presence: Value =
            serde_json::from_slice(&shared_frame(&change, &Shown::Presence)).unwrap();
        assert_eq!(presence["collection"], "stream-user-presence");
        assert_eq!(presence["fields"]["eventName"], "u1");
        assert_eq!(presence["fields"]["args"], json!([["alice", 2, "lunch"]]));
    }
}
