//! Read rooms and their members. Needs the `room-read` permission,
//! possibly limited by the admin to some rooms.

use crate::bindings::capsule::apps::room_read;
use crate::error::Result;
use crate::prelude::{Room, UserRef};

/// A room by id; `None` when it does not exist.
pub fn get(id: &str) -> Result<Option<Room>> {
    room_read::get(id)
}

/// A room by its unique name; `None` when there is none.
pub fn get_by_name(name: &str) -> Result<Option<Room>> {
    room_read::get_by_name(name)
}

/// Members of `room` sorted by username; skip `offset`, return at most
/// `limit`.
pub fn members(room: &str, offset: u32, limit: u32) -> Result<Vec<UserRef>> {
    room_read::members(room, offset, limit)
}
