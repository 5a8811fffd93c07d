//! A read-through cache in front of any [`Store`]: users, rooms and
//! memberships by id, the three records every request reads to
//! authenticate and authorize.
//!
//! Every write goes through this layer, so it knows what each write
//! changes: it patches cached values in place where the effect is known (a
//! message bumps its room's `msgs` and `lm`, a member changes
//! `usersCount`) and drops them otherwise. [`Family`] makes fills safe
//! against concurrent writes. The cache is exact for a single server; with
//! several instances on one database (MongoDB) it needs the change stream
//! to drop what other instances change.
//!
//! It overrides the three cached reads and the writes that change what
//! they return; every other operation is forwarded to the store beneath
//! (see [`Layer`]).

mod family;

use std::sync::Arc;

use self::family::Family;
use super::{
    AppDataLayer, AuditLayer, JobLayer, Layer, MessageLayer, RoomLayer, SettingLayer, Store,
    StoreError, SubscriptionLayer, UserLayer,
};
use crate::model::{Message, MessageId, Room, RoomId, Subscription, Timestamp, User, UserId};

/// Records kept per family.
const CAPACITY: usize = 100_000;

/// `inner` with users, rooms and memberships cached.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    users: Family<UserId, User>,
    rooms: Family<RoomId, Room>,
    members: Family<(RoomId, UserId), Option<Subscription>>,
}

impl CachedStore {
    /// A cache in front of `inner`.
    pub fn new(inner: Arc<dyn Store>) -> CachedStore {
        CachedStore {
            inner,
            users: Family::new(CAPACITY),
            rooms: Family::new(CAPACITY),
            members: Family::new(CAPACITY),
        }
    }
}

impl Layer for CachedStore {
    fn inner(&self) -> &dyn Store {
        &*self.inner
    }
}

/// The patch that leaves a cached value as it is (the write changed
/// nothing it holds).
fn unchanged<V>(_: &mut V) {}

impl UserLayer for CachedStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<String>,
    ) -> Result<(), StoreError> {
        let write = self.users.start(&user.id);
        let result = self.inner.insert_user(user, password_hash).await;
        self.users.finish(write, None);
        result
    }

    async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        match self.users.get(id) {
            Ok(user) => Ok(Some(user)),
            Err(ticket) => {
                let user = self.inner.user(id).await?;
                if let Some(user) = &user {
                    self.users.fill(id, ticket, user);
                }
                Ok(user)
            }
        }
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let write = self.users.start(&user.id);
        let result = self.inner.update_user(user).await;
        self.users.finish(write, None);
        result
    }

    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let write = self.users.start(id);
        self.members.start_sweep();
        self.rooms.start_sweep();
        let result = self.inner.delete_user(id).await;
        self.rooms.finish_sweep();
        self.members.finish_sweep();
        self.users.finish(write, None);
        result
    }
}

impl RoomLayer for CachedStore {
    async fn insert_room(&self, room: &Room) -> Result<(), StoreError> {
        let write = self.rooms.start(&room.id);
        let result = self.inner.insert_room(room).await;
        self.rooms.finish(write, None);
        result
    }

    async fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        match self.rooms.get(id) {
            Ok(room) => Ok(Some(room)),
            Err(ticket) => {
                let room = self.inner.room(id).await?;
                if let Some(room) = &room {
                    self.rooms.fill(id, ticket, room);
                }
                Ok(room)
            }
        }
    }

    async fn update_room(&self, room: &Room) -> Result<(), StoreError> {
        let write = self.rooms.start(&room.id);
        let result = self.inner.update_room(room).await;
        self.rooms.finish(write, None);
        result
    }

    async fn delete_room(&self, id: &RoomId) -> Result<bool, StoreError> {
        let write = self.rooms.start(id);
        self.members.start_sweep();
        let result = self.inner.delete_room(id).await;
        self.members.finish_sweep();
        self.rooms.finish(write, None);
        result
    }
}

