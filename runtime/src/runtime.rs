//! The [`Runtime`]: loads apps, keeps them in chain order, and lets an
//! admin change their grants and status. Event dispatch is in
//! [`dispatch`](crate::dispatch).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use wasmtime::component::Linker;

use crate::app::LoadedApp;
use crate::app::health::{AppStatus, HealthReport};
use crate::app::instance::ExportIndices;
use crate::app::log::{AppLog, LogEntry, LogLevel, LogSource};
use crate::app::spec::AppSpec;
use crate::app::state::{AppShared, HostState, WriteBucket};
use crate::bridge::Bridge;
use crate::cache::{CacheOutcome, ComponentCache};
use crate::capabilities::link_granted;
use crate::engine::{CapsuleEngine, EngineConfig};
use crate::http_transport::{HttpTransport, ReqwestTransport};
use crate::loader::{self, ComponentShape, LoadError};
use capsule_contract::GrantSet;

/// Runtime-wide settings.
#[derive(Clone, Debug, Default)]
pub struct RuntimeConfig {
    /// The engine's settings.
    pub engine: EngineConfig,
    /// Where compiled components are cached; `None` keeps them in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Entries kept in each app's log.
    pub log_capacity: Option<usize>,
    /// How outbound HTTP goes on the wire; `None` is [`ReqwestTransport`].
    pub http_transport: Option<Arc<dyn HttpTransport>>,
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot create the wasmtime engine: {0}")]
    Engine(String),
    #[error("cannot open the compiled-component cache: {0}")]
    Cache(#[from] std::io::Error),
}

/// An admin operation named an app that is not loaded.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("app `{0}` is not loaded")]
pub struct NotLoaded(pub String);

/// Why an app could not be enabled.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnableError {
    #[error(transparent)]
    NotLoaded(#[from] NotLoaded),
    #[error("app `{app}` is refused ({reason}); install it again once that is resolved")]
    Refused { app: String, reason: String },
}

/// What loading an app did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadReport {
    /// Where the compiled code came from.
    pub cache: CacheOutcome,
    /// What the component imports and exports.
    pub shape: ComponentShape,
}

/// The apps runtime. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub engine: Arc<CapsuleEngine>,
    cache: ComponentCache,
    bridge: Arc<dyn Bridge>,
    http: Arc<dyn HttpTransport>,
    log_capacity: usize,
    /// Linkers by granted-capability set: building one links all of WASI,
    /// so apps with the same grants share it.
    linkers: Mutex<HashMap<Vec<capsule_contract::Capability>, Linker<HostState>>>,
    /// Loaded apps in chain order; replaced wholesale on change so that a
    /// dispatch reads it without holding a lock.
    pub apps: RwLock<Arc<Vec<Arc<LoadedApp>>>>,
}

/// A handle that does not keep the runtime alive (for bridges that call
/// back into it, such as [`MemoryBridge`](crate::memory::MemoryBridge)).
#[derive(Clone)]
pub struct WeakRuntime(std::sync::Weak<Inner>);

impl WeakRuntime {
    /// The runtime, if it still exists.
    pub fn upgrade(&self) -> Option<Runtime> {
        self.0.upgrade().map(|inner| Runtime { inner })
    }
}

impl Runtime {
    /// A handle that does not keep the runtime alive.
    pub fn downgrade(&self) -> WeakRuntime {
        WeakRuntime(Arc::downgrade(&self.inner))
    }

