//! [`AppManager`]: the one owner of the installed apps. It holds the
//! store, the runtime, the bridge, the trust store and the packages
//! folder, and every change to an app goes through it: upload, grant,
//! update, enable, disable, settings, uninstall, trust.
//!
//! State lives in each app's record ([`record`]); the runtime is what runs
//! now. On start the manager reads every record, re-reads and re-verifies
//! each package file under the current trust, loads it with the stored
//! grants (a compiled-component cache hit) and restores what the admin set
//! (`activate`); then it provisions the apps the configuration lists
//! (`provision`). So a restart changes nothing an admin set.
//!
//! One admin operation runs at a time (`ops`, a tokio mutex); each that
//! changes something appends an audit entry ([`audit`]). The runtime tells
//! the manager (through the bridge) when it disables a faulty app, and the
//! manager records that status with its reason (`state`).
//!
//! Ownership: whoever serves holds the manager (the transports' shared
//! state); the manager holds the runtime, whose bridge holds the chat,
//! whose apps port ([`RuntimeApps`]) reaches the runtime through a weak
//! handle, so nothing leads back round. The manager writes only the
//! record families apps own ([`AppStorage`]); an app's bot user is the
//! chat's to create.

mod activate;
pub mod audit;
mod error;
mod folder;
pub mod grants;
mod install;
mod provision;
pub mod record;
mod settings;
mod state;
pub mod trust;
pub mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use capsule_package::Manifest;
use capsule_runtime::{CacheOutcome, Runtime, RuntimeConfig};
use parking_lot::RwLock;

pub use error::ManageError;
pub use grants::Grant;
pub use view::{AppLogs, AppView, HealthView, KeyView, PendingUpdateView, SettingView};

use super::endpoints::EndpointTable;
use super::port::RuntimeApps;
use super::registry::AppRegistry;
use super::scheduler::Scheduler;
use super::{AppsError, ChatBridge};
use crate::chat::{AppStorage, Chat};
use crate::config::Config;
use crate::store::{AppDataStore, AuditStore};
use folder::PackageFolder;
use trust::Trust;

/// An app loaded in the runtime.
#[derive(Clone, Debug)]
struct Loaded {
    manifest: Manifest,
    /// Where its compiled code came from.
    cache: CacheOutcome,
}

/// The owner of the installed apps. Cheap to clone: clones share one
/// manager.
#[derive(Clone)]
pub struct AppManager {
    inner: Arc<Inner>,
}

struct Inner {
    /// The chat the apps' bot users live in.
    chat: Chat,
    /// App records and the apps' key-value data.
    data: Arc<dyn AppDataStore>,
    /// The audit log of admin operations.
    audit: Arc<dyn AuditStore>,
    runtime: Runtime,
    bridge: Arc<ChatBridge>,
    /// Runs the apps' jobs (their jobs go when they are uninstalled).
    scheduler: Scheduler,
    /// The commands and endpoints the chat routes with; rebuilt from
    /// `loaded` after every change.
    registry: Arc<AppRegistry>,
    folder: PackageFolder,
    trust: RwLock<Trust>,
    /// The apps loaded in the runtime, by id.
    loaded: RwLock<BTreeMap<String, Loaded>>,
    /// One admin operation at a time.
    ops: tokio::sync::Mutex<()>,
}

