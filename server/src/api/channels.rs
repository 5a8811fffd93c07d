//! `channels.*` endpoints: public channels.
//!
//! Most handlers are shared with `groups.*` (see [`area`]); this file adds
//! what only channels have: the public list, joining, choosing default
//! channels and the online members.
//!
//! A `channels.*` call naming a private group or a direct message answers
//! `error-room-not-found`, exactly as for a room that does not exist.

pub(super) mod area;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Admin, Body, Caller, Params};
use super::pagination::{PageParams, listing};
use super::routes::{Access, Routes};
use crate::chat::{RoomChange, RoomRef};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{RoomId, RoomKind, Timestamp};
use area::{ROOM_SORTS, keyed, room_json};

pub fn routes() -> Routes {
    use area::*;
    type C = Channels;
    Routes::new("channels")
        .post("/api/v1/channels.create", "Create a public channel (`name`, `members`, `readOnly`)", Access::User, create::<C>)
        .get("/api/v1/channels.info", "A channel by `roomId` or `roomName`", Access::User, info::<C>)
        .get("/api/v1/channels.list", "Every public channel (`query` by `name`, `sort`, `offset`, `count`)", Access::User, list)
        .get("/api/v1/channels.list.joined", "The channels the caller is a member of", Access::User, list_joined::<C>)
        .post("/api/v1/channels.join", "Join a public channel", Access::User, join)
        .post("/api/v1/channels.leave", "Leave a channel (the last owner must hand over first)", Access::User, leave::<C>)
        .post("/api/v1/channels.invite", "Add users (`userId`, `userIds`, `username`, `usernames`) to a channel", Access::User, invite::<C>)
        .post("/api/v1/channels.kick", "Remove a user (`userId` or `username`) from a channel", Access::User, kick::<C>)
        .post("/api/v1/channels.rename", "Rename a channel (`name`)", Access::User, rename::<C>)
        .post("/api/v1/channels.archive", "Archive a channel (owners and admins)", Access::User, archive::<C>)
        .post("/api/v1/channels.unarchive", "Unarchive a channel (owners and admins)", Access::User, unarchive::<C>)
        .post("/api/v1/channels.setTopic", "Set a channel's topic (`topic`)", Access::User, set_topic::<C>)
        .post("/api/v1/channels.setDescription", "Set a channel's description (`description`)", Access::User, set_description::<C>)
        .post("/api/v1/channels.setAnnouncement", "Set a channel's announcement (`announcement`)", Access::User, set_announcement::<C>)
        .post("/api/v1/channels.setType", "Make a channel private (`type`: `p`) or public (`c`)", Access::User, set_type::<C>)
        .post("/api/v1/channels.setReadOnly", "Make a channel read-only (`readOnly`)", Access::User, set_read_only::<C>)
        .post("/api/v1/channels.setDefault", "Make a channel one new users join (`default`)", Access::Admin, set_default)
        .post("/api/v1/channels.addOwner", "Make a member an owner", Access::User, set_role::<C, AddOwner>)
        .post("/api/v1/channels.removeOwner", "Take a member's owner role (not the last owner's)", Access::User, set_role::<C, RemoveOwner>)
        .post("/api/v1/channels.addModerator", "Make a member a moderator", Access::User, set_role::<C, AddModerator>)
        .post("/api/v1/channels.removeModerator", "Take a member's moderator role", Access::User, set_role::<C, RemoveModerator>)
        .post("/api/v1/channels.addLeader", "Make a member a leader", Access::User, set_role::<C, AddLeader>)
        .post("/api/v1/channels.removeLeader", "Take a member's leader role", Access::User, set_role::<C, RemoveLeader>)
        .post("/api/v1/channels.delete", "Delete a channel with its messages (owners and admins)", Access::User, delete::<C>)
        .get(
            "/api/v1/channels.history",
            "Messages of a channel, newest first (`latest`, `oldest`, `inclusive`, `offset`, `count`)",
            Access::User,
            history::<C>,
        )
        .get("/api/v1/channels.messages", "A page of a channel's messages (`mentionIds`, `starredIds`, `pinned`, `query.msg`)", Access::User, messages::<C>)
        .get("/api/v1/channels.members", "A page of a channel's members (`filter`, `status[]`, `sort` by `username`)", Access::User, members::<C>)
        .get("/api/v1/channels.roles", "The members of a channel holding room roles", Access::User, roles::<C>)
        .get("/api/v1/channels.moderators", "The moderators of a channel", Access::User, moderators::<C>)
        .get("/api/v1/channels.counters", "The caller's (or, for admins, `userId`'s) counters in a channel", Access::User, counters::<C>)
        .get("/api/v1/channels.online", "The members of a channel who are online (`query` {\"_id\"} or `roomId`)", Access::User, online)
        .post("/api/v1/channels.open", "Show a channel in the caller's room list", Access::User, open::<C>)
        .post("/api/v1/channels.close", "Hide a channel from the caller's room list", Access::User, close::<C>)
}

/// `roomId` or `roomName`, as channel endpoints take them.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomParam {
    /// The room's id.
    #[schemars(example = crate::chat::GENERAL_ROOM_ID)]
    pub room_id: Option<String>,
    /// The room's name (without `#`).
    #[schemars(example = &"general")]
    pub room_name: Option<String>,
}

