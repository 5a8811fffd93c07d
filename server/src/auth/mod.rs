//! Sign-in: password hashing, tokens and the throttle on failed logins.

pub mod password;
pub mod throttle;
pub mod token;
