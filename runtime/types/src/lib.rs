//! `capsule-runtime-types`: the runtime's data, without the runtime.
//!
//! What crosses into and out of an app ([`model`]: messages, rooms,
//! users, setting values, HTTP requests and responses, commands, jobs),
//! the [`Limits`] an app runs under, the [`Fault`]s it can make and the
//! lines of its [`log`]. The
//! runtime (`capsule-runtime`) re-exports all of it; the test kit's client
//! side, which drives apps running in another process, names the same
//! types without linking wasmtime.

pub mod fault;
pub mod limits;
pub mod log;
pub mod model;
pub mod refusal;

pub use fault::Fault;
pub use limits::{CallKind, Deadline, Limits};
pub use log::{LogEntry, LogLevel, LogSource};
pub use refusal::Refusal;
