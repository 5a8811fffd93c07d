//! The embedded store's tables, created and migrated on open.

use rusqlite::Connection;

use crate::store::StoreError;

/// The schema version this code writes.
const VERSION: i64 = 2;

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

/// Version 2: the jobs apps schedule and the audit log of admin actions.
const V2: &str = "
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    schedule TEXT NOT NULL,
    payload BLOB NOT NULL,
    next_run INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
-- The scheduler's queue: `due_jobs` and `next_due` walk it from the front.
CREATE INDEX jobs_due ON jobs(next_run, created_at, id);
CREATE INDEX jobs_app ON jobs(app, next_run, created_at, id);
-- `seq` (the rowid) keeps insertion order among entries made in the same
-- millisecond; entries are never deleted, so it only grows.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    actor_username TEXT NOT NULL,
    action TEXT NOT NULL,
    app TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at, seq);
CREATE INDEX audit_app_at ON audit(app, at, seq) WHERE app IS NOT NULL;
";

/// Each version's script, in order: `MIGRATIONS[n]` takes version `n` to
/// `n + 1`.
const MIGRATIONS: [&str; VERSION as usize] = [V1, V2];

/// Brings the database to [`VERSION`], one version at a time, each in a
/// transaction of its own; refuses one written by a newer Capsule.
pub(super) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > VERSION {
        return Err(StoreError::Backend(format!(
            "the database has schema version {version}, newer than this Capsule's {VERSION}; \
             run the newer Capsule or restore a backup"
        )));
    }
    for (from, script) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let to = from + 1;
        conn.execute_batch(&format!(
            "BEGIN; {script} PRAGMA user_version = {to}; COMMIT;"
        ))
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            StoreError::Backend(format!("cannot migrate the database to version {to}: {e}"))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::store::embedded::{Durability, EmbeddedStore};
    use crate::store::{AppDataStore, AuditEntry, AuditStore, JobRecord, JobStore, Page};

    fn user_version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_version_1_database_migrates_in_place_keeping_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("capsule.db");
        {
            // The database as the previous Capsule left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("{V1} PRAGMA user_version = 1;"))
                .unwrap();
            conn.execute(
                "INSERT INTO app_data (app, key, value) VALUES ('poll', 'k', x'00ff')",
                [],
            )
            .unwrap();
        }

        let store = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();

        assert_eq!(user_version(&Connection::open(&path).unwrap()), 2);
        assert_eq!(
            store.app_value("poll", "k").await.unwrap(),
            Some(vec![0, 255])
        );
        let job = JobRecord {
            id: "j1".into(),
            app: "poll".into(),
            name: "close".into(),
            schedule: serde_json::json!({"once": true}),
            payload: vec![1],
            next_run: Timestamp(10),
            attempt: 0,
            created_at: Timestamp(1),
        };
        store.put_job(&job).await.unwrap();
        assert_eq!(store.jobs_of("poll").await.unwrap(), vec![job]);
        let entry = AuditEntry {
            id: "a1".into(),
            at: Timestamp(5),
            actor_id: "system".into(),
            actor_username: "system".into(),
            action: "app.install".into(),
            app: Some("poll".into()),
            detail: serde_json::json!({}),
        };
        store.append_audit(&entry).await.unwrap();
        let log = store.audit_entries(None, Page::all()).await.unwrap();
        assert_eq!(log.items, vec![entry]);
    }

    #[test]
    fn a_fresh_database_gets_every_version_and_migrating_again_changes_nothing() {
        let conn = Connection::open_in_memory().unwrap();

        migrate(&conn).unwrap();
        migrate(&conn).unwrap();

        assert_eq!(user_version(&conn), VERSION);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master
                 WHERE type = 'table' AND name IN ('jobs', 'audit')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 2);
    }

    #[test]
    fn a_database_of_a_newer_capsule_is_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 3;").unwrap();

        let error = migrate(&conn).unwrap_err();

        assert!(error.to_string().contains("schema version 3"), "{error}");
    }
}
