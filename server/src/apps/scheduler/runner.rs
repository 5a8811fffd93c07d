//! The scheduler's task: wait for the earliest due job, run due jobs a few
//! at a time, write each run's outcome back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use capsule_runtime::{CallError, Job, Runtime, TargetError, WeakRuntime};
use tokio::task::JoinSet;

use super::schedule::Recurrence;
use super::{Shared, recurrence_of};
use crate::model::Timestamp;
use crate::store::{JobRecord, StoreError};

/// The shortest pause when something is due that cannot start yet (a run
/// that outlived its lease is still going), so the loop never spins.
const MIN_PAUSE: Duration = Duration::from_millis(50);
/// The longest sleep: the wait is measured on the monotonic clock while
/// jobs are due by the wall clock, so a clock that was set forward (or a
/// job another server stored) is noticed within this.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// A job by app and id.
type JobKey = (String, String);

/// Runs until the runtime goes away (or the task is aborted).
pub(super) async fn run(shared: Arc<Shared>, runtime: WeakRuntime) {
    let mut runner = Runner {
        concurrency: shared.tuning.concurrency.max(1),
        shared,
        running: HashSet::new(),
        tasks: JoinSet::new(),
        task_jobs: HashMap::new(),
        waiting: HashSet::new(),
    };
    loop {
        let Some(rt) = runtime.upgrade() else {
            tracing::debug!("the apps runtime is gone; the scheduler stops");
            return;
        };
        let looked = runner.launch_due(&rt).await;
        // Not kept while asleep: the runtime must be able to go away.
        drop(rt);
        let Some(pause) = runner.pause(looked).await else {
            continue;
        };
        runner.sleep(pause).await;
    }
}

/// The task's state between its rounds.
struct Runner {
    shared: Arc<Shared>,
    concurrency: usize,
    /// Jobs being run now.
    running: HashSet<JobKey>,
    tasks: JoinSet<()>,
    task_jobs: HashMap<tokio::task::Id, JobKey>,
    /// Apps that had a job due but could not run it; their jobs are left
    /// out until the runtime says the app is enabled.
    waiting: HashSet<String>,
}

/// What a round of [`Runner::launch_due`] did.
struct Round {
    /// It started a run or found an app whose jobs must wait.
    progressed: bool,
    store_failed: bool,
}

impl Runner {
    /// The apps whose jobs are left out of the store's answers.
    fn except(&self) -> Vec<String> {
        self.waiting.iter().cloned().collect()
    }