impl AppManager {
    /// Creates the runtime (always: apps can be installed at run time),
    /// restores every installed app from the store, provisions the apps
    /// `config` lists, and returns `chat` with the apps in its message
    /// path (through [`RuntimeApps`]) and this manager.
    ///
    /// A configured package that is bad fails the start, naming the file;
    /// an installed app whose package is no longer acceptable is refused
    /// (with its reason in its status) and the server starts without it.
    pub async fn start(chat: Chat, config: &Config) -> Result<(Chat, AppManager), AppsError> {
        let AppStorage { data, jobs, audit } = chat.app_storage();
        let trust = Trust::load(data.as_ref(), config).await?;
        let apps_dir = config.data_dir.join("apps");
        let folder = PackageFolder::open(apps_dir.join("packages")).map_err(|source| {
            AppsError::PackagesFolder {
                path: apps_dir.join("packages"),
                source,
            }
        })?;
        let registry = Arc::new(AppRegistry::default());
        let port = Arc::new(RuntimeApps::new(registry.clone()));
        let chat = chat.with_apps(port.clone());
        let (status_changes, reported) = tokio::sync::mpsc::unbounded_channel();
        let bridge =
            Arc::new(ChatBridge::new(chat.clone()).reporting_status_changes(status_changes));
        let runtime = Runtime::new(
            RuntimeConfig {
                cache_dir: Some(apps_dir.join("cache")),
                ..RuntimeConfig::default()
            },
            bridge.clone(),
        )?;
        port.attach(&runtime);
        let scheduler = Scheduler::start(jobs, runtime.downgrade(), config.scheduler.clone());
        bridge.attach_scheduler(scheduler.clone());
        let manager = AppManager {
            inner: Arc::new(Inner {
                chat: chat.clone(),
                data,
                audit,
                runtime,
                bridge,
                scheduler,
                registry,
                folder,
                trust: RwLock::new(trust),
                loaded: RwLock::new(BTreeMap::new()),
                ops: tokio::sync::Mutex::new(()),
            }),
        };
        manager.watch_status_changes(reported);
        {
            let _op = manager.inner.ops.lock().await;
            let restored = manager.restore_all().await?;
            manager.rebuild_registry()?;
            for app in &restored {
                manager.announce_enabled(app).await;
            }
            manager.provision(config).await?;
        }
        // Jobs that came due while the server was down run now, not at the
        // scheduler's next look at apps that were not loaded yet.
        manager.inner.scheduler.wake();
        Ok((chat, manager))
    }

    /// The HTTP endpoints of the loaded apps, as they are now (a cheap
    /// snapshot).
    pub fn endpoints(&self) -> Arc<EndpointTable> {
        self.inner.registry.endpoints()
    }

    /// The apps runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// The job scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        &self.inner.scheduler
    }

    /// Every app (installed or waiting for a grant), by id.
    pub async fn list(&self) -> Result<Vec<AppView>, ManageError> {
        let records = record::read_all(self.inner.data.as_ref()).await?;
        Ok(records
            .iter()
            .filter(|(_, r)| r.is_app())
            .filter_map(|(id, r)| self.view(id, r).ok())
            .collect())
    }

    /// One app.
    pub async fn get(&self, id: &str) -> Result<AppView, ManageError> {
        let record = self.app_record(id).await?;
        self.view(id, &record)
    }

    /// The app's recent log lines (at most `limit`, oldest first), its last
    /// fault, its last refused host call and its counters; empty for an app
    /// that is not loaded.
    pub async fn logs(&self, id: &str, limit: usize) -> Result<AppLogs, ManageError> {
        let record = self.app_record(id).await?;
        let runtime = &self.inner.runtime;
        let loaded = runtime.health(id).is_ok();
        Ok(AppLogs {
            logs: if loaded {
                runtime.logs(id, limit).unwrap_or_default()
            } else {
                Vec::new()
            },
            last_fault: runtime
                .last_fault(id)
                .ok()
                .flatten()
                .map(|f| f.to_string())
                .or_else(|| {
                    record
                        .installed
                        .as_ref()
                        .filter(|i| i.status == record::Status::DisabledAfterFaults)
                        .and_then(|i| i.reason.clone())
                }),
            last_refusal: runtime
                .last_refusal(id)
                .ok()
                .flatten()
                .map(|r| r.to_string()),
            health: runtime.health(id).ok().map(HealthView::from),
        })
    }

    /// The record of app `id`, which must be an app.
    async fn app_record(&self, id: &str) -> Result<record::AppRecord, ManageError> {
        record::read(self.inner.data.as_ref(), id)
            .await?
            .filter(record::AppRecord::is_app)
            .ok_or_else(|| ManageError::NotFound(id.to_owned()))
    }

    /// Writes app `id`'s record.
    async fn save(&self, id: &str, record: &record::AppRecord) -> Result<(), ManageError> {
        record::write(self.inner.data.as_ref(), id, record).await
    }
}
