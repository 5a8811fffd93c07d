//! The embedded store: SQLite (bundled, through `rusqlite`) in WAL mode in
//! one file of the data folder. Nothing to install or run beside Capsule.
//!
//! Writes go to one writer thread that groups whatever is waiting into one
//! transaction (group commit): each write runs in a savepoint of its own,
//! so one failing write never undoes another, and every caller hears back
//! only after the transaction committed. Reads run on the blocking pool
//! over a small pool of read-only connections, which WAL lets read while
//! the writer writes. So the async runtime never waits on SQLite.
//!
//! Durability: `synchronous = NORMAL` in WAL mode, by default. A write that
//! was acknowledged survives the server being killed (the WAL is in the
//! operating system's hands at commit); a power cut may lose the last
//! commits. `synchronous = FULL` ([`Durability::Full`]) also survives that,
//! at one fsync per group.

mod apps;
mod messages;
mod rooms;
mod schema;
mod subscriptions;
mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::StoreError;

/// Most writes grouped into one transaction.
const MAX_GROUP: usize = 512;
/// Idle read connections kept open.
const READ_POOL: usize = 8;

/// How hard a commit tries to reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Survives a killed process; the default.
    #[default]
    Normal,
    /// Also survives a power cut: an fsync per group commit.
    Full,
}

/// What a write returns to the writer thread: a callback that delivers the
/// write's result once the group's commit outcome is known.
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type WriteJob = Box<dyn FnOnce(&Connection) -> Completion + Send>;

/// The SQLite-backed store. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: crossbeam_channel::Sender<WriteJob>,
    readers: Mutex<Vec<Connection>>,
}

impl EmbeddedStore {
    /// Opens (creating if needed) the database `capsule.db` in `dir`.
    pub fn open(dir: &Path, durability: Durability) -> Result<EmbeddedStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Backend(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
        let path = dir.join("capsule.db");
        let conn = Connection::open(&path)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA busy_timeout = 5000;
             PRAGMA wal_autocheckpoint = 4000;",
            match durability {
                Durability::Normal => "NORMAL",
                Durability::Full => "FULL",
            }
        ))?;
        schema::migrate(&conn)?;

        let (sender, receiver) = crossbeam_channel::unbounded::<WriteJob>();
        thread::Builder::new()
            .name("capsule-store-writer".into())
            .spawn(move || writer_loop(conn, receiver))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;

        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                path,
                writer: sender,
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in the writer's current transaction, in a savepoint of its
    /// own, and answers after the commit.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: Result<(), String>| {
                let outcome = match commit {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                };
                let _ = reply.send(outcome);
            })
        });
        self.inner
            .writer
            .send(job)
            .map_err(|_| StoreError::Backend("the store's writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Backend("the store's writer has stopped".into()))?
    }

    /// Runs `f` on a read connection on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match inner.readers.lock().pop() {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            let mut pool = inner.readers.lock();
            if pool.len() < READ_POOL {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT job")?;
    match f(conn) {
        Ok(value) => {
            conn.execute_batch("RELEASE job")?;
            Ok(value)
        }
        Err(error) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(error)
        }
    }
}

fn writer_loop(conn: Connection, jobs: crossbeam_channel::Receiver<WriteJob>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let commit = run_group(&conn, group);
        if let Err(e) = &commit.0 {
            tracing::error!(error = %e, "store commit failed");
        }
        for done in commit.1 {
            done(commit.0.clone());
        }
    }
    tracing::debug!("store writer stopped");
}

fn run_group(conn: &Connection, group: Vec<WriteJob>) -> (Result<(), String>, Vec<Completion>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let done = group.into_iter().map(|job| job(conn)).collect();
        return (Err(e.to_string()), done);
    }
    let done: Vec<Completion> = group.into_iter().map(|job| job(conn)).collect();
    match conn.execute_batch("COMMIT") {
        Ok(()) => (Ok(()), done),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            (Err(e.to_string()), done)
        }
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `LIMIT` / `OFFSET` for a page (`-1` is SQLite's "no limit").
fn limit_offset(offset: u64, count: u64) -> (i64, i64) {
    let limit = if count == 0 { -1 } else { count as i64 };
    (limit, offset as i64)
}

/// The `ORDER BY` clause for a page, with the columns a listing allows.
fn order_by(
    sort: &[super::Sort],
    allowed: &[(&str, &str)],
    default: &str,
) -> Result<String, StoreError> {
    if sort.is_empty() {
        return Ok(format!("ORDER BY {default}"));
    }
    let mut keys = Vec::new();
    for key in sort {
        let Some((_, column)) = allowed.iter().find(|(field, _)| *field == key.field) else {
            let fields: Vec<&str> = allowed.iter().map(|(f, _)| *f).collect();
            return Err(StoreError::Invalid(format!(
                "cannot sort by `{}`; sortable fields: {}",
                key.field,
                fields.join(", ")
            )));
        };
        keys.push(format!(
            "{column} {}",
            if key.descending { "DESC" } else { "ASC" }
        ));
    }
    Ok(format!("ORDER BY {}", keys.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn the_embedded_store_passes_the_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();
        crate::store::conformance::run_all(&store).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let user = crate::model::User::new("ada", "Ada", &["user"], Default::default());
        {
            let store = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();
            use crate::store::UserStore;
            store.insert_user(&user, None).await.unwrap();
        }
        let store = EmbeddedStore::open(dir.path(), Durability::Normal).unwrap();
        use crate::store::UserStore;
        assert_eq!(store.user(&user.id).await.unwrap(), Some(user));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a%b_c"), r"%a\%b\_c%");
    }
}
