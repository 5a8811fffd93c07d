//! What `channels.*` and `groups.*` share: the same endpoints over a
//! different kind of room, answering under a different key (`channel` /
//! `group`). Each handler is generic over an [`Area`]; `groups.rs`
//! registers the same handlers with [`Groups`].
//!
//! A call that names a room of another kind answers `error-room-not-found`
//! exactly as for a missing room (see [`crate::chat::Chat::view_room_kind`]).

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{HistoryParams, RoomParam, parse_date};
use crate::api::envelope::{ok, to_json};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Admin, Body, Caller, Params};
use crate::api::pagination::{PageParams, listing};
use crate::api::state::AppState;
use crate::api::views::user_public;
use crate::chat::{Chat, MemberQuery, NewRoom, RoomChange, RoomRef};
use crate::model::{Presence, Room, RoomKind, RoomRole, Subscription, User, UserId};
use crate::store::{HistoryQuery, MessageFilter, Paged};

/// Fields room lists sort by.
pub(in crate::api) const ROOM_SORTS: &[&str] = &["name", "ts", "usersCount", "msgs", "lm"];

/// What differs between `channels.*` and `groups.*`.
pub(in crate::api) trait Area: Send + Sync + 'static {
    /// The kind of room the area serves.
    const KIND: RoomKind;
    /// The key one room answers under.
    const ONE: &'static str;
    /// The key a list of rooms answers under.
    const MANY: &'static str;
    /// How messages name the room.
    const NOUN: &'static str;
    /// Whether `kick` and `leave` answer with the room (`channels.*` do;
    /// `groups.*` answer only `success`).
    const ANSWERS_ROOM_ON_REMOVAL: bool;

    /// Whether setting a value the room already has is refused, as
    /// Rocket.Chat refuses it for this area.
    fn refuses_unchanged(change: &RoomChange) -> bool;
}

/// `channels.*`: public channels.
pub(in crate::api) struct Channels;

/// `groups.*`: private groups.
pub(in crate::api) struct Groups;

impl Area for Channels {
    const KIND: RoomKind = RoomKind::Channel;
    const ONE: &'static str = "channel";
    const MANY: &'static str = "channels";
    const NOUN: &'static str = "channel";
    const ANSWERS_ROOM_ON_REMOVAL: bool = true;

    fn refuses_unchanged(change: &RoomChange) -> bool {
        !matches!(
            change,
            RoomChange::Announcement(_) | RoomChange::Archived(_)
        )
    }
}

impl Area for Groups {
    const KIND: RoomKind = RoomKind::PrivateGroup;
    const ONE: &'static str = "group";
    const MANY: &'static str = "groups";
    const NOUN: &'static str = "private group";
    const ANSWERS_ROOM_ON_REMOVAL: bool = false;

    fn refuses_unchanged(change: &RoomChange) -> bool {
        matches!(change, RoomChange::Kind(_) | RoomChange::ReadOnly(_))
    }
}

/// A room role given or taken by one endpoint (`addOwner`, ...).
pub(in crate::api) trait RoleOp: Send + Sync + 'static {
    const ROLE: RoomRole;
    const GIVE: bool;
}

