//! `subscriptions.*` endpoints: the caller's memberships with their unread
//! and mention counts, and marking rooms read or unread.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::envelope::{ok, to_json};
use super::extract::{Body, Caller, Params};
use super::routes::{Access, Routes};
use super::views::with_last_message;
use crate::chat::UnreadFrom;
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{MessageId, RoomId, Timestamp};

pub fn routes() -> Routes {
    Routes::new("subscriptions")
        .get("/api/v1/subscriptions.get", "The caller's memberships, or those changed after `updatedSince`, as `{update, remove}`, each with its room's newest message (`lastMessage`) when `Store_Last_Message` is on", Access::User, get)
        .get("/api/v1/subscriptions.getOne", "The caller's membership of a room (`roomId`); `null` when they are not a member", Access::User, get_one)
        .post("/api/v1/subscriptions.read", "Mark a room read (`rid`, or `roomId`)", Access::User, read)
        .post("/api/v1/subscriptions.unread", "Mark a room unread from its newest message by someone else (`roomId`) or from `firstUnreadMessage` (`{_id}`)", Access::User, unread)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    updated_since: Option<String>,
}

async fn get(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<GetParams>,
) -> ApiResult<Response> {
    let since = match params.updated_since.filter(|s| !s.is_empty()) {
        None => None,
        // Rocket.Chat's errorType and message for this parameter, odd as they are.
        Some(text) => Some(Timestamp::parse(&text).ok_or_else(|| {
            ApiError::bad_request(
                "error-roomId-param-invalid",
                "The \"lastUpdate\" query parameter must be a valid date.",
            )
        })?),
    };
    let chat = state.chat();
    let subscriptions = chat.my_subscriptions(&user, since).await?;
    let rooms: Vec<_> = subscriptions.iter().map(|s| s.rid.clone()).collect();
    let last = chat.last_messages(&user, &rooms).await?;
    let update: Vec<_> = subscriptions
        .iter()
        .map(|s| with_last_message(to_json(s), &s.rid, &last))
        .collect();
    // Memberships that ended leave no record to report, so `remove` is
    // always empty: a client that syncs sees a left room disappear from a
    // full `subscriptions.get`.
    Ok(ok(json!({ "update": update, "remove": [] })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct GetOneParams {
    room_id: Option<String>,
}

async fn get_one(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<GetOneParams>,
) -> ApiResult<Response> {
    let room = params
        .room_id
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid_params("The 'roomId' param is required"))?;
    let subscription = state.chat().my_subscription(&user, &RoomId(room)).await?;
    Ok(ok(
        json!({ "subscription": subscription.as_ref().map(to_json) }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ReadRequest {
    rid: Option<String>,
    room_id: Option<String>,
}

async fn read(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<ReadRequest>,
) -> ApiResult<Response> {
    let room = request
        .rid
        .or(request.room_id)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_params("send the room to mark read as `rid` (or `roomId`)")
        })?;
    state.chat().mark_read(&user, &RoomId(room)).await?;
    Ok(ok(json!({})))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct FirstUnread {
    #[serde(rename = "_id")]
    id: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UnreadRequest {
    room_id: Option<String>,
    first_unread_message: Option<FirstUnread>,
}

async fn unread(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<UnreadRequest>,
) -> ApiResult<Response> {
    let from = match (
        request.first_unread_message,
        request.room_id.filter(|r| !r.is_empty()),
    ) {
        (Some(message), _) => UnreadFrom::Message(MessageId(message.id)),
        (None, Some(room)) => UnreadFrom::Room(RoomId(room)),
        (None, None) => {
            return Err(ApiError::invalid_params(
                "send `roomId`, or `firstUnreadMessage` as `{\"_id\": ...}`",
            ));
        }
    };
    state.chat().mark_unread(&user, from).await?;
    Ok(ok(json!({})))
}