    /// Starts a runtime that reaches the server through `bridge`.
    pub fn new(config: RuntimeConfig, bridge: Arc<dyn Bridge>) -> Result<Runtime, RuntimeError> {
        let engine = CapsuleEngine::new(&config.engine)
            .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let cache = ComponentCache::new(engine.engine(), config.cache_dir.as_deref())?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine: Arc::new(engine),
                cache,
                bridge,
                http: config
                    .http_transport
                    .clone()
                    .unwrap_or_else(|| Arc::new(ReqwestTransport::default())),
                log_capacity: config.log_capacity.unwrap_or(1000),
                linkers: Mutex::new(HashMap::new()),
                apps: RwLock::new(Arc::new(Vec::new())),
            }),
        })
    }

    /// Loads an app: checks the component against the contract and the
    /// grants, compiles it (or takes it from the cache) and prepares it for
    /// instantiation. Nothing of the app runs yet.
    pub async fn load(&self, spec: AppSpec, wasm: &[u8]) -> Result<LoadReport, LoadError> {
        let app = spec.id.clone();
        if !capsule_contract::valid_id(&app) {
            return Err(LoadError::InvalidId { app });
        }
        if self.find(&app).is_some() {
            return Err(LoadError::AlreadyLoaded { app });
        }
        loader::check_header(&app, wasm)?;
        let inner = self.inner.clone();
        let bytes = wasm.to_vec();
        // Compiling is CPU-bound for tens of milliseconds: keep it off the executor.
        let (component, cache) =
            tokio::task::spawn_blocking(move || inner.cache.get(inner.engine.engine(), &bytes))
                .await
                .map_err(|e| LoadError::Compile {
                    app: app.clone(),
                    reason: e.to_string(),
                })?
                .map_err(
                    |crate::cache::CacheError::Compile(reason)| LoadError::Compile {
                        app: app.clone(),
                        reason,
                    },
                )?;
        let shape = loader::inspect(wasm, &spec)?;
        let linker = self.linker_for(&spec.grants).map_err(|e| LoadError::Link {
            app: app.clone(),
            reason: format!("{e:#}"),
        })?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link {
                app: app.clone(),
                reason: format!("{e:#}"),
            })?;
        let indices = ExportIndices::new(&pre);
        let shared = Arc::new(AppShared {
            id: Arc::from(app.as_str()),
            grants: RwLock::new(Arc::new(spec.grants.clone())),
            bridge: self.inner.bridge.clone(),
            limits: spec.limits.clone(),
            log: Arc::new(AppLog::new(self.inner.log_capacity)),
            health: crate::app::health::Health::new(),
            writes: Mutex::new(WriteBucket::new(spec.limits.write_burst)),
            http: self.inner.http.clone(),
        });
        shared.log.push(
            LogLevel::Info,
            LogSource::Host,
            format!("loaded (contract {}, {cache})", shape.version),
        );
        let loaded = Arc::new(LoadedApp::new(
            spec,
            shared,
            self.inner.engine.clone(),
            pre,
            indices,
        ));
        let mut apps = self.inner.apps.write();
        if apps.iter().any(|a| a.id() == app) {
            return Err(LoadError::AlreadyLoaded { app });
        }
        let mut next: Vec<_> = apps.iter().cloned().collect();
        next.push(loaded);
        next.sort_by(|a, b| (a.spec.priority, a.id()).cmp(&(b.spec.priority, b.id())));
        *apps = Arc::new(next);
        tracing::info!(app = %app, ?cache, "app loaded");
        Ok(LoadReport { cache, shape })
    }

    fn linker_for(&self, grants: &GrantSet) -> wasmtime::Result<Linker<HostState>> {
        let key: Vec<_> = grants.capabilities().collect();
        if let Some(linker) = self.inner.linkers.lock().get(&key) {
            return Ok(linker.clone());
        }
        let mut linker = Linker::new(self.inner.engine.engine());
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        link_granted(&mut linker, grants)?;
        self.inner.linkers.lock().insert(key, linker.clone());
        Ok(linker)
    }

    /// Unloads an app; its warm instances are dropped.
    pub fn unload(&self, app: &str) -> Result<(), NotLoaded> {
        let mut apps = self.inner.apps.write();
        let found = apps
            .iter()
            .find(|a| a.id() == app)
            .cloned()
            .ok_or_else(|| NotLoaded(app.to_string()))?;
        found.drop_warm_instances();
        *apps = Arc::new(apps.iter().filter(|a| a.id() != app).cloned().collect());
        Ok(())
    }

    /// Replaces an app's grants. Takes effect at its next host call; a
    /// capability the component imports but no longer holds is denied.
    pub fn set_grants(&self, app: &str, grants: GrantSet) -> Result<(), NotLoaded> {
        let loaded = self.get(app)?;
        *loaded.shared.grants.write() = Arc::new(grants);
        loaded
            .shared
            .log
            .push(LogLevel::Info, LogSource::Host, "grants changed");
        Ok(())
    }

    /// The app's current grants.
    pub fn grants(&self, app: &str) -> Result<GrantSet, NotLoaded> {
        Ok(self.get(app)?.shared.grants.read().as_ref().clone())
    }

    /// Enables an app (also one disabled after faults). An app refused
    /// (e.g. for its signer) stays refused.
    pub fn enable(&self, app: &str) -> Result<(), EnableError> {
        let loaded = self.get(app)?;
        if let AppStatus::Refused { reason } = loaded.shared.health.status() {
            return Err(EnableError::Refused {
                app: app.to_string(),
                reason,
            });
        }
        loaded.shared.health.set_status(AppStatus::Enabled);
        loaded
            .shared
            .log
            .push(LogLevel::Info, LogSource::Host, "enabled");
        Ok(())
    }

    /// Stops every app whose package `key_id` signed, with `reason` as its
    /// status (call it when the key leaves the trust store). Returns the ids
    /// of the apps stopped.
    pub fn refuse_signed_by(&self, key_id: &str, reason: &str) -> Vec<String> {
        let mut refused = Vec::new();
        for app in self
            .snapshot()
            .iter()
            .filter(|a| a.spec.signer.as_deref() == Some(key_id))
        {
            app.shared.health.set_status(AppStatus::Refused {
                reason: reason.to_string(),
            });
            app.drop_warm_instances();
            app.shared.log.push(
                LogLevel::Error,
                LogSource::Host,
                format!("refused: {reason}"),
            );
            tracing::warn!(app = %app.id(), key_id, "app refused: {reason}");
            refused.push(app.id().to_string());
        }
        refused
    }

    /// Disables an app: it receives no events until enabled again.
    pub fn disable(&self, app: &str) -> Result<(), NotLoaded> {
        let loaded = self.get(app)?;
        loaded.shared.health.set_status(AppStatus::DisabledByAdmin);
        loaded.drop_warm_instances();
        loaded
            .shared
            .log
            .push(LogLevel::Info, LogSource::Host, "disabled by an admin");
        Ok(())
    }

    /// The app's status and counters.
    pub fn health(&self, app: &str) -> Result<HealthReport, NotLoaded> {
        Ok(self.get(app)?.shared.health.report())
    }

    /// The app's most recent fault, if any.
    pub fn last_fault(&self, app: &str) -> Result<Option<crate::fault::Fault>, NotLoaded> {
        Ok(self.get(app)?.shared.health.last_fault())
    }

    /// The app's most recent refused host call, if any.
    pub fn last_refusal(&self, app: &str) -> Result<Option<crate::Refusal>, NotLoaded> {
        Ok(self.get(app)?.shared.health.last_refusal())
    }

    /// The app's most recent log lines, oldest first.
    pub fn logs(&self, app: &str, limit: usize) -> Result<Vec<LogEntry>, NotLoaded> {
        Ok(self.get(app)?.shared.log.recent(limit))
    }

    /// Whether any loaded app implements one of `hooks` (enabled or not),
    /// so a caller can skip building a call's arguments when none does.
    /// One snapshot for all of them: this runs on every message.
    pub fn implements(&self, hooks: &[capsule_contract::Hook]) -> bool {
        self.snapshot()
            .iter()
            .any(|a| hooks.iter().any(|&hook| a.spec.implements(hook)))
    }

    /// Ids of the loaded apps, in chain order.
    pub fn app_ids(&self) -> Vec<String> {
        self.snapshot().iter().map(|a| a.id().to_string()).collect()
    }

    /// Warm instances the app holds now.
    pub fn warm_instances(&self, app: &str) -> Result<usize, NotLoaded> {
        Ok(self.get(app)?.warm_count())
    }

    /// Creates one fresh instance of `app` and drops it; returns how long
    /// creating it took. Checks that an app still instantiates (and
    /// measures what a fresh instance per event would cost).
    pub async fn probe_instantiate(
        &self,
        app: &str,
    ) -> Result<std::time::Duration, crate::dispatch::TargetError> {
        let loaded = self.get(app)?;
        Ok(loaded.probe_instantiate().await?)
    }

    /// Forgets compiled components kept in memory (the disk cache stays);
    /// loaded apps keep theirs.
    pub fn clear_memory_cache(&self) {
        self.inner.cache.clear_memory();
    }

    pub(crate) fn snapshot(&self) -> Arc<Vec<Arc<LoadedApp>>> {
        self.inner.apps.read().clone()
    }

    pub(crate) fn find(&self, app: &str) -> Option<Arc<LoadedApp>> {
        self.snapshot().iter().find(|a| a.id() == app).cloned()
    }

    pub(crate) fn get(&self, app: &str) -> Result<Arc<LoadedApp>, NotLoaded> {
        self.find(app).ok_or_else(|| NotLoaded(app.to_string()))
    }
}
