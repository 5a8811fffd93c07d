//! What a connection follows in every room its user is a member of, for
//! the all-rooms streams: `__my_messages__`, `<uid>/subscriptions-changed`
//! (unread counts move when someone else posts), `<uid>/rooms-changed` and
//! `<uid>/notification`.
//!
//! Each member room is one listener on the room's topic. It keeps the room
//! and the user's membership as last seen and works out the next state
//! from each event (a message by someone else is one more unread), so a
//! delivery reads nothing from the store. The connection loads its member
//! rooms when a stream first needs them, adds one when the user joins a
//! room and drops it when they leave.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use serde_json::{Value, json};

use super::frames::{RoomLabel, Shown, record_json, removed_room, user_event};
use super::outbox::{Gone, Outbox};
use super::streams::{Follow, offered};
use crate::model::{Message, Room, RoomId, RoomKind, Subscription, UserId};
use crate::reactivity::{Change, Event, Offer, Sink};
use crate::store::UNREAD_CAP;

/// Which all-rooms streams a connection has open, shared by all its
/// member rooms so that opening or closing one is a flag, not a walk.
#[derive(Debug, Default)]
pub struct Follows {
    my_messages: AtomicBool,
    subscriptions: AtomicBool,
    rooms: AtomicBool,
    notifications: AtomicBool,
}

impl Follows {
    fn flag(&self, follow: Follow) -> &AtomicBool {
        match follow {
            Follow::MyMessages => &self.my_messages,
            Follow::Subscriptions => &self.subscriptions,
            Follow::Rooms => &self.rooms,
            Follow::Notifications => &self.notifications,
        }
    }

    /// Whether `follow` is open.
    pub fn has(&self, follow: Follow) -> bool {
        self.flag(follow).load(Ordering::Acquire)
    }

    /// Opens exactly the streams in `open`; whether any is open.
    pub fn set(&self, open: &[Follow]) -> bool {
        for follow in [
            Follow::MyMessages,
            Follow::Subscriptions,
            Follow::Rooms,
            Follow::Notifications,
        ] {
            self.flag(follow)
                .store(open.contains(&follow), Ordering::Release);
        }
        !open.is_empty()
    }
}

/// One room of the user's, as a listener on the room's topic.
pub struct MemberRoom {
    user: UserId,
    outbox: Outbox,
    follows: Arc<Follows>,
    known: Mutex<Known>,
}

/// The room and membership as last seen.
struct Known {
    room: Room,
    label: Arc<RoomLabel>,
    membership: Option<Subscription>,
    last_message: Option<Message>,
}

fn label_of(room: &Room) -> Arc<RoomLabel> {
    Arc::new(RoomLabel {
        name: room.name.clone(),
        kind: room.kind,
    })
}

impl MemberRoom {
    /// `room` of `user`, whose membership is `membership`, writing to
    /// `outbox` what `follows` asks for.
    pub fn new(
        user: UserId,
        outbox: Outbox,
        follows: Arc<Follows>,
        room: Room,
        membership: Option<Subscription>,
    ) -> MemberRoom {
        MemberRoom {
            user,
            outbox,
            follows,
            known: Mutex::new(Known {
                label: label_of(&room),
                room,
                membership,
                last_message: None,
            }),
        }
    }

    /// The membership as stored now (read after a change of its own).
    pub fn set_membership(&self, membership: Subscription) {
        self.known.lock().membership = Some(membership);
    }

    /// The room as `rooms-changed` shows it.
    pub fn room_json(&self) -> Value {
        let known = self.known.lock();
        room_json(&known.room, known.last_message.as_ref())
    }

    fn send(&self, event: &str, args: Value) -> Result<(), Gone> {
        self.outbox
            .offer_frame(user_event(&self.user, event, &args))
    }

    fn on_message(&self, event: &Arc<Event>, message: &Message, new: bool) -> Result<(), Gone> {
        let mut known = self.known.lock();
        if self.follows.has(Follow::MyMessages) {
            self.outbox
                .offer(event, Shown::MyMessages(known.label.clone()))?;
        }
        if !new {
            return Ok(());
        }
        known.room.lm = Some(message.ts);
        known.room.msgs += 1;
        if self.follows.has(Follow::Rooms) {
            known.last_message = Some(message.clone());
            let room = room_json(&known.room, Some(message));
            self.send("rooms-changed", json!(["updated", room]))?;
        }
        if message.sender.id == self.user || !message.is_user_message() {
            return Ok(());
        }
        if let Some(membership) = known.membership.as_mut()
            && count_unread(membership, message)
            && self.follows.has(Follow::Subscriptions)
        {
            let record = record_json(membership);
            self.send("subscriptions-changed", json!(["updated", record]))?;
        }
        if self.follows.has(Follow::Notifications)
            && asks_attention(&known.room, message, &self.user)
        {
            self.send("notification", json!([notification(&known.room, message)]))?;
        }
        Ok(())
    }

    fn on_room(&self, room: &Room) -> Result<(), Gone> {
        let mut known = self.known.lock();
        if known.label.name != room.name || known.label.kind != room.kind {
            known.label = label_of(room);
        }
        known.room = room.clone();
        if self.follows.has(Follow::Rooms) {
            let room = room_json(&known.room, known.last_message.as_ref());
            self.send("rooms-changed", json!(["updated", room]))?;
        }
        Ok(())
    }

    fn on_room_deleted(&self, room: &RoomId) -> Result<(), Gone> {
        if self.follows.has(Follow::Rooms) {
            self.send("rooms-changed", json!(["removed", removed_room(room)]))?;
        }
        Ok(())
    }
}

