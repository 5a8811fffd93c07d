//! The store layer that publishes every committed write to the bus.
//!
//! It overrides only the writes clients watch; every other operation is
//! forwarded to the store beneath (see [`Layer`]).

use std::sync::Arc;

use super::{Bus, Change, UserFace};
use crate::model::{Message, MessageId, Room, RoomId, Subscription, Timestamp, User, UserId};
use crate::store::{
    AppDataLayer, AuditLayer, JobLayer, Layer, MessageLayer, RoomLayer, SettingLayer, Store,
    StoreError, SubscriptionLayer, UserLayer,
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

impl Layer for PublishingStore {
    fn inner(&self) -> &dyn Store {
        &*self.inner
    }
}

impl UserLayer for PublishingStore {
    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        // Read first: only a change of presence or name is news to
        // everyone, and most updates (a sign-in's time) are neither.
        let before = self.inner.user(&user.id).await?;
        self.inner.update_user(user).await?;
        if let Some(before) = before {
            let face = || UserFace {
                id: user.id.clone(),
                username: user.username.clone(),
                name: user.name.clone(),
                status: user.status,
                status_text: user.status_text.clone(),
            };
            if before.status != user.status || before.status_text != user.status_text {
                self.bus.publish(Change::PresenceChanged(face()));
            }
            if before.name != user.name || before.username != user.username {
                self.bus.publish(Change::UserRenamed(face()));
            }
        }
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
}

impl RoomLayer for PublishingStore {
    async fn insert_room(&self, room: &Room) -> Result<(), StoreError> {
        self.inner.insert_room(room).await?;
        self.bus.publish(Change::RoomUpdated(room.clone()));
        Ok(())
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
}

// `rename_subscriptions` publishes nothing: the room's own update
// (published by `update_room`) carries the new name to everyone watching it.
impl SubscriptionLayer for PublishingStore {
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
    async fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        self.inner.update_subscription(subscription).await?;
        self.bus.publish(Change::SubscriptionUpdated {
            room: subscription.rid.clone(),
            user: subscription.user.id.clone(),
        });
        Ok(())
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

impl MessageLayer for PublishingStore {
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

// Settings, app data, jobs and the audit log are the server's and the apps
// admin's own: no client subscribes to them, so their writes publish no
// change.
impl SettingLayer for PublishingStore {}
impl AppDataLayer for PublishingStore {}
impl JobLayer for PublishingStore {}
impl AuditLayer for PublishingStore {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reactivity::LocalBus;
    use crate::store::embedded::{Durability, EmbeddedStore};

    #[tokio::test(flavor = "multi_thread")]
    async fn the_publishing_store_passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let inner = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();
        let store = PublishingStore::new(Arc::new(inner), Arc::new(LocalBus::new()));
        crate::store::conformance::run_all(&store).await;
    }
}
