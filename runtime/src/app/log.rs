//! The app's log: what it wrote with the logging capability, its stdout and
//! stderr, and the faults the host recorded against it. Admins read it; a
//! bounded ring so that a chatty app cannot use up the host's memory.

use std::collections::VecDeque;
use std::time::SystemTime;

pub use capsule_runtime_types::log::{LogEntry, LogLevel, LogSource};
use parking_lot::Mutex;

/// Longest line kept; the rest is cut with a marker.
const MAX_LINE_BYTES: usize = 4096;

/// A bounded, thread-safe ring of log entries.
#[derive(Debug)]
pub struct AppLog {
    entries: Mutex<VecDeque<LogEntry>>,
    capacity: usize,
}

impl AppLog {
    /// A log that keeps the last `capacity` entries.
    pub fn new(capacity: usize) -> AppLog {
        AppLog {
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(64))),
            capacity,
        }
    }

    /// Appends a line, cutting it to a bounded length.
    pub fn push(&self, level: LogLevel, source: LogSource, message: impl Into<String>) {
        let mut message = message.into();
        if message.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str(" …[cut]");
        }
        let mut entries = self.entries.lock();
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(LogEntry {
            at: SystemTime::now(),
            level,
            source,
            message,
        });
    }

    /// The most recent entries, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<LogEntry> {
        let entries = self.entries.lock();
        entries
            .iter()
            .skip(entries.len().saturating_sub(limit))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_entries() {
        let log = AppLog::new(2);
        for i in 0..5 {
            log.push(LogLevel::Info, LogSource::App, format!("line {i}"));
        }
        let lines: Vec<_> = log.recent(10).into_iter().map(|e| e.message).collect();
        assert_eq!(lines, ["line 3", "line 4"]);
    }

    #[test]
    fn cuts_long_lines_on_a_char_boundary() {
        let log = AppLog::new(1);
        log.push(LogLevel::Info, LogSource::Stdout, "é".repeat(5000));
        let line = &log.recent(1)[0].message;
        assert!(line.len() < MAX_LINE_BYTES + 20 && line.ends_with("[cut]"));
    }
}
