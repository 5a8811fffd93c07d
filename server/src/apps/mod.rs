//! Apps in the server: the [`AppManager`] that owns the installed apps
//! ([`manager`]), the runtime's [`Bridge`](capsule_runtime::Bridge) over
//! the chat ([`bridge`]), the conversions between the server's and the
//! runtime's records ([`convert`]), each app's bot user ([`bots`]), its
//! settings ([`settings`]), the commands and endpoints the loaded apps
//! declare ([`registry`]), the job scheduler ([`scheduler`]), and the
//! packages the configuration lists ([`packages`]).
//!
//! The message pipeline itself (`Chat::send_message_with`) calls the
//! runtime's hooks; see `crate::chat`.

pub mod bots;
pub mod bridge;
pub mod commands;
pub mod convert;
pub mod endpoints;
mod error;
pub mod manager;
pub mod packages;
pub mod registry;
pub mod scheduler;
pub mod settings;

pub use bridge::ChatBridge;
pub use error::AppsError;
pub use manager::{AppManager, ManageError};
