//! An app's status, its run of faults, and the host calls it was refused
//! (counted apart: a refusal never disables an app).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::fault::Fault;
use crate::refusal::Refusal;

/// Whether an app runs, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum AppStatus {
    /// Receives events.
    Enabled,
    /// An admin disabled it.
    DisabledByAdmin,
    /// The runtime disabled it after too many faults in a row.
    DisabledAfterFaults {
        faults_in_a_row: u32,
        last_fault: String,
    },
    /// It may no longer run: e.g. its publisher's key left the trust store.
    /// Enabling it is refused until it is installed again.
    Refused { reason: String },
}

/// In words, for logs and messages: `disabled after 5 faults in a row
/// (the last: ran past its CPU deadline of 20ms)`.
impl std::fmt::Display for AppStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppStatus::Enabled => f.write_str("enabled"),
            AppStatus::DisabledByAdmin => f.write_str("disabled by an admin"),
            AppStatus::DisabledAfterFaults {
                faults_in_a_row,
                last_fault,
            } => write!(
                f,
                "disabled after {faults_in_a_row} faults in a row (the last: {last_fault})"
            ),
            AppStatus::Refused { reason } => write!(f, "refused: {reason}"),
        }
    }
}

impl AppStatus {
    /// Whether the app receives events.
    pub fn is_enabled(&self) -> bool {
        matches!(self, AppStatus::Enabled)
    }
}

/// Counts of an app's calls and faults, and its status.
#[derive(Debug)]
pub struct Health {
    status: RwLock<AppStatus>,
    in_a_row: AtomicU32,
    calls: AtomicU64,
    faults: AtomicU64,
    last_fault: RwLock<Option<Fault>>,
    refusals: AtomicU64,
    last_refusal: RwLock<Option<Refusal>>,
}

/// A snapshot of an app's counters.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HealthReport {
    pub status: AppStatus,
    pub calls: u64,
    pub faults: u64,
    pub faults_in_a_row: u32,
    /// Host calls refused (not faults).
    pub refusals: u64,
}

impl Health {
    pub(crate) fn new() -> Health {
        Health {
            status: RwLock::new(AppStatus::Enabled),
            in_a_row: AtomicU32::new(0),
            calls: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            last_fault: RwLock::new(None),
            refusals: AtomicU64::new(0),
            last_refusal: RwLock::new(None),
        }
    }

    /// The current status.
    pub fn status(&self) -> AppStatus {
        self.status.read().clone()
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.status.read().is_enabled()
    }

    pub(crate) fn set_status(&self, status: AppStatus) {
        if status.is_enabled() {
            self.in_a_row.store(0, Ordering::Relaxed);
        }
        *self.status.write() = status;
    }

    pub(crate) fn record_success(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.in_a_row.store(0, Ordering::Relaxed);
    }

    /// Records a faulty call; returns the new status when this fault
    /// disabled the app.
    pub(crate) fn record_fault(&self, fault: &Fault, max_in_a_row: u32) -> Option<AppStatus> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.faults.fetch_add(1, Ordering::Relaxed);
        *self.last_fault.write() = Some(fault.clone());
        let in_a_row = self.in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if in_a_row < max_in_a_row {
            return None;
        }
        let mut status = self.status.write();
        if !status.is_enabled() {
            return None;
        }
        *status = AppStatus::DisabledAfterFaults {
            faults_in_a_row: in_a_row,
            last_fault: fault.to_string(),
        };
        Some(status.clone())
    }

    /// Records a refused host call. It does not touch the run of faults.
    pub(crate) fn record_refusal(&self, refusal: &Refusal) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
        *self.last_refusal.write() = Some(refusal.clone());
    }

    /// The most recent refused host call.
    pub fn last_refusal(&self) -> Option<Refusal> {
        self.last_refusal.read().clone()
    }

    /// The most recent fault.
    pub fn last_fault(&self) -> Option<Fault> {
        self.last_fault.read().clone()
    }

    /// A snapshot of the counters.
    pub fn report(&self) -> HealthReport {
        HealthReport {
            status: self.status(),
            calls: self.calls.load(Ordering::Relaxed),
            faults: self.faults.load(Ordering::Relaxed),
            faults_in_a_row: self.in_a_row.load(Ordering::Relaxed),
            refusals: self.refusals.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_reads_as_words() {
        let after_faults = AppStatus::DisabledAfterFaults {
            faults_in_a_row: 5,
            last_fault: "trapped: boom".into(),
        };
        assert_eq!(
            after_faults.to_string(),
            "disabled after 5 faults in a row (the last: trapped: boom)"
        );
        assert_eq!(
            AppStatus::DisabledByAdmin.to_string(),
            "disabled by an admin"
        );
    }

    #[test]
    fn faults_in_a_row_disable_and_a_success_resets_the_run() {
        let health = Health::new();
        let fault = Fault::Trap("boom".into());
        assert_eq!(health.record_fault(&fault, 3), None);
        health.record_success();
        assert_eq!(health.record_fault(&fault, 3), None);
        assert_eq!(health.record_fault(&fault, 3), None);
        let status = health
            .record_fault(&fault, 3)
            .expect("the third in a row disables");
        assert_eq!(
            status,
            AppStatus::DisabledAfterFaults {
                faults_in_a_row: 3,
                last_fault: "trapped: boom".into()
            }
        );
        assert_eq!(health.record_fault(&fault, 3), None, "reported once");
        let report = health.report();
        assert_eq!((report.calls, report.faults), (6, 5));
        assert_eq!(health.last_fault(), Some(fault));
    }

    #[test]
    fn refusals_are_counted_apart_and_never_disable() {
        let health = Health::new();
        let refusal = Refusal::Denied {
            capability: capsule_contract::Capability::HttpOutbound,
            detail: "host `evil.example:443` is not on the app's allow-list".into(),
        };
        health.record_fault(&Fault::Trap("boom".into()), 3);
        for _ in 0..10 {
            health.record_refusal(&refusal);
        }
        let report = health.report();
        assert_eq!(report.status, AppStatus::Enabled);
        assert_eq!(
            (report.refusals, report.faults, report.faults_in_a_row),
            (10, 1, 1),
            "refusals neither add to nor reset the run of faults"
        );
        assert_eq!(health.last_refusal(), Some(refusal));
    }

    #[test]
    fn enabling_clears_the_run_of_faults() {
        let health = Health::new();
        health.record_fault(&Fault::StackOverflow, 1);
        assert!(!health.is_enabled());
        health.set_status(AppStatus::Enabled);
        assert!(health.is_enabled());
        assert_eq!(health.report().faults_in_a_row, 0);
    }
}
