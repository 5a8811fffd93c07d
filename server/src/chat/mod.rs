//! The chat domain: what users may do to rooms and messages, whatever
//! transport they came through. The REST API, the real-time API and the
//! apps (through their bot users) call these operations; each checks
//! authorization, validates, writes to the store and records system
//! messages. The chat is the only code that writes chat records; the
//! layers around it read them through [`Chat::records`].
//!
//! Every message, from any transport or app, is sent through
//! [`Chat::send_message`], the one message pipeline. With apps attached
//! ([`Chat::with_apps`], through the [`Apps`] port this module defines)
//! that pipeline runs the apps' pre-send hooks before the store write and
//! their post-send hooks after it; edits, deletes, room creation and
//! membership changes raise their app events ([`events`]). A message
//! whose first word is a known slash command runs the app's command
//! instead of being stored ([`commands`]).

mod access;
mod apps;
mod bootstrap;
pub mod bots;
mod commands;
mod error;
mod events;
mod interactions;
pub mod limits;
mod mentions;
mod messages;
pub mod permissions;
mod records;
mod rooms;
mod users;

use std::sync::Arc;

pub use access::Access;
pub use apps::{
    AppAnswer, AppCallError, AppFailure, Apps, CommandInvocation, Interaction, Prevented,
    PreviewItem, PreviewKind,
};
pub use bootstrap::{BOT_USERNAME, GENERAL_ROOM_ID};
pub use bots::AppBotError;
pub use commands::{CommandCall, CommandPreview, CommandRegistry, CommandText, SlashCommand};
pub use commands::{INVALID_COMMAND, NO_PREVIEW, PREVIEW_FAILED};
pub use error::ChatError;
pub use events::{APP_PREVENTED, AppOutcome};
pub use interactions::{INVALID_ACTION, INVALID_ACTION_MESSAGE};
pub use interactions::{InteractionError, UiAction};
pub use messages::{
    ChangeKind, ChangePage, Order, RoomMessages, SendOptions, SyncCursor, UnreadFrom,
};
pub use messages::{MessageChange, NewMessage};
pub use records::{AppStorage, Records};
pub use rooms::{Counters, MemberQuery, NewRoom, Prune, RoomChange, RoomRef, RoomView};
pub use users::NewUser;
pub use users::{GLOBAL_ROLES, PersonalToken, ProfileChange, UserChange};

use crate::reactivity::Bus;
use crate::settings::Settings;
use crate::store::Store;

/// The chat domain over one store. Cheap to clone: clones share it.
#[derive(Clone)]
pub struct Chat {
    store: Arc<dyn Store>,
    settings: Arc<Settings>,
    bus: Arc<dyn Bus>,
    /// The apps whose hooks, commands and UI actions the chat runs;
    /// `None` runs none.
    apps: Option<Arc<dyn Apps>>,
}

impl Chat {
    /// Chat over `store`, with `settings`. `bus` is the reactivity bus the
    /// store publishes its writes to; the chat publishes what is never
    /// stored (ephemeral messages) there too.
    pub fn new(store: Arc<dyn Store>, settings: Arc<Settings>, bus: Arc<dyn Bus>) -> Chat {
        Chat {
            store,
            settings,
            bus,
            apps: None,
        }
    }

    /// This chat with `apps` in its message path. Whatever implements
    /// [`Apps`] must not hold this chat strongly in turn (the apps layer
    /// reaches its runtime through a weak handle), so there is no
    /// reference cycle.
    pub fn with_apps(mut self, apps: Arc<dyn Apps>) -> Chat {
        self.apps = Some(apps);
        self
    }

    /// The reactivity bus.
    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.bus
    }

    /// Read access to the chat records (users, tokens, rooms, memberships,
    /// messages), for the transports and apps: they write only through
    /// the chat's operations.
    pub fn records(&self) -> Records<'_> {
        Records::new(self.store.as_ref())
    }

    /// The record families the apps layer owns (each app's record and
    /// key-value data, its jobs, the apps audit log), which the chat
    /// itself never reads or writes.
    pub fn app_storage(&self) -> AppStorage {
        AppStorage::of(&self.store)
    }

    /// The whole store underneath, for tests and tools that arrange
    /// records below the domain. The server's own layers never call it.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The server settings.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }
}