macro_rules! role_op {
    ($(#[$doc:meta])* $name:ident, $role:expr, $give:expr) => {
        $(#[$doc])*
        pub(in crate::api) struct $name;
        impl RoleOp for $name {
            const ROLE: RoomRole = $role;
            const GIVE: bool = $give;
        }
    };
}

role_op!(/// `addOwner`.
    AddOwner, RoomRole::Owner, true);
role_op!(/// `removeOwner`.
    RemoveOwner, RoomRole::Owner, false);
role_op!(/// `addModerator`.
    AddModerator, RoomRole::Moderator, true);
role_op!(/// `removeModerator`.
    RemoveModerator, RoomRole::Moderator, false);
role_op!(/// `addLeader`.
    AddLeader, RoomRole::Leader, true);
role_op!(/// `removeLeader`.
    RemoveLeader, RoomRole::Leader, false);

// ---------------------------------------------------------------- answers

/// `{key: value}`.
pub(in crate::api) fn keyed(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

/// A room as the API shows it.
pub(in crate::api) fn room_json(room: &Room) -> Value {
    to_json(room)
}

/// A member as member lists show them.
fn member_json(user: &User) -> Value {
    user_public(user)
}

/// A membership with its room roles, as `channels.roles` shows it.
fn role_json(sub: &Subscription) -> Value {
    json!({"_id": sub.id, "rid": sub.rid, "u": sub.user, "roles": sub.roles})
}

// ------------------------------------------------------------ parameters

/// `userId` or `username` (or `user`), as kick and role endpoints take them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct UserParam {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub user: Option<String>,
}

impl UserParam {
    /// The user named by the parameters.
    pub async fn resolve(&self, chat: &Chat) -> Result<User, ApiError> {
        if let Some(id) = &self.user_id {
            return Ok(chat.user(&UserId(id.clone())).await?);
        }
        match self.username.as_ref().or(self.user.as_ref()) {
            Some(username) => Ok(chat.user_named(username).await?),
            None => Err(user_param_missing()),
        }
    }
}

fn user_param_missing() -> ApiError {
    ApiError::bad_request(
        "error-user-param-not-provided",
        "The required \"userId\" or \"username\" param was not provided",
    )
}

/// A body naming a room and a user.
#[derive(Deserialize)]
pub(in crate::api) struct RoomUserBody {
    #[serde(flatten)]
    room: RoomParam,
    #[serde(flatten)]
    user: UserParam,
}

/// The users `invite` adds: `userId`, `userIds`, `username` or `usernames`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct InviteBody {
    #[serde(flatten)]
    room: RoomParam,
    user_id: Option<String>,
    #[serde(default)]
    user_ids: Vec<String>,
    username: Option<String>,
    #[serde(default)]
    usernames: Vec<String>,
}

impl InviteBody {
    async fn users(&self, chat: &Chat) -> Result<Vec<User>, ApiError> {
        let ids = self.user_id.iter().chain(&self.user_ids);
        let names = self.username.iter().chain(&self.usernames);
        let mut users = Vec::new();
        for id in ids {
            users.push(chat.user(&UserId(id.clone())).await?);
        }
        for name in names {
            users.push(chat.user_named(name).await?);
        }
        if users.is_empty() {
            return Err(user_param_missing());
        }
        Ok(users)
    }
}

/// What `create` takes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct CreateBody {
    name: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    read_only: bool,
}

/// A body naming a room and one text setting.
#[derive(Deserialize)]
pub(in crate::api) struct TextBody {
    #[serde(flatten)]
    room: RoomParam,
    name: Option<String>,
    topic: Option<String>,
    description: Option<String>,
    announcement: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `readOnly`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct ReadOnlyBody {
    #[serde(flatten)]
    room: RoomParam,
    read_only: Option<bool>,
}

/// `userId`, for counters of someone else.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct CountersParams {
    pub user_id: Option<String>,
}

/// The filters of `*.messages`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct MessageParams {
    pub mention_ids: Option<String>,
    pub starred_ids: Option<String>,
    pub pinned: Option<String>,
}

/// `filter` of member lists (`status[]` is read from the raw query).
#[derive(Deserialize)]
pub(in crate::api) struct MemberParams {
    pub filter: Option<String>,
}

/// Every value of `name` (or `name[]`) in the query, as Rocket.Chat's
/// clients send arrays (`types[]=c&types[]=p`); a value may also list
/// several, comma-separated.
pub(in crate::api) fn query_values(uri: &Uri, name: &str) -> Vec<String> {
    let query = uri.query().unwrap_or("");
    let bracketed = format!("{name}[]");
    form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == name || *key == bracketed)
        .flat_map(|(_, value)| {
            value
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| ApiError::invalid_params(format!("The bodyParam \"{field}\" is required")))
}

// ----------------------------------------------------- shared room reads

