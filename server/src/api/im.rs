//! `im.*` endpoints, each also served as `dm.*`: direct messages.
//!
//! A conversation is named by `roomId` or by the other member's
//! `username`. Direct messages are readable by their members only; admins
//! list them (`im.list.everyone`) and delete them, but never read them, and
//! anyone else gets `error-room-not-found`.
//!
//! Differences from Rocket.Chat: `excludeSelf` (creating a conversation
//! the caller is not in) is refused; `im.setTopic` is refused because
//! direct messages have no settings in Capsule (see `chat::access`).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::channels::HistoryParams;
use super::channels::area::{
    CountersParams, MemberParams, MemberStatuses, MessageParams, ROOM_SORTS, counters_answer,
    history_answer, members_answer, messages_answer, open_answer, room_json,
};
use super::envelope::ok;
use super::extract::{Admin, Body, Caller, Params, QueryList};
use super::pagination::{PageParams, listing};
use super::routes::{Access, Routes};
use crate::chat::{RoomChange, RoomRef};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{RoomId, RoomKind, User};

/// The noun Rocket.Chat's messages use for a direct message.
const NOUN: &str = "direct message room";
/// Adds an endpoint as `im.<name>` and as its alias `dm.<name>`.
macro_rules! im_and_dm {
    ($routes:expr, $method:literal, $name:literal, $summary:literal, $access:expr, $handler:expr) => {
        $routes
            .alias(
                $method,
                concat!("/api/v1/im.", $name),
                $summary,
                $access,
                $handler,
            )
            .alias(
                $method,
                concat!("/api/v1/dm.", $name),
                $summary,
                $access,
                $handler,
            )
    };
}

pub fn routes() -> Routes {
    let r = Routes::new("im");
    let r = im_and_dm!(
        r,
        "POST",
        "create",
        "Open a direct message with `username`, or a group one with `usernames` (comma-separated)",
        Access::User,
        create
    );
    let r = im_and_dm!(
        r,
        "GET",
        "list",
        "The caller's direct messages",
        Access::User,
        list
    );
    let r = im_and_dm!(
        r,
        "GET",
        "list.everyone",
        "Every direct message (admins; settings and counters, never messages)",
        Access::Admin,
        list_everyone
    );
    let r = im_and_dm!(
        r,
        "GET",
        "history",
        "Messages of a direct message, newest first (`latest`, `oldest`, `inclusive`, `offset`, `count`)",
        Access::User,
        history
    );
    let r = im_and_dm!(
        r,
        "GET",
        "messages",
        "A page of a direct message's messages (`mentionIds`, `starredIds`, `pinned`, `query.msg`)",
        Access::User,
        messages
    );
    let r = im_and_dm!(
        r,
        "GET",
        "members",
        "The members of a direct message (`filter`, `status[]`)",
        Access::User,
        members
    );
    let r = im_and_dm!(
        r,
        "GET",
        "counters",
        "The caller's (or, for admins, `userId`'s) counters in a direct message",
        Access::User,
        counters
    );
    let r = im_and_dm!(
        r,
        "POST",
        "open",
        "Show a direct message in the caller's room list",
        Access::User,
        open
    );
    let r = im_and_dm!(
        r,
        "POST",
        "close",
        "Hide a direct message from the caller's room list",
        Access::User,
        close
    );
    let r = im_and_dm!(
        r,
        "POST",
        "setTopic",
        "Refused: direct messages have no settings",
        Access::User,
        set_topic
    );
    im_and_dm!(
        r,
        "POST",
        "delete",
        "Delete a direct message with its messages (admins)",
        Access::Admin,
        delete
    )
}

/// `roomId` or `username`, as `im.*` endpoints take them.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct DirectParam {
    room_id: Option<String>,
    username: Option<String>,
}

impl DirectParam {
    /// The conversation named by the parameters.
    async fn room(&self, state: &AppState, user: &User) -> Result<RoomRef, ApiError> {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        match (given(&self.room_id), given(&self.username)) {
            (Some(id), _) => Ok(RoomRef::Id(RoomId(id))),
            (None, Some(username)) => Ok(state.chat().direct_room_with(user, &username).await?),
            (None, None) => Err(ApiError::bad_request(
                "error-room-param-not-provided",
                "The parameter \"roomId\" or \"username\" is required",
            )),
        }
    }
}

