//! The store decorator that publishes every committed write to the bus.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::{Bus, Change};
use crate::model::{Message, MessageId, Room, RoomId, Subscription, Timestamp, User, UserId};
use crate::store::{
    AppDataStore, AppRecord, AuditEntry, AuditStore, HistoryQuery, JobRecord, JobStore,
    MessageFilter, MessageStore, Page, Paged, RoomFilter, RoomStore, SettingStore, Store,
    StoreError, SubscriptionStore, Token, UserFilter, UserStore,
};

/// `inner`, publishing each successful write to `bus` after it returns
/// (so a listener that reads the store on an event finds the change).
/// Reads and failed writes publish nothing.
pub struct PublishingStore {
    inner: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
}

impl PublishingStore {
    /// `inner` publishing to `bus`.
    pub fn new(inner: Arc<dyn Store>, bus: Arc<dyn Bus>) -> PublishingStore {
        PublishingStore { inner, bus }
    }
}

#[async_trait]
impl UserStore for PublishingStore {
    async fn insert_user(&self, user: &User, hash: Option<String>) -> Result<(), StoreError> {
        self.inner.insert_user(user, hash).await
    }
    async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.inner.user(id).await
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
        self.inner.update_user(user).await?;
        if !user.active {
            self.bus.publish(Change::SessionsEnded {
                user: user.id.clone(),
                token: None,
            });
        }
        Ok(())
    }
    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let deleted = self.inner.delete_user(id).await?;
        if deleted {
            self.bus.publish(Change::SessionsEnded {
                user: id.clone(),
                token: None,
            });
        }
        Ok(deleted)
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
        // Read first: the event names the token's user, whom the store
        // forgets with the token.
        let owner = self.inner.token(digest).await?.map(|t| t.user);
        let deleted = self.inner.delete_token(digest).await?;
        if deleted && let Some(user) = owner {
            self.bus.publish(Change::SessionsEnded {
                user,
                token: Some(digest.to_owned()),
            });
        }
        Ok(deleted)
    }
    async fn tokens_of(&self, user: &UserId) -> Result<Vec<Token>, StoreError> {
        self.inner.tokens_of(user).await
    }
}

#[async_trait]
impl RoomStore for PublishingStore {
    async fn insert_room(&self, room: &Room) -> Result<(), StoreError> {
        self.inner.insert_room(room).await?;
        self.bus.publish(Change::RoomUpdated(room.clone()));
        Ok(())
    }
    async fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        self.inner.room(id).await
    }
    async fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError> {
        self.inner.room_by_name(name).await
    }
    async fn update_room(&self, room: &Room) -> Result<(), StoreError> {
        self.inner.update_room(room).await?;
        // The counters are the store's: publish the room as stored.
        let stored = self.inner.room(&room.id).await?;
        self.bus
            .publish(Change::RoomUpdated(stored.unwrap_or_else(|| room.clone())));
        Ok(())
    }
    async fn delete_room(&self, id: &RoomId) -> Result<bool, StoreError> {
        let deleted = self.inner.delete_room(id).await?;
        if deleted {
            self.bus.publish(Change::RoomDeleted(id.clone()));
        }
        Ok(deleted)
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
impl SubscriptionStore for PublishingStore {
    async fn add_member(&self, subscription: &Subscription) -> Result<bool, StoreError> {
        let added = self.inner.add_member(subscription).await?;
        if added {
            self.bus
                .publish(Change::SubscriptionInserted(subscription.clone()));
        }
        Ok(added)
    }
    async fn remove_member(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let removed = self.inner.remove_member(room, user).await?;
        if removed {
            self.bus.publish(Change::SubscriptionRemoved {
                room: room.clone(),
                user: user.clone(),
            });
        }
        Ok(removed)
    }
    async fn membership(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.inner.membership(room, user).await
    }
    async fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.inner.subscription(room, user).await
    }
    async fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        self.inner.update_subscription(subscription).await?;
        self.bus.publish(Change::SubscriptionUpdated {
            room: subscription.rid.clone(),
            user: subscription.user.id.clone(),
        });
        Ok(())
    }
    async fn rename_subscriptions(&self, room: &RoomId, name: &str) -> Result<(), StoreError> {
        // The room's own update (published by `update_room`) carries the
        // new name to everyone watching it.
        self.inner.rename_subscriptions(room, name).await
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
        self.inner.mark_read(room, user, at).await?;
        self.bus.publish(Change::SubscriptionUpdated {
            room: room.clone(),
            user: user.clone(),
        });
        Ok(())
    }
}

#[async_trait]
impl MessageStore for PublishingStore {
    async fn insert_message(&self, message: &Message) -> Result<(), StoreError> {
        self.inner.insert_message(message).await?;
        self.bus.publish(Change::MessageInserted(message.clone()));
        // A reply changes its thread's root (`tcount`, `tlm`, `replies`);
        // clients showing the root learn of it like of any other change.
        if let Some(root) = &message.tmid
            && let Some(root) = self.inner.message(root).await?
        {
            self.bus.publish(Change::MessageUpdated(root));
        }
        Ok(())
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
            .await?;
        self.bus.publish(Change::MessageUpdated(message.clone()));
        Ok(())
    }
    async fn delete_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let deleted = self.inner.delete_message(id).await?;
        if let Some(message) = &deleted {
            self.bus.publish(Change::MessageDeleted {
                room: message.rid.clone(),
                id: message.id.clone(),
            });
            if let Some(root) = &message.tmid
                && let Some(root) = self.inner.message(root).await?
            {
                self.bus.publish(Change::MessageUpdated(root));
            }
        }
        Ok(deleted)
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
        let count = self
            .inner
            .clean_history(room, oldest, latest, inclusive, users)
            .await?;
        if count > 0 {
            self.bus.publish(Change::HistoryPruned {
                room: room.clone(),
                oldest,
                latest,
            });
        }
        Ok(count)
    }
}

#[async_trait]
impl SettingStore for PublishingStore {
    async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError> {
        self.inner.settings().await
    }
    async fn set_setting(&self, id: &str, value: &Value) -> Result<(), StoreError> {
        self.inner.set_setting(id, value).await
    }
}

#[async_trait]
impl AppDataStore for PublishingStore {
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

// Jobs and the audit log are the apps admin's own: no client subscribes
// to them, so their writes publish no change.
#[async_trait]
impl JobStore for PublishingStore {
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
impl AuditStore for PublishingStore {
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
