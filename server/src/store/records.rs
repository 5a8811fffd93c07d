//! The record families of the store, one trait each.

use super::layer::record_family;
use serde_json::Value;

use super::{Page, Paged, StoreError};
use crate::model::{
    Message, MessageId, Room, RoomId, RoomKind, Subscription, Timestamp, User, UserId,
};

/// What a sign-in token is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Issued by `login`; revoked by `logout`.
    Login,
    /// A personal access token the user created and named.
    Personal {
        name: String,
        /// The token's last characters, shown so its owner can tell
        /// tokens apart (`lastTokenPart`); too few to guess the rest.
        last_part: String,
    },
}

/// A sign-in token. Only its SHA-256 digest is stored, so a leaked
/// database does not leak sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Hex SHA-256 of the token the client holds.
    pub digest: String,
    pub user: UserId,
    pub kind: TokenKind,
    pub created_at: Timestamp,
}

/// Which users a listing returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive substring of the username or name.
    pub text: Option<String>,
    /// Only users holding this global role.
    pub role: Option<String>,
    /// Only active (or only inactive) users.
    pub active: Option<bool>,
}

record_family! {
    /// Users, their password hashes and their tokens.
    pub trait UserStore, layered by UserLayer {
        /// Inserts a user with an optional argon2 password hash.
        /// `Conflict` when the username or an e-mail address is taken
        /// (compared without case).
        async fn insert_user(
            &self,
            user: &User,
            password_hash: Option<String>,
        ) -> Result<(), StoreError>;
        /// One user by id.
        async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError>;
        /// Several users by id, in no particular order; missing ones are skipped.
        async fn users(&self, ids: &[UserId]) -> Result<Vec<User>, StoreError>;
        /// One user by username, without case.
        async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
        /// One user by e-mail address, without case.
        async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
        /// Replaces a user's document. `NotFound`, or `Conflict` on a taken
        /// username or e-mail.
        async fn update_user(&self, user: &User) -> Result<(), StoreError>;
        /// Deletes a user, their credentials, tokens and memberships (rooms'
        /// member counts follow). Their messages stay.
        async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError>;
        /// A page of users; sorts by `username`, `name`, `createdAt`, `status`.
        async fn list_users(
            &self,
            filter: &UserFilter,
            page: &Page,
        ) -> Result<Paged<User>, StoreError>;
        /// How many users exist (bots included).
        async fn count_users(&self) -> Result<u64, StoreError>;
        /// The argon2 hash of a user's password.
        async fn password_hash(&self, id: &UserId) -> Result<Option<String>, StoreError>;
        /// Sets (or with `None` clears) a user's password hash.
        async fn set_password_hash(
            &self,
            id: &UserId,
            hash: Option<String>,
        ) -> Result<(), StoreError>;
        /// Stores a token. `Conflict` for a personal token name the user
        /// already has.
        async fn insert_token(&self, token: &Token) -> Result<(), StoreError>;
        /// The token with this digest.
        async fn token(&self, digest: &str) -> Result<Option<Token>, StoreError>;
        /// Revokes one token.
        async fn delete_token(&self, digest: &str) -> Result<bool, StoreError>;
        /// A user's tokens, oldest first.
        async fn tokens_of(&self, user: &UserId) -> Result<Vec<Token>, StoreError>;
    }
}

/// Which rooms a listing returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<RoomKind>,
    /// Case-insensitive substring of the name.
    pub text: Option<String>,
    /// Only rooms this user is a member of.
    pub member: Option<UserId>,
    /// Only default rooms.
    pub default_only: bool,
}

record_family! {
    /// Rooms.
    pub trait RoomStore, layered by RoomLayer {
        /// Inserts a room. `Conflict` when its id or (for channels and groups)
        /// its name is taken, compared without case.
        async fn insert_room(&self, room: &Room) -> Result<(), StoreError>;
        /// One room by id.
        async fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError>;
        /// One channel or group by name, without case.
        async fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError>;
        /// Replaces a room's document; the counters (`usersCount`, `msgs`,
        /// `lm`) are the store's and are left as they are.
        async fn update_room(&self, room: &Room) -> Result<(), StoreError>;
        /// Deletes a room with its messages and memberships.
        async fn delete_room(&self, id: &RoomId) -> Result<bool, StoreError>;
        /// A page of rooms; sorts by `name`, `ts`, `usersCount`, `msgs`, `lm`.
        async fn list_rooms(
            &self,
            filter: &RoomFilter,
            page: &Page,
        ) -> Result<Paged<Room>, StoreError>;
    }
}

/// Unread counts stop here: a membership with more unread messages reports
/// this many (clients show "999+"), so reading a subscription costs the
/// same however long the user has been away.
pub const UNREAD_CAP: u64 = 1000;

