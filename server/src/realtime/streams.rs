//! The streams a client can subscribe to, who may, and which changes each
//! one carries.
//!
//! | stream | parameter | carries |
//! | --- | --- | --- |
//! | `stream-room-messages` | a room id | new and changed messages (edits, reactions, pins, thread counts) |
//! | `stream-room-messages` | `__my_messages__` | the same, for every room the user is a member of (also rooms joined later), each with `{roomParticipant, roomType, roomName}` |
//! | `stream-notify-room` | `<rid>/deleteMessage` | deleted messages (`{"_id"}`) |
//! | `stream-notify-room` | `<rid>/deleteMessageBulk` | pruned history (`rooms.cleanHistory`) |
//! | `stream-notify-room` | `<rid>/user-activity` | who is typing: `username, ["user-typing"]` (`[]` when they stop) |
//! | `stream-notify-user` | `<uid>/subscriptions-changed` | the user's memberships: `inserted`, `updated` (also when a message changes its unread counts), `removed` |
//! | `stream-notify-user` | `<uid>/rooms-changed` | the user's rooms: `inserted` on joining, `updated` on a change or a new message, `removed` on leaving |
//! | `stream-notify-user` | `<uid>/notification` | a message that asks for the user's attention (a direct message, a mention) |
//! | `stream-notify-user` | `<uid>/message` | messages only this user sees (apps' private answers) |
//! | `stream-notify-logged` | `user-status` | every user's presence changes |
//! | `stream-notify-logged` | `Users:NameChanged` | every user's name changes |
//! | `stream-user-presence` | any, with `{"added": [uid, ...]}` | those users' presence changes |
//!
//! Other events Rocket.Chat clients subscribe to at start-up
//! ([`SILENT_EVENTS`]) are accepted and carry nothing: Capsule has no
//! such events (custom emoji, role or permission changes, ...).
//!
//! A room stream needs read access to the room when it starts, and loses
//! it when that access goes (the member leaves or is removed from a
//! private room, the room turns private or is deleted): the server then
//! ends the subscription with `nosub` and an error. A user stream is the
//! signed-in user's own.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use super::frames::{MY_MESSAGES, Shown};
use super::outbox::{Gone, Outbox};
use super::protocol::DdpError;
use crate::model::{RoomId, UserId};
use crate::reactivity::{Change, Event, Offer, Sink, Topic};

/// Events of the user and logged-in streams that Rocket.Chat clients and
/// SDKs subscribe to, which Capsule accepts and never sends.
pub const SILENT_EVENTS: &[(&str, &str)] = &[
    ("stream-notify-user", "otr"),
    ("stream-notify-user", "webrtc"),
    ("stream-notify-user", "uiInteraction"),
    ("stream-notify-user", "userData"),
    ("stream-notify-user", "e2ekeyRequest"),
    ("stream-notify-user", "video-conference"),
    ("stream-notify-user", "force_logout"),
    ("stream-notify-user", "calendar"),
    ("stream-notify-logged", "roles-change"),
    ("stream-notify-logged", "updateEmojiCustom"),
    ("stream-notify-logged", "deleteEmojiCustom"),
    ("stream-notify-logged", "updateAvatar"),
    ("stream-notify-logged", "Users:Deleted"),
    ("stream-notify-logged", "permissions-changed"),
    ("stream-notify-logged", "updateCustomUserStatus"),
    ("stream-notify-logged", "deleteCustomUserStatus"),
    ("stream-notify-logged", "banner-changed"),
    ("stream-notify-logged", "voip.statuschanged"),
    ("stream-notify-logged", "omnichannel.priority-changed"),
    ("stream-notify-all", "roles-change"),
    ("stream-notify-all", "updateEmojiCustom"),
    ("stream-notify-all", "deleteEmojiCustom"),
    ("stream-notify-all", "updateAvatar"),
    ("stream-notify-all", "public-settings-changed"),
    ("stream-notify-all", "permissions-changed"),
    ("stream-notify-all", "deleteCustomSound"),
    ("stream-notify-all", "updateCustomSound"),
];

