//! The error every capability returns, and how to show it to people.
//!
//! [`Error`] is the WIT variant `types.error`. wit-bindgen gives it a
//! `Display` that prints its `Debug` form (`Error::Denied("kv")`), which is
//! fine for logs; [`describe`] gives the wording meant for users and admins.

use std::fmt::Write as _;

pub use crate::bindings::capsule::apps::types::Error;

/// The result of a capability call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A short, human-readable description of `err`, e.g.
/// `permission denied: kv` or `rate limited, try again later`.
pub fn describe(err: &Error) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = match err {
        Error::Denied(what) => write!(out, "permission denied: {what}"),
        Error::NotFound(what) => write!(out, "not found: {what}"),
        Error::Invalid(why) => write!(out, "invalid request: {why}"),
        Error::RateLimited => write!(out, "rate limited, try again later"),
        Error::QuotaExceeded(what) => write!(out, "quota exceeded: {what}"),
        Error::LoopDetected => write!(out, "message loop detected"),
        Error::Unavailable(why) => write!(out, "unavailable: {why}"),
    };
    out
}

/// An [`Error::Invalid`] built from anything printable; for the helpers
/// that decode host data on the guest side (JSON, typed settings).
pub(crate) fn invalid(why: impl std::fmt::Display) -> Error {
    Error::Invalid(why.to_string())
}
