//! What changed, and who it concerns.

use std::sync::OnceLock;

use bytes::Bytes;

use crate::model::{Message, MessageId, Presence, Room, RoomId, Subscription, Timestamp, UserId};

/// One committed change, as listeners see it.
#[derive(Clone, Debug)]
pub enum Change {
    /// A message was stored.
    MessageInserted(Message),
    /// A message changed (edit, reaction, pin, star): its new state.
    MessageUpdated(Message),
    /// A message was deleted.
    MessageDeleted { room: RoomId, id: MessageId },
    /// Messages of a room in a time range were deleted (`rooms.cleanHistory`).
    HistoryPruned {
        room: RoomId,
        oldest: Timestamp,
        latest: Timestamp,
    },
    /// A user became a member of a room.
    SubscriptionInserted(Subscription),
    /// A member's state of a room changed (read mark, favourite, open,
    /// roles, name). Only the room and user are known for some writes:
    /// listeners read the record if they need it.
    SubscriptionUpdated { room: RoomId, user: UserId },
    /// A user stopped being a member of a room.
    SubscriptionRemoved { room: RoomId, user: UserId },
    /// A room was created or its settings changed: its new state.
    RoomUpdated(Room),
    /// A room was deleted with its messages and memberships.
    RoomDeleted(RoomId),
    /// A message only one user sees (an app's private answer). Never
    /// stored.
    Ephemeral { user: UserId, message: Message },
    /// Sign-ins of a user ended: one token was revoked (`token` is its
    /// digest), or all of them (`None`: the user was deactivated or
    /// deleted). Live sessions signed in with them must end too.
    SessionsEnded { user: UserId, token: Option<String> },
    /// A member is typing (or stopped: no activities). Never stored.
    Activity {
        room: RoomId,
        username: String,
        activities: Vec<String>,
    },
    /// A user's presence or status message changed: how they show now.
    PresenceChanged(UserFace),
    /// A user's display name or username changed: how they show now.
    UserRenamed(UserFace),
}

/// How a user shows to everyone signed in: who they are and their
/// presence, as status and name changes carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFace {
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub status: Presence,
    pub status_text: String,
}

/// Whose listeners a change goes to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Everyone watching a room.
    Room(RoomId),
    /// Every connection of one user.
    User(UserId),
    /// Every signed-in connection that listens (status and name changes,
    /// which any user may see).
    Everyone,
}

impl Change {
    /// The topic this change is published on.
    pub fn topic(&self) -> Topic {
        match self {
            Change::MessageInserted(m) | Change::MessageUpdated(m) => Topic::Room(m.rid.clone()),
            Change::MessageDeleted { room, .. } | Change::HistoryPruned { room, .. } => {
                Topic::Room(room.clone())
            }
            Change::RoomUpdated(room) => Topic::Room(room.id.clone()),
            Change::RoomDeleted(room) | Change::Activity { room, .. } => Topic::Room(room.clone()),
            Change::SubscriptionInserted(sub) => Topic::User(sub.user.id.clone()),
            Change::SubscriptionUpdated { user, .. }
            | Change::SubscriptionRemoved { user, .. }
            | Change::Ephemeral { user, .. }
            | Change::SessionsEnded { user, .. } => Topic::User(user.clone()),
            Change::PresenceChanged(_) | Change::UserRenamed(_) => Topic::Everyone,
        }
    }
}

/// How many shared encodings one event can have: a change may be shown
/// in two forms (the real-time API sends a message on its room's stream
/// and on a user's all-rooms stream; a status change to every signed-in
/// user and to those watching that user).
pub const FORMS: usize = 2;

/// A change on its way to listeners, shared by all of them.
#[derive(Debug)]
pub struct Event {
    /// What changed.
    pub change: Change,
    /// The change encoded once per form for every listener that sends the
    /// same bytes (the real-time API's frame of a room event is the same
    /// for every subscriber), filled by the first listener that needs it.
    encoded: [OnceLock<Bytes>; FORMS],
}

impl Event {
    /// An event for `change`, not encoded yet.
    pub fn new(change: Change) -> Event {
        Event {
            change,
            encoded: Default::default(),
        }
    }

    /// The shared encoding in the first form, made by `encode` the first
    /// time.
    pub fn encoded_with(&self, encode: impl FnOnce(&Change) -> Bytes) -> Bytes {
        self.encoded_as(0, encode)
    }

    /// The shared encoding in form `form` (below [`FORMS`]), made by
    /// `encode` the first time.
    pub fn encoded_as(&self, form: usize, encode: impl FnOnce(&Change) -> Bytes) -> Bytes {
        self.encoded[form]
            .get_or_init(|| encode(&self.change))
            .clone()
    }
}