/// The `HistoryQuery` of `channels.history`-style parameters: `count`
/// defaults to 20 and is capped by `API_Upper_Count_Limit`.
pub(in crate::api) fn history_query(
    state: &AppState,
    params: &HistoryParams,
) -> Result<HistoryQuery, ApiError> {
    let upper = state.chat().settings().int("API_Upper_Count_Limit").max(1) as u64;
    Ok(HistoryQuery {
        latest: parse_date(&params.latest, "latest")?,
        oldest: parse_date(&params.oldest, "oldest")?,
        inclusive: params.inclusive,
        offset: params.offset.unwrap_or(0),
        count: params.count.unwrap_or(20).clamp(1, upper),
    })
}

/// `{"messages": [...]}` of a room's history.
pub(in crate::api) async fn history_answer(
    state: &AppState,
    user: &User,
    room: &RoomRef,
    kind: Option<RoomKind>,
    params: &HistoryParams,
) -> ApiResult<Response> {
    let query = history_query(state, params)?;
    let messages = state.chat().room_history(user, room, kind, &query).await?;
    let messages: Vec<_> = messages.iter().map(to_json).collect();
    Ok(ok(json!({ "messages": messages })))
}

/// The one message filter a `*.messages` request asks for. The store
/// filters by one thing at a time, so combining them is refused rather
/// than half-applied. With none, the list is what users wrote (system
/// messages such as joins are left out; `*.history` has them).
fn message_filter(params: &MessageParams, page: &PageParams) -> Result<MessageFilter, ApiError> {
    let one_id = |ids: &str, field: &str| -> Result<UserId, ApiError> {
        let ids: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        match ids.as_slice() {
            [id] => Ok(UserId::from(*id)),
            _ => Err(ApiError::invalid_params(format!(
                "`{field}` takes exactly one user id"
            ))),
        }
    };
    let mut filters = Vec::new();
    if let Some(ids) = &params.mention_ids {
        filters.push(MessageFilter::MentionsOf(one_id(ids, "mentionIds")?));
    }
    if let Some(ids) = &params.starred_ids {
        filters.push(MessageFilter::StarredBy(one_id(ids, "starredIds")?));
    }
    if params
        .pinned
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("true"))
    {
        filters.push(MessageFilter::Pinned);
    }
    if let Some(text) = page.filter(&["msg"])?.text("msg") {
        filters.push(MessageFilter::Text(text));
    }
    match filters.len() {
        0 => Ok(MessageFilter::Text(String::new())),
        1 => Ok(filters.remove(0)),
        _ => Err(ApiError::invalid_params(
            "use one of `mentionIds`, `starredIds`, `pinned` and `query.msg` at a time",
        )),
    }
}

/// `{"messages", "count", "offset", "total"}` of a room's messages,
/// newest first (the only order: `sort` may ask only `{"ts": -1}`).
pub(in crate::api) async fn messages_answer(
    state: &AppState,
    user: &User,
    room: &RoomRef,
    kind: Option<RoomKind>,
    filters: &MessageParams,
    page_params: &PageParams,
) -> ApiResult<Response> {
    let page = page_params.page(state.chat().settings(), &["ts"])?;
    if page.sort.iter().any(|s| !s.descending) {
        return Err(ApiError::invalid_params(
            "messages are listed newest first: sort by {\"ts\": -1}",
        ));
    }
    let filter = message_filter(filters, page_params)?;
    let found = state
        .chat()
        .room_messages(user, room, kind, &filter, &page)
        .await?;
    Ok(ok(listing("messages", found.map(|m| to_json(&m)), &page)))
}

/// `{"members", "count", "offset", "total"}`: `filter` (username or name),
/// `status[]`, and `sort` by `username`.
pub(in crate::api) async fn members_answer(
    state: &AppState,
    user: &User,
    room: &RoomRef,
    kind: Option<RoomKind>,
    uri: &Uri,
    params: &MemberParams,
    page_params: &PageParams,
) -> ApiResult<Response> {
    let page = page_params.page(state.chat().settings(), &["username"])?;
    let mut statuses = Vec::new();
    for status in query_values(uri, "status") {
        statuses.push(Presence::parse(&status).ok_or_else(|| {
            ApiError::invalid_params(format!(
                "`status` must be online, away, busy or offline, not `{status}`"
            ))
        })?);
    }
    let query = MemberQuery {
        text: params.filter.clone().filter(|f| !f.is_empty()),
        statuses,
        descending: page.sort.iter().any(|s| s.descending),
    };
    let store_page = crate::store::Page {
        sort: Vec::new(),
        ..page.clone()
    };
    let found = state
        .chat()
        .room_members(user, room, kind, &query, &store_page)
        .await?;
    let found: Paged<Value> = found.map(|(_, member)| member_json(&member));
    Ok(ok(listing("members", found, &page)))
}

