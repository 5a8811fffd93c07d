//! The job scheduler: one-off and recurring jobs that apps schedule
//! through the `scheduler` capability, kept in the store
//! ([`JobStore`](crate::store::JobStore)) so they survive restarts, and run
//! through the runtime's `jobs.run` export under its job deadline.
//!
//! [`Scheduler::start`] spawns one task ([`runner`]) that sleeps until the
//! earliest job is due (or until an app schedules an earlier one), runs
//! the due jobs a few at a time, retries a failed run with exponential
//! backoff ([`Backoff`]) a bounded number of times, and then gives up on
//! that run: a one-off is deleted, a recurring job moves to its next time
//! ([`schedule`]). Jobs of an app that is not loaded or not enabled wait,
//! untouched, and run once it is enabled again (the runtime's status is the
//! truth: nothing needs to tell the scheduler, though
//! [`Scheduler::wake`] makes it look at once).
//!
//! Its limits and waits are the configuration's ([`Tuning`]).
//!
//! Delivery is at least once: a job is leased (its `next_run` pushed past
//! the run's deadline) when it starts, so a server stopped in the middle of
//! a run runs it again once the lease is over.

mod runner;
pub mod schedule;

use std::collections::HashMap;
use std::sync::Arc;

use capsule_runtime::WeakRuntime;
use capsule_runtime::model as app;
use tokio::sync::{Mutex, Notify};

pub use crate::config::scheduler::{Backoff, Tuning};
use schedule::Recurrence;

use crate::model::{Timestamp, random_id};
use crate::store::{JobRecord, JobStore, StoreError};

/// Why a job could not be scheduled (or the scheduler's store failed).
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("bad cron expression `{expression}`: {reason}")]
    BadCron { expression: String, reason: String },
    #[error("a recurring job may run at most every {min_ms} ms, not every {every_ms} ms")]
    IntervalTooShort { every_ms: u64, min_ms: u64 },
    #[error("{what} is out of range")]
    OutOfRange { what: String },
    #[error(
        "app `{app}` already has {max} scheduled jobs, the most an app may have; cancel some first"
    )]
    QuotaExceeded { app: String, max: u64 },
    #[error("the stored schedule {schedule} is not one the scheduler writes")]
    Corrupt { schedule: String },
    #[error("the job store failed: {0}")]
    Store(#[from] StoreError),
}

/// Schedules, cancels and runs apps' jobs. Cheap to clone; the task stops
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
    _task: Arc<TaskGuard>,
}

/// What the scheduler's handles and its task share.
struct Shared {
    store: Arc<dyn JobStore>,
    tuning: Tuning,
    /// Wakes the task: a job was scheduled, or an app may run again.
    wake: Notify,
    /// Held across every write to the jobs, so that a run's outcome never
    /// brings back a job cancelled while it ran, and the quota is checked
    /// and taken in one step. Guards the job counts.
    writes: Mutex<JobCounts>,
}

/// Jobs per app, counted from the store once per app and then kept up to
/// date by the scheduler's own writes (so the quota check does not read
/// every job of the app each time).
#[derive(Default)]
struct JobCounts(HashMap<String, u64>);

impl JobCounts {
    async fn of(&mut self, store: &dyn JobStore, app: &str) -> Result<&mut u64, StoreError> {
        if !self.0.contains_key(app) {
            let count = store.jobs_of(app).await?.len() as u64;
            self.0.insert(app.to_owned(), count);
        }
        Ok(self.0.get_mut(app).expect("just inserted"))
    }

    /// One job of `app` fewer (if its count is known).
    fn taken_away(&mut self, app: &str) {
        if let Some(count) = self.0.get_mut(app) {
            *count = count.saturating_sub(1);
        }
    }
}

/// Stops the task when the last [`Scheduler`] goes.
struct TaskGuard(tokio::task::JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Scheduler {
    /// Starts the scheduler's task on the current tokio runtime. It runs
    /// jobs through `runtime` while that exists; jobs already in `store`
    /// run when due (those that came due while the server was down, at
    /// once).
    pub fn start(store: Arc<dyn JobStore>, runtime: WeakRuntime, tuning: Tuning) -> Scheduler {
        let shared = Arc::new(Shared {
            store,
            tuning,
            wake: Notify::new(),
            writes: Mutex::new(JobCounts::default()),
        });
        let task = tokio::spawn(runner::run(shared.clone(), runtime));
        Scheduler {
            shared,
            _task: Arc::new(TaskGuard(task)),
        }
    }

    /// Schedules a job of `app`; returns its id.
    pub async fn schedule(
        &self,
        app: &str,
        name: &str,
        when: &app::Schedule,
        payload: Vec<u8>,
    ) -> Result<String, ScheduleError> {
        let tuning = &self.shared.tuning;
        let now = Timestamp::now();
        let plan = schedule::plan(when, now, tuning.min_interval_ms)?;
        let job = JobRecord {
            id: random_id(),
            app: app.to_owned(),
            name: name.to_owned(),
            schedule: plan.recurrence.to_json(),
            payload,
            next_run: plan.first_run,
            attempt: 0,
            created_at: now,
        };
        {
            let mut counts = self.shared.writes.lock().await;
            let count = counts.of(self.shared.store.as_ref(), app).await?;
            if *count >= tuning.max_jobs_per_app {
                return Err(ScheduleError::QuotaExceeded {
                    app: app.to_owned(),
                    max: tuning.max_jobs_per_app,
                });
            }
            self.shared.store.put_job(&job).await?;
            *count += 1;
        }
        tracing::debug!(
            app,
            job = %job.id,
            name,
            schedule = %job.schedule,
            due = %job.next_run.to_iso(),
            "job scheduled"
        );
        // The task may be asleep until a later job.
        self.shared.wake.notify_one();
        Ok(job.id)
    }

    /// Cancels a job of `app`; returns whether it existed. A run already
    /// under way finishes, but the job does not run again.
    pub async fn cancel(&self, app: &str, id: &str) -> Result<bool, ScheduleError> {
        let mut counts = self.shared.writes.lock().await;
        let existed = self.shared.store.delete_job(app, id).await?;
        if existed {
            counts.taken_away(app);
            tracing::debug!(app, job = id, "job cancelled");
        }
        Ok(existed)
    }

    /// Deletes every job of `app` (it is being uninstalled); returns how
    /// many there were.
    pub async fn remove_app(&self, app: &str) -> Result<u64, ScheduleError> {
        let mut counts = self.shared.writes.lock().await;
        let removed = self.shared.store.delete_jobs_of(app).await?;
        counts.0.remove(app);
        tracing::info!(app, removed, "the app's jobs were deleted");
        Ok(removed)
    }

    /// Every job of `app`, earliest first.
    pub async fn jobs_of(&self, app: &str) -> Result<Vec<JobRecord>, ScheduleError> {
        Ok(self.shared.store.jobs_of(app).await?)
    }

    /// Makes the task look at the jobs now, e.g. after an app was enabled
    /// or loaded (it would notice within [`Tuning::recheck`] anyway).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }
}

/// How a job recurs, read from its record.
fn recurrence_of(job: &JobRecord) -> Result<Recurrence, ScheduleError> {
    Recurrence::from_json(&job.schedule)
}

#[cfg(test)]
mod tests;
