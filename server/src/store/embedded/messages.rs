//! Messages in SQLite: the document plus the columns that index it, the
//! mention and star tables that listings and unread counts read, and
//! tombstones of deleted messages for `chat.syncMessages`.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::users::conflict_as;
use super::{EmbeddedStore, like_pattern, limit_offset};
use crate::model::{Message, MessageId, RoomId, Timestamp};
use crate::store::{Deletion, HistoryQuery, MessageFilter, MessageStore, Page, Paged, StoreError};

fn message_from_doc(doc: String) -> Result<Message, StoreError> {
    Ok(serde_json::from_str(&doc)?)
}

fn read_message(conn: &Connection, id: &str) -> Result<Option<Message>, StoreError> {
    conn.prepare_cached("SELECT doc FROM messages WHERE id = ?1")?
        .query_row([id], |row| row.get::<_, String>(0))
        .optional()?
        .map(message_from_doc)
        .transpose()
}

/// Writes every column of a message's row from its document.
fn write_row(conn: &Connection, message: &Message) -> Result<usize, StoreError> {
    let doc = serde_json::to_string(message)?;
    Ok(conn
        .prepare_cached(
            "UPDATE messages SET updated_at = ?2, pinned = ?3, starts_thread = ?4, msg = ?5, doc = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            message.id.as_str(),
            message.updated_at.millis(),
            message.pinned,
            message.tcount.unwrap_or(0) > 0,
            message.msg,
            doc
        ])?)
}

/// Rewrites the mention and star rows of a message from its document.
fn write_index_rows(conn: &Connection, message: &Message) -> Result<(), StoreError> {
    let (id, rid, ts) = (
        message.id.as_str(),
        message.rid.as_str(),
        message.ts.millis(),
    );
    conn.prepare_cached("DELETE FROM mentions WHERE message_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM stars WHERE message_id = ?1")?
        .execute([id])?;
    let mut mention = conn.prepare_cached(
        "INSERT OR IGNORE INTO mentions (target, rid, ts, message_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for m in &message.mentions {
        mention.execute(params![m.id, rid, ts, id])?;
    }
    let mut star = conn.prepare_cached(
        "INSERT OR IGNORE INTO stars (user_id, rid, ts, message_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in &message.starred {
        star.execute(params![s.id.as_str(), rid, ts, id])?;
    }
    Ok(())
}

/// Counts a reply on its thread's first message.
fn bump_thread(conn: &Connection, reply: &Message, delta: i64) -> Result<(), StoreError> {
    let Some(tmid) = &reply.tmid else {
        return Ok(());
    };
    let Some(mut parent) = read_message(conn, tmid.as_str())? else {
        return Ok(());
    };
    let count = (parent.tcount.unwrap_or(0) as i64 + delta).max(0) as u64;
    parent.tcount = Some(count);
    if delta > 0 {
        parent.tlm = Some(reply.ts);
        if !parent.replies.contains(&reply.sender.id) {
            parent.replies.push(reply.sender.id.clone());
        }
    }
    parent.updated_at = Timestamp::now().max(Timestamp(parent.updated_at.millis() + 1));
    write_row(conn, &parent)?;
    Ok(())
}

fn tombstone(conn: &Connection, message: &Message, at: Timestamp) -> Result<(), StoreError> {
    let id = message.id.as_str();
    conn.prepare_cached("DELETE FROM messages WHERE id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM mentions WHERE message_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM stars WHERE message_id = ?1")?
        .execute([id])?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO deleted_messages (id, rid, deleted_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, message.rid.as_str(), at.millis()])?;
    // `msgs` counts the room's messages: uncount what `insert_message`
    // counted, or deleted and pruned messages would stay in it for good.
    if message.is_user_message() {
        conn.prepare_cached("UPDATE rooms SET msgs = max(msgs - 1, 0) WHERE id = ?1")?
            .execute([message.rid.as_str()])?;
    }
    Ok(())
}

fn docs(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Message>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    statement
        .query_map(args, |row| row.get::<_, String>(0))?
        .map(|doc| message_from_doc(doc?))
        .collect()
}