impl RoomParam {
    /// The room named by the parameters.
    pub fn room(&self) -> Result<RoomRef, ApiError> {
        self.room_or("error-room-param-not-provided")
    }

    /// The room named by the parameters; when neither is given, refused
    /// with `error_type` (`rooms.*` say `error-roomid-param-not-provided`).
    pub fn room_or(&self, error_type: &'static str) -> Result<RoomRef, ApiError> {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        match (given(&self.room_id), given(&self.room_name)) {
            (Some(id), _) => Ok(RoomRef::Id(RoomId(id))),
            (None, Some(name)) => Ok(RoomRef::Name(name)),
            (None, None) => Err(ApiError::bad_request(
                error_type,
                "The parameter \"roomId\" or \"roomName\" is required",
            )),
        }
    }
}

/// The parameters of `*.history`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct HistoryParams {
    #[serde(flatten)]
    pub(super) room: RoomParam,
    latest: Option<String>,
    oldest: Option<String>,
    #[serde(default)]
    inclusive: bool,
    offset: Option<u64>,
    count: Option<u64>,
}

/// An optional ISO 8601 date parameter called `name`.
pub(super) fn parse_date(text: &Option<String>, name: &str) -> Result<Option<Timestamp>, ApiError> {
    text.as_deref()
        .map(|t| {
            Timestamp::parse(t).ok_or_else(|| {
                ApiError::invalid_params(format!("`{name}` is not an ISO 8601 date: `{t}`"))
            })
        })
        .transpose()
}

async fn list(
    State(state): State<AppState>,
    Caller(_): Caller,
    Params(params): Params<PageParams>,
) -> ApiResult<Response> {
    let page = params.page(state.chat().settings(), ROOM_SORTS)?;
    let text = params.filter(&["name"])?.text("name");
    let rooms = state.chat().public_channels(text, &page).await?;
    Ok(ok(listing("channels", rooms.map(|r| room_json(&r)), &page)))
}

async fn join(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    let chat = state.chat();
    let view = chat
        .view_room_kind(&user, &param.room()?, RoomKind::Channel)
        .await?;
    let room = chat.join(&user, &RoomRef::Id(view.room.id)).await?;
    Ok(ok(keyed("channel", room_json(&room))))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct DefaultBody {
    #[serde(flatten)]
    room: RoomParam,
    default: Option<Value>,
}

/// `true`, `false`, or the strings and numbers Rocket.Chat's clients send
/// for them.
fn truthy(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") || s == "1" => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") || s == "0" => Some(false),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

async fn set_default(
    State(state): State<AppState>,
    Admin(user): Admin,
    Body(body): Body<DefaultBody>,
) -> ApiResult<Response> {
    // Rocket.Chat's two `errorType`s here are crossed (the missing
    // parameter is `...-is-same`); clients match them as they are.
    let default = body.default.as_ref().ok_or_else(|| {
        ApiError::bad_request(
            "error-channels-setdefault-is-same",
            "The bodyParam \"default\" is required",
        )
    })?;
    let default = truthy(default)
        .ok_or_else(|| ApiError::invalid_params("`default` must be true or false"))?;
    let chat = state.chat();
    let view = chat
        .view_room_kind(&user, &body.room.room()?, RoomKind::Channel)
        .await?;
    if view.room.default == default {
        return Err(ApiError::bad_request(
            "error-channels-setdefault-missing-default-param",
            "The channel default setting is the same as what it would be changed to.",
        ));
    }
    let room = chat
        .change_room(
            &user,
            &RoomRef::Id(view.room.id),
            RoomChange::Default(default),
        )
        .await?;
    Ok(ok(keyed("channel", room_json(&room))))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct OnlineParams {
    #[serde(rename = "_id")]
    id: Option<String>,
    query: Option<String>,
}

impl OnlineParams {
    /// The room: `_id`, `query` `{"_id": ...}` or `{"name": ...}`, or
    /// `roomId` / `roomName`.
    fn room(&self, param: &RoomParam) -> Result<RoomRef, ApiError> {
        if let Some(id) = &self.id {
            return Ok(RoomRef::Id(RoomId(id.clone())));
        }
        if let Some(text) = &self.query {
            let query: Value = serde_json::from_str(text)
                .map_err(|e| ApiError::invalid_params(format!("`query` is not valid JSON: {e}")))?;
            if let Some(id) = query.get("_id").and_then(Value::as_str) {
                return Ok(RoomRef::Id(RoomId(id.to_owned())));
            }
            if let Some(name) = query.get("name").and_then(Value::as_str) {
                return Ok(RoomRef::Name(name.to_owned()));
            }
            return Err(ApiError::invalid_params(
                "Invalid query: name the channel by `_id` or `name`",
            ));
        }
        param.room()
    }
}

async fn online(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<OnlineParams>,
    Params(param): Params<RoomParam>,
) -> ApiResult<Response> {
    let room = params.room(&param)?;
    let users = state
        .chat()
        .online_members(&user, &room, Some(RoomKind::Channel))
        .await?;
    let online: Vec<Value> = users
        .iter()
        .map(|u| json!({"_id": u.id, "username": u.username}))
        .collect();
    Ok(ok(json!({ "online": online })))
}
