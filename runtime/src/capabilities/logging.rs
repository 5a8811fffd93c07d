//! `logging`: lines in the app's log, which admins read.

use crate::app::log::{LogLevel, LogSource};
use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::logging::{Host, Level};
use capsule_contract::Capability;

impl Host for HostState {
    async fn log(&mut self, level: Level, message: String) {
        if self.grant(Capability::Logging).is_err() {
            return;
        }
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        tracing::debug!(app = %self.app.id, ?level, "{message}");
        self.app.log.push(level, LogSource::App, message);
    }
}
