//! `room-read`: rooms and their members, optionally limited to rooms.

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::room_read::Host;
use crate::bindings::v0_1::types::{Error, Room, UserRef};
use capsule_contract::{Capability, GrantSet};

/// Most members one call returns.
const MAX_MEMBERS: u32 = 500;

/// Hides a room outside the grant's room list (as if it did not exist).
fn visible(grants: &GrantSet, room: Option<crate::model::Room>) -> Option<Room> {
    room.filter(|r| grants.allows_room(&r.id)).map(Into::into)
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Room>, Error> {
        let grants = self.grant(Capability::RoomRead)?;
        let bridge = self.app.bridge.clone();
        let room = self.host_wait(bridge.room(&id)).await?;
        Ok(visible(&grants, room))
    }

    async fn get_by_name(&mut self, name: String) -> Result<Option<Room>, Error> {
        let grants = self.grant(Capability::RoomRead)?;
        let bridge = self.app.bridge.clone();
        let room = self.host_wait(bridge.room_by_name(&name)).await?;
        Ok(visible(&grants, room))
    }

    async fn members(
        &mut self,
        room: String,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserRef>, Error> {
        self.room_grant(Capability::RoomRead, &room)?;
        let bridge = self.app.bridge.clone();
        let members = self
            .host_wait(bridge.room_members(&room, offset, limit.min(MAX_MEMBERS)))
            .await?;
        Ok(members.into_iter().map(Into::into).collect())
    }
}