/// One subscription a client asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stream {
    RoomMessages(RoomId),
    RoomDeletions(RoomId),
    RoomPrunes(RoomId),
    RoomActivity(RoomId),
    UserSubscriptions(UserId),
    UserMessages(UserId),
    /// `__my_messages__`: the messages of every room the user is in.
    MyMessages,
    /// `<uid>/rooms-changed`.
    UserRooms,
    /// `<uid>/notification`.
    UserNotifications,
    /// `user-status` of every user.
    StatusChanges,
    /// `Users:NameChanged` of every user.
    NameChanges,
    /// The presence of these users.
    Presence(Vec<UserId>),
    /// An event Capsule accepts and never sends ([`SILENT_EVENTS`]).
    Silent,
}

/// What a connection follows in every room its user is a member of (see
/// [`super::member_rooms`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    MyMessages,
    Subscriptions,
    Rooms,
    Notifications,
}

impl Stream {
    /// Reads a `sub` request. `user` is the signed-in user, if any.
    pub fn parse(name: &str, params: &[Value], user: Option<&UserId>) -> Result<Stream, DdpError> {
        let Some(user) = user else {
            return Err(DdpError::typed(
                "error-not-allowed",
                "log in before subscribing to a stream",
            ));
        };
        if name == "stream-user-presence" {
            return Ok(Stream::Presence(presence_users(params)?));
        }
        let first = params.first().and_then(Value::as_str).ok_or_else(|| {
            DdpError::typed(
                "error-invalid-params",
                format!("`{name}` takes the event name (a room or user id) as its first parameter"),
            )
        })?;
        if SILENT_EVENTS.contains(&(name, event_of(name, first))) {
            if name == "stream-notify-user" {
                own_event(first, user)?;
            }
            return Ok(Stream::Silent);
        }
        match name {
            "stream-room-messages" if first == MY_MESSAGES => Ok(Stream::MyMessages),
            "stream-room-messages" => Ok(Stream::RoomMessages(RoomId::from(first))),
            "stream-notify-room" => match first.rsplit_once('/') {
                Some((room, "deleteMessage")) => Ok(Stream::RoomDeletions(RoomId::from(room))),
                Some((room, "deleteMessageBulk")) => Ok(Stream::RoomPrunes(RoomId::from(room))),
                Some((room, "user-activity")) => Ok(Stream::RoomActivity(RoomId::from(room))),
                _ => Err(unknown_event(name, first)),
            },
            "stream-notify-user" => match own_event(first, user)? {
                "subscriptions-changed" => Ok(Stream::UserSubscriptions(user.clone())),
                "message" => Ok(Stream::UserMessages(user.clone())),
                "rooms-changed" => Ok(Stream::UserRooms),
                "notification" => Ok(Stream::UserNotifications),
                _ => Err(unknown_event(name, first)),
            },
            "stream-notify-logged" => match first {
                "user-status" => Ok(Stream::StatusChanges),
                "Users:NameChanged" => Ok(Stream::NameChanges),
                _ => Err(unknown_event(name, first)),
            },
            "stream-notify-all" => Err(unknown_event(name, first)),
            _ => Err(DdpError::code(
                404,
                format!("Subscription '{name}' not found"),
            )),
        }
    }

    /// The bus topic the stream listens on; `None` for streams fed by the
    /// user's member rooms, and for silent ones.
    pub fn topic(&self, user: &UserId) -> Option<Topic> {
        match self {
            Stream::RoomMessages(room)
            | Stream::RoomDeletions(room)
            | Stream::RoomPrunes(room)
            | Stream::RoomActivity(room) => Some(Topic::Room(room.clone())),
            Stream::UserSubscriptions(_) | Stream::UserMessages(_) => {
                Some(Topic::User(user.clone()))
            }
            Stream::StatusChanges | Stream::NameChanges | Stream::Presence(_) => {
                Some(Topic::Everyone)
            }
            Stream::MyMessages | Stream::UserRooms | Stream::UserNotifications | Stream::Silent => {
                None
            }
        }
    }

