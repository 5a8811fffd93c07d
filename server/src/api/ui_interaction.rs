//! `POST /api/apps/ui.interaction/<appId>`, Rocket.Chat's path for UI
//! interactions: a signed-in user pressed a button of a message the app
//! posted. The rules live in `Chat::ui_interaction`, and the request's
//! reading in `gateway::app_calls`, which the DDP method
//! `capsule/uiInteraction` uses too.
//!
//! The body is Rocket.Chat's block-action payload, of which Capsule reads
//! `type` (`blockAction`, the only kind; absent means it), `actionId`,
//! `rid`, `mid` (or `container: {"type": "message", "id"}`), `triggerId`
//! and the button's `value` (or `payload.value`); `appId` in the body, if
//! sent, must match the path. The answer is `{"outcome": "answered" |
//! "refused", "text"}`; the text also reaches the user privately.
//!
//! Statuses: an app that is not loaded 404, one without `ui-action` 400,
//! a disabled or busy app 503, its fault 502, its deadline 504.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::envelope::ok;
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use crate::gateway::AppState;
use crate::gateway::app_calls::{InteractionRequest, outcome_json};
use crate::gateway::error::ApiResult;

pub fn routes() -> Routes {
    Routes::new("apps")
        .post("/api/apps/ui.interaction/{appId}", "A UI interaction for an app: Rocket.Chat's block action (`type` `blockAction`, `actionId`, `rid`, `mid`, `value`, `triggerId`) on a button of a message the app posted; the app's answer also reaches the caller privately", Access::User, interact)
        .answers(&[StatusCode::BAD_GATEWAY, StatusCode::GATEWAY_TIMEOUT])
}

async fn interact(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(app): Path<String>,
    Body(request): Body<InteractionRequest>,
) -> ApiResult<Response> {
    let action = request.into_action(&app)?;
    let outcome = state.chat().ui_interaction(&user, action).await?;
    Ok(ok(outcome_json(&outcome)))
}
