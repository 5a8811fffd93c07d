//! Schedule jobs that come back to [`App::run_job`](crate::App::run_job).
//! Needs the `scheduler` permission.

use crate::bindings::capsule::apps::scheduler;
use crate::error::Result;
use crate::prelude::Schedule;

/// Schedules a job named `name` with an opaque `payload`, run `when` says;
/// returns the job's id, for [`cancel`].
pub fn schedule(name: &str, when: &Schedule, payload: &[u8]) -> Result<String> {
    // The WIT function is `schedule-job`: WIT puts types and functions in
    // one namespace, so it cannot share the name of the `schedule` type.
    scheduler::schedule_job(name, when, payload)
}

/// Runs a job once, `ms` milliseconds from now.
pub fn after_ms(name: &str, ms: u64, payload: &[u8]) -> Result<String> {
    schedule(name, &Schedule::AfterMs(ms), payload)
}

/// Runs a job every `ms` milliseconds until cancelled.
pub fn every_ms(name: &str, ms: u64, payload: &[u8]) -> Result<String> {
    schedule(name, &Schedule::EveryMs(ms), payload)
}

/// Runs a job on a five-field cron expression (UTC) until cancelled.
pub fn cron(name: &str, expression: &str, payload: &[u8]) -> Result<String> {
    schedule(name, &Schedule::Cron(expression.to_owned()), payload)
}

/// Cancels a job; returns whether it existed.
pub fn cancel(job_id: &str) -> Result<bool> {
    scheduler::cancel(job_id)
}
