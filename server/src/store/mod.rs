//! Storage: one trait, [`Store`], that every backend implements, and the
//! conformance suite every backend must pass.
//!
//! The trait is split by record family ([`UserStore`], [`RoomStore`],
//! [`SubscriptionStore`], [`MessageStore`], [`SettingStore`],
//! [`AppDataStore`], [`JobStore`], [`AuditStore`]) so each stays small.
//! Its operations are domain operations (insert a message and bump its
//! room's counters), not queries, so a document database implements them
//! as naturally as SQL does. Every method is async and never blocks the
//! executor: the embedded store runs SQLite on threads of its own.
//!
//! Backends: [`embedded`] (SQLite, the default, no server to run). MongoDB
//! follows behind the same trait. [`cached::CachedStore`] sits in front of
//! either and serves the records every request reads from memory.

pub mod cached;
pub mod conformance;
pub mod embedded;
mod error;
mod page;
mod records;

pub use error::StoreError;
pub use page::{Page, Sort};
pub use records::{
    AppDataStore, AppRecord, AuditEntry, AuditStore, HistoryQuery, JobRecord, JobStore,
    MessageFilter, MessageStore, RoomFilter, RoomStore, SettingStore, SubscriptionStore, Token,
    TokenKind, UNREAD_CAP, UserFilter, UserStore,
};

/// A complete storage backend.
pub trait Store:
    UserStore
    + RoomStore
    + SubscriptionStore
    + MessageStore
    + SettingStore
    + AppDataStore
    + JobStore
    + AuditStore
{
}

impl<T> Store for T where
    T: UserStore
        + RoomStore
        + SubscriptionStore
        + MessageStore
        + SettingStore
        + AppDataStore
        + JobStore
        + AuditStore
{
}

/// A page of results with the total number of matches.
#[derive(Clone, Debug, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

impl<T> Paged<T> {
    /// Maps the items, keeping the total.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}
