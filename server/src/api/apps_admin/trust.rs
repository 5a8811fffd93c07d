//! The publisher keys the server trusts, and development mode. Rocket.Chat
//! has neither (its marketplace signs apps with one key it ships), so
//! these routes are Capsule's own, under `/api/apps/` beside the apps
//! (`trusted-keys` and `development` are reserved app ids for that).
//!
//! Removing a key refuses the apps it signed (they are unloaded, their
//! status `refused` with the reason); the answer lists them. Keys from the
//! server's configuration are listed too; whether they can be removed is
//! the manager's rule, and its error says so.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::json;

use super::errors::AdminResult;
use super::key_file::KeyFile;
use super::manager;
use crate::api::envelope::{ok, to_json};
use crate::api::extract::{Admin, Body};
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

pub(super) async fn keys(State(state): State<AppState>, Admin(_): Admin) -> AdminResult {
    let keys = manager(&state)?.trusted_keys().await?;
    Ok(ok(json!({"keys": to_json(&keys)})))
}

pub(super) async fn add_key(
    State(state): State<AppState>,
    Admin(user): Admin,
    KeyFile(text): KeyFile,
) -> AdminResult {
    let key = manager(&state)?
        .add_trusted_key((&user).into(), &text)
        .await?;
    Ok(ok(json!({"key": to_json(&key)})))
}

pub(super) async fn remove_key(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(key_id): Path<String>,
) -> AdminResult {
    let refused = manager(&state)?
        .remove_trusted_key((&user).into(), &key_id)
        .await?;
    Ok(ok(json!({"keyId": key_id, "refused": refused})))
}

pub(super) async fn development(State(state): State<AppState>, Admin(_): Admin) -> AdminResult {
    let enabled = manager(&state)?.development();
    Ok(ok(json!({"enabled": enabled})))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct DevelopmentBody {
    enabled: Option<bool>,
}

pub(super) async fn set_development(
    State(state): State<AppState>,
    Admin(user): Admin,
    Body(body): Body<DevelopmentBody>,
) -> AdminResult {
    let enabled = body.enabled.ok_or_else(|| {
        ApiError::invalid_params("the required field `enabled` is missing: true or false")
    })?;
    let enabled = manager(&state)?.set_development(&user, enabled).await?;
    Ok(ok(json!({"enabled": enabled})))
}
