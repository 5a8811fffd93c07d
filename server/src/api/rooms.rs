//! `rooms.*` endpoints: calls about any kind of room.
//!
//! Rooms the caller may not read answer `error-room-not-found`, exactly
//! as rooms that do not exist. `rooms.get` answers `remove: []` always:
//! Capsule keeps no record of deleted rooms to report.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::channels::RoomParam;
use super::channels::area::{ROOM_SORTS, room_json};
use super::envelope::ok;
use super::extract::{Admin, Body, Caller, ListParam, Params, QueryList};
use super::pagination::{PageParams, listing};
use super::routes::{Access, Routes};
use super::views::with_last_message;
use crate::chat::Prune;
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{RoomKind, Timestamp};

/// `rooms.*` name a missing room parameter with their own `errorType`.
const ROOM_PARAM_MISSING: &str = "error-roomid-param-not-provided";

pub fn routes() -> Routes {
    Routes::new("rooms")
        .get(
            "/api/v1/rooms.get",
            "The caller's rooms, or those changed after `updatedSince`, each with its newest message (`lastMessage`) when `Store_Last_Message` is on",
            Access::User,
            get,
        )
        .get(
            "/api/v1/rooms.info",
            "A room of any kind by `roomId` or `roomName`",
            Access::User,
            info,
        )
        .post(
            "/api/v1/rooms.favorite",
            "Mark a room as a favourite of the caller (`favorite`)",
            Access::User,
            favorite,
        )
        .post(
            "/api/v1/rooms.leave",
            "Leave a room of any kind",
            Access::User,
            leave,
        )
        .post(
            "/api/v1/rooms.cleanHistory",
            "Delete a room's messages between `oldest` and `latest` (owners and admins)",
            Access::User,
            clean_history,
        )
        .get(
            "/api/v1/rooms.adminRooms",
            "Every room (admins; `types[]`, `filter`, `offset`, `count`, `sort`)",
            Access::Admin,
            admin_rooms,
        )
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
    let since = match params.updated_since.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Timestamp::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "error-updatedSince-param-invalid",
                "The \"updatedSince\" query parameter must be a valid date.",
            )
        })?),
    };
    let chat = state.chat();
    let rooms = chat.rooms_of(&user, since).await?;
    let ids: Vec<_> = rooms.iter().map(|r| r.id.clone()).collect();
    let last = chat.last_messages(&user, &ids).await?;
    let update: Vec<Value> = rooms
        .iter()
        .map(|room| with_last_message(room_json(room), &room.id, &last))
        .collect();
    Ok(ok(json!({ "update": update, "remove": [] })))
}

async fn info(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(param): Params<RoomParam>,
) -> ApiResult<Response> {
    let view = state
        .chat()
        .view_room(&user, &param.room_or(ROOM_PARAM_MISSING)?)
        .await?;
    Ok(ok(json!({ "room": room_json(&view.room) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct FavoriteBody {
    #[serde(flatten)]
    room: RoomParam,
    favorite: Option<bool>,
}

async fn favorite(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<FavoriteBody>,
) -> ApiResult<Response> {
    let favorite = body
        .favorite
        .ok_or_else(|| ApiError::invalid_params("The 'favorite' param is required"))?;
    let room = body.room.room_or(ROOM_PARAM_MISSING)?;
    state.chat().set_favorite(&user, &room, favorite).await?;
    Ok(ok(json!({})))
}

async fn leave(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    state
        .chat()
        .leave(&user, &param.room_or(ROOM_PARAM_MISSING)?)
        .await?;
    Ok(ok(json!({})))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct CleanHistoryBody {
    #[serde(flatten)]
    room: RoomParam,
    latest: Option<Timestamp>,
    oldest: Option<Timestamp>,
    #[serde(default)]
    inclusive: bool,
    #[serde(default)]
    users: Vec<String>,
}

/// Who may: see [`crate::chat::Chat::clean_history`] (a room's owners and
/// admins; for direct messages, admins only).
async fn clean_history(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<CleanHistoryBody>,
) -> ApiResult<Response> {
    let room = body.room.room_or(ROOM_PARAM_MISSING)?;
    let latest = body
        .latest
        .ok_or_else(|| ApiError::invalid_params("Body parameter \"latest\" is required."))?;
    let oldest = body
        .oldest
        .ok_or_else(|| ApiError::invalid_params("Body parameter \"oldest\" is required."))?;
    let prune = Prune {
        oldest,
        latest,
        inclusive: body.inclusive,
        users: body.users,
    };
    let (room, count) = state.chat().clean_history(&user, &room, &prune).await?;
    Ok(ok(json!({ "_id": room.id, "count": count })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct AdminRoomsParams {
    filter: Option<String>,
}

/// `types[]` of `rooms.adminRooms`: the kinds of room to list (`c`
/// channels, `p` private groups, `d` direct messages).
struct RoomTypes;

impl ListParam for RoomTypes {
    const NAME: &'static str = "types";
    const VALUES: &'static [&'static str] = &["c", "p", "d"];
}

async fn admin_rooms(
    State(state): State<AppState>,
    Admin(user): Admin,
    QueryList(types, _): QueryList<RoomTypes>,
    Params(params): Params<AdminRoomsParams>,
    Params(page_params): Params<PageParams>,
) -> ApiResult<Response> {
    // RoomTypes holds the codes RoomKind parses.
    let kinds: Vec<RoomKind> = types
        .iter()
        .filter_map(|code| RoomKind::from_code(code))
        .collect();
    let page = page_params.page(state.chat().settings(), ROOM_SORTS)?;
    let text = params.filter.filter(|f| !f.is_empty());
    let rooms = state.chat().all_rooms(&user, &kinds, text, &page).await?;
    Ok(ok(listing("rooms", rooms.map(|r| room_json(&r)), &page)))
}
