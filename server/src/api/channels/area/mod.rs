//! What `channels.*` and `groups.*` share: the same endpoints over a
//! different kind of room, answering under a different key (`channel` /
//! `group`). Each handler is generic over an [`Area`]; `groups.rs`
//! registers the same handlers with [`Groups`].
//!
//! A call that names a room of another kind answers `error-room-not-found`
//! exactly as for a missing room (see [`crate::chat::Chat::view_room_kind`]).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

mod params;
mod reads;

pub(in crate::api) use params::*;
pub(in crate::api) use reads::*;

use super::{HistoryParams, RoomParam, parse_date};
use crate::api::envelope::{ok, to_json};
use crate::api::extract::{Admin, Body, Caller, ListParam, Params, QueryList};
use crate::api::pagination::{PageParams, listing};
use crate::api::views::user_public;
use crate::chat::{Chat, MemberQuery, NewRoom, RoomChange, RoomRef};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
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
    QueryList(statuses, _): QueryList<MemberStatuses>,
    Params(room): Params<RoomParam>,
    Params(params): Params<MemberParams>,
    Params(page): Params<PageParams>,
) -> ApiResult<Response> {
    members_answer(
        &state,
        &user,
        &room.room()?,
        Some(A::KIND),
        &statuses,
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