#[async_trait]
impl MessageStore for EmbeddedStore {
    async fn insert_message(&self, message: &Message) -> Result<(), StoreError> {
        let message = message.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&message)?;
            conn.prepare_cached(
                "INSERT INTO messages
                 (id, rid, ts, updated_at, user_id, username, tmid, is_system, pinned,
                  starts_thread, msg, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                message.id.as_str(),
                message.rid.as_str(),
                message.ts.millis(),
                message.updated_at.millis(),
                message.sender.id.as_str(),
                message.sender.username,
                message.tmid.as_ref().map(MessageId::as_str),
                !message.is_user_message(),
                message.pinned,
                message.tcount.unwrap_or(0) > 0,
                message.msg,
                doc
            ])
            .map_err(conflict_as(|| format!("message id `{}`", message.id)))?;
            write_index_rows(conn, &message)?;
            if message.is_user_message() {
                conn.prepare_cached(
                    "UPDATE rooms SET msgs = msgs + 1, lm = max(coalesce(lm, 0), ?2) WHERE id = ?1",
                )?
                .execute(params![message.rid.as_str(), message.ts.millis()])?;
            }
            bump_thread(conn, &message, 1)
        })
        .await
    }

    async fn message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let id = id.clone();
        self.read(move |conn| read_message(conn, id.as_str())).await
    }

    async fn replace_message(
        &self,
        message: &Message,
        expected_updated_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut message = message.clone();
        self.write(move |conn| {
            let current: Option<i64> = conn
                .prepare_cached("SELECT updated_at FROM messages WHERE id = ?1")?
                .query_row([message.id.as_str()], |row| row.get(0))
                .optional()?;
            match current {
                None => return Err(StoreError::NotFound(format!("message `{}`", message.id))),
                Some(at) if at != expected_updated_at.millis() => {
                    return Err(StoreError::Conflict(format!(
                        "message `{}` changed since it was read",
                        message.id
                    )));
                }
                Some(_) => {}
            }
            // `_updatedAt` must move forward, or a second writer holding the
            // same old value could overwrite this change.
            message.updated_at = message
                .updated_at
                .max(Timestamp(expected_updated_at.millis() + 1));
            write_row(conn, &message)?;
            write_index_rows(conn, &message)
        })
        .await
    }

    async fn delete_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let id = id.clone();
        self.write(move |conn| {
            let Some(message) = read_message(conn, id.as_str())? else {
                return Ok(None);
            };
            tombstone(conn, &message, Timestamp::now())?;
            bump_thread(conn, &message, -1)?;
            Ok(Some(message))
        })
        .await
    }

    async fn history(
        &self,
        room: &RoomId,
        query: &HistoryQuery,
    ) -> Result<Vec<Message>, StoreError> {
        let (room, query) = (room.clone(), query.clone());
        self.read(move |conn| {
            let (lt, gt) = if query.inclusive {
                ("<=", ">=")
            } else {
                ("<", ">")
            };
            let latest = query.latest.map_or(i64::MAX, Timestamp::millis);
            let oldest = query.oldest.map_or(i64::MIN, Timestamp::millis);
            let (limit, offset) = limit_offset(query.offset, query.count);
            docs(
                conn,
                &format!(
                    "SELECT doc FROM messages WHERE rid = ?1 AND ts {lt} ?2 AND ts {gt} ?3
                     ORDER BY ts DESC LIMIT ?4 OFFSET ?5"
                ),
                &[&room.as_str(), &latest, &oldest, &limit, &offset],
            )
        })
        .await
    }

    async fn find_messages(
        &self,
        room: &RoomId,
        filter: &MessageFilter,
        page: &Page,
    ) -> Result<Paged<Message>, StoreError> {
        let (room, filter, page) = (room.clone(), filter.clone(), page.clone());
        self.read(move |conn| {
            let rid = room.as_str().to_owned();
            let (from, clause, arg): (&str, &str, String) = match &filter {
                MessageFilter::Thread(tmid) => {
                    ("messages m", "m.rid = ?1 AND m.tmid = ?2", tmid.0.clone())
                }
                MessageFilter::ThreadStarters => (
                    "messages m",
                    "m.rid = ?1 AND m.starts_thread = 1 AND ?2 = ''",
                    String::new(),
                ),
                MessageFilter::MentionsOf(user) => (
                    "mentions x JOIN messages m ON m.id = x.message_id",
                    "x.rid = ?1 AND x.target = ?2",
                    user.0.clone(),
                ),
                MessageFilter::StarredBy(user) => (
                    "stars x JOIN messages m ON m.id = x.message_id",
                    "x.rid = ?1 AND x.user_id = ?2",
                    user.0.clone(),
                ),
                MessageFilter::Pinned => (
                    "messages m",
                    "m.rid = ?1 AND m.pinned = 1 AND ?2 = ''",
                    String::new(),
                ),
                MessageFilter::Text(text) => (
                    "messages m",
                    "m.rid = ?1 AND m.is_system = 0 AND m.msg LIKE ?2 ESCAPE '\\'",
                    like_pattern(text),
                ),
            };
            let total: u64 = conn
                .prepare_cached(&format!("SELECT count(*) FROM {from} WHERE {clause}"))?
                .query_row(params![rid, arg], |row| row.get(0))?;
            let (limit, offset) = limit_offset(page.offset, page.count);
            let items = docs(
                conn,
                &format!(
                    "SELECT m.doc FROM {from} WHERE {clause} ORDER BY m.ts DESC LIMIT ?3 OFFSET ?4"
                ),
                &[&rid, &arg, &limit, &offset],
            )?;
            Ok(Paged { items, total })
        })
        .await
    }

    async fn changes_since(
        &self,
        room: &RoomId,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<Deletion>), StoreError> {
        let room = room.clone();
        self.read(move |conn| {
            let changed = docs(
                conn,
                "SELECT doc FROM messages WHERE rid = ?1 AND updated_at > ?2 ORDER BY updated_at",
                &[&room.as_str(), &since.millis()],
            )?;
            let mut statement = conn.prepare_cached(
                "SELECT id, deleted_at FROM deleted_messages WHERE rid = ?1 AND deleted_at > ?2
                 ORDER BY deleted_at",
            )?;
            let deleted = statement
                .query_map(params![room.as_str(), since.millis()], |row| {
                    Ok(Deletion {
                        id: MessageId(row.get(0)?),
                        at: Timestamp(row.get(1)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((changed, deleted))
        })
        .await
    }

    async fn clean_history(
        &self,
        room: &RoomId,
        oldest: Timestamp,
        latest: Timestamp,
        inclusive: bool,
        users: &[String],
    ) -> Result<u64, StoreError> {
        let (room, users) = (room.clone(), users.to_vec());
        self.write(move |conn| {
            let (lt, gt) = if inclusive { ("<=", ">=") } else { ("<", ">") };
            let victims = docs(
                conn,
                &format!("SELECT doc FROM messages WHERE rid = ?1 AND ts {lt} ?2 AND ts {gt} ?3"),
                &[&room.as_str(), &latest.millis(), &oldest.millis()],
            )?;
            let now = Timestamp::now();
            let mut count = 0;
            for message in victims {
                if !users.is_empty() && !users.contains(&message.sender.username) {
                    continue;
                }
                tombstone(conn, &message, now)?;
                bump_thread(conn, &message, -1)?;
                count += 1;
            }
            Ok(count)
        })
        .await
    }
}
