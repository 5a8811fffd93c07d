//! `permissions.*` and `roles.*` endpoints: the read-only table of
//! Rocket.Chat's permissions and roles (`crate::chat::permissions`), and
//! who holds a public role.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::envelope::ok;
use super::extract::{Caller, Params};
use super::routes::{Access, Routes};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::gateway::startup;
use crate::model::Timestamp;

pub fn routes() -> Routes {
    Routes::new("permissions")
        .get("/api/v1/permissions.listAll", "Every permission with the roles that hold it, or those changed after `updatedSince`, as `{update, remove}`", Access::User, list_all)
        .get("/api/v1/permissions.list", "Every permission with the roles that hold it, as `{permissions}` (older clients)", Access::User, list)
        .get("/api/v1/roles.list", "Every role: global (`Users`) and room (`Subscriptions`) roles", Access::User, roles)
        .get("/api/v1/roles.getUsersInPublicRoles", "Users holding a role clients show beside names (`admin`), as `{_id, username, roles}`", Access::User, users_in_public_roles)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ListAllParams {
    updated_since: Option<String>,
}

async fn list_all(Caller(_): Caller, Params(params): Params<ListAllParams>) -> ApiResult<Response> {
    let since = match params.updated_since.as_deref() {
        None | Some("") => None,
        // Rocket.Chat's errorType and message for this parameter.
        Some(text) => Some(Timestamp::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "error-roomId-param-invalid",
                "The \"updatedSince\" query parameter must be a valid date.",
            )
        })?),
    };
    Ok(ok(json!({
        "update": startup::permissions_since(since),
        "remove": [],
    })))
}

async fn list(Caller(_): Caller) -> ApiResult<Response> {
    Ok(ok(
        json!({ "permissions": startup::permissions_since(None) }),
    ))
}

async fn roles(Caller(_): Caller) -> ApiResult<Response> {
    Ok(ok(json!({ "roles": startup::roles() })))
}

async fn users_in_public_roles(
    State(state): State<AppState>,
    Caller(_): Caller,
) -> ApiResult<Response> {
    let users = startup::users_in_public_roles(state.chat()).await?;
    Ok(ok(json!({ "users": users })))
}
