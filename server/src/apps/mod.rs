//! Apps in the server: the runtime's [`Bridge`](capsule_runtime::Bridge)
//! over the chat ([`bridge`]), the conversions between the server's and
//! the runtime's records ([`convert`]), each app's bot user ([`bots`]), its
//! settings ([`settings`]), and the packages loaded at start
//! ([`packages`]).
//!
//! The message pipeline itself (`Chat::send_message_with`) calls the
//! runtime's hooks; see `crate::chat`.

pub mod bots;
pub mod bridge;
pub mod commands;
pub mod convert;
pub mod endpoints;
mod error;
pub mod packages;
pub mod settings;

use std::sync::Arc;

use capsule_runtime::{Hook, LifecycleEvent, Runtime, RuntimeConfig, TrustPolicy};

pub use bridge::ChatBridge;
pub use error::AppsError;

use crate::chat::Chat;
use crate::config::Config;

/// Starts the apps the configuration lists and returns `chat` with them in
/// its message path; with none listed, `chat` unchanged (no runtime is
/// created, and the pipeline runs no hooks).
///
/// Every package is read and verified before anything is compiled; the
/// first bad one fails the start, naming the file. Compiled components are
/// cached in `<data_dir>/apps/cache`, so a restart does not compile again.
pub async fn start(chat: Chat, config: &Config) -> Result<Chat, AppsError> {
    let policy = TrustPolicy {
        development_mode: config.development,
    };
    if config.development {
        tracing::warn!(
            "DEVELOPMENT MODE is on: unsigned app packages and packages signed by untrusted keys \
             are loaded; never run a production server like this"
        );
    }
    // Checked even with no apps listed: a key file that is wrong now
    // would fail the day an app is added.
    let trust = packages::trust_store(&config.trusted_keys)?;
    if config.apps.is_empty() {
        return Ok(chat);
    }
    let verified = config
        .apps
        .iter()
        .map(|path| packages::verify_package(path, &trust, policy))
        .collect::<Result<Vec<_>, _>>()?;
    let commands =
        commands::CommandRegistry::from_manifests(verified.iter().map(|p| p.package.manifest()))?;
    let endpoints = endpoints::EndpointTable::new(verified.iter().map(|p| p.package.manifest()))?;
    let bridge = Arc::new(ChatBridge::new(chat.clone()));
    let runtime = Runtime::new(
        RuntimeConfig {
            cache_dir: Some(config.data_dir.join("apps").join("cache")),
            ..RuntimeConfig::default()
        },
        bridge.clone(),
    )?;
    bridge.attach(&runtime);
    for package in &verified {
        packages::load_package(&runtime, &bridge, chat.store().as_ref(), package).await?;
    }
    enable_all(&runtime, &verified).await;
    Ok(chat
        .with_apps(runtime)
        .with_commands(commands)
        .with_endpoints(endpoints))
}

/// Tells each app that implements `lifecycle` that it is enabled (the
/// runtime leaves that call to its caller). An app that refuses is
/// disabled; one whose call faults stays enabled, and the fault is counted
/// like any other.
async fn enable_all(runtime: &Runtime, verified: &[packages::VerifiedPackage]) {
    for package in verified {
        let manifest = package.package.manifest();
        if !manifest.hooks().any(|h| h == Hook::Lifecycle) {
            continue;
        }
        let app = &manifest.id;
        match runtime.lifecycle(app, LifecycleEvent::Enable).await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => {
                tracing::error!(
                    app,
                    "the app refused to be enabled: {reason}; it stays disabled"
                );
                let _ = runtime.disable(app);
            }
            Err(error) => tracing::warn!(app, "enabling the app failed: {error}"),
        }
    }
}
