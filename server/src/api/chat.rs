//! `chat.*` endpoints: sending and changing messages.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::{ok, to_json};
use super::error::{ApiError, ApiResult};
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use super::state::AppState;
use crate::chat::{NewMessage, RoomRef};
use crate::model::RoomId;

pub fn routes() -> Routes {
    Routes::new("chat").post(
        "/api/v1/chat.postMessage",
        "Post a message to a room by id, `#channel` or `@username`",
        Access::User,
        post_message,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostMessage {
    room_id: Option<String>,
    channel: Option<String>,
    #[serde(alias = "msg")]
    text: Option<String>,
    alias: Option<String>,
    emoji: Option<String>,
    avatar: Option<String>,
    #[serde(default)]
    attachments: Vec<Value>,
    tmid: Option<String>,
}

async fn post_message(State(state): State<AppState>, Caller(user): Caller, Body(request): Body<PostMessage>) -> ApiResult<Response> {
    let chat = state.chat();
    let room = match (request.room_id, request.channel) {
        (Some(id), _) => RoomRef::Id(RoomId(id)),
        (None, Some(channel)) => match channel.strip_prefix('@') {
            Some(username) => RoomRef::Id(chat.open_direct(&user, &[username.to_owned()]).await?.id),
            None => RoomRef::Name(channel.trim_start_matches('#').to_owned()),
        },
        (None, None) => return Err(ApiError::invalid_params("send `roomId` or `channel`")),
    };
    let message = chat
        .send_message(
            &user,
            NewMessage {
                id: None,
                room,
                text: request.text.unwrap_or_default(),
                alias: request.alias,
                emoji: request.emoji,
                avatar: request.avatar,
                attachments: request.attachments,
                tmid: request.tmid.map(Into::into),
            },
        )
        .await?;
    Ok(ok(json!({
        "ts": message.ts.millis(),
        "channel": message.rid,
        "message": to_json(&message),
    })))
}