/// `{"joined", "members", "unreads", "unreadsFrom", "msgs", "latest",
/// "userMentions"}`.
pub(in crate::api) async fn counters_answer(
    state: &AppState,
    user: &User,
    room: &RoomRef,
    kind: Option<RoomKind>,
    params: &CountersParams,
) -> ApiResult<Response> {
    let of = params.user_id.clone().map(UserId);
    let counters = state
        .chat()
        .room_counters(user, room, kind, of.as_ref())
        .await?;
    Ok(ok(json!({
        "joined": counters.joined,
        "members": counters.members,
        "unreads": counters.unreads,
        "unreadsFrom": counters.unreads_from,
        "msgs": counters.msgs,
        "latest": counters.latest,
        "userMentions": counters.user_mentions,
    })))
}

/// Shows or hides a room in the caller's list; `strict` refuses a room
/// that is in that state already, naming it as `noun`.
pub(in crate::api) async fn open_answer(
    state: &AppState,
    user: &User,
    room: &RoomRef,
    kind: RoomKind,
    noun: &str,
    open: bool,
    strict: bool,
) -> ApiResult<Response> {
    let (room, changed) = state
        .chat()
        .set_room_open(user, room, Some(kind), open)
        .await?;
    if strict && !changed {
        let (state_name, error) = if open {
            ("open", "error-room-already-open")
        } else {
            ("closed", "error-room-already-closed")
        };
        return Err(ApiError::bad_request(
            error,
            format!(
                "The {noun}, {}, is already {state_name} to the sender",
                room.display_name()
            ),
        ));
    }
    Ok(ok(json!({})))
}

// --------------------------------------------------------------- handlers

/// The room of this area named by the parameters, as the caller sees it:
/// its id, for operations that look the room up again.
async fn area_room<A: Area>(
    state: &AppState,
    user: &User,
    param: &RoomParam,
) -> Result<(RoomRef, Room), ApiError> {
    let view = state
        .chat()
        .view_room_kind(user, &param.room()?, A::KIND)
        .await?;
    Ok((RoomRef::Id(view.room.id.clone()), view.room))
}

/// The room again after a change, as the caller now sees it.
async fn room_after(state: &AppState, user: &User, room: &RoomRef) -> ApiResult<Value> {
    let view = state.chat().view_room(user, room).await?;
    Ok(room_json(&view.room))
}

pub(in crate::api) async fn create<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<CreateBody>,
) -> ApiResult<Response> {
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_params("Param \"name\" is required"))?;
    let new = NewRoom {
        kind: A::KIND,
        name,
        members: body.members,
        read_only: body.read_only,
    };
    let room = state.chat().create_room(&user, new).await?;
    Ok(ok(keyed(A::ONE, room_json(&room))))
}

pub(in crate::api) async fn info<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(param): Params<RoomParam>,
) -> ApiResult<Response> {
    let (_, room) = area_room::<A>(&state, &user, &param).await?;
    Ok(ok(keyed(A::ONE, room_json(&room))))
}

pub(in crate::api) async fn history<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<HistoryParams>,
) -> ApiResult<Response> {
    history_answer(&state, &user, &params.room.room()?, Some(A::KIND), &params).await
}

pub(in crate::api) async fn messages<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(room): Params<RoomParam>,
    Params(filters): Params<MessageParams>,
    Params(page): Params<PageParams>,
) -> ApiResult<Response> {
    messages_answer(&state, &user, &room.room()?, Some(A::KIND), &filters, &page).await
}

