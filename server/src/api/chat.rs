//! `chat.*` endpoints: sending and changing messages here, reading them
//! back in [`reads`]. Handlers translate requests; the rules live in
//! [`crate::chat`].

mod reads;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::{ok, to_json};
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use crate::chat::{ChatError, MessageChange, NewMessage, RoomRef, SendOptions};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{MessageId, RoomId, Timestamp};

pub fn routes() -> Routes {
    Routes::new("chat")
        .post("/api/v1/chat.postMessage", "Post a message to a room by id, `#channel` or `@username` (joins a public channel first, as Rocket.Chat does)", Access::User, post_message)
        .post("/api/v1/chat.sendMessage", "Send `message` (`rid`, `msg`, optional client-chosen `_id`, `tmid`, `tshow`, `alias`, `emoji`, `avatar`, `attachments`)", Access::User, send_message)
        .post("/api/v1/chat.update", "Edit the text of a message (`roomId`, `msgId`, `text`)", Access::User, update)
        .post("/api/v1/chat.delete", "Delete a message (`roomId`, `msgId`, `asUser`)", Access::User, delete)
        .post("/api/v1/chat.react", "Add, remove or toggle the caller's reaction (`messageId`, `emoji`, `shouldReact`)", Access::User, react)
        .post("/api/v1/chat.pinMessage", "Pin a message (`messageId`); answers the `message_pinned` notice", Access::User, pin)
        .post("/api/v1/chat.unPinMessage", "Unpin a message (`messageId`)", Access::User, unpin)
        .post("/api/v1/chat.starMessage", "Star a message for the caller (`messageId`)", Access::User, star)
        .post("/api/v1/chat.unStarMessage", "Remove the caller's star from a message (`messageId`)", Access::User, unstar)
        .merge(reads::routes())
}

/// A required string field, or a 400 naming it.
fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_params(format!("the required field `{name}` is missing")))
}

