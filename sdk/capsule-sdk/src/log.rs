//! Write to the app's log, which admins read. Needs the `logging`
//! permission in the manifest, like every capability.
//!
//! Logging never fails from the app's point of view: the host may drop or
//! truncate lines to protect itself. Stdout and stderr land in the same
//! log, but through WASI rather than this capability.

use crate::bindings::capsule::apps::logging;
use crate::prelude::Level;

/// Writes `message` at `level`.
pub fn log(level: Level, message: &str) {
    logging::log(level, message);
}

/// Writes `message` at [`Level::Trace`].
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// Writes `message` at [`Level::Debug`].
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Writes `message` at [`Level::Info`].
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Writes `message` at [`Level::Warn`].
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Writes `message` at [`Level::Error`].
pub fn error(message: &str) {
    log(Level::Error, message);
}
