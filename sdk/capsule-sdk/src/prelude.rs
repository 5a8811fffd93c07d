//! Everything an app usually needs: the [`App`] trait and the WIT types.
//!
//! ```ignore
//! use capsule_sdk::prelude::*;
//! ```
//!
//! The types are the ones wit-bindgen generates; their fields carry the
//! WIT documentation. Capability-specific types live here too, so an app
//! never has to spell out a path inside [`bindings`](crate::bindings).

pub use crate::app::{App, CommandResult};
pub use crate::error::describe;

pub use crate::bindings::capsule::apps::types::{
    ActionButton, Attachment, AttachmentField, Error, Header, HttpRequest, HttpResponse, Message,
    MessageEdit, MessageId, OutgoingMessage, Room, RoomId, RoomKind, Timestamp, User, UserId,
    UserRef, UserStatus,
};

pub use crate::bindings::capsule::apps::logging::Level;
pub use crate::bindings::capsule::apps::scheduler::Schedule;
pub use crate::bindings::capsule::apps::settings::Value as SettingValue;

pub use crate::bindings::exports::capsule::apps::commands::{Invocation, PreviewItem, PreviewKind};
pub use crate::bindings::exports::capsule::apps::jobs::Job;
pub use crate::bindings::exports::capsule::apps::message_events::Verdict;
pub use crate::bindings::exports::capsule::apps::ui::Interaction;
