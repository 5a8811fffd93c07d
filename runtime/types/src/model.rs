//! The chat records the runtime exchanges with the server through the
//! [`Bridge`](crate::Bridge) and with apps through the WIT contract.
//!
//! They are independent of any WIT version: each version's bindings convert
//! to and from these, so the server never sees generated types.

use capsule_contract::SettingType;
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch.
pub type Timestamp = u64;

/// The short form of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub username: String,
    pub name: Option<String>,
}

/// Presence as clients show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Online,
    Away,
    Busy,
    Offline,
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub status: UserStatus,
    pub is_bot: bool,
}

impl User {
    /// The short form of this user.
    pub fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
        }
    }
}

/// Channel, private group or direct conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomKind {
    Channel,
    PrivateGroup,
    Direct,
}

/// A room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub kind: RoomKind,
    pub topic: Option<String>,
    pub description: Option<String>,
    pub creator: Option<UserRef>,
    pub read_only: bool,
    pub archived: bool,
    pub member_count: u32,
    pub created_at: Timestamp,
}

/// One field of an attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentField {
    pub title: String,
    pub value: String,
    pub short: bool,
}

/// A button on a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionButton {
    pub action_id: String,
    pub text: String,
    pub value: Option<String>,
}

/// A message attachment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub title: Option<String>,
    pub title_link: Option<String>,
    pub text: Option<String>,
    pub image_url: Option<String>,
    pub color: Option<String>,
    pub fields: Vec<AttachmentField>,
    pub actions: Vec<ActionButton>,
}

impl Attachment {
    /// Bytes of text this attachment carries, for output caps.
    pub fn byte_len(&self) -> usize {
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        opt(&self.title)
            + opt(&self.title_link)
            + opt(&self.text)
            + opt(&self.image_url)
            + opt(&self.color)
            + self
                .fields
                .iter()
                .map(|f| f.title.len() + f.value.len())
                .sum::<usize>()
            + self
                .actions
                .iter()
                .map(|a| a.action_id.len() + a.text.len() + opt(&a.value))
                .sum::<usize>()
    }
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub room_id: String,
    pub sender: UserRef,
    pub text: String,
    pub thread_id: Option<String>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub attachments: Vec<Attachment>,
    pub mentions: Vec<String>,
    pub alias: Option<String>,
    pub app_id: Option<String>,
}

impl Message {
    /// Applies a modify hook's edit.
    pub fn apply(&mut self, edit: MessageEdit) {
        if let Some(text) = edit.text {
            self.text = text;
        }
        if let Some(attachments) = edit.attachments {
            self.attachments = attachments;
        }
    }
}

/// A message an app asks to send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    pub room_id: String,
    pub text: String,
    pub thread_id: Option<String>,
    pub alias: Option<String>,
    pub emoji: Option<String>,
    pub avatar_url: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// The changes a modify hook makes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdit {
    pub text: Option<String>,
    pub attachments: Option<Vec<Attachment>>,
}

impl MessageEdit {
    /// Bytes of text the edit carries.
    pub fn byte_len(&self) -> usize {
        self.text.as_ref().map_or(0, String::len)
            + self
                .attachments
                .as_ref()
                .map_or(0, |a| a.iter().map(Attachment::byte_len).sum())
    }
}

/// A pre-send prevent hook's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Allow,
    Veto(String),
}

/// An HTTP request (inbound to an endpoint, or outbound from an app).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An HTTP response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Bytes the response carries.
    pub fn byte_len(&self) -> usize {
        self.body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

/// A typed setting value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SettingValue {
    Text(String),
    Number(f64),
    Boolean(bool),
}

impl SettingValue {
    /// The value of JSON `value` for a setting of type `kind`, if it is of
    /// that type.
    pub fn from_json(kind: SettingType, value: &serde_json::Value) -> Option<SettingValue> {
        match kind {
            SettingType::Text => value.as_str().map(|s| SettingValue::Text(s.to_owned())),
            SettingType::Number => value.as_f64().map(SettingValue::Number),
            SettingType::Boolean => value.as_bool().map(SettingValue::Boolean),
        }
    }
}

/// When a job runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Schedule {
    At(Timestamp),
    AfterMs(u64),
    EveryMs(u64),
    Cron(String),
}

/// One slash command invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    pub command: String,
    pub args: Vec<String>,
    pub raw_args: String,
    pub room: Room,
    pub user: UserRef,
    pub thread_id: Option<String>,
    pub trigger_id: String,
}

/// What a preview item shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewKind {
    Text,
    Image,
}

/// One choice of a command preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewItem {
    pub id: String,
    pub value: String,
    pub kind: PreviewKind,
}

/// A job as it comes due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub payload: Vec<u8>,
    pub attempt: u32,
}

/// A button press on a message an app posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub action_id: String,
    pub value: Option<String>,
    pub user: UserRef,
    pub room_id: String,
    pub message_id: Option<String>,
    pub trigger_id: String,
}

/// A job an app scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledJob {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub when: Schedule,
    pub payload: Vec<u8>,
}

/// A message shown to one user only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub app_id: String,
    pub room_id: String,
    pub user_id: String,
    pub text: String,
}
