//! Starting and stopping the server: open the store, load settings, make
//! sure the defaults exist, start the apps, put the transports side by
//! side over one shared state, serve HTTP until told to stop.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api;
use crate::apps::AppManager;
use crate::chat::Chat;
use crate::config::Config;
use crate::edge;
use crate::gateway::AppState;
use crate::reactivity::{Bus, LocalBus, PublishingStore};
use crate::settings::Settings;
use crate::store::Store;
use crate::store::cached::CachedStore;
use crate::store::embedded::EmbeddedStore;

/// The first admin, when the environment names one.
#[derive(Clone, Debug)]
pub struct AdminSeed {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

impl AdminSeed {
    /// From `CAPSULE_ADMIN_USERNAME`, `CAPSULE_ADMIN_PASSWORD` and
    /// `CAPSULE_ADMIN_EMAIL`; `None` unless the first two are set.
    pub fn from_env() -> Option<AdminSeed> {
        let username = std::env::var("CAPSULE_ADMIN_USERNAME").ok()?;
        let password = std::env::var("CAPSULE_ADMIN_PASSWORD").ok()?;
        Some(AdminSeed {
            username,
            password,
            email: std::env::var("CAPSULE_ADMIN_EMAIL").ok(),
        })
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot prepare the chat: {0}")]
    Chat(#[from] crate::chat::ChatError),
    #[error("cannot start the apps: {0}")]
    Apps(#[from] crate::apps::AppsError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A server that is serving.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    chat: Chat,
    apps: AppManager,
}

impl RunningServer {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The chat domain it serves.
    pub fn chat(&self) -> &Chat {
        &self.chat
    }

    /// The owner of the installed apps it serves.
    pub fn app_manager(&self) -> &AppManager {
        &self.apps
    }

    /// Stops accepting, lets open requests finish, and waits.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap_or(Ok(()))
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn serve_until(
        self,
        signal: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        signal.await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every
/// server in the process).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            handle
        })
        .clone()
}

/// The store the chat runs on and the reactivity bus its writes go to.
#[derive(Clone)]
pub struct Storage {
    /// The store, publishing every write to `bus`.
    pub store: Arc<dyn Store>,
    /// The bus the real-time API listens on.
    pub bus: Arc<dyn Bus>,
}

/// Opens the embedded store in the configured data folder, behind the
/// cache of the records every request reads, publishing its writes to an
/// in-process bus.
pub fn open_store(config: &Config) -> Result<Storage, StartError> {
    let embedded = EmbeddedStore::open(&config.data_dir, config.durability)?;
    let cached: Arc<dyn Store> = Arc::new(CachedStore::new(Arc::new(embedded)));
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::new());
    let store = Arc::new(PublishingStore::new(cached, bus.clone()));
    Ok(Storage { store, bus })
}

/// The chat, with the apps in its message path, and the owner of those
/// apps. The apps run while `apps` (or a clone of it) is held.
pub struct Prepared {
    pub chat: Chat,
    pub apps: AppManager,
}

/// Prepares the chat over `store`: settings, `#general`, `rocket.cat`, the
/// first admin, and the apps: the [`AppManager`] restores the installed
/// ones and provisions those the configuration lists (a bad configured
/// package fails here, naming the file).
pub async fn prepare(
    storage: Storage,
    config: &Config,
    admin: Option<&AdminSeed>,
) -> Result<Prepared, StartError> {
    let Storage { store, bus } = storage;
    let settings = Arc::new(Settings::load(store.clone()).await?);
    if settings.get("Site_Url") == "" {
        settings
            .set("Site_Url", config.site_url.clone().into())
            .await
            .map_err(crate::chat::ChatError::from)?;
    }
    let chat = Chat::new(store.clone(), settings.clone(), bus);
    chat.ensure_defaults().await?;
    if let Some(seed) = admin {
        chat.ensure_admin(&seed.username, &seed.password, seed.email.as_deref())
            .await?;
    }
    let (chat, apps) = AppManager::start(chat, config).await?;
    let people = chat.people_count().await?;
    if people == 0 {
        if settings.get("Accounts_RegistrationForm") == "Public" {
            tracing::warn!(
                "this server has no users yet: the first account registered becomes its admin \
                 (or create one with `capsule admin create-user`)"
            );
        } else {
            tracing::warn!(
                "this server has no users and registration is closed: create one with `capsule admin create-user`"
            );
        }
    }
    Ok(Prepared { chat, apps })
}

/// Makes glibc's malloc, which the C libraries (SQLite) still use, give
/// large blocks back to the system when they are freed. glibc raises its
/// mmap threshold after the first large free, so later large blocks come
/// from a per-thread heap that keeps them. A fixed threshold keeps blocks
/// of a MiB or more mapped and unmapped with their use. (Rust's own
/// allocations, argon2's 19 MiB blocks among them, go to jemalloc,
/// which returns blocks that large to the system as they are freed;
/// see `allocator`.)
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters; it is
            // called once, before the server allocates in earnest.
            let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
            if set != 1 {
                tracing::warn!("could not set the allocator's mmap threshold");
            }
        });
    }
}

/// Every transport over one shared state, side by side: the REST API
/// (with the apps admin API and the apps' HTTP endpoints), the real-time
/// API, the operations endpoints and the web client, behind the HTTP
/// layers.
pub fn router(state: AppState) -> axum::Router {
    let max_body = state.config().max_body_bytes;
    let body_timeout = state.config().edge.body_read_timeout;
    let transports = api::router()
        .merge(crate::realtime::routes())
        .merge(crate::ops::routes())
        .merge(crate::web::routes());
    api::layered(transports, max_body)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .with_state(state)
}

/// Opens the store, prepares the chat and starts serving.
pub async fn start(config: Config, admin: Option<AdminSeed>) -> Result<RunningServer, StartError> {
    return_large_blocks_to_the_system();
    let store = open_store(&config)?;
    let Prepared { chat, apps } = prepare(store, &config, admin.as_ref()).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let limits = config.edge;
    let state = AppState::new(chat.clone(), Some(apps.clone()), config, metrics_handle());
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(edge::serve(listener, app, limits, async move {
        let _ = stopped.await;
        state.announce_shutdown();
    }));
    tracing::info!(%addr, "Capsule is listening");
    Ok(RunningServer {
        addr,
        stop: Some(stop),
        task,
        chat,
        apps,
    })
}
