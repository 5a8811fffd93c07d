//! Apps in the server, plugged into the chat through the port the chat
//! defines ([`crate::chat::Apps`]): [`RuntimeApps`] implements it over the
//! apps runtime ([`port`]), and the runtime's
//! [`Bridge`](capsule_runtime::Bridge) (one narrow trait per capability)
//! calls back into the chat's operations ([`bridge`]). Around them: the [`AppManager`] that owns the
//! installed apps ([`manager`]), the conversions between the server's and
//! the runtime's records ([`convert`]), each app's bot user ([`bots`]),
//! its settings ([`settings`]), the commands and endpoints the loaded
//! apps declare ([`registry`]), the job scheduler ([`scheduler`]), and
//! the packages the configuration lists ([`packages`]).
//!
//! The chat knows nothing of this module; this module uses the chat's
//! operations and its read access ([`Chat::records`](crate::chat::Chat::records)),
//! and writes only the record families apps own.

pub mod bots;
pub mod bridge;
pub mod call_failure;
pub mod commands;
pub mod convert;
pub mod endpoints;
mod error;
pub mod manager;
pub mod packages;
pub mod port;
pub mod registry;
pub mod scheduler;
pub mod settings;

pub use bridge::ChatBridge;
pub use error::AppsError;
pub use manager::{AppManager, ManageError};
pub use port::RuntimeApps;
