//! Reading an app's log the way tests want it, the same for the
//! in-process and the remote `TestApp`.

use capsule_runtime_types::{LogEntry, LogSource};

/// The lines the app wrote (its logging, stdout and stderr), oldest first.
pub fn written(log: Vec<LogEntry>) -> Vec<String> {
    log.into_iter()
        .filter(|e| e.source != LogSource::Host)
        .map(|e| e.message)
        .collect()
}

/// The faults the host recorded against the app, as it described them.
pub fn faults(log: Vec<LogEntry>) -> Vec<String> {
    log.into_iter()
        .filter(|e| e.source == LogSource::Host)
        .filter_map(|e| e.message.strip_prefix("fault: ").map(str::to_owned))
        .collect()
}