pub(in crate::api) async fn members<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    uri: Uri,
    Params(room): Params<RoomParam>,
    Params(params): Params<MemberParams>,
    Params(page): Params<PageParams>,
) -> ApiResult<Response> {
    members_answer(
        &state,
        &user,
        &room.room()?,
        Some(A::KIND),
        &uri,
        &params,
        &page,
    )
    .await
}

pub(in crate::api) async fn roles<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(room): Params<RoomParam>,
) -> ApiResult<Response> {
    let subs = state
        .chat()
        .room_roles(&user, &room.room()?, Some(A::KIND))
        .await?;
    let roles: Vec<Value> = subs.iter().map(role_json).collect();
    Ok(ok(json!({ "roles": roles })))
}

pub(in crate::api) async fn moderators<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(room): Params<RoomParam>,
) -> ApiResult<Response> {
    let subs = state
        .chat()
        .room_members_with_role(&user, &room.room()?, Some(A::KIND), RoomRole::Moderator)
        .await?;
    let moderators: Vec<Value> = subs.iter().map(|s| to_json(&s.user)).collect();
    Ok(ok(json!({ "moderators": moderators })))
}

pub(in crate::api) async fn counters<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(room): Params<RoomParam>,
    Params(params): Params<CountersParams>,
) -> ApiResult<Response> {
    counters_answer(&state, &user, &room.room()?, Some(A::KIND), &params).await
}

pub(in crate::api) async fn open<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(room): Body<RoomParam>,
) -> ApiResult<Response> {
    open_answer(&state, &user, &room.room()?, A::KIND, A::NOUN, true, true).await
}

pub(in crate::api) async fn close<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(room): Body<RoomParam>,
) -> ApiResult<Response> {
    open_answer(&state, &user, &room.room()?, A::KIND, A::NOUN, false, true).await
}

/// The caller's rooms of this area (`channels.list.joined`, `groups.list`).
pub(in crate::api) async fn list_joined<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<PageParams>,
) -> ApiResult<Response> {
    let page = params.page(state.chat().settings(), ROOM_SORTS)?;
    let text = params.filter(&["name"])?.text("name");
    let rooms = state
        .chat()
        .joined_rooms(&user, &[A::KIND], text, &page)
        .await?;
    Ok(ok(listing(A::MANY, rooms.map(|r| room_json(&r)), &page)))
}

/// Every room of this area, for admins (`groups.listAll`).
pub(in crate::api) async fn list_all<A: Area>(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params(params): Params<PageParams>,
) -> ApiResult<Response> {
    let page = params.page(state.chat().settings(), ROOM_SORTS)?;
    let text = params.filter(&["name"])?.text("name");
    let rooms = state
        .chat()
        .all_rooms(&user, &[A::KIND], text, &page)
        .await?;
    Ok(ok(listing(A::MANY, rooms.map(|r| room_json(&r)), &page)))
}

pub(in crate::api) async fn leave<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    let (room, _) = area_room::<A>(&state, &user, &param).await?;
    state.chat().leave(&user, &room).await?;
    if A::ANSWERS_ROOM_ON_REMOVAL {
        return Ok(ok(keyed(A::ONE, room_after(&state, &user, &room).await?)));
    }
    Ok(ok(json!({})))
}

pub(in crate::api) async fn invite<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<InviteBody>,
) -> ApiResult<Response> {
    let (room, _) = area_room::<A>(&state, &user, &body.room).await?;
    let users = body.users(state.chat()).await?;
    for invited in &users {
        state.chat().invite(&user, &room, invited).await?;
    }
    Ok(ok(keyed(A::ONE, room_after(&state, &user, &room).await?)))
}

pub(in crate::api) async fn kick<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<RoomUserBody>,
) -> ApiResult<Response> {
    let (room, _) = area_room::<A>(&state, &user, &body.room).await?;
    let kicked = body.user.resolve(state.chat()).await?;
    state.chat().kick(&user, &room, &kicked).await?;
    if A::ANSWERS_ROOM_ON_REMOVAL {
        return Ok(ok(keyed(A::ONE, room_after(&state, &user, &room).await?)));
    }
    Ok(ok(json!({})))
}

