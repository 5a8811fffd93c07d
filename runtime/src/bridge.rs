//! The narrow trait through which capabilities reach the rest of Capsule.
//!
//! The runtime never imports the server: the server implements [`Bridge`]
//! over its store, and [`MemoryBridge`](crate::memory::MemoryBridge)
//! implements it in memory for tests and local app development.

use async_trait::async_trait;

use crate::app::health::AppStatus;
use crate::model::{
    Message, MessageEdit, OutgoingMessage, Room, Schedule, SettingValue, User, UserRef,
};

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

/// What capabilities need from the server. Every method is async and must
/// not block the executor.
#[async_trait]
pub trait Bridge: Send + Sync + 'static {
    /// One message by id.
    async fn message(&self, id: &str) -> Result<Option<Message>, BridgeError>;
    /// Messages of a room, newest first, created before `before`.
    async fn room_history(
        &self,
        room: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Message>, BridgeError>;
    /// Sends a message as the app's bot user through the full pipeline
    /// (the server calls the runtime's pre-send hooks at `origin.depth`).
    async fn send_message(
        &self,
        origin: &Origin,
        message: OutgoingMessage,
    ) -> Result<String, BridgeError>;
    /// Edits a message the app sent.
    async fn update_message(
        &self,
        origin: &Origin,
        id: &str,
        edit: MessageEdit,
    ) -> Result<(), BridgeError>;
    /// Shows a message to one user only.
    async fn notify_user(
        &self,
        origin: &Origin,
        room: &str,
        user: &str,
        text: &str,
    ) -> Result<(), BridgeError>;
    /// The direct room of the app's bot user and the user with id `user`,
    /// opened when there is none yet; its id.
    async fn direct_room(&self, origin: &Origin, user: &str) -> Result<String, BridgeError>;
    /// One room by id.
    async fn room(&self, id: &str) -> Result<Option<Room>, BridgeError>;
    /// One room by name.
    async fn room_by_name(&self, name: &str) -> Result<Option<Room>, BridgeError>;
    /// A page of a room's members, sorted by username.
    async fn room_members(
        &self,
        room: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserRef>, BridgeError>;
    /// One user by id.
    async fn user(&self, id: &str) -> Result<Option<User>, BridgeError>;
    /// One user by username.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, BridgeError>;
    /// A user's offset from UTC in minutes, if their client reported one.
    async fn user_utc_offset(&self, id: &str) -> Result<Option<i32>, BridgeError>;
    /// A value from the app's key-value store.
    async fn kv_get(&self, app_id: &str, key: &str) -> Result<Option<Vec<u8>>, BridgeError>;
    /// Stores a value; the server enforces the key-count quota.
    async fn kv_set(&self, app_id: &str, key: &str, value: Vec<u8>) -> Result<(), BridgeError>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, app_id: &str, key: &str) -> Result<bool, BridgeError>;
    /// Writes `new` (`None` deletes) only if the key now holds `expected`
    /// (`None`: does not exist), atomically; whether it wrote. The server
    /// enforces the key-count quota for a key it creates.
    async fn kv_compare_and_set(
        &self,
        app_id: &str,
        key: &str,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, BridgeError>;
    /// Keys with a prefix, in byte order, after `start_after`.
    async fn kv_list(
        &self,
        app_id: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, BridgeError>;
    /// The app's settings with their current values.
    async fn settings(&self, app_id: &str) -> Result<Vec<(String, SettingValue)>, BridgeError>;
    /// Schedules a job; returns its id.
    async fn schedule_job(
        &self,
        app_id: &str,
        name: &str,
        when: Schedule,
        payload: Vec<u8>,
    ) -> Result<String, BridgeError>;
    /// Cancels a job; returns whether it existed.
    async fn cancel_job(&self, app_id: &str, job_id: &str) -> Result<bool, BridgeError>;

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
