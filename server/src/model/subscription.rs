//! Memberships: a user's subscription to a room.

use serde::{Deserialize, Serialize};

use super::{RoomId, RoomKind, RoomRole, Timestamp, UserRef};

/// A user's membership of a room with its per-user state, shaped like
/// Rocket.Chat's `rocketchat_subscription` document.
///
/// `unread`, `user_mentions` and `group_mentions` are computed by the store
/// when it reads a subscription (messages by others after `ls`), so sending
/// a message costs the same in a room of two or of ten thousand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: RoomId,
    #[serde(rename = "u")]
    pub user: UserRef,
    /// The room's name, or for a DM the other member's username.
    pub name: String,
    #[serde(default)]
    pub fname: String,
    #[serde(rename = "t")]
    pub kind: RoomKind,
    /// When the user joined.
    pub ts: Timestamp,
    /// Last seen: messages after this are unread.
    pub ls: Timestamp,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
    /// Shown in the user's room list.
    #[serde(default = "yes")]
    pub open: bool,
    /// Unread messages exist.
    #[serde(default)]
    pub alert: bool,
    #[serde(default)]
    pub unread: u64,
    #[serde(rename = "userMentions", default)]
    pub user_mentions: u64,
    #[serde(rename = "groupMentions", default)]
    pub group_mentions: u64,
    /// Favourite.
    #[serde(default)]
    pub f: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoomRole>,
    #[serde(default)]
    pub archived: bool,
    /// Users whose messages this user ignores in the room.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Subscription {
    /// A fresh membership of `user` in a room called `name`.
    pub fn new(rid: &RoomId, kind: RoomKind, name: &str, user: UserRef) -> Subscription {
        let now = Timestamp::now();
        Subscription {
            id: format!("{}{}", rid, user.id),
            rid: rid.clone(),
            user,
            name: name.to_owned(),
            fname: name.to_owned(),
            kind,
            ts: now,
            // Unread counts take messages *after* `ls`, at millisecond
            // precision: a message sent in the very millisecond the member
            // joined must count, so the mark starts just before the join.
            ls: Timestamp(now.millis() - 1),
            updated_at: now,
            open: true,
            alert: false,
            unread: 0,
            user_mentions: 0,
            group_mentions: 0,
            f: false,
            roles: Vec::new(),
            archived: false,
            ignored: Vec::new(),
        }
    }

    /// Whether the member holds a room role.
    pub fn has_role(&self, role: RoomRole) -> bool {
        self.roles.contains(&role)
    }
}
