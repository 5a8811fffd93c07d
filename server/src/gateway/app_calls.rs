//! Calls users make to apps, as both transports read and answer them:
//! the UI interaction request (REST `ui.interaction`, DDP
//! `capsule/uiInteraction`), the JSON of an app call's outcome
//! (`commands.run`, `slashCommand`, ...), and the statuses of a press
//! that reached no app.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, app_call_failed};
use crate::chat::{AppOutcome, InteractionError, UiAction};
use crate::model::{MessageId, RoomId};

/// What a call to an app came to, as `commands.run`, `commands.preview`
/// (POST), the UI interaction endpoint and their DDP methods answer it:
/// `outcome` is `answered`, `refused` (the app's error) or `failed` (a
/// fault or deadline), `text` what the user was also told privately.
pub fn outcome_json(outcome: &AppOutcome) -> Value {
    let (name, text) = match outcome {
        AppOutcome::Answered(text) => ("answered", text.clone()),
        AppOutcome::Refused(text) => ("refused", Some(text.clone())),
        AppOutcome::Failed(text) => ("failed", Some(text.clone())),
    };
    json!({"outcome": name, "text": text})
}

/// The part of Rocket.Chat's `container` Capsule reads.
#[derive(Deserialize, schemars::JsonSchema)]
struct Container {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// The part of Rocket.Chat's `payload` Capsule reads.
#[derive(Deserialize, schemars::JsonSchema)]
struct Payload {
    value: Option<String>,
}

/// A block-action payload (REST body, DDP parameter).
#[derive(Deserialize, schemars::JsonSchema)]
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
