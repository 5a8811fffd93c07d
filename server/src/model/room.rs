//! Rooms: public channels, private groups and direct messages.

use serde::{Deserialize, Serialize};

use super::{RoomId, Timestamp, UserId, UserRef};

/// The kind of a room, as Rocket.Chat's one-letter `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoomKind {
    /// A public channel (`c`): anyone signed in may read and join.
    #[serde(rename = "c")]
    Channel,
    /// A private group (`p`): members only.
    #[serde(rename = "p")]
    PrivateGroup,
    /// A direct conversation (`d`) between its members only.
    #[serde(rename = "d")]
    Direct,
}

impl RoomKind {
    /// The one-letter code.
    pub fn code(self) -> &'static str {
        match self {
            RoomKind::Channel => "c",
            RoomKind::PrivateGroup => "p",
            RoomKind::Direct => "d",
        }
    }

    /// Parses the one-letter code.
    pub fn from_code(code: &str) -> Option<RoomKind> {
        match code {
            "c" => Some(RoomKind::Channel),
            "p" => Some(RoomKind::PrivateGroup),
            "d" => Some(RoomKind::Direct),
            _ => None,
        }
    }
}

/// A role a member holds in one room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomRole {
    Owner,
    Moderator,
    Leader,
}

impl RoomRole {
    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            RoomRole::Owner => "owner",
            RoomRole::Moderator => "moderator",
            RoomRole::Leader => "leader",
        }
    }
}

/// A room, shaped like Rocket.Chat's `rocketchat_room` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    #[serde(rename = "_id")]
    pub id: RoomId,
    #[serde(rename = "t")]
    pub kind: RoomKind,
    /// Unique among channels and groups; absent for direct messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    /// The creator.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<UserRef>,
    pub ts: Timestamp,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
    #[serde(rename = "usersCount", default)]
    pub users_count: u64,
    /// Messages in the room.
    #[serde(default)]
    pub msgs: u64,
    /// When the last message was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// Read-only: only owners, moderators and admins may post.
    #[serde(default)]
    pub ro: bool,
    #[serde(default)]
    pub archived: bool,
    /// New users join default rooms.
    #[serde(default)]
    pub default: bool,
    #[serde(rename = "sysMes", default = "yes")]
    pub sys_mes: bool,
    /// Members' usernames, for direct messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    /// Members' ids, for direct messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uids: Vec<UserId>,
}

fn yes() -> bool {
    true
}

impl Room {
    /// A new channel or group named `name`, created by `creator`.
    pub fn new(kind: RoomKind, name: &str, creator: Option<UserRef>) -> Room {
        let now = Timestamp::now();
        Room {
            id: RoomId::random(),
            kind,
            name: Some(name.to_owned()),
            fname: Some(name.to_owned()),
            creator,
            ts: now,
            updated_at: now,
            users_count: 0,
            msgs: 0,
            lm: None,
            topic: None,
            description: None,
            announcement: None,
            ro: false,
            archived: false,
            default: false,
            sys_mes: true,
            usernames: Vec::new(),
            uids: Vec::new(),
        }
    }

    /// The name to show: the room's name, or the members of a DM.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.usernames.join(", "))
    }
}

/// The id of the direct-message room of these users: their ids sorted and
/// concatenated, as Rocket.Chat makes it, so the same pair always meets in
/// the same room.
pub fn direct_room_id(users: &[&UserId]) -> RoomId {
    let mut ids: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() == 1 {
        // A conversation with yourself.
        return RoomId(format!("{}{}", ids[0], ids[0]));
    }
    RoomId(ids.concat())
}
