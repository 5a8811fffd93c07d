//! What every handler of every transport shares: the chat domain, the
//! owner of the installed apps, the sessions, the login throttle, metrics
//! and the configuration.

use std::sync::Arc;
use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;

use super::sessions::Sessions;
use crate::apps::AppManager;
use crate::auth::throttle::LoginThrottle;
use crate::chat::Chat;
use crate::config::Config;

/// Shared state of the transports. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    chat: Chat,
    apps: Option<AppManager>,
    config: Config,
    sessions: Sessions,
    throttle: LoginThrottle,
    metrics: PrometheusHandle,
    started: Instant,
    /// `true` once the server is shutting down.
    closing: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// State over `chat`, with the owner of the installed apps (`None`
    /// serves no apps admin API and no app endpoints).
    pub fn new(
        chat: Chat,
        apps: Option<AppManager>,
        config: Config,
        metrics: PrometheusHandle,
    ) -> AppState {
        AppState {
            inner: Arc::new(Shared {
                sessions: Sessions::new(chat.clone()),
                chat,
                apps,
                config,
                throttle: LoginThrottle::default(),
                metrics,
                started: Instant::now(),
                closing: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The chat domain.
    pub fn chat(&self) -> &Chat {
        &self.inner.chat
    }

    /// The owner of the installed apps, if this server has one (a
    /// started server always does).
    pub fn apps(&self) -> Option<&AppManager> {
        self.inner.apps.as_ref()
    }

    /// The server configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Signed-in sessions.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Failed-login records, with the limits the
    /// `Accounts_Block_Failed_Login_*` settings hold now (read on every
    /// use, so an admin's change applies to the next attempt).
    pub fn throttle(&self) -> &LoginThrottle {
        let settings = self.inner.chat.settings();
        let window = settings
            .int("Accounts_Block_Failed_Login_Window_Minutes")
            .max(0) as u64;
        self.inner.throttle.set_limits(
            settings
                .int("Accounts_Block_Failed_Login_Attempts_Per_User")
                .max(1) as u32,
            settings
                .int("Accounts_Block_Failed_Login_Attempts_Per_Ip")
                .max(1) as u32,
            std::time::Duration::from_secs(window * 60),
        );
        &self.inner.throttle
    }

    /// The Prometheus registry's renderer.
    pub fn metrics(&self) -> &PrometheusHandle {
        &self.inner.metrics
    }

    /// When the server started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }

    /// Tells long-lived connections (WebSockets) that the server is
    /// shutting down, so they say goodbye and close.
    pub fn announce_shutdown(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Completes once the server is shutting down.
    pub fn shutting_down(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.inner.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }
}
