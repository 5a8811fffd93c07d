//! Rooms in SQLite. The counters (`usersCount`, `msgs`, `lm`) are columns
//! that writes bump in place; the document holds the rest.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::users::conflict_as;
use super::{EmbeddedStore, like_pattern, limit_offset, order_by};
use crate::model::{Room, RoomId, RoomKind, Timestamp};
use crate::store::{Page, Paged, RoomFilter, RoomStore, StoreError};

/// Columns every room read selects, in the order [`room_from_row`] reads.
pub(super) const ROOM_COLUMNS: &str = "doc, users_count, msgs, lm";

pub(super) fn room_from_row(row: &Row<'_>) -> rusqlite::Result<(String, u64, u64, Option<i64>)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

pub(super) fn room_from_parts(
    (doc, users_count, msgs, lm): (String, u64, u64, Option<i64>),
) -> Result<Room, StoreError> {
    let mut room: Room = serde_json::from_str(&doc)?;
    room.users_count = users_count;
    room.msgs = msgs;
    room.lm = lm.map(Timestamp);
    Ok(room)
}

#[async_trait]
impl RoomStore for EmbeddedStore {
    async fn insert_room(&self, room: &Room) -> Result<(), StoreError> {
        let room = room.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&room)?;
            conn.prepare_cached(
                "INSERT INTO rooms (id, kind, name, ts, is_default, users_count, msgs, lm, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                room.id.as_str(),
                room.kind.code(),
                name_column(&room),
                room.ts.millis(),
                room.default,
                room.users_count,
                room.msgs,
                room.lm.map(Timestamp::millis),
                doc
            ])
            .map_err(conflict_as(|| match &room.name {
                Some(name) if room.kind != RoomKind::Direct => format!("room name `{name}`"),
                _ => format!("room `{}`", room.id),
            }))?;
            Ok(())
        })
        .await
    }

    async fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        let id = id.clone();
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?1"))?
                .query_row([id.as_str()], room_from_row)
                .optional()?
                .map(room_from_parts)
                .transpose()
        })
        .await
    }

    async fn room_by_name(&self, name: &str) -> Result<Option<Room>, StoreError> {
        let name = name.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE name = ?1"))?
                .query_row([name], room_from_row)
                .optional()?
                .map(room_from_parts)
                .transpose()
        })
        .await
    }

    async fn update_room(&self, room: &Room) -> Result<(), StoreError> {
        let room = room.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&room)?;
            let changed = conn
                .prepare_cached(
                    "UPDATE rooms SET kind = ?2, name = ?3, is_default = ?4, doc = ?5 WHERE id = ?1",
                )?
                .execute(params![
                    room.id.as_str(),
                    room.kind.code(),
                    name_column(&room),
                    room.default,
                    doc
                ])
                .map_err(conflict_as(|| {
                    format!("room name `{}`", room.name.clone().unwrap_or_default())
                }))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("room `{}`", room.id)));
            }
            Ok(())
        })
        .await
    }

    async fn delete_room(&self, id: &RoomId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.write(move |conn| {
            let rid = id.as_str();
            let deleted = conn.execute("DELETE FROM rooms WHERE id = ?1", [rid])?;
            conn.execute("DELETE FROM subscriptions WHERE rid = ?1", [rid])?;
            conn.execute("DELETE FROM messages WHERE rid = ?1", [rid])?;
            conn.execute("DELETE FROM mentions WHERE rid = ?1", [rid])?;
            conn.execute("DELETE FROM stars WHERE rid = ?1", [rid])?;
            conn.execute("DELETE FROM deleted_messages WHERE rid = ?1", [rid])?;
            Ok(deleted > 0)
        })
        .await
    }

    async fn list_rooms(
        &self,
        filter: &RoomFilter,
        page: &Page,
    ) -> Result<Paged<Room>, StoreError> {
        let filter = filter.clone();
        let page = page.clone();
        self.read(move |conn| {
            let order = order_by(
                &page.sort,
                &[
                    ("name", "name"),
                    ("ts", "ts"),
                    ("usersCount", "users_count"),
                    ("msgs", "msgs"),
                    ("lm", "lm"),
                ],
                "name",
            )?;
            let mut clauses = vec!["1 = 1".to_owned()];
            let mut args: Vec<String> = Vec::new();
            if !filter.kinds.is_empty() {
                let kinds: Vec<String> = filter
                    .kinds
                    .iter()
                    .map(|k| format!("'{}'", k.code()))
                    .collect();
                clauses.push(format!("kind IN ({})", kinds.join(", ")));
            }
            if let Some(text) = &filter.text {
                args.push(like_pattern(text));
                clauses.push(format!("name LIKE ?{} ESCAPE '\\'", args.len()));
            }
            if let Some(member) = &filter.member {
                args.push(member.0.clone());
                clauses.push(format!(
                    "id IN (SELECT rid FROM subscriptions WHERE user_id = ?{})",
                    args.len()
                ));
            }
            if filter.default_only {
                clauses.push("is_default = 1".to_owned());
            }
            let clause = clauses.join(" AND ");
            let total: u64 = conn.query_row(
                &format!("SELECT count(*) FROM rooms WHERE {clause}"),
                rusqlite::params_from_iter(&args),
                |row| row.get(0),
            )?;
            let (limit, offset) = limit_offset(page.offset, page.count);
            let mut statement = conn.prepare(&format!(
                "SELECT {ROOM_COLUMNS} FROM rooms WHERE {clause} {order} LIMIT {limit} OFFSET {offset}"
            ))?;
            let items = statement
                .query_map(rusqlite::params_from_iter(&args), room_from_row)?
                .map(|parts| room_from_parts(parts?))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Paged { items, total })
        })
        .await
    }
}

/// Direct rooms have no unique name.
fn name_column(room: &Room) -> Option<&str> {
    match room.kind {
        RoomKind::Direct => None,
        _ => room.name.as_deref(),
    }
}