/// Applies a change to a room of this area, refusing unchanged values
/// where the area does.
async fn change<A: Area>(
    state: &AppState,
    user: &User,
    param: &RoomParam,
    change: RoomChange,
) -> ApiResult<Room> {
    let (room, _) = area_room::<A>(state, user, param).await?;
    let chat = state.chat();
    let changed = if A::refuses_unchanged(&change) {
        chat.change_room_strict(user, &room, change).await?
    } else {
        chat.change_room(user, &room, change).await?
    };
    Ok(changed)
}

pub(in crate::api) async fn rename<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TextBody>,
) -> ApiResult<Response> {
    let name = required(body.name.filter(|n| !n.trim().is_empty()), "name")?;
    let room = change::<A>(&state, &user, &body.room, RoomChange::Name(name)).await?;
    Ok(ok(keyed(A::ONE, room_json(&room))))
}

pub(in crate::api) async fn set_topic<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TextBody>,
) -> ApiResult<Response> {
    let topic = required(body.topic, "topic")?;
    change::<A>(&state, &user, &body.room, RoomChange::Topic(topic.clone())).await?;
    Ok(ok(json!({ "topic": topic })))
}

pub(in crate::api) async fn set_description<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TextBody>,
) -> ApiResult<Response> {
    let description = required(body.description, "description")?;
    change::<A>(
        &state,
        &user,
        &body.room,
        RoomChange::Description(description.clone()),
    )
    .await?;
    Ok(ok(json!({ "description": description })))
}

pub(in crate::api) async fn set_announcement<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TextBody>,
) -> ApiResult<Response> {
    let announcement = required(body.announcement, "announcement")?;
    change::<A>(
        &state,
        &user,
        &body.room,
        RoomChange::Announcement(announcement.clone()),
    )
    .await?;
    Ok(ok(json!({ "announcement": announcement })))
}

pub(in crate::api) async fn set_type<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<TextBody>,
) -> ApiResult<Response> {
    let code = required(body.kind.filter(|t| !t.trim().is_empty()), "type")?;
    let kind = match RoomKind::from_code(&code) {
        Some(kind @ (RoomKind::Channel | RoomKind::PrivateGroup)) => kind,
        _ => {
            return Err(ApiError::invalid_params(format!(
                "`type` must be `c` or `p`, not `{code}`"
            )));
        }
    };
    let room = change::<A>(&state, &user, &body.room, RoomChange::Kind(kind)).await?;
    Ok(ok(keyed(A::ONE, room_json(&room))))
}

pub(in crate::api) async fn set_read_only<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<ReadOnlyBody>,
) -> ApiResult<Response> {
    let read_only = body
        .read_only
        .ok_or_else(|| ApiError::invalid_params("The bodyParam \"readOnly\" is required"))?;
    let room = change::<A>(&state, &user, &body.room, RoomChange::ReadOnly(read_only)).await?;
    Ok(ok(keyed(A::ONE, room_json(&room))))
}

pub(in crate::api) async fn archive<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    change::<A>(&state, &user, &param, RoomChange::Archived(true)).await?;
    Ok(ok(json!({})))
}

pub(in crate::api) async fn unarchive<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    change::<A>(&state, &user, &param, RoomChange::Archived(false)).await?;
    Ok(ok(json!({})))
}

pub(in crate::api) async fn set_role<A: Area, R: RoleOp>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(body): Body<RoomUserBody>,
) -> ApiResult<Response> {
    let (room, _) = area_room::<A>(&state, &user, &body.room).await?;
    let target = body.user.resolve(state.chat()).await?;
    state
        .chat()
        .set_room_role(&user, &room, &target, R::ROLE, R::GIVE)
        .await?;
    Ok(ok(json!({})))
}

pub(in crate::api) async fn delete<A: Area>(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(param): Body<RoomParam>,
) -> ApiResult<Response> {
    let (room, _) = area_room::<A>(&state, &user, &param).await?;
    state.chat().delete_room(&user, &room).await?;
    Ok(ok(json!({})))
}
