//! What the runtime needs to know to load an app: its id, the hooks it
//! implements, what the admin granted, and its limits. The package format
//! (a signed zip with a manifest) produces one of these.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::grants::GrantSet;
use crate::limits::Limits;

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
}

impl Hook {
    /// Every hook.
    pub const ALL: [Hook; 14] = [
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
    "unknown hook `{0}`; known hooks: lifecycle, pre-send-prevent, pre-send-modify, post-send, post-update, post-delete, room-created, user-joined, user-left, command, command-preview, endpoint, job, ui-action"
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

/// Everything the runtime needs to load one app.
#[derive(Clone, Debug)]
pub struct AppSpec {
    /// Unique app id, e.g. `whatsapp`.
    pub id: String,
    /// The hooks the app implements.
    pub implements: BTreeSet<Hook>,
    /// What the admin granted.
    pub grants: GrantSet,
    /// Resource limits.
    pub limits: Limits,
    /// Position in hook chains: lower runs first; ties go by app id.
    pub priority: i32,
    /// When set, a faulting prevent hook vetoes the message instead of
    /// being skipped (for compliance filters that must never be bypassed).
    pub fail_closed: bool,
    /// Id of the publisher key that signed the app's package, if any: the
    /// app stops when that key leaves the trust store.
    pub signer: Option<String>,
}

impl AppSpec {
    /// A spec with default limits, priority 0 and no grants.
    pub fn new(id: impl Into<String>) -> AppSpec {
        AppSpec {
            id: id.into(),
            implements: BTreeSet::new(),
            grants: GrantSet::none(),
            limits: Limits::default(),
            priority: 0,
            fail_closed: false,
            signer: None,
        }
    }

    /// Adds hooks the app implements.
    pub fn implementing(mut self, hooks: impl IntoIterator<Item = Hook>) -> AppSpec {
        self.implements.extend(hooks);
        self
    }

    /// Sets the grants.
    pub fn granted(mut self, grants: GrantSet) -> AppSpec {
        self.grants = grants;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> AppSpec {
        self.limits = limits;
        self
    }

    /// Sets the chain priority.
    pub fn with_priority(mut self, priority: i32) -> AppSpec {
        self.priority = priority;
        self
    }

    /// Records the key that signed the app's package.
    pub fn signed_by(mut self, key_id: impl Into<String>) -> AppSpec {
        self.signer = Some(key_id.into());
        self
    }

    /// Whether the app implements a hook.
    pub fn implements(&self, hook: Hook) -> bool {
        self.implements.contains(&hook)
    }
}
