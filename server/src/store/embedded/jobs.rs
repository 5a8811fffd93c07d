//! The jobs apps scheduled, in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::EmbeddedStore;
use crate::model::Timestamp;
use crate::store::{JobRecord, JobStore, StoreError};

const COLUMNS: &str = "id, app, name, schedule, payload, next_run, attempt, created_at";

/// A row of `jobs` read with [`COLUMNS`]; the schedule is parsed later,
/// outside rusqlite's error type.
struct JobRow {
    id: String,
    app: String,
    name: String,
    schedule: String,
    payload: Vec<u8>,
    next_run: i64,
    attempt: u32,
    created_at: i64,
}

impl JobRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<JobRow> {
        Ok(JobRow {
            id: row.get(0)?,
            app: row.get(1)?,
            name: row.get(2)?,
            schedule: row.get(3)?,
            payload: row.get(4)?,
            next_run: row.get(5)?,
            attempt: row.get(6)?,
            created_at: row.get(7)?,
        })
    }

    fn into_record(self) -> Result<JobRecord, StoreError> {
        Ok(JobRecord {
            id: self.id,
            app: self.app,
            name: self.name,
            schedule: serde_json::from_str(&self.schedule)?,
            payload: self.payload,
            next_run: Timestamp(self.next_run),
            attempt: self.attempt,
            created_at: Timestamp(self.created_at),
        })
    }
}

/// The jobs a statement selects (its parameters bound by `args`).
fn jobs_where(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<JobRecord>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement
        .query_map(args, JobRow::read)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(JobRow::into_record).collect()
}

/// The `except` list as the JSON array `json_each` reads.
fn app_list(apps: &[String]) -> Result<String, StoreError> {
    Ok(serde_json::to_string(apps)?)
}

#[async_trait]
impl JobStore for EmbeddedStore {
    async fn put_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        let job = job.clone();
        let schedule = serde_json::to_string(&job.schedule)?;
        self.write(move |conn| {
            // The upsert leaves a job of another app alone (no row changes),
            // so no app can take over or overwrite another's job by its id.
            let changed = conn
                .prepare_cached(
                    "INSERT INTO jobs
                         (id, app, name, schedule, payload, next_run, attempt, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (id) DO UPDATE SET
                         name = excluded.name, schedule = excluded.schedule,
                         payload = excluded.payload, next_run = excluded.next_run,
                         attempt = excluded.attempt, created_at = excluded.created_at
                     WHERE jobs.app = excluded.app",
                )?
                .execute(params![
                    job.id,
                    job.app,
                    job.name,
                    schedule,
                    job.payload,
                    job.next_run.millis(),
                    job.attempt,
                    job.created_at.millis(),
                ])?;
            if changed == 0 {
                return Err(StoreError::Conflict(format!(
                    "job `{}` (of another app)",
                    job.id
                )));
            }
            Ok(())
        })
        .await
    }

    async fn job(&self, app: &str, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let (app, id) = (app.to_owned(), id.to_owned());
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM jobs WHERE id = ?1 AND app = ?2"
            ))?
            .query_row(params![id, app], JobRow::read)
            .optional()?
            .map(JobRow::into_record)
            .transpose()
        })
        .await
    }

    async fn delete_job(&self, app: &str, id: &str) -> Result<bool, StoreError> {
        let (app, id) = (app.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM jobs WHERE id = ?1 AND app = ?2",
                params![id, app],
            )? > 0)
        })
        .await
    }

    async fn due_jobs(
        &self,
        until: Timestamp,
        except: &[String],
        limit: u64,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let except = app_list(except)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |conn| {
            jobs_where(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM jobs
                     WHERE next_run <= ?1 AND app NOT IN (SELECT value FROM json_each(?2))
                     ORDER BY next_run, created_at, id LIMIT ?3"
                ),
                params![until.millis(), except, limit],
            )
        })
        .await
    }

    async fn next_due(&self, except: &[String]) -> Result<Option<Timestamp>, StoreError> {
        let except = app_list(except)?;
        self.read(move |conn| {
            // ORDER BY ... LIMIT 1 walks the `jobs_due` index from its front,
            // stepping over the excepted apps' jobs; `min()` with the filter
            // would not use it.
            let next: Option<i64> = conn
                .prepare_cached(
                    "SELECT next_run FROM jobs
                     WHERE app NOT IN (SELECT value FROM json_each(?1))
                     ORDER BY next_run LIMIT 1",
                )?
                .query_row([except], |row| row.get(0))
                .optional()?;
            Ok(next.map(Timestamp))
        })
        .await
    }

    async fn jobs_of(&self, app: &str) -> Result<Vec<JobRecord>, StoreError> {
        let app = app.to_owned();
        self.read(move |conn| {
            jobs_where(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM jobs WHERE app = ?1
                     ORDER BY next_run, created_at, id"
                ),
                [app],
            )
        })
        .await
    }

    async fn delete_jobs_of(&self, app: &str) -> Result<u64, StoreError> {
        let app = app.to_owned();
        self.write(move |conn| Ok(conn.execute("DELETE FROM jobs WHERE app = ?1", [app])? as u64))
            .await
    }
}
