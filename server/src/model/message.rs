//! Messages, with their threads, edits, reactions, mentions and
//! attachments.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{MessageId, RoomId, Timestamp, UserId, UserRef};

/// System message types (`t`), as Rocket.Chat names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    UserJoined,
    UserLeft,
    UserAdded,
    UserRemoved,
    RoomRenamed,
    TopicChanged,
    DescriptionChanged,
    AnnouncementChanged,
    TypeChanged,
    RoleAdded,
    RoleRemoved,
    Archived,
    Unarchived,
    HistoryPruned,
}

impl MessageKind {
    /// The `t` code clients switch on.
    pub fn code(self) -> &'static str {
        match self {
            MessageKind::UserJoined => "uj",
            MessageKind::UserLeft => "ul",
            MessageKind::UserAdded => "au",
            MessageKind::UserRemoved => "ru",
            MessageKind::RoomRenamed => "r",
            MessageKind::TopicChanged => "room_changed_topic",
            MessageKind::DescriptionChanged => "room_changed_description",
            MessageKind::AnnouncementChanged => "room_changed_announcement",
            MessageKind::TypeChanged => "room_changed_privacy",
            MessageKind::RoleAdded => "subscription-role-added",
            MessageKind::RoleRemoved => "subscription-role-removed",
            MessageKind::Archived => "room-archived",
            MessageKind::Unarchived => "room-unarchived",
            MessageKind::HistoryPruned => "room-pruned",
        }
    }
}

/// A mentioned user (or `all` / `here`, with those as id and username).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default = "user_type")]
    pub kind: String,
}

fn user_type() -> String {
    "user".to_owned()
}

impl Mention {
    /// Whether this mentions everyone in the room (`@all` or `@here`).
    pub fn is_group(&self) -> bool {
        self.id == "all" || self.id == "here"
    }
}

/// A mentioned channel (`#name`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMention {
    #[serde(rename = "_id")]
    pub id: RoomId,
    pub name: String,
}

/// Who reacted with one emoji.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Reaction {
    pub usernames: Vec<String>,
}

/// A user who starred a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Star {
    #[serde(rename = "_id")]
    pub id: UserId,
}

/// A message, shaped like Rocket.Chat's `rocketchat_message` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(rename = "_id")]
    pub id: MessageId,
    pub rid: RoomId,
    #[serde(default)]
    pub msg: String,
    pub ts: Timestamp,
    #[serde(rename = "u")]
    pub sender: UserRef,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
    /// A system message's type; `None` for what a user wrote.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "editedAt", default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    #[serde(rename = "editedBy", default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<UserRef>,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default)]
    pub channels: Vec<RoomMention>,
    /// Attachment metadata as clients send it (title, text, image_url,
    /// fields, actions, ...), kept as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, Reaction>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(rename = "pinnedAt", default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<Timestamp>,
    #[serde(rename = "pinnedBy", default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<UserRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starred: Vec<Star>,
    /// The thread this message replies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmid: Option<MessageId>,
    /// A thread reply that is also shown in the room (`tshow`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tshow: bool,
    /// Replies in the thread this message starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcount: Option<u64>,
    /// When the thread this message starts last got a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlm: Option<Timestamp>,
    /// Who replied in the thread.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default = "yes")]
    pub groupable: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<Value>,
    /// The room role a role-change system message is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The app that sent this message through its bot user. Rocket.Chat's
    /// messages have no such field, so it is left out unless set.
    #[serde(rename = "appId", default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// What a bot or integration marks its messages with (Rocket.Chat's
    /// SDKs send `{"i": <integration id>}`), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<Value>,
}

fn yes() -> bool {
    true
}

impl Message {
    /// A new message by `sender` in `rid`, timestamped now.
    pub fn new(rid: &RoomId, sender: UserRef, text: &str) -> Message {
        let now = Timestamp::now();
        Message {
            id: MessageId::random(),
            rid: rid.clone(),
            msg: text.to_owned(),
            ts: now,
            sender,
            updated_at: now,
            kind: None,
            edited_at: None,
            edited_by: None,
            mentions: Vec::new(),
            channels: Vec::new(),
            attachments: Vec::new(),
            reactions: BTreeMap::new(),
            pinned: false,
            pinned_at: None,
            pinned_by: None,
            starred: Vec::new(),
            tmid: None,
            tshow: false,
            tcount: None,
            tlm: None,
            replies: Vec::new(),
            alias: None,
            emoji: None,
            avatar: None,
            groupable: true,
            urls: Vec::new(),
            role: None,
            app_id: None,
            bot: None,
        }
    }

    /// A system message of `kind` about `text` (usually a username).
    pub fn system(rid: &RoomId, actor: UserRef, kind: MessageKind, text: &str) -> Message {
        let mut message = Message::new(rid, actor, text);
        message.kind = Some(kind.code().to_owned());
        message.groupable = false;
        message
    }

    /// Whether a user wrote this (not a system message).
    pub fn is_user_message(&self) -> bool {
        self.kind.is_none()
    }

    /// Whether `user` is mentioned by name.
    pub fn mentions_user(&self, user: &UserId) -> bool {
        self.mentions.iter().any(|m| m.id == user.as_str())
    }

    /// Whether `@all` or `@here` is mentioned.
    pub fn mentions_group(&self) -> bool {
        self.mentions.iter().any(Mention::is_group)
    }
}
