//! A line of an app's log: what it wrote with the logging capability, its
//! stdout and stderr, and the faults the host recorded against it.

use std::time::SystemTime;

/// Where a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogSource {
    /// The app called the `logging` capability.
    App,
    /// The app wrote to stdout.
    Stdout,
    /// The app wrote to stderr.
    Stderr,
    /// The host recorded a fault or a status change.
    Host,
}

/// Severity, as the `logging` interface names it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// One line of an app's log.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LogEntry {
    pub at: SystemTime,
    pub level: LogLevel,
    pub source: LogSource,
    pub message: String,
}
