//! Memberships in SQLite, with unread and mention counts worked out when
//! read (see [`Subscription`]).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{EmbeddedStore, limit_offset};
use crate::model::{RoomId, Subscription, Timestamp, UserId};
use crate::store::{Page, Paged, StoreError, SubscriptionStore, UNREAD_CAP};

/// Fills in the counts of a membership read from its document. Unread
/// messages are counted up to [`UNREAD_CAP`].
fn with_counts(conn: &Connection, doc: String) -> Result<Subscription, StoreError> {
    let mut sub: Subscription = serde_json::from_str(&doc)?;
    let (rid, uid, ls) = (sub.rid.as_str(), sub.user.id.as_str(), sub.ls.millis());
    sub.unread = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM messages
             WHERE rid = ?1 AND ts > ?2 AND user_id <> ?3 AND is_system = 0 AND tmid IS NULL
             LIMIT ?4)",
        )?
        .query_row(params![rid, ls, uid, UNREAD_CAP as i64], |row| row.get(0))?;
    // Mentions count messages by others, like `unread`: a user's own
    // message naming them (or @all) is no mention for them. And a message
    // naming both @all and @here is one group mention, not two, so these
    // count distinct messages rather than mention rows.
    sub.user_mentions = conn
        .prepare_cached(
            "SELECT count(DISTINCT x.message_id) FROM mentions x
             JOIN messages m ON m.id = x.message_id
             WHERE x.target = ?1 AND x.rid = ?2 AND x.ts > ?3 AND m.user_id <> ?1",
        )?
        .query_row(params![uid, rid, ls], |row| row.get(0))?;
    sub.group_mentions = conn
        .prepare_cached(
            "SELECT count(DISTINCT x.message_id) FROM mentions x
             JOIN messages m ON m.id = x.message_id
             WHERE x.target IN ('all', 'here') AND x.rid = ?1 AND x.ts > ?2 AND m.user_id <> ?3",
        )?
        .query_row(params![rid, ls, uid], |row| row.get(0))?;
    sub.alert = sub.unread > 0;
    Ok(sub)
}

/// The stored document of a membership.
fn membership_doc(
    conn: &Connection,
    room: &RoomId,
    user: &UserId,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1 AND user_id = ?2")?
        .query_row(params![room.as_str(), user.as_str()], |row| row.get(0))
        .optional()?)
}

fn write_doc(conn: &Connection, sub: &Subscription) -> Result<usize, StoreError> {
    let doc = serde_json::to_string(sub)?;
    Ok(conn
        .prepare_cached(
            "UPDATE subscriptions SET username = ?3, ls = ?4, updated_at = ?5, has_roles = ?6, doc = ?7
             WHERE rid = ?1 AND user_id = ?2",
        )?
        .execute(params![
            sub.rid.as_str(),
            sub.user.id.as_str(),
            sub.user.username,
            sub.ls.millis(),
            sub.updated_at.millis(),
            !sub.roles.is_empty(),
            doc
        ])?)
}

