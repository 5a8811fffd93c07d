//! The reading side of `chat.*`: one message, a room's mentions, stars,
//! pins and threads, search, sync and deleted messages, and ignoring a
//! user. Every read is checked by the chat domain: a room or message the
//! caller may not read answers exactly like one that does not exist.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::super::envelope::{ok, to_json};
use super::super::extract::{Caller, Params};
use super::super::pagination::{PageParams, listing};
use super::super::routes::{Access, Routes};
use super::required;
use crate::chat::{ChangeKind, Order, RoomMessages, RoomRef, SyncCursor};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{MessageId, RoomId, Timestamp, User, UserId};
use crate::store::{Page, Paged};

pub fn routes() -> Routes {
    Routes::new("chat")
        .get("/api/v1/chat.getMessage", "One message by id (`msgId`)", Access::User, get_message)
        .get("/api/v1/chat.getThreadMessages", "Replies in a thread, oldest first (`tmid`, `offset`, `count`, `sort` by `ts`)", Access::User, thread_messages)
        .get("/api/v1/chat.getThreadsList", "Messages of a room that start threads, newest first (`rid`, `type` = `all` or `following`, `text`, `offset`, `count`)", Access::User, threads_list)
        .get("/api/v1/chat.getMentionedMessages", "Messages of a room that mention the caller (`roomId`, `offset`, `count`)", Access::User, mentioned)
        .get("/api/v1/chat.getStarredMessages", "Messages of a room the caller starred (`roomId`, `offset`, `count`)", Access::User, starred)
        .get("/api/v1/chat.getPinnedMessages", "Pinned messages of a room (`roomId`, `offset`, `count`)", Access::User, pinned)
        .get("/api/v1/chat.search", "Messages of a room containing `searchText`, without case (`roomId`, `offset`, `count`)", Access::User, search)
        .get("/api/v1/chat.syncMessages", "Messages of a room changed and deleted since `lastUpdate`, or a page of them from a cursor (`type` = `UPDATED` or `DELETED`, `next` or `previous`, `count`) (`roomId`)", Access::User, sync_messages)
        .get("/api/v1/chat.getDeletedMessages", "Ids of a room's messages deleted since `since` (`roomId`, `offset`, `count`)", Access::User, deleted_messages)
        .get("/api/v1/chat.ignoreUser", "Ignore (or with `ignore=false` stop ignoring) a member's messages in a room (`rid`, `userId`)", Access::User, ignore_user)
}

/// The page a list asks for, and its order: `sort` may name `ts` (1 for
/// oldest first, -1 for newest first); without it, `default`.
fn ordered_page(
    state: &AppState,
    params: &PageParams,
    default: Order,
) -> Result<(Page, Order), ApiError> {
    let mut page = params.page(state.chat().settings(), &["ts"])?;
    let order = match page.sort.first() {
        Some(key) if key.descending => Order::NewestFirst,
        Some(_) => Order::OldestFirst,
        None => default,
    };
    page.sort.clear();
    Ok((page, order))
}

/// A page of messages as a list answer under `key`.
fn message_listing(key: &str, paged: Paged<crate::model::Message>, page: &Page) -> Response {
    ok(listing(key, paged.map(|m| to_json(&m)), page))
}