record_family! {
    /// Memberships and the per-user state of a room.
    pub trait SubscriptionStore, layered by SubscriptionLayer {
        /// Adds a member; the room's `usersCount` follows. Returns `false`
        /// (changing nothing) when the user is a member already.
        async fn add_member(&self, subscription: &Subscription) -> Result<bool, StoreError>;
        /// Removes a member; returns whether they were one.
        async fn remove_member(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError>;
        /// A membership without its counts (zero): the cheap check that
        /// authorizes a request.
        async fn membership(
            &self,
            room: &RoomId,
            user: &UserId,
        ) -> Result<Option<Subscription>, StoreError>;
        /// A membership with its unread and mention counts.
        async fn subscription(
            &self,
            room: &RoomId,
            user: &UserId,
        ) -> Result<Option<Subscription>, StoreError>;
        /// Replaces a membership's document (roles, favourite, open, name).
        async fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError>;
        /// Renames every membership of a room (after the room is renamed).
        async fn rename_subscriptions(&self, room: &RoomId, name: &str) -> Result<(), StoreError>;
        /// A user's memberships changed after `since` (all with `None`), with
        /// their counts.
        async fn subscriptions_of(
            &self,
            user: &UserId,
            since: Option<Timestamp>,
        ) -> Result<Vec<Subscription>, StoreError>;
        /// A page of a room's memberships, sorted by username.
        async fn members(
            &self,
            room: &RoomId,
            page: &Page,
        ) -> Result<Paged<Subscription>, StoreError>;
        /// Members holding a room role.
        async fn members_with_roles(&self, room: &RoomId) -> Result<Vec<Subscription>, StoreError>;
        /// Marks everything up to `at` as read.
        async fn mark_read(
            &self,
            room: &RoomId,
            user: &UserId,
            at: Timestamp,
        ) -> Result<(), StoreError>;
    }
}

/// Which slice of a room's history to read, as `channels.history` asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only messages sent before this (or at it, with `inclusive`).
    pub latest: Option<Timestamp>,
    /// Only messages sent after this (or at it, with `inclusive`).
    pub oldest: Option<Timestamp>,
    pub inclusive: bool,
    pub offset: u64,
    /// At most this many; 0 for no limit.
    pub count: u64,
}

/// A deleted message: its id and when it was deleted, kept so that
/// clients that sync learn of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub id: MessageId,
    pub at: Timestamp,
}

/// Which messages of a room a listing returns (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageFilter {
    /// Replies in a thread.
    Thread(MessageId),
    /// Messages that start threads.
    ThreadStarters,
    /// Messages that mention this user.
    MentionsOf(UserId),
    /// Messages this user starred.
    StarredBy(UserId),
    /// Pinned messages.
    Pinned,
    /// Messages whose text contains this, without case.
    Text(String),
}

record_family! {
    /// Messages.
    pub trait MessageStore, layered by MessageLayer {
        /// Inserts a message and, in the same write, bumps its room's `msgs`
        /// and `lm` (for user messages; system messages do not count) and,
        /// for a thread reply, its parent's `tcount`, `tlm` and `replies`.
        /// `Conflict` when the id is taken.
        async fn insert_message(&self, message: &Message) -> Result<(), StoreError>;
        /// One message by id.
        async fn message(&self, id: &MessageId) -> Result<Option<Message>, StoreError>;
        /// Replaces a message's document (edits, reactions, pins, stars) if it
        /// still has the `_updatedAt` it had when read, so concurrent changes
        /// are never lost: `Conflict` tells the caller to read and try again.
        async fn replace_message(
            &self,
            message: &Message,
            expected_updated_at: Timestamp,
        ) -> Result<(), StoreError>;
        /// Deletes a message (and a thread reply's count on its parent),
        /// remembering when, for `chat.syncMessages`.
        async fn delete_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError>;
        /// A room's messages, newest first. (No total: counting a long
        /// history would cost more than reading the page.)
        async fn history(
            &self,
            room: &RoomId,
            query: &HistoryQuery,
        ) -> Result<Vec<Message>, StoreError>;
        /// A filtered page of a room's messages, newest first.
        async fn find_messages(
            &self,
            room: &RoomId,
            filter: &MessageFilter,
            page: &Page,
        ) -> Result<Paged<Message>, StoreError>;
        /// Messages of a room changed after `since`, and those deleted
        /// after it, each oldest change first.
        async fn changes_since(
            &self,
            room: &RoomId,
            since: Timestamp,
        ) -> Result<(Vec<Message>, Vec<Deletion>), StoreError>;
        /// Deletes a room's messages in a time range (optionally only some
        /// users'); returns how many.
        async fn clean_history(
            &self,
            room: &RoomId,
            oldest: Timestamp,
            latest: Timestamp,
            inclusive: bool,
            users: &[String],
        ) -> Result<u64, StoreError>;
    }
}

record_family! {
    /// Server settings changed from their defaults.
    pub trait SettingStore, layered by SettingLayer {
        /// Every stored setting value.
        async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError>;
        /// Stores a setting value.
        async fn set_setting(&self, id: &str, value: &Value) -> Result<(), StoreError>;
    }
}

