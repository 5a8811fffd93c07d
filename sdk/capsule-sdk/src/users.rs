//! Read user accounts. Needs the `user-read` permission.

use crate::bindings::capsule::apps::user_read;
use crate::error::Result;
use crate::prelude::User;

/// A user by id; `None` when there is no such user.
pub fn get(id: &str) -> Result<Option<User>> {
    user_read::get(id)
}

/// A user by username (without `@`); `None` when there is no such user.
pub fn get_by_username(username: &str) -> Result<Option<User>> {
    user_read::get_by_username(username)
}

/// The user's offset from UTC in minutes (east positive), as their client
/// last reported it; `None` when it never did. Use it to read and show
/// clock times in the user's own time.
///
/// Needs a server with contract 0.1.1 or later.
pub fn utc_offset_minutes(id: &str) -> Result<Option<i32>> {
    user_read::utc_offset(id)
}