const DIRECT: Option<RoomKind> = Some(RoomKind::Direct);

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "DirectMessageCreateBody")]
struct CreateBody {
    username: Option<String>,
    usernames: Option<String>,
    #[serde(default)]
    exclude_self: bool,
}

async fn create(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<CreateBody>,
) -> ApiResult<Response> {
    if body.exclude_self {
        return Err(ApiError::invalid_params(
            "`excludeSelf` is not supported: the caller is always a member",
        ));
    }
    let usernames: Vec<String> = match (body.username, body.usernames) {
        (Some(username), _) => vec![username],
        (None, Some(list)) => list
            .split(',')
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect(),
        (None, None) => {
            return Err(ApiError::invalid_params(
                "Body param \"username\" or \"usernames\" is required",
            ));
        }
    };
    let room = state.chat().create_direct(&user, &usernames).await?;
    let mut answer = room_json(&room);
    answer["rid"] = json!(room.id);
    Ok(ok(json!({ "room": answer })))
}

async fn list(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<PageParams>,
) -> ApiResult<Response> {
    let page = params.page(state.chat().settings(), ROOM_SORTS)?;
    let rooms = state
        .chat()
        .joined_rooms(&user, &[RoomKind::Direct], None, &page)
        .await?;
    Ok(ok(listing("ims", rooms.map(|r| room_json(&r)), &page)))
}

async fn list_everyone(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params(params): Params<PageParams>,
) -> ApiResult<Response> {
    let page = params.page(state.chat().settings(), ROOM_SORTS)?;
    let rooms = state
        .chat()
        .all_rooms(&user, &[RoomKind::Direct], None, &page)
        .await?;
    Ok(ok(listing("ims", rooms.map(|r| room_json(&r)), &page)))
}

async fn history(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(direct): Params<DirectParam>,
    Params(params): Params<HistoryParams>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    history_answer(&state, &user, &room, DIRECT, &params).await
}

async fn messages(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(direct): Params<DirectParam>,
    Params(filters): Params<MessageParams>,
    Params(page): Params<PageParams>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    messages_answer(&state, &user, &room, DIRECT, &filters, &page).await
}

async fn members(
    State(state): State<AppState>,
    Caller(user): Caller,
    QueryList(statuses, _): QueryList<MemberStatuses>,
    Params(direct): Params<DirectParam>,
    Params(params): Params<MemberParams>,
    Params(page): Params<PageParams>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    members_answer(&state, &user, &room, DIRECT, &statuses, &params, &page).await
}

async fn counters(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(direct): Params<DirectParam>,
    Params(params): Params<CountersParams>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    counters_answer(&state, &user, &room, DIRECT, &params).await
}

/// `im.open` shows the conversation whether or not it was shown already,
/// as Rocket.Chat's does.
async fn open(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(direct): Body<DirectParam>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    open_answer(&state, &user, &room, RoomKind::Direct, NOUN, true, false).await
}

/// `im.close` refuses a conversation that is hidden already, as
/// Rocket.Chat's does.
async fn close(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(direct): Body<DirectParam>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    open_answer(&state, &user, &room, RoomKind::Direct, NOUN, false, true).await
}

#[derive(Deserialize, schemars::JsonSchema)]
struct TopicBody {
    #[serde(flatten)]
    room: DirectParam,
    topic: Option<String>,
}

/// Goes through the domain like any room change, which refuses it for
/// direct messages (members get `error-not-allowed`, anyone else
/// `error-room-not-found`).
async fn set_topic(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TopicBody>,
) -> ApiResult<Response> {
    let chat = state.chat();
    let view = chat
        .view_room_kind(
            &user,
            &body.room.room(&state, &user).await?,
            RoomKind::Direct,
        )
        .await?;
    let topic = body.topic.unwrap_or_default();
    chat.change_room(
        &user,
        &RoomRef::Id(view.room.id),
        RoomChange::Topic(topic.clone()),
    )
    .await?;
    Ok(ok(json!({ "topic": topic })))
}

async fn delete(
    State(state): State<AppState>,
    Admin(user): Admin,
    Body(direct): Body<DirectParam>,
) -> ApiResult<Response> {
    let room = direct.room(&state, &user).await?;
    state
        .chat()
        .delete_room_of_kind(&user, &room, DIRECT)
        .await?;
    Ok(ok(json!({})))
}
