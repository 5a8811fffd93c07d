//! Methods that read a room's or a thread's messages: `loadHistory` in
//! the forms Rocket.Chat's clients call it, `getThreadMessages` and
//! `readThreads`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{MAX_HISTORY, MethodResult, param, to_ddp};
use crate::chat::{Chat, ChatError, Order, RoomRef};
use crate::model::{MessageId, RoomId, Timestamp, User};
use crate::realtime::protocol::DdpError;
use crate::store::{HistoryQuery, Page};

#[derive(Deserialize)]
struct ThreadParams {
    tmid: String,
    limit: Option<u64>,
    skip: Option<u64>,
}

/// Runs one of this module's methods.
pub(super) async fn call(chat: &Chat, user: &User, method: &str, params: &[Value]) -> MethodResult {
    match method {
        "loadHistory" => load_history(chat, user, params).await,
        "getThreadMessages" => {
            let p: ThreadParams = param(params, 0, "the thread")?;
            let limit = p.limit.unwrap_or(MAX_HISTORY);
            if limit > MAX_HISTORY {
                return Err(DdpError::typed(
                    "error-not-allowed",
                    format!("max limit: {MAX_HISTORY}"),
                ));
            }
            let tmid = MessageId::from(p.tmid);
            let page = Page {
                offset: p.skip.unwrap_or(0),
                ..Page::first(limit.max(1))
            };
            let replies = match chat
                .thread_messages(user, &tmid, &page, Order::NewestFirst)
                .await
            {
                Ok(replies) => replies.items,
                // As Rocket.Chat: no such thread (or none the user may
                // read) is an empty thread.
                Err(ChatError::MessageNotFound(_)) => return Ok(Some(json!([]))),
                Err(error) => return Err(error.into()),
            };
            let (root, _) = chat.read_message(user, &tmid).await?;
            if root.tcount.unwrap_or(0) == 0 {
                return Ok(Some(json!([])));
            }
            let mut thread = vec![root];
            thread.extend(replies);
            Ok(Some(to_ddp(&thread)))
        }
        "readThreads" => {
            let tmid: String = param(params, 0, "the thread id")?;
            match chat.read_thread(user, &MessageId::from(tmid)).await {
                Ok(()) | Err(ChatError::MessageNotFound(_)) => Ok(None),
                Err(error) => Err(error.into()),
            }
        }
        other => unreachable!("`{other}` is not a history method"),
    }
}

/// `loadHistory(rid, end?, limit?, ls?, showThreadMessages?)`: the
/// messages before `end` (newest first); with `ls`, the user's last-seen
/// mark, also the oldest unread message older than those loaded
/// (`firstUnread`) and how many such there are (`unreadNotLoaded`, up to
/// the limit of one load).
async fn load_history(chat: &Chat, user: &User, params: &[Value]) -> MethodResult {
    let rid: String = param(params, 0, "the room id")?;
    let end: Option<Timestamp> = param(params, 1, "end")?;
    let limit: Option<u64> = param(params, 2, "limit")?;
    let last_seen: Option<Timestamp> = param(params, 3, "ls")?;
    let show_threads: Option<bool> = param(params, 4, "showThreadMessages")?;
    let show_threads = show_threads.unwrap_or(true);
    let room = RoomRef::Id(RoomId::from(rid.as_str()));
    let limit = limit.unwrap_or(20).clamp(1, MAX_HISTORY) as usize;
    // Without thread replies, read a full load and keep `limit` of what
    // is left, so the replies do not shorten the page.
    let query = HistoryQuery {
        latest: end,
        count: if show_threads {
            limit as u64
        } else {
            MAX_HISTORY
        },
        ..HistoryQuery::default()
    };
    let mut messages = chat.room_history(user, &room, None, &query).await?;
    let shown = |m: &crate::model::Message| show_threads || m.tmid.is_none() || m.tshow;
    messages.retain(shown);
    messages.truncate(limit);
    let mut answer = json!({"messages": to_ddp(&messages), "unreadNotLoaded": 0});
    if let (Some(last_seen), Some(oldest)) = (last_seen, messages.last())
        && oldest.ts > last_seen
    {
        let unread = HistoryQuery {
            oldest: Some(last_seen),
            latest: Some(oldest.ts),
            count: MAX_HISTORY,
            ..HistoryQuery::default()
        };
        let mut unread = chat.room_history(user, &room, None, &unread).await?;
        unread.retain(shown);
        answer["unreadNotLoaded"] = json!(unread.len());
        if let Some(first) = unread.last() {
            answer["firstUnread"] = to_ddp(first);
        }
    }
    Ok(Some(answer))
}