#[async_trait]
impl SubscriptionStore for EmbeddedStore {
    async fn add_member(&self, subscription: &Subscription) -> Result<bool, StoreError> {
        let sub = subscription.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&sub)?;
            let added = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO subscriptions
                     (rid, user_id, username, ls, updated_at, has_roles, doc)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    sub.rid.as_str(),
                    sub.user.id.as_str(),
                    sub.user.username,
                    sub.ls.millis(),
                    sub.updated_at.millis(),
                    !sub.roles.is_empty(),
                    doc
                ])?;
            if added > 0 {
                conn.prepare_cached(
                    "UPDATE rooms SET users_count = users_count + 1 WHERE id = ?1",
                )?
                .execute([sub.rid.as_str()])?;
            }
            Ok(added > 0)
        })
        .await
    }

    async fn remove_member(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let (room, user) = (room.clone(), user.clone());
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM subscriptions WHERE rid = ?1 AND user_id = ?2",
                params![room.as_str(), user.as_str()],
            )?;
            if removed > 0 {
                conn.execute(
                    "UPDATE rooms SET users_count = users_count - 1 WHERE id = ?1",
                    [room.as_str()],
                )?;
            }
            Ok(removed > 0)
        })
        .await
    }

    async fn membership(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let (room, user) = (room.clone(), user.clone());
        self.read(move |conn| {
            membership_doc(conn, &room, &user)?
                .map(|doc| Ok(serde_json::from_str(&doc)?))
                .transpose()
        })
        .await
    }

    async fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let (room, user) = (room.clone(), user.clone());
        self.read(move |conn| {
            membership_doc(conn, &room, &user)?
                .map(|doc| with_counts(conn, doc))
                .transpose()
        })
        .await
    }

    async fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let sub = subscription.clone();
        self.write(move |conn| {
            if write_doc(conn, &sub)? == 0 {
                return Err(StoreError::NotFound(format!(
                    "membership of `{}` in room `{}`",
                    sub.user.username, sub.rid
                )));
            }
            Ok(())
        })
        .await
    }

    async fn rename_subscriptions(&self, room: &RoomId, name: &str) -> Result<(), StoreError> {
        let (room, name) = (room.clone(), name.to_owned());
        self.write(move |conn| {
            let now = Timestamp::now().millis();
            conn.execute(
                "UPDATE subscriptions
                 SET doc = json_set(doc, '$.name', ?2, '$.fname', ?2, '$._updatedAt', ?3),
                     updated_at = ?4
                 WHERE rid = ?1",
                params![room.as_str(), name, Timestamp(now).to_iso(), now],
            )?;
            Ok(())
        })
        .await
    }

    async fn subscriptions_of(
        &self,
        user: &UserId,
        since: Option<Timestamp>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT doc FROM subscriptions WHERE user_id = ?1 AND updated_at > ?2
                 ORDER BY updated_at",
            )?;
            let docs = statement
                .query_map(
                    params![user.as_str(), since.map_or(i64::MIN, Timestamp::millis)],
                    |row| row.get::<_, String>(0),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            docs.into_iter().map(|doc| with_counts(conn, doc)).collect()
        })
        .await
    }

    async fn members(&self, room: &RoomId, page: &Page) -> Result<Paged<Subscription>, StoreError> {
        let (room, page) = (room.clone(), page.clone());
        self.read(move |conn| {
            let total: u64 = conn
                .prepare_cached("SELECT count(*) FROM subscriptions WHERE rid = ?1")?
                .query_row([room.as_str()], |row| row.get(0))?;
            let (limit, offset) = limit_offset(page.offset, page.count);
            let mut statement = conn.prepare_cached(
                "SELECT doc FROM subscriptions WHERE rid = ?1
                 ORDER BY username LIMIT ?2 OFFSET ?3",
            )?;
            let items = statement
                .query_map(params![room.as_str(), limit, offset], |row| {
                    row.get::<_, String>(0)
                })?
                .map(|doc| Ok(serde_json::from_str(&doc?)?))
                .collect::<Result<Vec<Subscription>, StoreError>>()?;
            Ok(Paged { items, total })
        })
        .await
    }

    async fn members_with_roles(&self, room: &RoomId) -> Result<Vec<Subscription>, StoreError> {
        let room = room.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT doc FROM subscriptions WHERE rid = ?1 AND has_roles = 1 ORDER BY username",
            )?;
            statement
                .query_map([room.as_str()], |row| row.get::<_, String>(0))?
                .map(|doc| Ok(serde_json::from_str(&doc?)?))
                .collect()
        })
        .await
    }

    async fn mark_read(
        &self,
        room: &RoomId,
        user: &UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (room, user) = (room.clone(), user.clone());
        self.write(move |conn| {
            let Some(doc) = membership_doc(conn, &room, &user)? else {
                return Err(StoreError::NotFound(format!(
                    "membership of `{user}` in room `{room}`"
                )));
            };
            let mut sub: Subscription = serde_json::from_str(&doc)?;
            if at > sub.ls {
                sub.ls = at;
            }
            sub.alert = false;
            sub.unread = 0;
            sub.updated_at = Timestamp::now();
            write_doc(conn, &sub)?;
            Ok(())
        })
        .await
    }
}