    /// What the stream needs followed in every room of the user.
    pub fn follows(&self) -> Option<Follow> {
        match self {
            Stream::MyMessages => Some(Follow::MyMessages),
            Stream::UserSubscriptions(_) => Some(Follow::Subscriptions),
            Stream::UserRooms => Some(Follow::Rooms),
            Stream::UserNotifications => Some(Follow::Notifications),
            _ => None,
        }
    }

    /// The room it watches, if it is a room stream.
    pub fn room(&self) -> Option<&RoomId> {
        match self {
            Stream::RoomMessages(room)
            | Stream::RoomDeletions(room)
            | Stream::RoomPrunes(room)
            | Stream::RoomActivity(room) => Some(room),
            _ => None,
        }
    }
}

/// The event part of a stream's first parameter (`<uid>/<event>` for the
/// user stream).
fn event_of<'a>(stream: &str, first: &'a str) -> &'a str {
    match stream {
        "stream-notify-user" => first.split_once('/').map_or(first, |(_, event)| event),
        _ => first,
    }
}

/// The event of `<uid>/<event>`, which must be the signed-in user's.
fn own_event<'a>(first: &'a str, user: &UserId) -> Result<&'a str, DdpError> {
    let (owner, event) = first
        .split_once('/')
        .ok_or_else(|| unknown_event("stream-notify-user", first))?;
    if owner != user.as_str() {
        return Err(DdpError::typed(
            "error-not-allowed",
            "a user stream is only its own user's",
        ));
    }
    Ok(event)
}

/// The users a `stream-user-presence` subscription watches: the second
/// parameter's `added` list (Rocket.Chat's clients send `["", {"added":
/// [uid, ...]}]`), or a user id as the event name.
fn presence_users(params: &[Value]) -> Result<Vec<UserId>, DdpError> {
    let mut users: Vec<UserId> = params
        .get(1)
        .and_then(|options| options.get("added"))
        .and_then(Value::as_array)
        .map(|added| {
            added
                .iter()
                .filter_map(Value::as_str)
                .map(UserId::from)
                .collect()
        })
        .unwrap_or_default();
    match params.first() {
        Some(Value::String(id)) if !id.is_empty() => users.push(UserId::from(id.as_str())),
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(DdpError::typed(
                "error-invalid-params",
                format!("`stream-user-presence` takes a user id or \"\" first, not {other}"),
            ));
        }
    }
    Ok(users)
}

fn unknown_event(stream: &str, event: &str) -> DdpError {
    DdpError::typed(
        "error-invalid-params",
        format!("`{event}` is not an event of `{stream}` this server offers"),
    )
}

/// Whether a subscription asks for Rocket.Chat's collection form, in which
/// the server first sends an `added` document for the event name:
/// `[event, true]` or `[event, {"useCollection": true}]`.
pub fn uses_collection(params: &[Value]) -> bool {
    match params.get(1) {
        Some(Value::Bool(flag)) => *flag,
        Some(options) => options.get("useCollection").and_then(Value::as_bool) == Some(true),
        None => false,
    }
}

/// What a connection must work out itself (it needs the store, which a
/// sink may not wait for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Access to this room may have changed: check the room streams.
    RoomAccess(RoomId),
    /// The user became a member of this room.
    Joined(RoomId),
    /// The user stopped being a member of this room.
    Left(RoomId),
    /// The user's membership of this room changed.
    Membership {
        room: RoomId,
        kind: MembershipChange,
    },
    /// The user's sign-in with this token (all of them with `None`) ended.
    SignedOut { token: Option<String> },
}

/// How a membership changed, as `subscriptions-changed` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipChange {
    Inserted,
    Updated,
    Removed,
}

impl MembershipChange {
    /// The word Rocket.Chat sends.
    pub fn word(self) -> &'static str {
        match self {
            MembershipChange::Inserted => "inserted",
            MembershipChange::Updated => "updated",
            MembershipChange::Removed => "removed",
        }
    }
}

/// What a listener of a connection wants from its topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wants {
    /// The changes of one stream.
    Stream(StreamKind),
    /// The connection's own watch on its user: lost memberships end room
    /// streams even when the client watches no user stream, and joined
    /// rooms are followed by the all-rooms streams.
    Access,
}

