//! Users, password hashes and tokens in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{EmbeddedStore, like_pattern, limit_offset, order_by};
use crate::model::{Timestamp, User, UserId};
use crate::store::{Page, Paged, StoreError, Token, TokenKind, UserFilter, UserStore};

fn user_from_doc(doc: String) -> Result<User, StoreError> {
    Ok(serde_json::from_str(&doc)?)
}

/// Maps a unique-constraint failure to `Conflict` naming `what`.
pub(super) fn conflict_as(what: impl Fn() -> String) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(what())
        }
        other => other.into(),
    }
}

fn write_emails(conn: &Connection, user: &User) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM user_emails WHERE user_id = ?1")?
        .execute([user.id.as_str()])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO user_emails (address, user_id) VALUES (?1, ?2)")?;
    for email in &user.emails {
        insert
            .execute(params![email.address, user.id.as_str()])
            .map_err(conflict_as(|| {
                format!("e-mail address `{}`", email.address)
            }))?;
    }
    Ok(())
}

#[async_trait]
impl UserStore for EmbeddedStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<String>,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&user)?;
            conn.prepare_cached(
                "INSERT INTO users (id, username, name, created_at, password, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                user.id.as_str(),
                user.username,
                user.name,
                user.created_at.millis(),
                password_hash,
                doc
            ])
            .map_err(conflict_as(|| format!("username `{}`", user.username)))?;
            write_emails(conn, &user)
        })
        .await
    }

    async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let id = id.clone();
        self.read(move |conn| {
            conn.prepare_cached("SELECT doc FROM users WHERE id = ?1")?
                .query_row([id.as_str()], |row| row.get::<_, String>(0))
                .optional()?
                .map(user_from_doc)
                .transpose()
        })
        .await
    }

    async fn users(&self, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
        let ids: Vec<String> = ids.iter().map(|id| id.0.clone()).collect();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached("SELECT doc FROM users WHERE id = ?1")?;
            let mut users = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(doc) = statement
                    .query_row([id], |row| row.get::<_, String>(0))
                    .optional()?
                {
                    users.push(user_from_doc(doc)?);
                }
            }
            Ok(users)
        })
        .await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let username = username.to_owned();
        self.read(move |conn| {
            conn.prepare_cached("SELECT doc FROM users WHERE username = ?1")?
                .query_row([username], |row| row.get::<_, String>(0))
                .optional()?
                .map(user_from_doc)
                .transpose()
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = email.to_owned();
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT u.doc FROM user_emails e JOIN users u ON u.id = e.user_id
                 WHERE e.address = ?1",
            )?
            .query_row([email], |row| row.get::<_, String>(0))
            .optional()?
            .map(user_from_doc)
            .transpose()
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let user = user.clone();
        self.write(move |conn| {
            let doc = serde_json::to_string(&user)?;
            let changed = conn
                .prepare_cached(
                    "UPDATE users SET username = ?2, name = ?3, doc = ?4 WHERE id = ?1",
                )?
                .execute(params![user.id.as_str(), user.username, user.name, doc])
                .map_err(conflict_as(|| format!("username `{}`", user.username)))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user `{}`", user.id)));
            }
            write_emails(conn, &user)
        })
        .await
    }

    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.write(move |conn| {
            let uid = id.as_str();
            let deleted = conn.execute("DELETE FROM users WHERE id = ?1", [uid])?;
            conn.execute("DELETE FROM user_emails WHERE user_id = ?1", [uid])?;
            conn.execute("DELETE FROM tokens WHERE user_id = ?1", [uid])?;
            conn.execute(
                "UPDATE rooms SET users_count = users_count - 1
                 WHERE id IN (SELECT rid FROM subscriptions WHERE user_id = ?1)",
                [uid],
            )?;
            conn.execute("DELETE FROM subscriptions WHERE user_id = ?1", [uid])?;
            conn.execute("DELETE FROM stars WHERE user_id = ?1", [uid])?;
            Ok(deleted > 0)
        })
        .await
    }

    async fn list_users(
        &self,
        filter: &UserFilter,
        page: &Page,
    ) -> Result<Paged<User>, StoreError> {
        let filter = filter.clone();
        let page = page.clone();
        self.read(move |conn| {
            let order = order_by(
                &page.sort,
                &[
                    ("username", "username"),
                    ("name", "name"),
                    ("createdAt", "created_at"),
                    // Documented as sortable but was missing (refused as
                    // Invalid). Presence has no column; it lives in the doc.
                    ("status", "json_extract(doc, '$.status')"),
                ],
                "username",
            )?;
            let mut clauses = vec!["1 = 1".to_owned()];
            let mut args: Vec<String> = Vec::new();
            if let Some(text) = &filter.text {
                args.push(like_pattern(text));
                clauses.push(format!(
                    "(username LIKE ?{n} ESCAPE '\\' OR name LIKE ?{n} ESCAPE '\\')",
                    n = args.len()
                ));
            }
            if let Some(role) = &filter.role {
                args.push(role.clone());
                clauses.push(format!(
                    "EXISTS (SELECT 1 FROM json_each(doc, '$.roles') WHERE value = ?{})",
                    args.len()
                ));
            }
            if let Some(active) = filter.active {
                clauses.push(format!(
                    "json_extract(doc, '$.active') = {}",
                    if active { 1 } else { 0 }
                ));
            }
            let clause = clauses.join(" AND ");
            let total: u64 = conn.query_row(
                &format!("SELECT count(*) FROM users WHERE {clause}"),
                rusqlite::params_from_iter(&args),
                |row| row.get(0),
            )?;
            let (limit, offset) = limit_offset(page.offset, page.count);
            let mut statement = conn.prepare(&format!(
                "SELECT doc FROM users WHERE {clause} {order} LIMIT {limit} OFFSET {offset}"
            ))?;
            let items = statement
                .query_map(rusqlite::params_from_iter(&args), |row| {
                    row.get::<_, String>(0)
                })?
                .map(|doc| user_from_doc(doc?))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Paged { items, total })
        })
        .await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))?))
            .await
    }

    async fn password_hash(&self, id: &UserId) -> Result<Option<String>, StoreError> {
        let id = id.clone();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT password FROM users WHERE id = ?1")?
                .query_row([id.as_str()], |row| row.get::<_, Option<String>>(0))
                .optional()?
                .flatten())
        })
        .await
    }

    async fn set_password_hash(&self, id: &UserId, hash: Option<String>) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE users SET password = ?2 WHERE id = ?1",
                params![id.as_str(), hash],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user `{id}`")));
            }
            Ok(())
        })
        .await
    }

    async fn insert_token(&self, token: &Token) -> Result<(), StoreError> {
        let token = token.clone();
        self.write(move |conn| {
            let (name, last_part) = match &token.kind {
                TokenKind::Login => (None, None),
                TokenKind::Personal { name, last_part } => {
                    (Some(name.clone()), Some(last_part.clone()))
                }
            };
            conn.prepare_cached(
                "INSERT INTO tokens (digest, user_id, name, last_part, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                token.digest,
                token.user.as_str(),
                name,
                last_part,
                token.created_at.millis()
            ])
            .map_err(conflict_as(|| match &token.kind {
                TokenKind::Personal { name, .. } => format!("personal access token `{name}`"),
                TokenKind::Login => "token".to_owned(),
            }))?;
            Ok(())
        })
        .await
    }

    async fn token(&self, digest: &str) -> Result<Option<Token>, StoreError> {
        let digest = digest.to_owned();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT digest, user_id, name, last_part, created_at FROM tokens WHERE digest = ?1",
                )?
                .query_row([digest], token_from_row)
                .optional()?)
        })
        .await
    }

    async fn delete_token(&self, digest: &str) -> Result<bool, StoreError> {
        let digest = digest.to_owned();
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM tokens WHERE digest = ?1", [digest])? > 0)
        })
        .await
    }

    async fn tokens_of(&self, user: &UserId) -> Result<Vec<Token>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT digest, user_id, name, last_part, created_at FROM tokens
                 WHERE user_id = ?1 ORDER BY created_at, digest",
            )?;
            let tokens = statement
                .query_map([user.as_str()], token_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(tokens)
        })
        .await
    }
}

fn token_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Token> {
    let name: Option<String> = row.get(2)?;
    let last_part: Option<String> = row.get(3)?;
    Ok(Token {
        digest: row.get(0)?,
        user: UserId(row.get(1)?),
        kind: match name {
            Some(name) => TokenKind::Personal {
                name,
                last_part: last_part.unwrap_or_default(),
            },
            None => TokenKind::Login,
        },
        created_at: Timestamp(row.get(4)?),
    })
}