impl SubscriptionLayer for CachedStore {
    async fn add_member(&self, subscription: &Subscription) -> Result<bool, StoreError> {
        let key = (subscription.rid.clone(), subscription.user.id.clone());
        let room_write = self.rooms.start(&key.0);
        let member_write = self.members.start(&key);
        let result = self.inner.add_member(subscription).await;
        self.members.finish(member_write, None);
        match result {
            Ok(true) => self
                .rooms
                .finish(room_write, Some(&|room: &mut Room| room.users_count += 1)),
            Ok(false) => self.rooms.finish(room_write, Some(&unchanged)),
            Err(_) => self.rooms.finish(room_write, None),
        }
        result
    }

    async fn remove_member(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let key = (room.clone(), user.clone());
        let room_write = self.rooms.start(room);
        let member_write = self.members.start(&key);
        let result = self.inner.remove_member(room, user).await;
        self.members.finish(member_write, None);
        match result {
            Ok(true) => self.rooms.finish(
                room_write,
                Some(&|room: &mut Room| room.users_count = room.users_count.saturating_sub(1)),
            ),
            Ok(false) => self.rooms.finish(room_write, Some(&unchanged)),
            Err(_) => self.rooms.finish(room_write, None),
        }
        result
    }

    async fn membership(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let key = (room.clone(), user.clone());
        match self.members.get(&key) {
            Ok(found) => Ok(found),
            Err(ticket) => {
                let found = self.inner.membership(room, user).await?;
                self.members.fill(&key, ticket, &found);
                Ok(found)
            }
        }
    }

    async fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let key = (subscription.rid.clone(), subscription.user.id.clone());
        let write = self.members.start(&key);
        let result = self.inner.update_subscription(subscription).await;
        self.members.finish(write, None);
        result
    }

    async fn rename_subscriptions(&self, room: &RoomId, name: &str) -> Result<(), StoreError> {
        self.members.start_sweep();
        let result = self.inner.rename_subscriptions(room, name).await;
        self.members.finish_sweep();
        result
    }

    async fn mark_read(
        &self,
        room: &RoomId,
        user: &UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let write = self.members.start(&(room.clone(), user.clone()));
        let result = self.inner.mark_read(room, user, at).await;
        self.members.finish(write, None);
        result
    }
}

impl MessageLayer for CachedStore {
    async fn insert_message(&self, message: &Message) -> Result<(), StoreError> {
        let write = self.rooms.start(&message.rid);
        let result = self.inner.insert_message(message).await;
        if result.is_ok() && message.is_user_message() {
            let ts = message.ts;
            let bump = move |room: &mut Room| {
                room.msgs += 1;
                room.lm = Some(room.lm.map_or(ts, |lm| lm.max(ts)));
            };
            self.rooms.finish(write, Some(&bump));
        } else if result.is_ok() {
            self.rooms.finish(write, Some(&unchanged));
        } else {
            self.rooms.finish(write, None);
        }
        result
    }

    async fn delete_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let Some(room) = self.inner.message(id).await?.map(|m| m.rid) else {
            return self.inner.delete_message(id).await;
        };
        let write = self.rooms.start(&room);
        let result = self.inner.delete_message(id).await;
        self.rooms.finish(write, None);
        result
    }

    async fn clean_history(
        &self,
        room: &RoomId,
        oldest: Timestamp,
        latest: Timestamp,
        inclusive: bool,
        users: &[String],
    ) -> Result<u64, StoreError> {
        let write = self.rooms.start(room);
        let result = self
            .inner
            .clean_history(room, oldest, latest, inclusive, users)
            .await;
        self.rooms.finish(write, None);
        result
    }
}

// Settings, app data, jobs and the audit log are not cached.
impl SettingLayer for CachedStore {}
impl AppDataLayer for CachedStore {}
impl JobLayer for CachedStore {}
impl AuditLayer for CachedStore {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::{Durability, EmbeddedStore};

    #[tokio::test(flavor = "multi_thread")]
    async fn the_cached_store_passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let inner = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();
        let store = CachedStore::new(Arc::new(inner));
        crate::store::conformance::run_all(&store).await;
    }
}