/// A [`Stream`] with a listener of its own, without its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    RoomMessages,
    RoomDeletions,
    RoomPrunes,
    RoomActivity,
    UserSubscriptions,
    UserMessages,
    StatusChanges,
    NameChanges,
}

impl StreamKind {
    /// The kind of `stream`, if it has a listener of this kind.
    pub fn of(stream: &Stream) -> Option<StreamKind> {
        Some(match stream {
            Stream::RoomMessages(_) => StreamKind::RoomMessages,
            Stream::RoomDeletions(_) => StreamKind::RoomDeletions,
            Stream::RoomPrunes(_) => StreamKind::RoomPrunes,
            Stream::RoomActivity(_) => StreamKind::RoomActivity,
            Stream::UserSubscriptions(_) => StreamKind::UserSubscriptions,
            Stream::UserMessages(_) => StreamKind::UserMessages,
            Stream::StatusChanges => StreamKind::StatusChanges,
            Stream::NameChanges => StreamKind::NameChanges,
            _ => return None,
        })
    }
}

/// Maps a refused offer to what the bus makes of it.
pub fn offered(outcome: Result<(), Gone>) -> Offer {
    match outcome {
        Ok(()) => Offer::Taken,
        Err(Gone::Lagging) => Offer::Full,
        Err(Gone::Closed) => Offer::Closed,
    }
}

/// A connection's listener on the bus.
pub struct Listener {
    pub outbox: Outbox,
    pub control: mpsc::UnboundedSender<Control>,
    pub wants: Wants,
}

impl Listener {
    fn shared(&self, event: &Arc<Event>) -> Offer {
        offered(self.outbox.offer(event, Shown::Directly))
    }

    fn control(&self, control: Control) -> Offer {
        match self.control.send(control) {
            Ok(()) => Offer::Taken,
            Err(_) => Offer::Closed,
        }
    }
}

impl Sink for Listener {
    fn offer(&self, event: &Arc<Event>) -> Offer {
        use StreamKind as K;
        match (self.wants, &event.change) {
            (Wants::Stream(K::RoomMessages), Change::MessageInserted(_))
            | (Wants::Stream(K::RoomMessages), Change::MessageUpdated(_))
            | (Wants::Stream(K::RoomDeletions), Change::MessageDeleted { .. })
            | (Wants::Stream(K::RoomPrunes), Change::HistoryPruned { .. })
            | (Wants::Stream(K::RoomActivity), Change::Activity { .. })
            | (Wants::Stream(K::UserMessages), Change::Ephemeral { .. })
            | (Wants::Stream(K::StatusChanges), Change::PresenceChanged(_))
            | (Wants::Stream(K::NameChanges), Change::UserRenamed(_)) => self.shared(event),
            (
                Wants::Stream(K::RoomMessages | K::RoomDeletions | K::RoomPrunes | K::RoomActivity),
                Change::RoomUpdated(room),
            ) => self.control(Control::RoomAccess(room.id.clone())),
            (
                Wants::Stream(K::RoomMessages | K::RoomDeletions | K::RoomPrunes | K::RoomActivity),
                Change::RoomDeleted(room),
            ) => self.control(Control::RoomAccess(room.clone())),
            (Wants::Access, Change::SubscriptionInserted(sub)) => {
                self.control(Control::Joined(sub.rid.clone()))
            }
            (Wants::Access, Change::SubscriptionRemoved { room, .. }) => {
                self.control(Control::Left(room.clone()))
            }
            (Wants::Access, Change::SessionsEnded { token, .. }) => {
                self.control(Control::SignedOut {
                    token: token.clone(),
                })
            }
            (Wants::Stream(K::UserSubscriptions), change) => match change {
                Change::SubscriptionInserted(sub) => self.control(Control::Membership {
                    room: sub.rid.clone(),
                    kind: MembershipChange::Inserted,
                }),
                Change::SubscriptionUpdated { room, .. } => self.control(Control::Membership {
                    room: room.clone(),
                    kind: MembershipChange::Updated,
                }),
                Change::SubscriptionRemoved { room, .. } => self.control(Control::Membership {
                    room: room.clone(),
                    kind: MembershipChange::Removed,
                }),
                _ => Offer::Ignored,
            },
            _ => Offer::Ignored,
        }
    }
}

