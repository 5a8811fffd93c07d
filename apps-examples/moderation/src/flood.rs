//! Flood control arithmetic: how many messages a user has sent in their
//! current window, and whether one more is allowed. Pure; the hook keeps
//! a [`Window`] per user in kv.
//!
//! A user's window opens with the first message after the previous window
//! ended and lasts `window_ms`; up to `max_messages` messages are allowed
//! in it. A refused message is not counted, so someone who keeps trying
//! still gets to post once the window ends.

/// The limit the settings configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    /// Messages allowed per window; at least 1.
    pub max_messages: u32,
    /// The window's length in milliseconds; at least 1.
    pub window_ms: u64,
}

/// One user's current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When the window opened, in ms since the Unix epoch.
    pub start_ms: u64,
    /// Messages allowed in it so far.
    pub count: u32,
}

/// What to do with one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Allow it; the user's window is now this.
    Allow(Window),
    /// Refuse it; the user may post again at `retry_at_ms`.
    Refuse { retry_at_ms: u64 },
}

impl FloodLimit {
    /// Decides on a message sent at `now_ms` by a user whose window was
    /// `current` (`None`: no message seen yet).
    pub fn admit(&self, current: Option<Window>, now_ms: u64) -> Admission {
        match current {
            Some(w) if self.is_open(w, now_ms) => {
                if w.count < self.max_messages {
                    Admission::Allow(Window {
                        count: w.count + 1,
                        ..w
                    })
                } else {
                    Admission::Refuse {
                        retry_at_ms: w.start_ms.saturating_add(self.window_ms),
                    }
                }
            }
            // No window, an ended one, or one that opens in the future
            // (the clock went back): a new window starts with this message.
            _ => Admission::Allow(Window {
                start_ms: now_ms,
                count: 1,
            }),
        }
    }

    fn is_open(&self, w: Window, now_ms: u64) -> bool {
        w.start_ms <= now_ms && now_ms - w.start_ms < self.window_ms
    }
}

/// Whole seconds from `now_ms` until `retry_at_ms`, rounded up and at
/// least 1, as the user is told.
pub fn seconds_until(retry_at_ms: u64, now_ms: u64) -> u64 {
    retry_at_ms.saturating_sub(now_ms).div_ceil(1000).max(1)
}

impl Window {
    /// The form kept in kv: `<start_ms> <count>`.
    pub fn encode(&self) -> String {
        format!("{} {}", self.start_ms, self.count)
    }

    /// Reads [`encode`](Window::encode)'s form; `None` for anything else
    /// (the window then starts afresh).
    pub fn decode(bytes: &[u8]) -> Option<Window> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (start, count) = text.split_once(' ')?;
        Some(Window {
            start_ms: start.parse().ok()?,
            count: count.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: FloodLimit = FloodLimit {
        max_messages: 3,
        window_ms: 10_000,
    };

    fn window(start_ms: u64, count: u32) -> Window {
        Window { start_ms, count }
    }

    #[test]
    fn the_first_message_opens_a_window() {
        assert_eq!(LIMIT.admit(None, 5_000), Admission::Allow(window(5_000, 1)));
    }

    #[test]
    fn messages_up_to_the_limit_are_counted_and_the_next_refused() {
        let mut current = None;
        for (n, at) in [(1, 1_000), (2, 2_000), (3, 10_999)] {
            match LIMIT.admit(current, at) {
                Admission::Allow(w) => {
                    assert_eq!(w, window(1_000, n));
                    current = Some(w);
                }
                refused => panic!("message {n} refused: {refused:?}"),
            }
        }
        assert_eq!(
            LIMIT.admit(current, 10_999),
            Admission::Refuse {
                retry_at_ms: 11_000
            }
        );
    }

    #[test]
    fn the_window_ends_exactly_window_ms_after_it_opened() {
        let full = Some(window(1_000, 3));
        assert!(matches!(
            LIMIT.admit(full, 10_999),
            Admission::Refuse { .. }
        ));
        assert_eq!(
            LIMIT.admit(full, 11_000),
            Admission::Allow(window(11_000, 1))
        );
        assert_eq!(
            LIMIT.admit(full, 99_000),
            Admission::Allow(window(99_000, 1))
        );
    }

    #[test]
    fn a_window_from_the_future_is_replaced() {
        // The clock went back: do not lock the user out until it catches up.
        assert_eq!(
            LIMIT.admit(Some(window(50_000, 3)), 20_000),
            Admission::Allow(window(20_000, 1))
        );
    }

    #[test]
    fn a_limit_of_one_refuses_the_second_message() {
        let one = FloodLimit {
            max_messages: 1,
            window_ms: 2_000,
        };
        let Admission::Allow(w) = one.admit(None, 0) else {
            panic!("first message refused")
        };
        assert_eq!(
            one.admit(Some(w), 1_999),
            Admission::Refuse { retry_at_ms: 2_000 }
        );
        assert!(matches!(one.admit(Some(w), 2_000), Admission::Allow(_)));
    }

    #[test]
    fn huge_times_do_not_overflow() {
        let big = FloodLimit {
            max_messages: 1,
            window_ms: u64::MAX,
        };
        assert_eq!(
            big.admit(Some(window(u64::MAX - 1, 1)), u64::MAX),
            Admission::Refuse {
                retry_at_ms: u64::MAX
            }
        );
        assert_eq!(
            LIMIT.admit(Some(window(0, u32::MAX)), 1),
            Admission::Refuse {
                retry_at_ms: 10_000
            }
        );
    }

    #[test]
    fn the_wait_is_rounded_up_to_whole_seconds() {
        assert_eq!(seconds_until(11_000, 10_999), 1);
        assert_eq!(seconds_until(11_000, 1_000), 10);
        assert_eq!(seconds_until(11_000, 1_001), 10);
        assert_eq!(seconds_until(11_001, 1_000), 11);
        // Never "0 seconds", even when the window just ended.
        assert_eq!(seconds_until(11_000, 11_000), 1);
        assert_eq!(seconds_until(11_000, 12_000), 1);
    }

    #[test]
    fn a_window_round_trips_through_kv_and_garbage_reads_as_none() {
        let w = window(1_764_590_000_123, 7);
        assert_eq!(Window::decode(w.encode().as_bytes()), Some(w));
        for bad in [
            &b""[..],
            b"1",
            b"1 x",
            b"-1 2",
            b"1  2",
            b"\xff\xfe",
            b"1 2 3",
        ] {
            assert_eq!(Window::decode(bad), None, "{bad:?}");
        }
    }
}
