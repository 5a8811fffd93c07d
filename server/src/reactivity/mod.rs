//! The reactivity layer: every change the store commits becomes a
//! [`Change`] on a [`Bus`], and whoever shows changes live (the real-time
//! API) listens there by [`Topic`].
//!
//! Writes reach the bus through [`PublishingStore`], a decorator around
//! the store that publishes each write after it succeeded, so nothing a
//! client sees live is missing from the store, whatever API or app made
//! the change. The in-process [`LocalBus`] fans changes out to the
//! listeners of this process.
//!
//! Scaled out (several servers on one MongoDB replica set), a change made
//! on one instance must reach listeners on all of them. That plugs in
//! behind the same [`Bus`] trait: the MongoDB store's change stream feeds
//! every instance's local fan-out, and `publish` of the write path has
//! nothing left to do (the database itself is the feed). Listeners and the
//! real-time API do not change.

mod bus;
mod change;
mod publishing;

pub use bus::{Bus, ListenerId, LocalBus, Offer, Sink};
pub use change::{Change, Event, FORMS, Topic, UserFace};
pub use publishing::PublishingStore;