/// A `stream-user-presence` subscription's listener: the presence changes
/// of the users it watches.
pub struct PresenceWatch {
    pub outbox: Outbox,
    pub users: HashSet<UserId>,
}

impl Sink for PresenceWatch {
    fn offer(&self, event: &Arc<Event>) -> Offer {
        match &event.change {
            Change::PresenceChanged(face) if self.users.contains(&face.id) => {
                offered(self.outbox.offer(event, Shown::Presence))
            }
            _ => Offer::Ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(name: &str, first: &str) -> Result<Stream, DdpError> {
        Stream::parse(
            name,
            &[json!(first), json!(false)],
            Some(&UserId::from("u1")),
        )
    }

    #[test]
    fn reads_the_streams_rocket_chat_clients_subscribe_to() {
        assert_eq!(
            parse("stream-room-messages", "GENERAL").unwrap(),
            Stream::RoomMessages("GENERAL".into())
        );
        assert_eq!(
            parse("stream-notify-room", "r1/deleteMessage").unwrap(),
            Stream::RoomDeletions("r1".into())
        );
        assert_eq!(
            parse("stream-notify-user", "u1/subscriptions-changed").unwrap(),
            Stream::UserSubscriptions("u1".into())
        );
    }

    #[test]
    fn refuses_other_users_streams_unknown_events_and_anonymous_callers() {
        assert_eq!(
            parse("stream-notify-user", "u2/message").unwrap_err().error,
            "error-not-allowed"
        );
        assert_eq!(
            parse("stream-notify-room", "r1/teleport")
                .unwrap_err()
                .error,
            "error-invalid-params"
        );
        assert_eq!(parse("stream-everything", "x").unwrap_err().error, 404);
        let anonymous = Stream::parse("stream-room-messages", &[json!("GENERAL")], None);
        assert_eq!(anonymous.unwrap_err().error, "error-not-allowed");
        assert_eq!(
            parse("stream-notify-user", "u2/otr").unwrap_err().error,
            "error-not-allowed"
        );
    }

    #[test]
    fn reads_the_streams_bots_and_mobile_clients_start_with() {
        assert_eq!(
            parse("stream-room-messages", "__my_messages__").unwrap(),
            Stream::MyMessages
        );
        assert_eq!(
            parse("stream-notify-user", "u1/rooms-changed").unwrap(),
            Stream::UserRooms
        );
        assert_eq!(
            parse("stream-notify-logged", "user-status").unwrap(),
            Stream::StatusChanges
        );
        assert_eq!(
            parse("stream-notify-logged", "Users:NameChanged").unwrap(),
            Stream::NameChanges
        );
        for (stream, event) in [
            ("stream-notify-logged", "roles-change"),
            ("stream-notify-all", "updateEmojiCustom"),
            ("stream-notify-user", "u1/webrtc"),
        ] {
            assert_eq!(
                parse(stream, event).unwrap(),
                Stream::Silent,
                "{stream} {event}"
            );
        }
        let presence = Stream::parse(
            "stream-user-presence",
            &[json!(""), json!({"added": ["u2", "u3"]})],
            Some(&UserId::from("u1")),
        );
        assert_eq!(
            presence.unwrap(),
            Stream::Presence(vec!["u2".into(), "u3".into()])
        );
    }

    #[test]
    fn the_collection_form_is_asked_as_rocket_chat_clients_ask_it() {
        assert!(uses_collection(&[json!("r1"), json!(true)]));
        assert!(uses_collection(&[
            json!("r1"),
            json!({"useCollection": true, "args": []})
        ]));
        assert!(!uses_collection(&[json!("r1"), json!(false)]));
        assert!(!uses_collection(&[
            json!("r1"),
            json!({"useCollection": false})
        ]));
        assert!(!uses_collection(&[json!("r1")]));
    }
}
