//! `POST /api/apps/ui.interaction/<appId>`, Rocket.Chat's path for UI
//! interactions: a signed-in user pressed a button of a message the app
//! posted. The rules live in `Chat::ui_interaction`, which the DDP method
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
use serde::Deserialize;

use super::envelope::ok;
use super::error::{ApiError, ApiResult, app_call_failed};
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use super::state::AppState;
use crate::chat::{InteractionError, UiAction};
use crate::model::{MessageId, RoomId};

pub fn routes() -> Routes {
    Routes::new("apps")
        .post("/api/apps/ui.interaction/{appId}", "A UI interaction for an app: Rocket.Chat's block action (`type` `blockAction`, `actionId`, `rid`, `mid`, `value`, `triggerId`) on a button of a message the app posted; the app's answer also reaches the caller privately", Access::User, interact)
}

/// The part of Rocket.Chat's `container` Capsule reads.
#[derive(Deserialize)]
struct Container {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// The part of Rocket.Chat's `payload` Capsule reads.
#[derive(Deserialize)]
struct Payload {
    value: Option<String>,
}

/// A block-action payload (REST body, DDP parameter).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionRequest {
    #[serde(rename = "type")]
    kind: Option<String>,
    action_id: Option<String>,
    app_id: Option<String>,
    value: Option<String>,
    payload: Option<Payload>,
    mid: Option<String>,
    container: Option<Container>,
    rid: Option<String>,
    trigger_id: Option<String>,
}

fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl InteractionRequest {
    /// The action for `app_id`; names the field that is missing or wrong.
    pub fn into_action(self, app_id: &str) -> Result<UiAction, ApiError> {
        if let Some(kind) = self.kind.as_deref().filter(|k| *k != "blockAction") {
            return Err(ApiError::invalid_params(format!(
                "the interaction type `{kind}` is not supported; only `blockAction` is"
            )));
        }
        if let Some(other) = present(self.app_id).filter(|id| id != app_id) {
            return Err(ApiError::invalid_params(format!(
                "the body's `appId` `{other}` is not the app `{app_id}` of the path"
            )));
        }
        let required = |value: Option<String>, name: &str| {
            present(value).ok_or_else(|| {
                ApiError::invalid_params(format!("the required field `{name}` is missing"))
            })
        };
        let from_container = self
            .container
            .filter(|c| c.kind.as_deref() == Some("message"))
            .and_then(|c| c.id);
        Ok(UiAction {
            app_id: app_id.to_owned(),
            action_id: required(self.action_id, "actionId")?,
            value: self.value.or(self.payload.and_then(|p| p.value)),
            room: RoomId(required(self.rid, "rid")?),
            message: present(self.mid.or(from_container)).map(MessageId),
            trigger_id: present(self.trigger_id),
        })
    }
}

async fn interact(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(app): Path<String>,
    Body(request): Body<InteractionRequest>,
) -> ApiResult<Response> {
    let action = request.into_action(&app)?;
    let outcome = state.chat().ui_interaction(&user, action).await?;
    Ok(ok(super::commands::outcome_json(&outcome)))
}

impl From<InteractionError> for ApiError {
    fn from(error: InteractionError) -> ApiError {
        let message = error.to_string();
        match error {
            InteractionError::Chat(chat) => chat.into(),
            InteractionError::UnknownApp(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "error-app-not-found", message)
            }
            InteractionError::App { error, .. } => {
                let mut failed = app_call_failed(
                    &error,
                    (StatusCode::BAD_REQUEST, "error-app-without-ui-actions"),
                );
                failed.message = message;
                failed
            }
        }
    }
}
