//! Listing and reading apps, granting their permissions, enabling and
//! disabling them, and uninstalling them.
//!
//! `POST /api/apps/{id}/status` takes Rocket.Chat's `manually_enabled` and
//! `manually_disabled` and answers, besides the app, `status` in
//! Rocket.Chat's vocabulary (`manually_enabled`, `manually_disabled`,
//! `error_disabled`, `invalid_installation_disabled`,
//! `invalid_settings_disabled`, `initialized` for one awaiting a grant),
//! so a Rocket.Chat client reads it; `app.status` keeps Capsule's own,
//! finer statuses with their `reason`.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::AdminResult;
use super::grants;
use super::manager;
use crate::api::envelope::{ok, to_json};
use crate::api::extract::{Admin, Body, Params};
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

pub(super) async fn list(State(state): State<AppState>, Admin(_): Admin) -> AdminResult {
    let apps = manager(&state)?.list().await?;
    Ok(ok(json!({"apps": to_json(&apps)})))
}

pub(super) async fn one(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> AdminResult {
    let app = manager(&state)?.get(&id).await?;
    Ok(ok(json!({"app": to_json(&app)})))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct UninstallParams {
    /// Keep the app's key-value data (for a reinstall).
    #[serde(default)]
    keep_data: bool,
}

pub(super) async fn uninstall(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    Params(params): Params<UninstallParams>,
) -> AdminResult {
    manager(&state)?
        .uninstall(&user, &id, params.keep_data)
        .await?;
    Ok(ok(json!({"appId": id, "keptData": params.keep_data})))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct GrantBody {
    permissions: Option<Value>,
}

pub(super) async fn grant(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    Body(body): Body<GrantBody>,
) -> AdminResult {
    let permissions = body.permissions.ok_or_else(|| {
        ApiError::invalid_params(
            "the required field `permissions` is missing: \"all\" or a list of permissions",
        )
    })?;
    let grant = grants::parse(permissions)?;
    let app = manager(&state)?.grant(&user, &id, grant).await?;
    Ok(ok(json!({"app": to_json(&app)})))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct StatusBody {
    status: Option<String>,
}

pub(super) async fn set_status(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    Body(body): Body<StatusBody>,
) -> AdminResult {
    let enabled = match body.status.as_deref() {
        Some("manually_enabled") => true,
        Some("manually_disabled") => false,
        Some(other) => {
            return Err(ApiError::invalid_params(format!(
                "the status `{other}` cannot be set; send `manually_enabled` or `manually_disabled`"
            ))
            .into());
        }
        None => {
            return Err(ApiError::invalid_params(
                "the required field `status` is missing: `manually_enabled` or `manually_disabled`",
            )
            .into());
        }
    };
    let view = manager(&state)?.set_enabled(&user, &id, enabled).await?;
    let status = rocket_chat_status(view.status);
    Ok(ok(json!({"app": to_json(&view), "status": status})))
}

/// Rocket.Chat's `AppStatus` for a Capsule status.
fn rocket_chat_status(status: &str) -> &'static str {
    match status {
        "enabled" => "manually_enabled",
        "disabled" => "manually_disabled",
        "disabled_after_faults" => "error_disabled",
        "refused" => "invalid_installation_disabled",
        "invalid_settings" => "invalid_settings_disabled",
        "awaiting_grant" => "initialized",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::rocket_chat_status;

    #[test]
    fn every_capsule_status_has_a_rocket_chat_one() {
        for (capsule, rocket) in [
            ("enabled", "manually_enabled"),
            ("disabled", "manually_disabled"),
            ("disabled_after_faults", "error_disabled"),
            ("refused", "invalid_installation_disabled"),
            ("invalid_settings", "invalid_settings_disabled"),
            ("awaiting_grant", "initialized"),
        ] {
            assert_eq!(rocket_chat_status(capsule), rocket);
        }
    }
}
