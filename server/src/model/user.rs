//! User accounts.

use serde::{Deserialize, Serialize};

use super::{Timestamp, UserId};

/// Presence as clients show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Online,
    Away,
    Busy,
    #[default]
    Offline,
}

impl Presence {
    /// Parses the lowercase name Rocket.Chat uses.
    pub fn parse(text: &str) -> Option<Presence> {
        match text {
            "online" => Some(Presence::Online),
            "away" => Some(Presence::Away),
            "busy" => Some(Presence::Busy),
            "offline" => Some(Presence::Offline),
            _ => None,
        }
    }

    /// The number Rocket.Chat's real-time events carry for it (offline 0,
    /// online 1, away 2, busy 3).
    pub fn code(self) -> u8 {
        match self {
            Presence::Offline => 0,
            Presence::Online => 1,
            Presence::Away => 2,
            Presence::Busy => 3,
        }
    }
}

/// A person or a bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    #[default]
    User,
    Bot,
}

/// An e-mail address of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub address: String,
    #[serde(default)]
    pub verified: bool,
}

/// A user account, shaped like Rocket.Chat's `users` document (without
/// secrets: password hashes and tokens live apart, in the store's
/// credential records).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    #[serde(rename = "_id")]
    pub id: UserId,
    pub username: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub status: Presence,
    /// The presence the user chose; `status` falls back to it on sign-in.
    #[serde(rename = "statusDefault", default)]
    pub status_default: Presence,
    #[serde(rename = "statusText", default)]
    pub status_text: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// Global roles: `admin`, `user`, `bot`.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(rename = "type", default)]
    pub kind: UserKind,
    #[serde(rename = "createdAt")]
    pub created_at: Timestamp,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Timestamp,
    #[serde(rename = "lastLogin", default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Timestamp>,
    /// Hours east of UTC, as the user's client last reported it
    /// (Rocket.Chat's `utcOffset`); `None` until it does.
    #[serde(rename = "utcOffset", default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<f64>,
    #[serde(rename = "requirePasswordChange", default)]
    pub require_password_change: bool,
}

fn yes() -> bool {
    true
}

impl User {
    /// A new active account with the given roles.
    pub fn new(username: &str, name: &str, roles: &[&str], kind: UserKind) -> User {
        let now = Timestamp::now();
        User {
            id: UserId::random(),
            username: username.to_owned(),
            name: name.to_owned(),
            emails: Vec::new(),
            status: Presence::Offline,
            status_default: Presence::Online,
            status_text: String::new(),
            active: true,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            kind,
            created_at: now,
            updated_at: now,
            last_login: None,
            utc_offset: None,
            require_password_change: false,
        }
    }

    /// Whether the user holds a global role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the user is a server administrator.
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }

    /// The first e-mail address, if any.
    pub fn email(&self) -> Option<&str> {
        self.emails.first().map(|e| e.address.as_str())
    }

    /// The short form embedded in messages and rooms.
    pub fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id.clone(),
            username: self.username.clone(),
            name: Some(self.name.clone()).filter(|n| !n.is_empty()),
        }
    }
}

/// The short form of a user (`u` in messages, rooms and subscriptions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    #[serde(rename = "_id")]
    pub id: UserId,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
