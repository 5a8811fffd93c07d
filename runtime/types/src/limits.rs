//! Per-app resource limits, with defaults an admin can override.

use std::time::Duration;

/// What kind of call an app is serving; each kind has its own deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CallKind {
    /// Pre-send prevent and modify hooks: on the sender's path, so short.
    PreSend,
    /// Post-send, post-update, post-delete and room events.
    Event,
    /// Slash commands and their previews.
    Command,
    /// HTTP endpoints.
    Endpoint,
    /// Scheduled jobs.
    Job,
    /// UI interactions.
    Interaction,
    /// Lifecycle calls (install, enable, ...).
    Lifecycle,
}

/// A CPU deadline (guest code, enforced by epoch interruption) and a
/// wall-clock deadline (which also covers time spent waiting in host calls).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deadline {
    /// Time the guest may spend running its own code.
    pub cpu: Duration,
    /// Time the whole call may take, host calls included.
    pub wall: Duration,
}

/// Limits applied to one app.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Maximum linear memory of an instance, in bytes.
    pub memory_bytes: usize,
    /// Deadline of pre-send hooks.
    pub pre_send: Deadline,
    /// Deadline of post hooks and room events.
    pub event: Deadline,
    /// Deadline of commands, endpoints, jobs, interactions and lifecycle calls.
    pub long: Deadline,
    /// Largest result an app may return (text, attachments, bodies), in bytes.
    pub max_output_bytes: usize,
    /// Sustained rate of write host calls per second.
    pub writes_per_second: f64,
    /// Writes that may be made in a burst above the sustained rate.
    pub write_burst: u32,
    /// Faults in a row after which the app is disabled.
    pub max_faults_in_a_row: u32,
    /// Warm instances kept per app for reuse.
    pub warm_instances: usize,
    /// Calls of this app that may run at once; more wait (up to their
    /// wall-clock deadline) for one to finish.
    pub max_concurrent_calls: usize,
    /// How deep app-sent messages may re-enter the pipeline.
    pub max_depth: u32,
    /// Longest key in the app's key-value store.
    pub kv_max_key_bytes: usize,
    /// Largest value in the app's key-value store.
    pub kv_max_value_bytes: usize,
    /// Largest outbound HTTP request body.
    pub http_max_request_bytes: usize,
    /// Largest outbound HTTP response body; a longer one is an error.
    pub http_max_response_bytes: usize,
    /// Longest an outbound HTTP request may take (apps may ask for less).
    pub http_timeout: Duration,
    /// Redirects followed, each re-checked against the allow-list.
    pub http_max_redirects: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            pre_send: Deadline {
                cpu: Duration::from_millis(20),
                wall: Duration::from_millis(200),
            },
            event: Deadline {
                cpu: Duration::from_millis(100),
                wall: Duration::from_secs(5),
            },
            long: Deadline {
                cpu: Duration::from_secs(2),
                wall: Duration::from_secs(15),
            },
            max_output_bytes: 1 << 20,
            writes_per_second: 20.0,
            write_burst: 50,
            max_faults_in_a_row: 5,
            warm_instances: 4,
            max_concurrent_calls: 16,
            max_depth: 3,
            kv_max_key_bytes: 512,
            kv_max_value_bytes: 64 << 10,
            http_max_request_bytes: 4 << 20,
            http_max_response_bytes: 4 << 20,
            http_timeout: Duration::from_secs(10),
            http_max_redirects: 5,
        }
    }
}

impl Limits {
    /// The deadline for one kind of call.
    pub fn deadline(&self, kind: CallKind) -> Deadline {
        match kind {
            CallKind::PreSend => self.pre_send,
            CallKind::Event => self.event,
            CallKind::Command
            | CallKind::Endpoint
            | CallKind::Job
            | CallKind::Interaction
            | CallKind::Lifecycle => self.long,
        }
    }
}
