//! The streams a client can subscribe to, who may, and which changes each
//! one carries.
//!
//! | stream | parameter | carries |
//! | --- | --- | --- |
//! | `stream-room-messages` | a room id | new and changed messages (edits, reactions, pins, thread counts) |
//! | `stream-notify-room` | `<rid>/deleteMessage` | deleted messages (`{"_id"}`) |
//! | `stream-notify-room` | `<rid>/deleteMessageBulk` | pruned history (`rooms.cleanHistory`) |
//! | `stream-notify-room` | `<rid>/user-activity` | who is typing: `username, ["user-typing"]` (`[]` when they stop) |
//! | `stream-notify-user` | `<uid>/subscriptions-changed` | the user's memberships: `inserted`, `updated`, `removed` |
//! | `stream-notify-user` | `<uid>/message` | messages only this user sees (apps' private answers) |
//!
//! A room stream needs read access to the room when it starts, and loses
//! it when that access goes (the member leaves or is removed from a
//! private room, the room turns private or is deleted): the server then
//! ends the subscription with `nosub` and an error. A user stream is the
//! signed-in user's own.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::outbox::{Gone, Outbox};
use super::protocol::{DdpError, stream_event};
use crate::model::{RoomId, UserId};
use crate::reactivity::{Change, Event, Offer, Sink, Topic};

/// One subscription a client asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stream {
    RoomMessages(RoomId),
    RoomDeletions(RoomId),
    RoomPrunes(RoomId),
    RoomActivity(RoomId),
    UserSubscriptions(UserId),
    UserMessages(UserId),
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
        let first = params.first().and_then(Value::as_str).ok_or_else(|| {
            DdpError::typed(
                "error-invalid-params",
                format!("`{name}` takes the event name (a room or user id) as its first parameter"),
            )
        })?;
        match name {
            "stream-room-messages" if first == "__my_messages__" => Err(DdpError::typed(
                "error-not-allowed",
                "`__my_messages__` is not offered: subscribe to each room",
            )),
            "stream-room-messages" => Ok(Stream::RoomMessages(RoomId::from(first))),
            "stream-notify-room" => match first.rsplit_once('/') {
                Some((room, "deleteMessage")) => Ok(Stream::RoomDeletions(RoomId::from(room))),
                Some((room, "deleteMessageBulk")) => Ok(Stream::RoomPrunes(RoomId::from(room))),
                Some((room, "user-activity")) => Ok(Stream::RoomActivity(RoomId::from(room))),
                _ => Err(unknown_event(name, first)),
            },
            "stream-notify-user" => {
                let (owner, event) = first
                    .split_once('/')
                    .ok_or_else(|| unknown_event(name, first))?;
                if owner != user.as_str() {
                    return Err(DdpError::typed(
                        "error-not-allowed",
                        "a user stream is only its own user's",
                    ));
                }
                match event {
                    "subscriptions-changed" => Ok(Stream::UserSubscriptions(user.clone())),
                    "message" => Ok(Stream::UserMessages(user.clone())),
                    _ => Err(unknown_event(name, first)),
                }
            }
            _ => Err(DdpError::code(
                404,
                format!("Subscription '{name}' not found"),
            )),
        }
    }

    /// The bus topic the stream listens on.
    pub fn topic(&self) -> Topic {
        match self {
            Stream::RoomMessages(room)
            | Stream::RoomDeletions(room)
            | Stream::RoomPrunes(room)
            | Stream::RoomActivity(room) => Topic::Room(room.clone()),
            Stream::UserSubscriptions(user) | Stream::UserMessages(user) => {
                Topic::User(user.clone())
            }
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

fn unknown_event(stream: &str, event: &str) -> DdpError {
    DdpError::typed(
        "error-invalid-params",
        format!("`{event}` is not an event of `{stream}` this server offers"),
    )
}

/// What a connection must work out itself (it needs the store, which a
/// sink may not wait for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Access to this room may have changed: check the room streams.
    RoomAccess(RoomId),
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
    /// streams even when the client watches no user stream.
    Access,
}

/// A [`Stream`] without its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    RoomMessages,
    RoomDeletions,
    RoomPrunes,
    RoomActivity,
    UserSubscriptions,
    UserMessages,
}

impl From<&Stream> for StreamKind {
    fn from(stream: &Stream) -> StreamKind {
        match stream {
            Stream::RoomMessages(_) => StreamKind::RoomMessages,
            Stream::RoomDeletions(_) => StreamKind::RoomDeletions,
            Stream::RoomPrunes(_) => StreamKind::RoomPrunes,
            Stream::RoomActivity(_) => StreamKind::RoomActivity,
            Stream::UserSubscriptions(_) => StreamKind::UserSubscriptions,
            Stream::UserMessages(_) => StreamKind::UserMessages,
        }
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
        match self.outbox.offer(event) {
            Ok(()) => Offer::Taken,
            Err(Gone::Lagging) => Offer::Full,
            Err(Gone::Closed) => Offer::Closed,
        }
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
            | (Wants::Stream(K::UserMessages), Change::Ephemeral { .. }) => self.shared(event),
            (
                Wants::Stream(K::RoomMessages | K::RoomDeletions | K::RoomPrunes | K::RoomActivity),
                Change::RoomUpdated(room),
            ) => self.control(Control::RoomAccess(room.id.clone())),
            (
                Wants::Stream(K::RoomMessages | K::RoomDeletions | K::RoomPrunes | K::RoomActivity),
                Change::RoomDeleted(room),
            ) => self.control(Control::RoomAccess(room.clone())),
            (Wants::Access, Change::SubscriptionRemoved { room, .. }) => {
                self.control(Control::RoomAccess(room.clone()))
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

/// The frame every listener of a shared change sends (the same bytes for
/// every subscriber, so it is made once per change).
pub fn shared_frame(change: &Change) -> Bytes {
    match change {
        Change::MessageInserted(message) | Change::MessageUpdated(message) => {
            stream_event("stream-room-messages", message.rid.as_str(), &[message])
        }
        Change::MessageDeleted { room, id } => stream_event(
            "stream-notify-room",
            &format!("{room}/deleteMessage"),
            &[json!({ "_id": id })],
        ),
        Change::HistoryPruned {
            room,
            oldest,
            latest,
        } => stream_event(
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
        Change::Ephemeral { user, message } => {
            stream_event("stream-notify-user", &format!("{user}/message"), &[message])
        }
        Change::Activity {
            room,
            username,
            activities,
        } => stream_event(
            "stream-notify-room",
            &format!("{room}/user-activity"),
            &json!([username, activities, {}]),
        ),
        // Never offered as shared frames (see `Listener::offer`).
        Change::SubscriptionInserted(_)
        | Change::SubscriptionUpdated { .. }
        | Change::SubscriptionRemoved { .. }
        | Change::RoomUpdated(_)
        | Change::RoomDeleted(_)
        | Change::SessionsEnded { .. } => Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
