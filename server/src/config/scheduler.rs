//! The app job scheduler's tuning: its limits, and how long a failed run
//! waits before it is tried again and when the scheduler gives up on it.
//! The scheduler (`crate::apps::scheduler`) reads them from here.

use std::time::Duration;

/// The scheduler's knobs. The defaults suit a server; tests shorten the
/// waits.
#[derive(Clone, Debug, PartialEq)]
pub struct Tuning {
    /// Most jobs one app may have scheduled at once.
    pub max_jobs_per_app: u64,
    /// Shortest interval of a recurring job, in milliseconds (the runtime
    /// refuses shorter ones before they get here, too).
    pub min_interval_ms: u64,
    /// Retries of a failed run.
    pub backoff: Backoff,
    /// Jobs that run at once, over all apps.
    pub concurrency: usize,
    /// How long a started run holds its job; past it the job counts as
    /// abandoned (the server stopped) and runs again. Longer than the
    /// runtime's job deadline.
    pub lease: Duration,
    /// How often jobs of apps that could not run (disabled, not loaded)
    /// are looked at again.
    pub recheck: Duration,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            max_jobs_per_app: 1000,
            min_interval_ms: 1000,
            backoff: Backoff::default(),
            concurrency: 4,
            lease: Duration::from_secs(60),
            recheck: Duration::from_secs(1),
        }
    }
}

/// Exponential backoff with a bounded number of retries: the first retry
/// waits `base`, each next one twice as long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry.
    pub base: Duration,
    /// Retries after the first try; then the run is given up.
    pub retries: u32,
}

impl Default for Backoff {
    /// Three retries after 1 s, 2 s and 4 s.
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(1),
            retries: 3,
        }
    }
}

impl Backoff {
    /// The wait before the next try of a run that has failed `failed`
    /// times now, or `None` when it has had all its retries.
    pub fn delay(&self, failed: u32) -> Option<Duration> {
        if failed == 0 || failed > self.retries {
            return None;
        }
        let factor = 2u32.saturating_pow(failed - 1);
        Some(self.base.saturating_mul(factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_after_the_retries() {
        let backoff = Backoff::default();

        let waits: Vec<_> = (1..=4).map(|failed| backoff.delay(failed)).collect();

        assert_eq!(
            waits,
            [
                Some(Duration::from_secs(1)),
                Some(Duration::from_secs(2)),
                Some(Duration::from_secs(4)),
                None
            ]
        );
    }

    #[test]
    fn no_retries_gives_up_at_the_first_failure() {
        let backoff = Backoff {
            base: Duration::from_millis(10),
            retries: 0,
        };

        assert_eq!(backoff.delay(1), None);
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            retries: u32::MAX,
        };

        assert!(backoff.delay(200).is_some());
    }
}
