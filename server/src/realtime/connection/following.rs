//! The user's rooms as a connection follows them while an all-rooms
//! stream (`__my_messages__`, `subscriptions-changed`, `rooms-changed`,
//! `notification`) is open: loaded when the first opens, one more when
//! the user joins a room, one less when they leave, none when the last
//! closes. See [`crate::realtime::member_rooms`].

use std::collections::HashMap;
use std::sync::Arc;

use super::Connection;
use crate::model::{RoomId, Subscription};
use crate::reactivity::Topic;
use crate::realtime::frames::{removed_room, user_event};
use crate::realtime::member_rooms::MemberRoom;
use crate::realtime::protocol::DdpError;
use crate::realtime::streams::Follow;

impl Connection {
    /// Opens the all-rooms streams the subscriptions ask for, loading the
    /// user's rooms when the first one opens.
    pub(super) async fn follow_member_rooms(&mut self) -> Result<(), DdpError> {
        let open: Vec<_> = self
            .subs
            .values()
            .filter_map(|s| s.stream.follows())
            .collect();
        if !self.follows.set(&open) || self.member_rooms.is_some() {
            return Ok(());
        }
        let user = self.current_user().await?;
        let memberships = self
            .state
            .chat()
            .records()
            .subscriptions_of(&user.id)
            .await
            .map_err(|e| DdpError::from(crate::gateway::error::ApiError::from(e)))?;
        self.member_rooms = Some(HashMap::new());
        for membership in memberships {
            self.follow_room(&membership.rid.clone(), Some(membership))
                .await;
        }
        Ok(())
    }

    /// Starts following one of the user's rooms; `membership` when it was
    /// read already. Returns the member room, when the room exists.
    async fn follow_room(
        &mut self,
        room: &RoomId,
        membership: Option<Subscription>,
    ) -> Option<Arc<MemberRoom>> {
        let login = self.login.as_ref()?;
        let user = login.user.id.clone();
        let records = self.state.chat().records();
        let membership = match membership {
            Some(membership) => Some(membership),
            None => records.subscription(room, &user).await.ok().flatten(),
        };
        let record = match records.room(room).await {
            Ok(Some(record)) => record,
            Ok(None) => return None,
            Err(error) => {
                tracing::warn!(%error, "cannot read a room to follow it live");
                return None;
            }
        };
        let member = Arc::new(MemberRoom::new(
            user,
            self.outbox.clone(),
            self.follows.clone(),
            record,
            membership,
        ));
        let listener = self.listen_with(Topic::Room(room.clone()), member.clone());
        let rooms = self.member_rooms.get_or_insert_with(HashMap::new);
        if let Some((old, _)) = rooms.insert(room.clone(), (listener, member.clone())) {
            self.state
                .chat()
                .bus()
                .unlisten(&Topic::Room(room.clone()), old);
        }
        Some(member)
    }

    /// Stops following one of the user's rooms.
    fn unfollow_room(&mut self, room: &RoomId) {
        if let Some(rooms) = &mut self.member_rooms
            && let Some((listener, _)) = rooms.remove(room)
        {
            self.state
                .chat()
                .bus()
                .unlisten(&Topic::Room(room.clone()), listener);
        }
    }

    /// Stops following the user's rooms when no all-rooms stream is open.
    pub(super) fn unfollow_unneeded_rooms(&mut self) {
        let open: Vec<_> = self
            .subs
            .values()
            .filter_map(|s| s.stream.follows())
            .collect();
        if self.follows.set(&open) {
            return;
        }
        for (room, (listener, _)) in self.member_rooms.take().unwrap_or_default() {
            self.state
                .chat()
                .bus()
                .unlisten(&Topic::Room(room), listener);
        }
    }

    /// Follows a room the user joined, when an all-rooms stream is open.
    pub(super) async fn joined(&mut self, room: &RoomId) {
        if self.member_rooms.is_none() {
            return;
        }
        let Some(member) = self.follow_room(room, None).await else {
            return;
        };
        if self.follows.has(Follow::Rooms)
            && let Some(login) = &self.login
        {
            let args = serde_json::json!(["inserted", member.room_json()]);
            let frame = user_event(&login.user.id, "rooms-changed", &args);
            self.outbox.send(frame).await;
        }
    }

    /// Stops following a room the user left.
    pub(super) async fn left(&mut self, room: &RoomId) {
        if self.member_rooms.is_none() {
            return;
        }
        self.unfollow_room(room);
        if self.follows.has(Follow::Rooms)
            && let Some(login) = &self.login
        {
            let args = serde_json::json!(["removed", removed_room(room)]);
            let frame = user_event(&login.user.id, "rooms-changed", &args);
            self.outbox.send(frame).await;
        }
    }
}
