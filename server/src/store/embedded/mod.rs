//! The embedded store: SQLite (bundled, through `rusqlite`) in WAL mode in
//! one file of the data folder. Nothing to install or run beside Capsule.
//!
//! Writes go to one writer thread that groups whatever is waiting into one
//! transaction (group commit): each write runs in a savepoint of its own,
//! so one failing write never undoes another, and every caller hears back
//! only after the transaction committed. Reads go to a few reader threads
//! of the store's own, each with a read-only connection, which WAL lets
//! read while the writer writes. So the async runtime never waits on
//! SQLite. (Tokio's blocking pool would serve reads too, but it grows to
//! dozens of threads under load, and waking them costs more than the
//! reads: a fixed, small set of readers is faster on a small machine.)
//!
//! Durability: `synchronous = NORMAL` in WAL mode, by default. A write that
//! was acknowledged survives the server being killed (the WAL is in the
//! operating system's hands at commit); a power cut may lose the last
//! commits. `synchronous = FULL` ([`Durability::Full`]) also survives that,
//! at one fsync per group.

mod apps;
mod audit;
mod jobs;
mod messages;
mod rooms;
mod schema;
mod subscriptions;
mod users;

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::thread;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

pub use crate::config::Durability;

use super::StoreError;

/// Most writes grouped into one transaction.
const MAX_GROUP: usize = 512;
/// Reader threads, each with its own connection.
const READERS: usize = 3;

/// What a write returns to the writer thread: a callback that delivers the
/// write's result once the group's commit outcome is known.
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type WriteJob = Box<dyn FnOnce(&Connection) -> Completion + Send>;
type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// The SQLite-backed store. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: crossbeam_channel::Sender<WriteJob>,
    readers: crossbeam_channel::Sender<ReadJob>,
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

        let (read_sender, read_receiver) = crossbeam_channel::unbounded::<ReadJob>();
        for n in 0..READERS {
            let conn = open_reader(&path)?;
            let jobs = read_receiver.clone();
            thread::Builder::new()
                .name(format!("capsule-store-reader-{n}"))
                .spawn(move || {
                    while let Ok(job) = jobs.recv() {
                        // A panicking read drops its reply (its caller gets an
                        // error); the reader goes on serving.
                        let _ = panic::catch_unwind(AssertUnwindSafe(|| job(&conn)));
                    }
                })
                .map_err(|e| StoreError::Backend(format!("cannot start a reader thread: {e}")))?;
        }

        Ok(EmbeddedStore {
            inner: Arc::new(Inner {
                writer: sender,
                readers: read_sender,
            }),
        })
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

    /// Runs `f` on one of the reader threads.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = reply.send(f(conn));
        });
        let stopped = || StoreError::Backend("the store's readers have stopped".into());
        self.inner.readers.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Memory-mapped reads: fewer system calls per page than pread.
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA mmap_size = 268435456;")?;
    Ok(conn)
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT job")?;
    // A panicking write is undone like a failing one, so the writer thread
    // and the rest of its group carry on.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| {
        Err(StoreError::Backend(
            "a write panicked; it was rolled back".into(),
        ))
    });
    match outcome {
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
