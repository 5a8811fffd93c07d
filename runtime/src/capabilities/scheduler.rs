//! `scheduler`: one-off and recurring jobs that come back to the app's
//! `jobs.run` export. Storing and running them is the server's job.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::scheduler::{Host, Schedule};
use crate::bindings::v0_1::types::Error;
use crate::bridge::BridgeError;
use crate::capabilities::check_len;
use crate::model;
use capsule_contract::Capability;

/// Largest job payload.
const MAX_PAYLOAD: usize = 64 << 10;
/// Shortest interval of a recurring job.
const MIN_EVERY_MS: u64 = 1000;

/// What `scheduler` needs from the chat: a place that stores jobs and runs
/// them. The runtime supplies the app id, so an app reaches only its own.
#[async_trait]
pub trait SchedulerBridge: Send + Sync {
    /// Schedules a job; returns its id.
    async fn schedule_job(
        &self,
        app_id: &str,
        name: &str,
        when: model::Schedule,
        payload: Vec<u8>,
    ) -> Result<String, BridgeError>;
    /// Cancels a job; returns whether it existed.
    async fn cancel_job(&self, app_id: &str, job_id: &str) -> Result<bool, BridgeError>;
}

impl Host for HostState {
    async fn schedule_job(
        &mut self,
        name: String,
        when: Schedule,
        payload: Vec<u8>,
    ) -> Result<String, Error> {
        self.grant(Capability::Scheduler)?;
        check_len("the job name", name.len(), 200)?;
        check_len("the job payload", payload.len(), MAX_PAYLOAD)?;
        let when = match when {
            Schedule::At(t) => model::Schedule::At(t),
            Schedule::AfterMs(ms) => model::Schedule::AfterMs(ms),
            Schedule::EveryMs(ms) if ms < MIN_EVERY_MS => {
                return Err(Error::Invalid(format!(
                    "a recurring job runs at most every {MIN_EVERY_MS} ms"
                )));
            }
            Schedule::EveryMs(ms) => model::Schedule::EveryMs(ms),
            Schedule::Cron(expr) => model::Schedule::Cron(expr),
        };
        self.write_permit(Capability::Scheduler)?;
        let bridge: Arc<dyn SchedulerBridge> = self.app.bridge.clone();
        let app = self.app.id.clone();
        Ok(self
            .host_wait(bridge.schedule_job(&app, &name, when, payload))
            .await?)
    }

    async fn cancel(&mut self, job_id: String) -> Result<bool, Error> {
        self.grant(Capability::Scheduler)?;
        self.write_permit(Capability::Scheduler)?;
        let bridge: Arc<dyn SchedulerBridge> = self.app.bridge.clone();
        let app = self.app.id.clone();
        Ok(self.host_wait(bridge.cancel_job(&app, &job_id)).await?)
    }
}