/// An installed app's record (manifest, grants, status, settings), kept as
/// a document the apps admin owns.
#[derive(Clone, Debug, PartialEq)]
pub struct AppRecord {
    pub id: String,
    pub document: Value,
}

record_family! {
    /// Per-app key-value data and app records.
    pub trait AppDataStore, layered by AppDataLayer {
        /// A value of an app's key.
        async fn app_value(&self, app: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
        /// Stores a value. `Quota` when a new key would pass `max_keys`.
        async fn set_app_value(
            &self,
            app: &str,
            key: &str,
            value: &[u8],
            max_keys: u64,
        ) -> Result<(), StoreError>;
        /// Deletes a key; returns whether it existed.
        async fn delete_app_value(&self, app: &str, key: &str) -> Result<bool, StoreError>;
        /// Writes `new` (`None` deletes) only if the key now holds `expected`
        /// (`None`: does not exist), as one atomic step; returns whether it
        /// wrote. `Quota` when a key it would create passes `max_keys`.
        async fn compare_and_set_app_value(
            &self,
            app: &str,
            key: &str,
            expected: Option<&[u8]>,
            new: Option<&[u8]>,
            max_keys: u64,
        ) -> Result<bool, StoreError>;
        /// Keys with `prefix`, in byte order, after `start_after`.
        async fn app_keys(
            &self,
            app: &str,
            prefix: &str,
            start_after: Option<&str>,
            limit: u64,
        ) -> Result<Vec<String>, StoreError>;
        /// Deletes all of an app's data; returns how many keys.
        async fn clear_app_data(&self, app: &str) -> Result<u64, StoreError>;
        /// Stores an app record.
        async fn put_app_record(&self, record: &AppRecord) -> Result<(), StoreError>;
        /// Every app record.
        async fn app_records(&self) -> Result<Vec<AppRecord>, StoreError>;
        /// Deletes an app record.
        async fn delete_app_record(&self, id: &str) -> Result<bool, StoreError>;
    }
}

/// A job an app scheduled (`scheduler` capability), as the scheduler keeps
/// it between runs and across restarts.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    /// Unique among all jobs (the scheduler makes it).
    pub id: String,
    /// The app that scheduled it.
    pub app: String,
    /// The name the app gave it.
    pub name: String,
    /// When it recurs, as the scheduler writes it (e.g. `{"every_ms": 60000}`,
    /// `{"cron": "0 9 * * 1"}`, `{"once": true}`); opaque to the store.
    pub schedule: Value,
    /// The app's payload, handed back to it on every run.
    pub payload: Vec<u8>,
    /// When it is due next.
    pub next_run: Timestamp,
    /// Failed attempts at the current run (0 before the first run).
    pub attempt: u32,
    pub created_at: Timestamp,
}

record_family! {
    /// Jobs apps scheduled.
    pub trait JobStore, layered by JobLayer {
        /// Stores a job, replacing the one with its id (a reschedule).
        async fn put_job(&self, job: &JobRecord) -> Result<(), StoreError>;
        /// A job of `app` by id.
        async fn job(&self, app: &str, id: &str) -> Result<Option<JobRecord>, StoreError>;
        /// Deletes a job of `app`; returns whether it existed.
        async fn delete_job(&self, app: &str, id: &str) -> Result<bool, StoreError>;
        /// Up to `limit` jobs due at or before `until`, earliest first, leaving
        /// out those of the apps in `except` (disabled ones).
        async fn due_jobs(
            &self,
            until: Timestamp,
            except: &[String],
            limit: u64,
        ) -> Result<Vec<JobRecord>, StoreError>;
        /// When the earliest job not of the apps in `except` is due, if any.
        async fn next_due(&self, except: &[String]) -> Result<Option<Timestamp>, StoreError>;
        /// Every job of `app`, earliest first.
        async fn jobs_of(&self, app: &str) -> Result<Vec<JobRecord>, StoreError>;
        /// Deletes every job of `app`; returns how many.
        async fn delete_jobs_of(&self, app: &str) -> Result<u64, StoreError>;
    }
}

/// One admin action, recorded for the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Unique, made by the caller.
    pub id: String,
    pub at: Timestamp,
    /// Who did it: a user id, or `system` for the server itself (apps
    /// provisioned from the configuration, apps the runtime disabled).
    pub actor_id: String,
    pub actor_username: String,
    /// What was done, e.g. `app.install`, `app.enable`, `trusted-key.add`.
    pub action: String,
    /// The app it was done to, if any.
    pub app: Option<String>,
    /// The particulars (versions, permissions granted, settings changed;
    /// never a secret's value).
    pub detail: Value,
}

record_family! {
    /// The audit log of admin actions. Entries are only ever appended.
    pub trait AuditStore, layered by AuditLayer {
        /// Appends an entry.
        async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
        /// Entries, newest first (by `at`, then insertion order), of `app` only
        /// when given.
        async fn audit_entries(
            &self,
            app: Option<&str>,
            page: Page,
        ) -> Result<Paged<AuditEntry>, StoreError>;
    }
}
