//! UI interactions: a user pressing a button on a message an app posted.
//! The press reaches that app's `ui-action` export with the user, room
//! and message; the app's answer (or its error text) reaches the user
//! privately, as a `Change::Ephemeral` (like a slash command's answer).
//! The app changes its message, if it wants to, through its own
//! `message-write.update` host call.
//!
//! What is checked before the app hears of it: the app is loaded; the
//! user may read the room; a message named must be in that room and have
//! been posted by that very app (so no app receives presses on other
//! apps' or people's messages); and the action must be one of that
//! message's buttons (`attachments[].actions[]`), the value passed on
//! being the button's own. Without a message the press is passed as
//! sent: there is no button to check it against.

use serde_json::Value;

use super::apps::{AppCallError, Interaction};
use super::bots;
use super::rooms::RoomRef;
use super::{AppOutcome, Chat, ChatError};
use crate::model::{Message, MessageId, RoomId, User, random_id};

/// `errorType` of a press on a message the app did not post, or in
/// another room.
pub const INVALID_ACTION_MESSAGE: &str = "error-invalid-message";
/// `errorType` of an action that is none of the message's buttons.
pub const INVALID_ACTION: &str = "error-invalid-action";

/// A button press (or other UI action) a user makes.
#[derive(Clone, Debug)]
pub struct UiAction {
    /// The app the action is for.
    pub app_id: String,
    pub action_id: String,
    /// The value the client says the button carries.
    pub value: Option<String>,
    pub room: RoomId,
    /// The message the button is on.
    pub message: Option<MessageId>,
    /// The client's id for this press; a fresh one when `None`.
    pub trigger_id: Option<String>,
}

/// Why a press did not reach the app, or the app did not answer.
#[derive(Debug, thiserror::Error)]
pub enum InteractionError {
    /// No app of that id is loaded.
    #[error("No app `{0}` is installed on this server.")]
    UnknownApp(String),
    /// The press itself is refused (room, message or action).
    #[error(transparent)]
    Chat(#[from] ChatError),
    /// The app's call failed: not implemented, disabled, busy, a fault or
    /// a missed deadline.
    #[error("{error}")]
    App { app: String, error: AppCallError },
}

impl Chat {
    /// Delivers `action` by `actor` to its app, after the checks in the
    /// module documentation, and tells `actor` the answer privately.
    pub async fn ui_interaction(
        &self,
        actor: &User,
        action: UiAction,
    ) -> Result<AppOutcome, InteractionError> {
        let apps = self
            .apps
            .as_ref()
            .filter(|apps| apps.runs(&action.app_id))
            .ok_or_else(|| InteractionError::UnknownApp(action.app_id.clone()))?;
        let view = self
            .view_room(actor, &RoomRef::Id(action.room.clone()))
            .await?;
        let mut value = action.value.clone();
        let mut thread = None;
        if let Some(id) = &action.message {
            let message = self.app_message(&action.app_id, &view.room.id, id).await?;
            value = pressed_value(&message, &action.action_id, action.value.as_deref())?;
            thread = message.tmid.clone();
        }
        let event = Interaction {
            action_id: action.action_id.clone(),
            value,
            user: actor.to_ref(),
            room: view.room.id.clone(),
            message: action.message.clone(),
            trigger_id: action.trigger_id.clone().unwrap_or_else(random_id),
        };
        let answer = apps
            .ui_action(&action.app_id, event)
            .await
            .map_err(|error| {
                tracing::warn!(app = %action.app_id, action = %action.action_id, "a UI action failed: {error}");
                InteractionError::App {
                    app: action.app_id.clone(),
                    error,
                }
            })?;
        let (outcome, text) = match answer {
            Ok(text) => (AppOutcome::Answered(text.clone()), text),
            Err(reason) => (AppOutcome::Refused(reason.clone()), Some(reason)),
        };
        if let Some(text) = text {
            let mut message = Message::new(&view.room.id, bots::bot_ref(&action.app_id), &text);
            message.app_id = Some(action.app_id.clone());
            message.tmid = thread;
            self.whisper(&actor.id, message);
        }
        Ok(outcome)
    }

    /// Message `id`, which must be in `room` and posted by `app`.
    async fn app_message(
        &self,
        app: &str,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<Message, ChatError> {
        let message = self
            .store
            .message(id)
            .await?
            .filter(|m| m.rid == *room)
            .ok_or_else(|| {
                ChatError::invalid(
                    INVALID_ACTION_MESSAGE,
                    format!("no message `{id}` in the room `{room}`"),
                )
            })?;
        if message.app_id.as_deref() != Some(app) {
            return Err(ChatError::invalid(
                INVALID_ACTION_MESSAGE,
                format!(
                    "the message `{id}` was not posted by the app `{app}`, so it cannot take its actions"
                ),
            ));
        }
        Ok(message)
    }
}

/// The value of the button `action_id` of `message` that was pressed: the
/// one whose value is `sent` when the client sent one (buttons may share
/// an action id, e.g. one per choice), else the first. The value the app
/// gets is always its button's, never one a client made up.
fn pressed_value(
    message: &Message,
    action_id: &str,
    sent: Option<&str>,
) -> Result<Option<String>, ChatError> {
    let buttons: Vec<Option<&str>> = message
        .attachments
        .iter()
        .filter_map(|a| a.get("actions").and_then(Value::as_array))
        .flatten()
        .filter(|b| b.get("action_id").and_then(Value::as_str) == Some(action_id))
        .map(|b| b.get("value").and_then(Value::as_str))
        .collect();
    let pressed = match sent {
        Some(sent) => buttons.iter().find(|v| **v == Some(sent)),
        None => buttons.first(),
    };
    match pressed {
        Some(value) => Ok(value.map(str::to_owned)),
        None if buttons.is_empty() => Err(ChatError::invalid(
            INVALID_ACTION,
            format!("the message `{}` has no button `{action_id}`", message.id),
        )),
        None => Err(ChatError::invalid(
            INVALID_ACTION,
            format!(
                "the message `{}` has no button `{action_id}` with the value `{}`",
                message.id,
                sent.unwrap_or_default()
            ),
        )),
    }
}
