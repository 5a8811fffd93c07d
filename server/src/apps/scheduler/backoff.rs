//! How long a failed run waits before it is tried again, and when the
//! scheduler gives up on it.

use std::time::Duration;

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
