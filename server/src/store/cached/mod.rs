//! A read-through cache in front of any [`Store`]: users, rooms and
//! memberships by id, the three records every request reads to
//! authenticate and authorize.
//!
//! Every write goes through this layer, so it knows what each write
//! changes: it patches cached values in place where the effect is known (a
//! message bumps its room's `msgs` and `lm`, a member changes
//! `usersCount`) and drops them otherwise. [`Family`] makes fills safe
//! against concurrent writes. The cache is exact for a single server; with
//! several instances on one database (MongoDB, later) it needs the change
//! stream to drop what other instances change.

mod family;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use self::family::Family;
use super::{
    AppDataStore, AppRecord, AuditEntry, AuditStore, HistoryQuery, JobRecord, JobStore,
    MessageFilter, MessageStore, Page, Paged, RoomFilter, RoomStore, SettingStore, Store,
    StoreError, SubscriptionStore, Token, UserFilter, UserStore,
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

/// The patch that leaves a cached value as it is (the write changed
/// nothing it holds).
fn unchanged<V>(_: &mut V) {}

#[async_trait]
impl UserStore for CachedStore {
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

    async fn users(&self, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
        self.inner.users(ids).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_username(username).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_email(email).await
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

    async fn list_users(
        &self,
        filter: &UserFilter,
        page: &Page,
    ) -> Result<Paged<User>, StoreError> {
        self.inner.list_users(filter, page).await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        self.inner.count_users().await
    }

    async fn password_hash(&self, id: &UserId) -> Result<Option<String>, StoreError> {
        self.inner.password_hash(id).await
    }

    async fn set_password_hash(&self, id: &UserId, hash: Option<String>) -> Result<(), StoreError> {
        self.inner.set_password_hash(id, hash).await
    }

    async fn insert_token(&self, token: &Token) -> Result<(), StoreError> {
        self.inner.insert_token(token).await
    }

    async fn token(&self, digest: &str) -> Result<Option<Token>, StoreError> {
        self.inner.token(digest).await
    }

    async fn delete_token(&self, digest: &str) -> Result<bool, StoreError> {
        self.inner.delete_token(digest).await
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<Token>, StoreError> {
        self.inner.tokens_of(user).await
    }
}

#[async_trait]
impl RoomStore for CachedStore {
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

    async fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError> {
        self.inner.room_by_name(name).await
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

    async fn list_rooms(
        &self,
        filter: &RoomFilter,
        page: &Page,
    ) -> Result<Paged<Room>, StoreError> {
        self.inner.list_rooms(filter, page).await
    }
}

#[async_trait]
impl SubscriptionStore for CachedStore {
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

    async fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.inner.subscription(room, user).await
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

    async fn subscriptions_of(
        &self,
        user: &UserId,
        since: Option<Timestamp>,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.inner.subscriptions_of(user, since).await
    }

    async fn members(&self, room: &RoomId, page: &Page) -> Result<Paged<Subscription>, StoreError> {
        self.inner.members(room, page).await
    }

    async fn members_with_roles(&self, room: &RoomId) -> Result<Vec<Subscription>, StoreError> {
        self.inner.members_with_roles(room).await
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

#[async_trait]
impl MessageStore for CachedStore {
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

    async fn message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        self.inner.message(id).await
    }

    async fn replace_message(
        &self,
        message: &Message,
        expected_updated_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner
            .replace_message(message, expected_updated_at)
            .await
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

    async fn history(
        &self,
        room: &RoomId,
        query: &HistoryQuery,
    ) -> Result<Vec<Message>, StoreError> {
        self.inner.history(room, query).await
    }

    async fn find_messages(
        &self,
        room: &RoomId,
        filter: &MessageFilter,
        page: &Page,
    ) -> Result<Paged<Message>, StoreError> {
        self.inner.find_messages(room, filter, page).await
    }

    async fn changes_since(
        &self,
        room: &RoomId,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<MessageId>), StoreError> {
        self.inner.changes_since(room, since).await
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

#[async_trait]
impl SettingStore for CachedStore {
    async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError> {
        self.inner.settings().await
    }

    async fn set_setting(&self, id: &str, value: &Value) -> Result<(), StoreError> {
        self.inner.set_setting(id, value).await
    }
}

#[async_trait]
impl AppDataStore for CachedStore {
    async fn app_value(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.app_value(app, key).await
    }

    async fn set_app_value(
        &self,
        app: &str,
        key: &str,
        value: &[u8],
        max_keys: u64,
    ) -> Result<(), StoreError> {
        self.inner.set_app_value(app, key, value, max_keys).await
    }

    async fn delete_app_value(&self, app: &str, key: &str) -> Result<bool, StoreError> {
        self.inner.delete_app_value(app, key).await
    }

    async fn compare_and_set_app_value(
        &self,
        app: &str,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
        max_keys: u64,
    ) -> Result<bool, StoreError> {
        self.inner
            .compare_and_set_app_value(app, key, expected, new, max_keys)
            .await
    }

    async fn app_keys(
        &self,
        app: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        self.inner.app_keys(app, prefix, start_after, limit).await
    }

    async fn clear_app_data(&self, app: &str) -> Result<u64, StoreError> {
        self.inner.clear_app_data(app).await
    }

    async fn put_app_record(&self, record: &AppRecord) -> Result<(), StoreError> {
        self.inner.put_app_record(record).await
    }

    async fn app_records(&self) -> Result<Vec<AppRecord>, StoreError> {
        self.inner.app_records().await
    }

    async fn delete_app_record(&self, id: &str) -> Result<bool, StoreError> {
        self.inner.delete_app_record(id).await
    }
}

#[async_trait]
impl JobStore for CachedStore {
    async fn put_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        self.inner.put_job(job).await
    }

    async fn job(&self, app: &str, id: &str) -> Result<Option<JobRecord>, StoreError> {
        self.inner.job(app, id).await
    }

    async fn delete_job(&self, app: &str, id: &str) -> Result<bool, StoreError> {
        self.inner.delete_job(app, id).await
    }

    async fn due_jobs(
        &self,
        until: Timestamp,
        except: &[String],
        limit: u64,
    ) -> Result<Vec<JobRecord>, StoreError> {
        self.inner.due_jobs(until, except, limit).await
    }

    async fn next_due(&self, except: &[String]) -> Result<Option<Timestamp>, StoreError> {
        self.inner.next_due(except).await
    }

    async fn jobs_of(&self, app: &str) -> Result<Vec<JobRecord>, StoreError> {
        self.inner.jobs_of(app).await
    }

    async fn delete_jobs_of(&self, app: &str) -> Result<u64, StoreError> {
        self.inner.delete_jobs_of(app).await
    }
}

#[async_trait]
impl AuditStore for CachedStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.inner.append_audit(entry).await
    }

    async fn audit_entries(
        &self,
        app: Option<&str>,
        page: Page,
    ) -> Result<Paged<AuditEntry>, StoreError> {
        self.inner.audit_entries(app, page).await
    }
}

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
