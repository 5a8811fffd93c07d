//! The embedded store's tables, created and migrated on open.

use rusqlite::Connection;

use crate::store::StoreError;

/// The schema version this code writes.
const VERSION: i64 = 1;

const V1: &str = "
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    password TEXT,
    doc TEXT NOT NULL
);
CREATE TABLE user_emails (
    address TEXT PRIMARY KEY COLLATE NOCASE,
    user_id TEXT NOT NULL
);
CREATE INDEX user_emails_user ON user_emails(user_id);
CREATE TABLE tokens (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT,
    last_part TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE UNIQUE INDEX tokens_personal_name ON tokens(user_id, name) WHERE name IS NOT NULL;
CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT UNIQUE COLLATE NOCASE,
    ts INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    users_count INTEGER NOT NULL DEFAULT 0,
    msgs INTEGER NOT NULL DEFAULT 0,
    lm INTEGER,
    doc TEXT NOT NULL
);
CREATE TABLE subscriptions (
    rid TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL COLLATE NOCASE,
    ls INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    has_roles INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (rid, user_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_user ON subscriptions(user_id, updated_at);
CREATE INDEX subscriptions_room_username ON subscriptions(rid, username);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    rid TEXT NOT NULL,
    ts INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    tmid TEXT,
    is_system INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    starts_thread INTEGER NOT NULL DEFAULT 0,
    msg TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX messages_room_ts ON messages(rid, ts);
-- Covers the unread count of a membership: messages by others after `ls`,
-- counted from the index alone.
CREATE INDEX messages_unread ON messages(rid, ts, user_id) WHERE is_system = 0 AND tmid IS NULL;
CREATE INDEX messages_room_updated ON messages(rid, updated_at);
CREATE INDEX messages_thread ON messages(tmid, ts) WHERE tmid IS NOT NULL;
CREATE TABLE mentions (
    target TEXT NOT NULL,
    rid TEXT NOT NULL,
    ts INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (target, rid, ts, message_id)
) WITHOUT ROWID;
CREATE INDEX mentions_message ON mentions(message_id);
CREATE TABLE stars (
    user_id TEXT NOT NULL,
    rid TEXT NOT NULL,
    ts INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (user_id, rid, ts, message_id)
) WITHOUT ROWID;
CREATE INDEX stars_message ON stars(message_id);
CREATE TABLE deleted_messages (
    id TEXT PRIMARY KEY,
    rid TEXT NOT NULL,
    deleted_at INTEGER NOT NULL
);
CREATE INDEX deleted_messages_room ON deleted_messages(rid, deleted_at);
CREATE TABLE settings (
    id TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE app_data (
    app TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (app, key)
) WITHOUT ROWID;
CREATE TABLE app_records (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
";

/// Brings the database to [`VERSION`], refusing one written by a newer
/// Capsule.
pub(super) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > VERSION {
        return Err(StoreError::Backend(format!(
            "the database has schema version {version}, newer than this Capsule's {VERSION}; \
             run the newer Capsule or restore a backup"
        )));
    }
    if version < 1 {
        conn.execute_batch(&format!("BEGIN; {V1} PRAGMA user_version = 1; COMMIT;"))?;
    }
    Ok(())
}
