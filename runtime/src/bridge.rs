//! What the runtime needs from the rest of Capsule, and what the pieces
//! share.
//!
//! The runtime never imports the server. Each capability that reaches the
//! chat says what it needs as a narrow trait of its own, beside its host
//! module in `capabilities/` ([`MessageReadBridge`],
//! [`MessageWriteBridge`], [`RoomReadBridge`], [`UserReadBridge`],
//! [`KvBridge`], [`SettingsBridge`], [`SchedulerBridge`]), so a reader of
//! one capability sees all it can reach; [`AppStatusListener`] hears the
//! status changes the runtime makes on its own. [`Bridge`] is all of them
//! at once, the one value [`Runtime::new`](crate::Runtime::new) takes. The
//! server implements each trait over its store, and
//! [`MemoryBridge`](crate::memory::MemoryBridge) in memory for tests and
//! local app development.

use crate::app::health::AppStatus;
use crate::capabilities::kv::KvBridge;
use crate::capabilities::message_read::MessageReadBridge;
use crate::capabilities::message_write::MessageWriteBridge;
use crate::capabilities::room_read::RoomReadBridge;
use crate::capabilities::scheduler::SchedulerBridge;
use crate::capabilities::settings::SettingsBridge;
use crate::capabilities::user_read::UserReadBridge;

/// Who is writing through the bridge, and how deep in the pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The app making the call.
    pub app_id: String,
    /// The pipeline depth of a message this call sends: 0 for a user's
    /// message, n+1 for a message sent while handling one at depth n.
    pub depth: u32,
}

/// Why the server refused or failed a bridge call. Each maps to the WIT
/// `error` variant of the same name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("denied: {0}")]
    Denied(String),
    #[error("quota exceeded: {0}")]
    QuotaExceeded(String),
    #[error("loop detected")]
    LoopDetected,
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// Hears the status changes the runtime makes on its own.
pub trait AppStatusListener: Send + Sync {
    /// The runtime changed an app's status on its own: today only when it
    /// disabled the app after too many faults in a row. Called once per
    /// change, from the call that faulted, so it must return at once (hand
    /// the change to a task to persist it). Admin changes through
    /// [`Runtime`](crate::Runtime) methods are not reported: their caller
    /// knows. The default ignores it.
    fn app_status_changed(&self, app_id: &str, status: &AppStatus) {
        let _ = (app_id, status);
    }
}

/// Everything the runtime reaches outside itself: every capability's
/// bridge and the status listener. Implemented for each type that
/// implements them all; capability code holds it upcast to the one trait
/// it needs.
pub trait Bridge:
    MessageReadBridge
    + MessageWriteBridge
    + RoomReadBridge
    + UserReadBridge
    + KvBridge
    + SettingsBridge
    + SchedulerBridge
    + AppStatusListener
    + 'static
{
}

impl<T> Bridge for T where
    T: MessageReadBridge
        + MessageWriteBridge
        + RoomReadBridge
        + UserReadBridge
        + KvBridge
        + SettingsBridge
        + SchedulerBridge
        + AppStatusListener
        + 'static
{
}