/// Rocket.Chat's answer on the message actions (react, pin, star) for a
/// `messageId` that matches no message the caller may read.
fn message_action_error(error: ChatError) -> ApiError {
    match error {
        ChatError::MessageNotFound(_) => ApiError::bad_request(
            "error-message-not-found",
            "The provided \"messageId\" does not match any existing message.",
        ),
        other => other.into(),
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PostMessage {
    /// A room id, or several (Rocket.Chat posts to each).
    room_id: Option<Value>,
    /// `#channel`, `@username`, a room id or name, or several of them.
    channel: Option<Value>,
    #[serde(alias = "msg")]
    text: Option<String>,
    alias: Option<String>,
    emoji: Option<String>,
    avatar: Option<String>,
    #[serde(default)]
    attachments: Vec<Value>,
    tmid: Option<String>,
}

/// The targets of `chat.postMessage`: `channel` (or else `roomId`) as one
/// string or a list of them, without repeats.
fn post_targets(request: &PostMessage) -> Result<Vec<String>, ApiError> {
    let (name, value) = match (&request.channel, &request.room_id) {
        (Some(channel), _) => ("channel", channel),
        (None, Some(room_id)) => ("roomId", room_id),
        (None, None) => return Err(ApiError::invalid_params("send `roomId` or `channel`")),
    };
    let wrong = || {
        ApiError::invalid_params(format!(
            "invalid field `{name}`: expected a string or a list of strings"
        ))
    };
    let mut targets: Vec<String> = Vec::new();
    let items = match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect::<Result<_, _>>()?,
        _ => return Err(wrong()),
    };
    for item in items {
        if !targets.contains(&item) {
            targets.push(item);
        }
    }
    if targets.is_empty() {
        return Err(ApiError::invalid_params(format!("`{name}` names no room")));
    }
    Ok(targets)
}

async fn post_message(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<PostMessage>,
) -> ApiResult<Response> {
    let chat = state.chat();
    let targets = post_targets(&request)?;
    let mut first = None;
    for target in targets {
        let room = chat.post_target(&user, &target).await?;
        let new = NewMessage {
            id: None,
            room,
            // Rocket.Chat trims what webhooks and bots post.
            text: request
                .text
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            alias: request.alias.clone(),
            emoji: request.emoji.clone(),
            avatar: request.avatar.clone(),
            attachments: request.attachments.clone(),
            tmid: request.tmid.clone().map(Into::into),
        };
        let message = chat.send_message(&user, new).await?;
        first.get_or_insert((target, message));
    }
    let (channel, message) =
        first.ok_or_else(|| ApiError::invalid_params("`channel` names no room"))?;
    Ok(ok(json!({
        "ts": Timestamp::now().millis(),
        "channel": channel,
        "message": to_json(&message),
    })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SendMessage {
    message: OutgoingMessage,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct OutgoingMessage {
    #[serde(rename = "_id")]
    id: Option<String>,
    rid: Option<String>,
    #[serde(default)]
    msg: String,
    alias: Option<String>,
    emoji: Option<String>,
    avatar: Option<String>,
    #[serde(default)]
    attachments: Vec<Value>,
    tmid: Option<String>,
    #[serde(default)]
    tshow: bool,
    /// A system message type: refused, users send only plain messages.
    t: Option<String>,
    /// A bot's or integration's mark, kept as given.
    bot: Option<Value>,
}

async fn send_message(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<SendMessage>,
) -> ApiResult<Response> {
    let message = request.message;
    if message.t.is_some() {
        return Err(ApiError::invalid_params(
            "Cannot send system messages using 'chat.sendMessage'",
        ));
    }
    let rid = message.rid.filter(|r| !r.is_empty()).ok_or_else(|| {
        ApiError::invalid_params("The 'rid' property on the message object is missing.")
    })?;
    let new = NewMessage {
        id: message.id.map(MessageId),
        room: RoomRef::Id(RoomId(rid)),
        text: message.msg,
        alias: message.alias,
        emoji: message.emoji,
        avatar: message.avatar,
        attachments: message.attachments,
        tmid: message.tmid.map(MessageId),
    };
    let options = SendOptions {
        tshow: message.tshow,
        bot: message.bot,
        ..SendOptions::default()
    };
    let sent = state.chat().send_message_with(&user, new, options).await?;
    Ok(ok(json!({ "message": to_json(&sent) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UpdateMessage {
    room_id: Option<String>,
    msg_id: Option<String>,
    text: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<UpdateMessage>,
) -> ApiResult<Response> {
    let rid = RoomId(required(request.room_id, "roomId")?);
    let id = MessageId(required(request.msg_id, "msgId")?);
    let text = request
        .text
        .ok_or_else(|| ApiError::invalid_params("the required field `text` is missing"))?;
    let chat = state.chat();
    chat.read_message_in(&user, &rid, &id).await?;
    let message = chat
        .change_message(&user, &id, MessageChange::Edit(text))
        .await?;
    Ok(ok(json!({ "message": to_json(&message) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct DeleteMessage {
    room_id: Option<String>,
    msg_id: Option<String>,
    #[serde(default)]
    as_user: bool,
}

async fn delete(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<DeleteMessage>,
) -> ApiResult<Response> {
    let rid = RoomId(required(request.room_id, "roomId")?);
    let id = MessageId(required(request.msg_id, "msgId")?);
    let message = state
        .chat()
        .delete_message_in(&user, &rid, &id, request.as_user)
        .await?;
    Ok(ok(json!({
        "_id": message.id,
        // Rocket.Chat answers the time of deletion as a string of milliseconds.
        "ts": Timestamp::now().millis().to_string(),
        "message": to_json(&message),
    })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct React {
    message_id: Option<String>,
    emoji: Option<String>,
    /// The older name of `emoji`.
    reaction: Option<String>,
    should_react: Option<bool>,
}

async fn react(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<React>,
) -> ApiResult<Response> {
    let id = MessageId(required(request.message_id, "messageId")?);
    let emoji = request
        .emoji
        .or(request.reaction)
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                "error-emoji-param-not-provided",
                "The required \"emoji\" param is missing.",
            )
        })?;
    let change = MessageChange::React {
        emoji,
        add: request.should_react,
    };
    state
        .chat()
        .change_message(&user, &id, change)
        .await
        .map_err(message_action_error)?;
    Ok(ok(json!({})))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct MessageAction {
    message_id: Option<String>,
}

impl MessageAction {
    fn id(self) -> Result<MessageId, ApiError> {
        required(self.message_id, "messageId").map(MessageId)
    }
}

async fn pin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<MessageAction>,
) -> ApiResult<Response> {
    let id = request.id()?;
    let notice = state
        .chat()
        .pin_message(&user, &id)
        .await
        .map_err(message_action_error)?;
    Ok(ok(json!({ "message": to_json(&notice) })))
}

async fn unpin(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<MessageAction>,
) -> ApiResult<Response> {
    change(&state, &user, request, MessageChange::Pin(false)).await
}

async fn star(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<MessageAction>,
) -> ApiResult<Response> {
    change(&state, &user, request, MessageChange::Star(true)).await
}

async fn unstar(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<MessageAction>,
) -> ApiResult<Response> {
    change(&state, &user, request, MessageChange::Star(false)).await
}

/// A message action that answers only success.
async fn change(
    state: &AppState,
    user: &crate::model::User,
    request: MessageAction,
    change: MessageChange,
) -> ApiResult<Response> {
    let id = request.id()?;
    state
        .chat()
        .change_message(user, &id, change)
        .await
        .map_err(message_action_error)?;
    Ok(ok(json!({})))
}
