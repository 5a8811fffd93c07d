//! The chat domain: what users may do to rooms and messages, whatever API
//! they came through. The REST API (and later the real-time API and apps)
//! call these operations; each checks authorization, validates, writes to
//! the store and records system messages.
//!
//! Every message, from any API, is sent through [`Chat::send_message`], the
//! one message pipeline. With an apps runtime attached
//! ([`Chat::with_apps`]) that pipeline runs the apps' pre-send hooks before
//! the store write and their post-send hooks after it; edits, deletes, room
//! creation and membership changes raise their app events ([`events`]).
//! A message whose first word is a known slash command runs the app's
//! command instead of being stored ([`commands`]).

mod access;
mod bootstrap;
mod commands;
mod error;
mod events;
mod interactions;
mod mentions;
mod messages;
mod rooms;
mod users;

use std::sync::Arc;

use capsule_runtime::Runtime;

pub use access::Access;
pub use bootstrap::{BOT_USERNAME, GENERAL_ROOM_ID};
pub use commands::{CommandCall, CommandPreview};
pub use commands::{INVALID_COMMAND, NO_PREVIEW, PREVIEW_FAILED};
pub use error::ChatError;
pub use events::{APP_PREVENTED, AppOutcome};
pub use interactions::{INVALID_ACTION, INVALID_ACTION_MESSAGE};
pub use interactions::{InteractionError, UiAction};
pub use messages::{MessageChange, NewMessage};
pub use messages::{Order, RoomMessages, SendOptions, UnreadFrom};
pub use rooms::{Counters, MemberQuery, NewRoom, Prune, RoomChange, RoomRef, RoomView};
pub use users::NewUser;
pub use users::{GLOBAL_ROLES, PersonalToken, ProfileChange, UserChange};

use crate::apps::AppManager;
use crate::apps::commands::CommandRegistry;
use crate::apps::endpoints::EndpointTable;
use crate::apps::registry::AppRegistry;
use crate::reactivity::Bus;
use crate::settings::Settings;
use crate::store::Store;

/// The chat domain over one store.
#[derive(Clone)]
pub struct Chat {
    store: Arc<dyn Store>,
    settings: Arc<Settings>,
    bus: Arc<dyn Bus>,
    /// The apps runtime whose hooks the pipeline runs; `None` runs none.
    apps: Option<Runtime>,
    /// The slash commands and HTTP endpoints of the apps in `apps`,
    /// rebuilt by the app manager on every install, update and uninstall.
    registry: Arc<AppRegistry>,
    /// The owner of the installed apps (for the apps admin API); `None`
    /// in the chat the runtime's bridge holds, so nothing loops back.
    manager: Option<AppManager>,
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
            registry: Arc::default(),
            manager: None,
        }
    }

    /// This chat with `runtime`'s apps in its message path. The runtime
    /// reaches back through a bridge holding a chat *without* apps and a
    /// weak handle to the runtime (see `apps::ChatBridge`), so there is no
    /// reference cycle.
    pub fn with_apps(mut self, runtime: Runtime) -> Chat {
        self.apps = Some(runtime);
        self
    }

    /// This chat routing slash commands and HTTP endpoints through
    /// `registry` (shared with the app manager, which rebuilds it).
    pub fn with_registry(mut self, registry: Arc<AppRegistry>) -> Chat {
        self.registry = registry;
        self
    }

    /// The slash commands of the loaded apps, as they are now (a cheap
    /// snapshot: keep it for the length of one request).
    pub fn commands(&self) -> CommandRegistry {
        self.registry.commands()
    }

    /// The HTTP endpoints of the loaded apps, as they are now.
    pub fn endpoints(&self) -> Arc<EndpointTable> {
        self.registry.endpoints()
    }

    /// This chat with the app manager the apps admin API works through.
    pub fn with_manager(mut self, manager: AppManager) -> Chat {
        self.manager = Some(manager);
        self
    }

    /// The owner of the installed apps, if this chat has one (the chat a
    /// server serves always does).
    pub fn app_manager(&self) -> Option<&AppManager> {
        self.manager.as_ref()
    }

    /// The apps runtime in the message path, if any.
    pub fn apps(&self) -> Option<&Runtime> {
        self.apps.as_ref()
    }

    /// The reactivity bus.
    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.bus
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The server settings.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }
}
