//! `room-read`: rooms and their members, optionally limited to rooms.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::room_read::Host;
use crate::bindings::v0_1::types::{Error, Room, UserRef};
use crate::bridge::BridgeError;
use crate::model;
use capsule_contract::{Capability, GrantSet};

/// Most members one call returns.
const MAX_MEMBERS: u32 = 500;

/// What `room-read` needs from the chat: rooms and their members. The
/// runtime checks the grant and its room list; the chat only reads.
#[async_trait]
pub trait RoomReadBridge: Send + Sync {
    /// One room by id.
    async fn room(&self, id: &str) -> Result<Option<model::Room>, BridgeError>;
    /// One room by name.
    async fn room_by_name(&self, name: &str) -> Result<Option<model::Room>, BridgeError>;
    /// A page of a room's members, sorted by username.
    async fn room_members(
        &self,
        room: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<model::UserRef>, BridgeError>;
}

/// Hides a room outside the grant's room list (as if it did not exist).
fn visible(grants: &GrantSet, room: Option<model::Room>) -> Option<Room> {
    room.filter(|r| grants.allows_room(&r.id)).map(Into::into)
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Room>, Error> {
        let grants = self.grant(Capability::RoomRead)?;
        let bridge: Arc<dyn RoomReadBridge> = self.app.bridge.clone();
        let room = self.host_wait(bridge.room(&id)).await?;
        Ok(visible(&grants, room))
    }

    async fn get_by_name(&mut self, name: String) -> Result<Option<Room>, Error> {
        let grants = self.grant(Capability::RoomRead)?;
        let bridge: Arc<dyn RoomReadBridge> = self.app.bridge.clone();
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
        let bridge: Arc<dyn RoomReadBridge> = self.app.bridge.clone();
        let members = self
            .host_wait(bridge.room_members(&room, offset, limit.min(MAX_MEMBERS)))
            .await?;
        Ok(members.into_iter().map(Into::into).collect())
    }
}
