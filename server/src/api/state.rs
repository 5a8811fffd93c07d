//! What every handler shares: the chat domain, the sessions, the login
//! throttle, metrics and the configuration.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use metrics_exporter_prometheus::PrometheusHandle;
use parking_lot::RwLock;

use super::error::ApiError;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token;
use crate::chat::Chat;
use crate::config::Config;
use crate::model::{User, UserId};
use crate::realtime::Tuning;

/// Shared state of the HTTP API. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    chat: Chat,
    config: Config,
    sessions: Sessions,
    throttle: LoginThrottle,
    metrics: PrometheusHandle,
    started: Instant,
    realtime: Tuning,
}

impl AppState {
    /// State over `chat`.
    pub fn new(chat: Chat, config: Config, metrics: PrometheusHandle) -> AppState {
        let throttle = LoginThrottle::default();
        let realtime = Tuning {
            queue_frames: config.realtime_queue_frames,
            ..Tuning::default()
        };
        AppState {
            inner: Arc::new(Shared {
                sessions: Sessions::new(chat.clone()),
                chat,
                config,
                throttle,
                metrics,
                started: Instant::now(),
                realtime,
            }),
        }
    }

    /// The chat domain.
    pub fn chat(&self) -> &Chat {
        &self.inner.chat
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

    /// How real-time connections are tuned.
    pub fn realtime_tuning(&self) -> Tuning {
        self.inner.realtime
    }

    /// When the server started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }
}

/// Token checks, with a cache from token digest to user id so a request
/// costs a hash and a lookup, not a store read of the token. A revoked
/// token leaves the cache in the same call that deletes it.
pub struct Sessions {
    chat: Chat,
    known: RwLock<HashMap<String, UserId>>,
}

impl Sessions {
    fn new(chat: Chat) -> Sessions {
        Sessions {
            chat,
            known: RwLock::new(HashMap::new()),
        }
    }

    /// The active user `token` signs in as, if it belongs to `user_id`.
    pub async fn authenticate(&self, token: &str, user_id: &str) -> Result<Option<User>, ApiError> {
        let digest = token::digest(token);
        let cached = self.known.read().get(&digest).cloned();
        let owner = match cached {
            Some(owner) => owner,
            None => {
                let Some(record) = self.chat.store().token(&digest).await? else {
                    return Ok(None);
                };
                self.known
                    .write()
                    .insert(digest.clone(), record.user.clone());
                record.user
            }
        };
        if owner.as_str() != user_id {
            return Ok(None);
        }
        let user = self.chat.store().user(&owner).await?;
        Ok(user.filter(|u| u.active))
    }

    /// Revokes one token.
    pub async fn revoke(&self, token: &str) -> Result<bool, ApiError> {
        let digest = token::digest(token);
        self.known.write().remove(&digest);
        Ok(self.chat.store().delete_token(&digest).await?)
    }

    /// Forgets every cached session of a user (after they are deleted or
    /// deactivated, or their tokens are revoked).
    pub fn forget_user(&self, user: &UserId) {
        self.known.write().retain(|_, owner| owner != user);
    }
}
