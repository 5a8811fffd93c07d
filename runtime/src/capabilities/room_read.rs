//! `room-read`: rooms and their members, optionally limited to rooms.

use crate::app::state::HostState;
use crate::bindings::v0_1_0::capsule::apps::room_read::Host;
use crate::bindings::v0_1_0::types::{Error, Room, UserRef};
use crate::grants::Capability;

/// Most members one call returns.
const MAX_MEMBERS: u32 = 500;

impl HostState {
    /// Hides a room outside the grant's room list.
    fn visible_room(&mut self, room: Option<crate::model::Room>) -> Option<Room> {
        let room = room?;
        self.room_grant(Capability::RoomRead, &room.id).ok()?;
        Some(room.into())
    }
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Room>, Error> {
        self.grant(Capability::RoomRead)?;
        let bridge = self.app.bridge.clone();
        let room = self.host_wait(bridge.room(&id)).await?;
        Ok(self.visible_room(room))
    }

    async fn get_by_name(&mut self, name: String) -> Result<Option<Room>, Error> {
        self.grant(Capability::RoomRead)?;
        let bridge = self.app.bridge.clone();
        let room = self.host_wait(bridge.room_by_name(&name)).await?;
        Ok(self.visible_room(room))
    }

    async fn members(&mut self, room: String, offset: u32, limit: u32) -> Result<Vec<UserRef>, Error> {
        self.room_grant(Capability::RoomRead, &room)?;
        let bridge = self.app.bridge.clone();
        let members = self.host_wait(bridge.room_members(&room, offset, limit.min(MAX_MEMBERS))).await?;
        Ok(members.into_iter().map(Into::into).collect())
    }
}
