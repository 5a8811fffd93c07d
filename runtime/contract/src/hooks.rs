//! The hooks an app may implement, and the contract interface each one's
//! export lives in.

use std::fmt;
use std::str::FromStr;

/// A hook an app may implement; the manifest's `implements` lists them.
/// The runtime calls only the hooks an app declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hook {
    Lifecycle,
    PreSendPrevent,
    PreSendModify,
    PostSend,
    PostUpdate,
    PostDelete,
    RoomCreated,
    UserJoined,
    UserLeft,
    Command,
    CommandPreview,
    Endpoint,
    Job,
    UiAction,
    ValidateSettings,
}

impl Hook {
    /// Every hook.
    pub const ALL: [Hook; 15] = [
        Hook::Lifecycle,
        Hook::PreSendPrevent,
        Hook::PreSendModify,
        Hook::PostSend,
        Hook::PostUpdate,
        Hook::PostDelete,
        Hook::RoomCreated,
        Hook::UserJoined,
        Hook::UserLeft,
        Hook::Command,
        Hook::CommandPreview,
        Hook::Endpoint,
        Hook::Job,
        Hook::UiAction,
        Hook::ValidateSettings,
    ];

    /// The name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Lifecycle => "lifecycle",
            Hook::PreSendPrevent => "pre-send-prevent",
            Hook::PreSendModify => "pre-send-modify",
            Hook::PostSend => "post-send",
            Hook::PostUpdate => "post-update",
            Hook::PostDelete => "post-delete",
            Hook::RoomCreated => "room-created",
            Hook::UserJoined => "user-joined",
            Hook::UserLeft => "user-left",
            Hook::Command => "command",
            Hook::CommandPreview => "command-preview",
            Hook::Endpoint => "endpoint",
            Hook::Job => "job",
            Hook::UiAction => "ui-action",
            Hook::ValidateSettings => "validate-settings",
        }
    }

    /// The WIT interface that must be exported for this hook.
    pub fn interface(self) -> &'static str {
        match self {
            Hook::Lifecycle => "lifecycle",
            Hook::PreSendPrevent
            | Hook::PreSendModify
            | Hook::PostSend
            | Hook::PostUpdate
            | Hook::PostDelete => "message-events",
            Hook::RoomCreated | Hook::UserJoined | Hook::UserLeft => "room-events",
            Hook::Command | Hook::CommandPreview => "commands",
            Hook::Endpoint => "endpoints",
            Hook::Job => "jobs",
            Hook::UiAction => "ui",
            Hook::ValidateSettings => "settings-validation",
        }
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A hook name no runtime knows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown hook `{0}`; known hooks: lifecycle, pre-send-prevent, pre-send-modify, post-send, post-update, post-delete, room-created, user-joined, user-left, command, command-preview, endpoint, job, ui-action, validate-settings"
)]
pub struct UnknownHook(pub String);

impl FromStr for Hook {
    type Err = UnknownHook;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hook::ALL
            .into_iter()
            .find(|h| h.name() == s)
            .ok_or_else(|| UnknownHook(s.to_string()))
    }
}
