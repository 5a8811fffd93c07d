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
