//! What the loaded apps declare: their slash commands, HTTP endpoints and
//! display names,
//! shared between [`RuntimeApps`](super::RuntimeApps) (the chat's port,
//! which routes commands), the app endpoints transport, and the
//! [`AppManager`](super::AppManager) that rebuilds them whenever an app
//! is installed, updated or uninstalled.
//!
//! Readers take a snapshot (an `Arc` clone), so a request never sees half
//! of a rebuild and never holds a lock while an app runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use capsule_package::Manifest;
use parking_lot::RwLock;

use super::AppsError;
use super::endpoints::EndpointTable;
use crate::chat::CommandRegistry;

/// The commands and endpoints of the loaded apps, swappable as a whole.
#[derive(Debug, Default)]
pub struct AppRegistry {
    current: RwLock<Declared>,
}

/// One consistent set of declarations.
#[derive(Clone, Debug, Default)]
pub struct Declared {
    pub commands: CommandRegistry,
    pub endpoints: Arc<EndpointTable>,
    /// Each app's display name (its manifest's `name`), by id, for the
    /// words people read about it.
    pub names: Arc<BTreeMap<String, String>>,
}

impl Declared {
    /// The declarations of `manifests`; refused when two of them claim the
    /// same command or the `hooks` endpoint (naming both apps).
    pub fn of<'a>(
        manifests: impl IntoIterator<Item = &'a Manifest>,
    ) -> Result<Declared, AppsError> {
        let manifests: Vec<&Manifest> = manifests.into_iter().collect();
        Ok(Declared {
            commands: super::commands::declared(manifests.iter().copied())?,
            endpoints: Arc::new(EndpointTable::new(manifests.iter().copied())?),
            names: Arc::new(
                manifests
                    .iter()
                    .map(|m| (m.id.clone(), m.name.clone()))
                    .collect(),
            ),
        })
    }
}

impl AppRegistry {
    /// The slash commands now.
    pub fn commands(&self) -> CommandRegistry {
        self.current.read().commands.clone()
    }

    /// The HTTP endpoints now.
    pub fn endpoints(&self) -> Arc<EndpointTable> {
        self.current.read().endpoints.clone()
    }

    /// App `id`'s display name, or its id when no loaded app has it.
    pub fn display_name(&self, id: &str) -> String {
        self.current
            .read()
            .names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    /// Replaces every declaration at once.
    pub fn replace(&self, declared: Declared) {
        *self.current.write() = declared;
    }
}
