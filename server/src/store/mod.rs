//! Storage: one trait, [`Store`], that every backend implements, the
//! layers that sit in front of a backend, and the conformance suite every
//! store must pass.
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
//! follows behind the same trait.
//!
//! Layers: [`cached::CachedStore`] sits in front of either backend and
//! serves the records every request reads from memory;
//! `reactivity::PublishingStore` sits in front of that and publishes every
//! committed write. A layer implements [`Layer`] and, per family, a layer
//! trait ([`UserLayer`], [`RoomLayer`], ...) in which it overrides only the
//! operations it changes; every other operation, including any added
//! later, is forwarded to the store beneath. Each family is declared once,
//! in `records.rs`, and that one declaration makes both its store trait and
//! its layer trait (see [`Layer`] for why, and what forwarding by default
//! costs). So adding an operation touches the family's declaration, each
//! backend and the conformance suite; the layers change only if they must
//! see the new operation.
//!
//! The conformance suite ([`conformance`]) is test code: it is compiled
//! for this crate's own tests, and for a backend elsewhere with the
//! `conformance` feature, never into the server itself.

pub mod cached;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod embedded;
mod error;
mod layer;
mod page;
mod records;

pub use error::StoreError;
pub use layer::Layer;
pub use page::{Page, Sort};
pub use records::{
    AppDataLayer, AppDataStore, AppRecord, AuditEntry, AuditLayer, AuditStore, Deletion,
    HistoryQuery, JobLayer, JobRecord, JobStore, MessageFilter, MessageLayer, MessageStore,
    RoomFilter, RoomLayer, RoomStore, SettingLayer, SettingStore, SubscriptionLayer,
    SubscriptionStore, Token, TokenKind, UNREAD_CAP, UserFilter, UserLayer, UserStore,
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