    /// Starts the due jobs there is room for.
    async fn launch_due(&mut self, rt: &Runtime) -> Round {
        self.waiting.retain(|app| !runnable(rt, app));
        let mut round = Round {
            progressed: false,
            store_failed: false,
        };
        if self.running.len() >= self.concurrency {
            return round;
        }
        let now = Timestamp::now();
        // Running jobs are leased, so not due; ask for a few more anyway,
        // should a lease have run out under a run still going.
        let wanted = (self.concurrency + self.running.len()) as u64;
        let due = match self
            .shared
            .store
            .due_jobs(now, &self.except(), wanted)
            .await
        {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "the scheduler could not read the due jobs");
                round.store_failed = true;
                return round;
            }
        };
        for job in due {
            if self.running.len() >= self.concurrency {
                break;
            }
            let key = (job.app.clone(), job.id.clone());
            if self.running.contains(&key) {
                continue;
            }
            if !runnable(rt, &job.app) {
                tracing::debug!(app = %job.app, "the app is not enabled; its jobs wait");
                self.waiting.insert(job.app.clone());
                round.progressed = true;
                continue;
            }
            match lease(&self.shared, &job, now).await {
                Ok(Some(job)) => {
                    let handle = self
                        .tasks
                        .spawn(run_one(self.shared.clone(), rt.clone(), job));
                    self.task_jobs.insert(handle.id(), key.clone());
                    self.running.insert(key);
                    round.progressed = true;
                }
                // Cancelled since it was read.
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, "the scheduler could not lease a job");
                    round.store_failed = true;
                    break;
                }
            }
        }
        round
    }

    /// How long to sleep before the next round; `None` to go on at once.
    async fn pause(&self, round: Round) -> Option<Duration> {
        let mut store_failed = round.store_failed;
        let next = if store_failed || self.running.len() >= self.concurrency {
            None
        } else {
            match self.shared.store.next_due(&self.except()).await {
                Ok(next) => next,
                Err(error) => {
                    tracing::error!(%error, "the scheduler could not read the next due job");
                    store_failed = true;
                    None
                }
            }
        };
        let now = Timestamp::now();
        let mut pause = match next {
            // More came due, or the set of waiting apps changed: look again.
            Some(at) if at <= now && round.progressed => return None,
            Some(at) if at <= now => MIN_PAUSE,
            Some(at) => Duration::from_millis((at.millis() - now.millis()) as u64),
            // Also jobs another server wrote (scaled out) are seen.
            None => MAX_PAUSE,
        }
        .min(MAX_PAUSE);
        if store_failed || !self.waiting.is_empty() {
            pause = pause.min(self.shared.tuning.recheck);
        }
        Some(pause)
    }

    /// Sleeps `pause`, or until a job is scheduled, an app may run again,
    /// or a run ends.
    async fn sleep(&mut self, pause: Duration) {
        tokio::select! {
            () = self.shared.wake.notified() => {}
            () = tokio::time::sleep(pause) => {}
            Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(error) => {
                        tracing::error!(%error, "a job run panicked");
                        error.id()
                    }
                };
                if let Some(key) = self.task_jobs.remove(&id) {
                    self.running.remove(&key);
                }
            }
        }
    }
}

/// Whether the runtime would run `app`'s jobs now.
fn runnable(runtime: &Runtime, app: &str) -> bool {
    runtime
        .health(app)
        .is_ok_and(|report| report.status.is_enabled())
}

/// Takes `job` for a run: pushes its `next_run` past the run's deadline, so
/// that it is not picked again while it runs, and runs again if the server
/// stops before the run's outcome is written. `None` when it was cancelled
/// since it was read.
async fn lease(
    shared: &Shared,
    job: &JobRecord,
    now: Timestamp,
) -> Result<Option<JobRecord>, StoreError> {
    let _writes = shared.writes.lock().await;
    let Some(mut current) = shared.store.job(&job.app, &job.id).await? else {
        return Ok(None);
    };
    let ran = current.clone();
    current.next_run = Timestamp(now.millis().saturating_add(millis(shared.tuning.lease)));
    shared.store.put_job(&current).await?;
    Ok(Some(ran))
}

/// What happens to a job after a run.
enum After {
    /// The run is over (done, or given up): a one-off goes, a recurring
    /// job moves to its next time.
    Finished,
    /// The run failed and is tried again after a wait.
    Retry { failed: u32, delay: Duration },
    /// The run did not happen (the app is busy or was disabled meanwhile):
    /// try again after the wait, the attempt not counted.
    NotRun { delay: Duration },
}

