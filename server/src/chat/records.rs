//! What the layers around the chat get of the store: [`Records`], read
//! access to the chat records, and [`AppStorage`], the record families
//! the apps layer owns. Writes of chat records go through the chat's
//! operations, which keep their rules (authorization, counters, system
//! messages, app events) in one place.

use std::sync::Arc;

use crate::model::{Message, MessageId, Room, RoomId, Subscription, User, UserId};
use crate::store::{
    AppDataStore, AuditStore, HistoryQuery, JobStore, Page, Paged, Store, StoreError, Token,
    UserFilter,
};

/// Read access to the chat records, unauthorized: the caller decides who
/// may see what it reads (a signed-in user's own data, what an admin
/// granted an app).
#[derive(Clone, Copy)]
pub struct Records<'a> {
    store: &'a dyn Store,
}

impl<'a> Records<'a> {
    pub(super) fn new(store: &'a dyn Store) -> Records<'a> {
        Records { store }
    }

    /// A user by id.
    pub async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.store.user(id).await
    }

    /// A user by username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.store.user_by_username(username).await
    }

    /// A page of users matching `filter`.
    pub async fn users(&self, filter: &UserFilter, page: &Page) -> Result<Paged<User>, StoreError> {
        self.store.list_users(filter, page).await
    }

    /// How many accounts there are (people and bots).
    pub async fn count_users(&self) -> Result<u64, StoreError> {
        self.store.count_users().await
    }

    /// The token stored under `digest`.
    pub async fn token(&self, digest: &str) -> Result<Option<Token>, StoreError> {
        self.store.token(digest).await
    }

    /// A room by id.
    pub async fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        self.store.room(id).await
    }

    /// A channel or group by name.
    pub async fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError> {
        self.store.room_by_name(name).await
    }

    /// A membership with its unread and mention counts.
    pub async fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.store.subscription(room, user).await
    }

    /// Every membership of `user`.
    pub async fn subscriptions_of(&self, user: &UserId) -> Result<Vec<Subscription>, StoreError> {
        self.store.subscriptions_of(user, None).await
    }

    /// A page of a room's memberships, sorted by username.
    pub async fn members(
        &self,
        room: &RoomId,
        page: &Page,
    ) -> Result<Paged<Subscription>, StoreError> {
        self.store.members(room, page).await
    }

    /// A message by id.
    pub async fn message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        self.store.message(id).await
    }

    /// A room's messages, newest first.
    pub async fn history(
        &self,
        room: &RoomId,
        query: &HistoryQuery,
    ) -> Result<Vec<Message>, StoreError> {
        self.store.history(room, query).await
    }
}

/// The record families the apps layer owns and writes itself: each app's
/// record and key-value data, the jobs apps schedule, and the audit log
/// of admin operations on apps. None of them is a chat record.
#[derive(Clone)]
pub struct AppStorage {
    /// App records and each app's key-value data.
    pub data: Arc<dyn AppDataStore>,
    /// Scheduled jobs.
    pub jobs: Arc<dyn JobStore>,
    /// The apps audit log.
    pub audit: Arc<dyn AuditStore>,
}

impl AppStorage {
    pub(super) fn of(store: &Arc<dyn Store>) -> AppStorage {
        AppStorage {
            data: store.clone(),
            jobs: store.clone(),
            audit: store.clone(),
        }
    }
}
