//! The apps admin API under `/api/apps`: installing, reviewing, granting,
//! enabling, updating and removing app packages, their settings and logs,
//! the trusted publisher keys, development mode and the audit log. Every
//! route is admin only (the [`Admin`](super::extract::Admin) extractor: no
//! credentials 401, a signed-in non-admin 403) and every change goes
//! through the server's [`AppManager`](crate::apps::manager::AppManager),
//! which records it in the audit log.
//!
//! Shapes follow Rocket.Chat's apps API where it has the same operation:
//! a package is uploaded as the multipart field `app` (`POST /api/apps`),
//! permissions granted in the same request are the field `permissions`
//! (Rocket.Chat's `permissionsGranted`), `POST /api/apps/{id}/status`
//! takes `manually_enabled` / `manually_disabled`, settings are keyed by
//! id. Where Capsule differs, the handler's module says why.
//!
//! One module per area: [`packages`] (upload and update), [`lifecycle`]
//! (list, read, grant, enable, uninstall), [`settings`], [`logs`],
//! [`trust`] (keys and development mode) with [`key_file`] (the forms a key file comes in), [`audit`]; [`errors`] maps the
//! manager's errors to Rocket.Chat-shaped answers.

mod audit;
mod errors;
mod grants;
mod key_file;
mod lifecycle;
mod logs;
mod packages;
mod settings;
mod trust;

use axum::http::StatusCode;

use super::routes::{Access, Routes};
use crate::apps::manager::AppManager;
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

/// The apps admin routes.
pub fn routes() -> Routes {
    Routes::new("apps admin")
        .get("/api/apps", "Installed apps with their status and reason (`enabled`, `disabled`, `disabled_after_faults`, `refused`, `awaiting_grant`, `invalid_settings`) and any `pendingUpdate`", Access::Admin, lifecycle::list)
        .post("/api/apps", "Upload a package: multipart/form-data with the zip as field `app` and optionally `permissions` (`all` or a JSON list) to grant in the same request; answers the app with its manifest, requested permissions and required imports", Access::Admin, packages::body_limit(packages::upload))
        .multipart()
        .get("/api/apps/trusted-keys", "The trusted publisher keys (from the configuration and added here)", Access::Admin, trust::keys)
        .post("/api/apps/trusted-keys", "Trust a publisher key: the public key file as the JSON body, as the multipart field `key`, or as `{\"key\": <file text or object>}`", Access::Admin, trust::add_key)
        .delete("/api/apps/trusted-keys/{keyId}", "Stop trusting a key; the apps it signed are refused and listed in `refused`", Access::Admin, trust::remove_key)
        .get("/api/apps/development", "Whether development mode (unsigned and untrusted packages accepted) is on", Access::Admin, trust::development)
        .post("/api/apps/development", "Turn development mode on or off: `{\"enabled\": bool}`", Access::Admin, trust::set_development)
        .get("/api/apps/audit", "The audit log of app administration, newest first (`app`, `offset`, `count`)", Access::Admin, audit::entries)
        .get("/api/apps/{id}", "One app: manifest, verification, grants, status and reason, pending update", Access::Admin, lifecycle::one)
        .post("/api/apps/{id}", "Update an app to a newer version: multipart field `app` (and optionally `permissions`); an update asking for more waits for a grant while the installed version keeps running", Access::Admin, packages::body_limit(packages::update))
        .multipart()
        .delete("/api/apps/{id}", "Uninstall an app: unload it and delete its jobs, record, package and (unless `keepData=true`) its key-value data", Access::Admin, lifecycle::uninstall)
        .post("/api/apps/{id}/grants", "Grant permissions: `{\"permissions\": \"all\" | [{\"name\", \"hosts\"?, \"rooms\"?}]}`; installs an uploaded app, applies a pending update or revokes what is left out; a grant leaving an imported capability out is refused with the list", Access::Admin, lifecycle::grant)
        .post("/api/apps/{id}/status", "Enable or disable: `{\"status\": \"manually_enabled\" | \"manually_disabled\"}` (Rocket.Chat's)", Access::Admin, lifecycle::set_status)
        .get("/api/apps/{id}/settings", "The app's settings keyed by id, typed, with values (secret ones only say whether they are `set`)", Access::Admin, settings::list)
        .post("/api/apps/{id}/settings", "Change settings: `{\"settings\": {\"<id>\": value}}` (or Rocket.Chat's list of `{id, value}`); validated against the manifest, applied live", Access::Admin, settings::change)
        .get("/api/apps/{id}/logs", "The app's recent log entries (`count`, default 100), last fault and health counters", Access::Admin, logs::logs)
}

/// The server's app manager, or a 503 when the server runs without one.
fn manager(state: &AppState) -> Result<&AppManager, ApiError> {
    state.apps().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "error-apps-unavailable",
            "apps are not available on this server: it runs without an app manager",
        )
    })
}