/// Runs one job and writes what comes of it.
async fn run_one(shared: Arc<Shared>, runtime: Runtime, job: JobRecord) {
    let recurrence = match recurrence_of(&job) {
        Ok(recurrence) => recurrence,
        Err(error) => {
            // Nothing could ever run it; keeping it would retry it forever.
            tracing::error!(app = %job.app, job = %job.id, %error, "a stored job is unreadable; it is deleted");
            count(&job.app, "invalid");
            let mut counts = shared.writes.lock().await;
            if shared
                .store
                .delete_job(&job.app, &job.id)
                .await
                .unwrap_or(false)
            {
                counts.taken_away(&job.app);
            }
            return;
        }
    };
    let attempt = job.attempt.saturating_add(1);
    let started = Instant::now();
    let result = runtime
        .run_job(
            &job.app,
            Job {
                id: job.id.clone(),
                name: job.name.clone(),
                payload: job.payload.clone(),
                attempt,
            },
        )
        .await;
    drop(runtime);
    let took_ms = started.elapsed().as_millis() as u64;
    let failure = match result {
        Ok(Ok(())) => {
            tracing::debug!(app = %job.app, job = %job.id, name = %job.name, attempt, took_ms, "job ran");
            count(&job.app, "ok");
            None
        }
        Ok(Err(reason)) => Some(format!("it answered an error: {reason}")),
        Err(TargetError::Call(CallError::Fault { fault, .. })) => Some(fault.to_string()),
        Err(TargetError::Call(CallError::NotImplemented { .. })) => {
            // Retrying cannot help: the app's manifest does not list `job`.
            tracing::error!(
                app = %job.app,
                job = %job.id,
                "the app does not implement jobs; the run is given up"
            );
            count(&job.app, "failed");
            None
        }
        Err(TargetError::Call(CallError::Busy { .. })) => {
            count(&job.app, "busy");
            return write_outcome(
                &shared,
                &job,
                &recurrence,
                After::NotRun {
                    delay: shared.tuning.backoff.base,
                },
            )
            .await;
        }
        Err(TargetError::NotLoaded(_) | TargetError::Call(CallError::Disabled { .. })) => {
            // Disabled between the check and the call: it waits like the
            // app's other jobs.
            count(&job.app, "skipped");
            let after = After::NotRun {
                delay: Duration::ZERO,
            };
            return write_outcome(&shared, &job, &recurrence, after).await;
        }
    };
    let after = match failure {
        None => After::Finished,
        Some(reason) => match shared.tuning.backoff.delay(attempt) {
            Some(delay) => {
                tracing::warn!(
                    app = %job.app,
                    job = %job.id,
                    name = %job.name,
                    attempt,
                    retry_in_ms = millis(delay),
                    "job failed, retried later: {reason}"
                );
                count(&job.app, "retry");
                After::Retry {
                    failed: attempt,
                    delay,
                }
            }
            None => {
                tracing::error!(
                    app = %job.app,
                    job = %job.id,
                    name = %job.name,
                    attempt,
                    "job failed and has had all its retries; this run is given up: {reason}"
                );
                count(&job.app, "failed");
                After::Finished
            }
        },
    };
    write_outcome(&shared, &job, &recurrence, after).await;
}

/// Writes what comes after a run, unless the job was cancelled (or its app
/// removed) while it ran.
async fn write_outcome(shared: &Shared, job: &JobRecord, recurrence: &Recurrence, after: After) {
    let mut counts = shared.writes.lock().await;
    let store = shared.store.as_ref();
    let written = async {
        let Some(mut current) = store.job(&job.app, &job.id).await? else {
            return Ok(());
        };
        let now = Timestamp::now();
        let later = |delay: Duration| Timestamp(now.millis().saturating_add(millis(delay)));
        match after {
            After::Retry { failed, delay } => {
                current.attempt = failed;
                current.next_run = later(delay);
            }
            After::NotRun { delay } => {
                current.attempt = job.attempt;
                current.next_run = later(delay);
            }
            After::Finished => match recurrence.next_after(now) {
                Some(next) => {
                    current.attempt = 0;
                    current.next_run = next;
                }
                None => {
                    if store.delete_job(&job.app, &job.id).await? {
                        counts.taken_away(&job.app);
                    }
                    return Ok(());
                }
            },
        }
        store.put_job(&current).await
    };
    let written: Result<(), StoreError> = written.await;
    if let Err(error) = written {
        // The lease runs out and the job runs again: at least once.
        tracing::error!(app = %job.app, job = %job.id, %error, "the outcome of a job run could not be stored");
    }
}

fn count(app: &str, outcome: &'static str) {
    metrics::counter!("capsule_app_jobs_run_total", "app" => app.to_owned(), "outcome" => outcome)
        .increment(1);
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
