//! Answers and the room reads the endpoints share.

use super::*;

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
pub(super) fn member_json(user: &User) -> Value {
    user_public(user)
}

/// A membership with its room roles, as `channels.roles` shows it.
pub(super) fn role_json(sub: &Subscription) -> Value {
    json!({"_id": sub.id, "rid": sub.rid, "u": sub.user, "roles": sub.roles})
}

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
pub(super) fn message_filter(
    params: &MessageParams,
    page: &PageParams,
) -> Result<MessageFilter, ApiError> {
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
    statuses: &[String],
    params: &MemberParams,
    page_params: &PageParams,
) -> ApiResult<Response> {
    let page = page_params.page(state.chat().settings(), &["username"])?;
    // MemberStatuses holds the names Presence parses.
    let statuses = statuses
        .iter()
        .filter_map(|status| Presence::parse(status))
        .collect();
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