impl Sink for MemberRoom {
    fn offer(&self, event: &Arc<Event>) -> Offer {
        let outcome = match &event.change {
            Change::MessageInserted(message) => self.on_message(event, message, true),
            Change::MessageUpdated(message) => self.on_message(event, message, false),
            Change::RoomUpdated(room) => self.on_room(room),
            Change::RoomDeleted(room) => {
                let sent = self.on_room_deleted(room);
                // The room is gone: the bus may forget this listener.
                return if sent.is_ok() {
                    Offer::Closed
                } else {
                    offered(sent)
                };
            }
            _ => return Offer::Ignored,
        };
        offered(outcome)
    }
}

/// Counts a message by someone else into a membership, as the store counts
/// when it reads one: a message after the last-seen mark is unread unless
/// it is a thread reply, and mentions count in threads too. Whether the
/// membership changed.
fn count_unread(membership: &mut Subscription, message: &Message) -> bool {
    if message.ts <= membership.ls {
        return false;
    }
    let mut changed = false;
    if message.tmid.is_none() && membership.unread < UNREAD_CAP {
        membership.unread += 1;
        membership.alert = true;
        changed = true;
    }
    if message.mentions_user(&membership.user.id) {
        membership.user_mentions += 1;
        changed = true;
    }
    if message.mentions_group() {
        membership.group_mentions += 1;
        changed = true;
    }
    if changed && message.ts > membership.updated_at {
        membership.updated_at = message.ts;
    }
    changed
}

/// Whether a message by someone else asks for `user`'s attention: every
/// direct message does, elsewhere a mention of them or of everyone.
fn asks_attention(room: &Room, message: &Message, user: &UserId) -> bool {
    room.kind == RoomKind::Direct || message.mentions_user(user) || message.mentions_group()
}

/// A `notification` event, shaped like Rocket.Chat's desktop
/// notifications: a title, a text, and what the message was.
fn notification(room: &Room, message: &Message) -> Value {
    let sender = &message.sender.username;
    let (title, text) = match (&room.kind, &room.name) {
        (RoomKind::Direct, _) | (_, None) => (sender.clone(), message.msg.clone()),
        (_, Some(name)) => (format!("#{name}"), format!("{sender}: {}", message.msg)),
    };
    let mut payload = json!({
        "_id": message.id,
        "rid": message.rid,
        "sender": message.sender,
        "type": room.kind,
        "message": {"msg": message.msg},
    });
    if let Some(name) = &room.name {
        payload["name"] = Value::from(name.as_str());
    }
    if let Some(tmid) = &message.tmid {
        payload["tmid"] = Value::from(tmid.as_str());
    }
    json!({"title": title, "text": text, "payload": payload})
}

/// A room as `rooms-changed` shows it, with its last message when known.
fn room_json(room: &Room, last_message: Option<&Message>) -> Value {
    let mut json = record_json(room);
    if let Some(message) = last_message {
        json["lastMessage"] = record_json(message);
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Mention, Timestamp, UserRef};

    fn alice() -> UserRef {
        UserRef {
            id: "u1".into(),
            username: "alice".into(),
            name: None,
        }
    }

    fn bob_says(text: &str, ts: i64) -> Message {
        let bob = UserRef {
            id: "u2".into(),
            username: "bob".into(),
            name: None,
        };
        let mut message = Message::new(&RoomId::from("r1"), bob, text);
        message.ts = Timestamp(ts);
        message
    }

    fn membership() -> Subscription {
        let mut sub = Subscription::new(&RoomId::from("r1"), RoomKind::Channel, "dev", alice());
        sub.ls = Timestamp(100);
        sub.updated_at = Timestamp(100);
        sub
    }

    #[test]
    fn a_message_after_the_mark_is_one_more_unread() {
        let mut sub = membership();
        assert!(count_unread(&mut sub, &bob_says("hi", 200)));
        assert_eq!(
            (sub.unread, sub.alert, sub.updated_at),
            (1, true, Timestamp(200))
        );
        assert!(!count_unread(&mut sub, &bob_says("old", 50)));
        assert_eq!(sub.unread, 1);
    }

    #[test]
    fn thread_replies_count_only_their_mentions() {
        let mut sub = membership();
        let mut reply = bob_says("@alice look", 200);
        reply.tmid = Some("m0".into());
        assert!(!count_unread(&mut sub, &bob_says("x", 100)));
        reply.mentions.push(Mention {
            id: "u1".into(),
            username: "alice".into(),
            name: None,
            kind: "user".into(),
        });
        assert!(count_unread(&mut sub, &reply));
        assert_eq!((sub.unread, sub.user_mentions), (0, 1));
    }

    #[test]
    fn notifications_name_the_room_and_sender() {
        let mut room = Room::new(RoomKind::Channel, "dev", None);
        room.id = "r1".into();
        let note = notification(&room, &bob_says("hello", 1));
        assert_eq!(note["title"], "#dev");
        assert_eq!(note["text"], "bob: hello");
        assert_eq!(note["payload"]["rid"], "r1");
        assert_eq!(note["payload"]["type"], "c");
        assert_eq!(note["payload"]["sender"]["username"], "bob");
        room.kind = RoomKind::Direct;
        room.name = None;
        assert!(asks_attention(&room, &bob_says("hi", 1), &"u1".into()));
        assert_eq!(notification(&room, &bob_says("hi", 1))["title"], "bob");
    }
}