/// A date parameter, or a 400 of `kind` naming it.
fn date(text: &str, name: &str, kind: &'static str) -> Result<Timestamp, ApiError> {
    Timestamp::parse(text).ok_or_else(|| {
        ApiError::bad_request(
            kind,
            format!("The \"{name}\" query parameter must be a valid date: `{text}` is not"),
        )
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct GetMessage {
    msg_id: Option<String>,
}

async fn get_message(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<GetMessage>,
) -> ApiResult<Response> {
    let id = MessageId(required(params.msg_id, "msgId")?);
    let (message, _) = state.chat().read_message(&user, &id).await?;
    Ok(ok(json!({ "message": to_json(&message) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ThreadParams {
    tmid: Option<String>,
}

async fn thread_messages(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<ThreadParams>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    let tmid = MessageId(required(params.tmid, "tmid")?);
    let (page, order) = ordered_page(&state, &paging, Order::OldestFirst)?;
    let paged = state
        .chat()
        .thread_messages(&user, &tmid, &page, order)
        .await?;
    Ok(message_listing("messages", paged, &page))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ThreadsListParams {
    rid: Option<String>,
    /// `all` (the default) or `following`: threads the caller replied in.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Only threads whose first message contains this, without case.
    text: Option<String>,
}

async fn threads_list(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<ThreadsListParams>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    let rid = RoomId(required(params.rid, "rid")?);
    let following = match params.kind.as_deref() {
        None | Some("all") => false,
        Some("following") => true,
        Some(other) => {
            return Err(ApiError::invalid_params(format!(
                "`type` must be `all` or `following`, not `{other}`"
            )));
        }
    };
    let text = params.text.filter(|t| !t.is_empty());
    let (page, order) = ordered_page(&state, &paging, Order::NewestFirst)?;
    let chat = state.chat();
    let room = RoomRef::Id(rid);
    if !following && text.is_none() {
        let paged = chat
            .list_messages(&user, &room, RoomMessages::Threads, &page, order)
            .await?;
        return Ok(message_listing("threads", paged, &page));
    }
    // Filtering threads by follower or text reads all of the room's threads
    // and pages what matches.
    let all = chat
        .list_messages(&user, &room, RoomMessages::Threads, &Page::all(), order)
        .await?;
    let needle = text.map(|t| t.to_lowercase());
    let matching: Vec<_> = all
        .items
        .into_iter()
        .filter(|m| !following || m.replies.contains(&user.id))
        .filter(|m| {
            needle
                .as_ref()
                .is_none_or(|n| m.msg.to_lowercase().contains(n))
        })
        .collect();
    Ok(message_listing("threads", page_of(matching, &page), &page))
}

/// The slice of `items` that `page` asks for.
fn page_of<T>(items: Vec<T>, page: &Page) -> Paged<T> {
    let total = items.len() as u64;
    let limit = if page.count == 0 {
        usize::MAX
    } else {
        page.count as usize
    };
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    Paged {
        items: items.into_iter().skip(offset).take(limit).collect(),
        total,
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RoomIdParam {
    room_id: Option<String>,
}

/// One of the per-room message lists, newest first by default.
async fn room_list(
    state: &AppState,
    user: &User,
    room_id: Option<String>,
    which: RoomMessages,
    paging: &PageParams,
) -> ApiResult<Response> {
    let room = RoomRef::Id(RoomId(required(room_id, "roomId")?));
    let (page, order) = ordered_page(state, paging, Order::NewestFirst)?;
    let paged = state
        .chat()
        .list_messages(user, &room, which, &page, order)
        .await?;
    Ok(message_listing("messages", paged, &page))
}

async fn mentioned(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<RoomIdParam>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    room_list(
        &state,
        &user,
        params.room_id,
        RoomMessages::MentioningMe,
        &paging,
    )
    .await
}

async fn starred(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<RoomIdParam>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    room_list(
        &state,
        &user,
        params.room_id,
        RoomMessages::StarredByMe,
        &paging,
    )
    .await
}

async fn pinned(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<RoomIdParam>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    room_list(&state, &user, params.room_id, RoomMessages::Pinned, &paging).await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct SearchParams {
    room_id: Option<String>,
    search_text: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<SearchParams>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    let room_id = params.room_id.filter(|r| !r.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "error-roomId-param-not-provided",
            "The required \"roomId\" query param is missing.",
        )
    })?;
    let text = params
        .search_text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                "error-searchText-param-not-provided",
                "The required \"searchText\" query param is missing.",
            )
        })?;
    let (page, order) = ordered_page(&state, &paging, Order::NewestFirst)?;
    let room = RoomRef::Id(RoomId(room_id));
    let paged = state
        .chat()
        .list_messages(&user, &room, RoomMessages::Containing(text), &page, order)
        .await?;
    let messages: Vec<_> = paged.items.iter().map(to_json).collect();
    Ok(ok(json!({ "messages": messages })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct SyncParams {
    room_id: Option<String>,
    last_update: Option<String>,
    /// `UPDATED` or `DELETED`: the cursor form.
    #[serde(rename = "type")]
    kind: Option<String>,
    next: Option<String>,
    previous: Option<String>,
    count: Option<u64>,
}

/// How many changes a cursor page holds when the client names no `count`
/// (Rocket.Chat's default).
const SYNC_PAGE: u64 = 20;

/// A 400 with Rocket.Chat's `errorType` and message.
fn refused(kind: &'static str, message: &str) -> ApiError {
    ApiError::bad_request(kind, message)
}

/// A deleted message as sync answers it.
fn deletion_json(deletion: &crate::store::Deletion) -> serde_json::Value {
    json!({ "_id": deletion.id, "_deletedAt": deletion.at })
}

/// A cursor (milliseconds since the epoch, as a string).
fn cursor(text: &str, name: &str) -> Result<Timestamp, ApiError> {
    text.parse::<i64>().map(Timestamp).map_err(|_| {
        ApiError::invalid_params(format!(
            "`{name}` must be a cursor from an earlier answer (milliseconds), not `{text}`"
        ))
    })
}

/// `chat.syncMessages`: with `lastUpdate`, every change since then; with
/// `type` and `next` or `previous`, one page of changes and the cursors
/// around it; with `type` alone, nothing (as Rocket.Chat answers).
async fn sync_messages(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<SyncParams>,
) -> ApiResult<Response> {
    let nonempty = |v: Option<String>| v.filter(|t| !t.is_empty());
    let room_id = nonempty(params.room_id).ok_or_else(|| {
        refused(
            "error-param-required",
            "The required \"roomId\" query param is missing",
        )
    })?;
    let (last_update, kind) = (nonempty(params.last_update), nonempty(params.kind));
    let (next, previous) = (nonempty(params.next), nonempty(params.previous));
    if last_update.is_none() && kind.is_none() {
        return Err(refused(
            "error-param-required",
            "The \"type\" or \"lastUpdate\" parameters must be provided",
        ));
    }
    let room = RoomRef::Id(RoomId(room_id));
    let chat = state.chat();
    if let Some(last_update) = last_update {
        let since = Timestamp::parse(&last_update).ok_or_else(|| {
            refused(
                "error-lastUpdate-param-invalid",
                "The \"lastUpdate\" query parameter must be a valid date",
            )
        })?;
        if next.is_some() || previous.is_some() {
            return Err(refused(
                "error-cursor-and-lastUpdate-conflict",
                "The attributes \"next\", \"previous\" and \"lastUpdate\" cannot be used together",
            ));
        }
        let (updated, deleted) = chat.message_changes(&user, &room, since).await?;
        let updated: Vec<_> = updated.iter().map(to_json).collect();
        let deleted: Vec<_> = deleted.iter().map(deletion_json).collect();
        return Ok(ok(
            json!({ "result": { "updated": updated, "deleted": deleted } }),
        ));
    }
    let kind = match kind.as_deref() {
        Some("UPDATED") => ChangeKind::Updated,
        Some("DELETED") => ChangeKind::Deleted,
        _ => {
            return Err(refused(
                "error-type-param-not-supported",
                "The \"type\" parameter must be either \"UPDATED\" or \"DELETED\"",
            ));
        }
    };
    let cursor = match (next, previous) {
        (Some(_), Some(_)) => {
            return Err(refused(
                "error-cursor-conflict",
                "You cannot provide both \"next\" and \"previous\" parameters",
            ));
        }
        (Some(next), None) => SyncCursor::Next(cursor(&next, "next")?),
        (None, Some(previous)) => SyncCursor::Previous(cursor(&previous, "previous")?),
        (None, None) => {
            // The room must still be readable, even for an empty answer.
            chat.view_room(&user, &room).await?;
            return Ok(ok(json!({ "result": { "updated": [], "deleted": [] } })));
        }
    };
    let upper = chat.settings().int("API_Upper_Count_Limit").max(1) as u64;
    let count = params.count.unwrap_or(SYNC_PAGE).clamp(1, upper) as usize;
    let page = chat
        .message_change_page(&user, &room, kind, cursor, count)
        .await?;
    let text = |t: Option<Timestamp>| t.map(|t| t.millis().to_string());
    Ok(ok(json!({ "result": {
        "updated": page.updated.iter().map(to_json).collect::<Vec<_>>(),
        "deleted": page.deleted.iter().map(deletion_json).collect::<Vec<_>>(),
        "cursor": { "next": text(page.next), "previous": text(page.previous) },
    } })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct DeletedParams {
    room_id: Option<String>,
    since: Option<String>,
}

async fn deleted_messages(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<DeletedParams>,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    let room = RoomRef::Id(RoomId(required(params.room_id, "roomId")?));
    let since = date(
        &required(params.since, "since")?,
        "since",
        "error-invalid-params",
    )?;
    let page = paging.page(state.chat().settings(), &[])?;
    let (_, deleted) = state.chat().message_changes(&user, &room, since).await?;
    let ids: Vec<_> = deleted.iter().map(|d| json!({ "_id": d.id })).collect();
    Ok(ok(listing("messages", page_of(ids, &page), &page)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct IgnoreParams {
    rid: Option<String>,
    user_id: Option<String>,
    /// `true` unless it says otherwise; like Rocket.Chat, any value that
    /// contains `true` or `1` means true.
    ignore: Option<String>,
}

async fn ignore_user(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(params): Params<IgnoreParams>,
) -> ApiResult<Response> {
    let rid = params.rid.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "error-room-id-param-not-provided",
            "The required \"rid\" param is missing.",
        )
    })?;
    let target = params
        .user_id
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                "error-user-id-param-not-provided",
                "The required \"userId\" param is missing.",
            )
        })?;
    let ignore = params
        .ignore
        .is_none_or(|v| v.contains("true") || v.contains('1'));
    state
        .chat()
        .ignore_user(&user, &RoomId(rid), &UserId(target), ignore)
        .await?;
    Ok(ok(json!({})))
}
