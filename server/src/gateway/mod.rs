//! What the transports share, below them and above the chat domain: the
//! state every handler gets ([`AppState`]), who the client is
//! ([`client_address`]), signed-in sessions ([`sessions`]), signing in
//! ([`sign_in`]), refusals as clients see
//! them ([`error`]), what clients read at start-up ([`startup`]) and the reading and answering of calls users make to
//! apps ([`app_calls`]).
//!
//! The REST API (`crate::api`), the real-time API (`crate::realtime`)
//! and the operations endpoints (`crate::ops`) each use this module and
//! none uses another: a rule both transports follow lives here.

pub mod app_calls;
pub mod client_address;
pub mod error;
pub mod sessions;
pub mod sign_in;
pub mod startup;
mod state;

pub use client_address::ClientAddress;
pub use sessions::Sessions;
pub use state::AppState;
