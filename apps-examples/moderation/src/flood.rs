//! Flood control arithmetic: how many messages a user has sent in their
//! current window, and whether one more is allowed. Pure; the hook keeps
//! a [`Window`] per user in kv, behind a [`WindowStore`].
//!
//! A user's window opens with the first message after the previous window
//! ended and lasts `window_ms`; up to `max_messages` messages are allowed
//! in it. A refused message is not counted, so someone who keeps trying
//! still gets to post once the window ends.
//!
//! Messages of one user may be handled at the same instant, so
//! [`FloodLimit::count`] counts with compare-and-set: a message whose
//! window changed under it is decided again on the fresh window, and every
//! allowed message is counted.

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

/// Most times [`FloodLimit::count`] decides again because other messages
/// of the same user changed the window first. Each round lets at least one
/// of them through, so this many covers as many messages at once as the
/// server runs calls of one app at once (16 by default).
pub const COUNT_TRIES: usize = 16;

/// Where one user's window is kept: in the hook, the app's kv store.
pub trait WindowStore {
    /// What the store fails with.
    type Error;

    /// The stored value; `None` when there is none.
    fn read(&mut self) -> Result<Option<Vec<u8>>, Self::Error>;

    /// Stores `new` only if the value still is `expected` (`None`: still
    /// none), as one atomic step; whether it did.
    fn replace(&mut self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, Self::Error>;
}

/// Why [`FloodLimit::count`] could not count a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountError<E> {
    /// The store failed.
    Store(E),
    /// Other messages changed the window before each of
    /// [`COUNT_TRIES`] writes.
    Contended,
}

impl FloodLimit {
    /// Decides on one more message against the window in `store` and,
    /// when it is allowed, counts it there, without losing a message
    /// counted at the same time: the new window is written only over the
    /// value it was computed from, and computed again otherwise. A refusal
    /// writes nothing, so a flood of refused messages does not spend the
    /// app's write budget.
    ///
    /// `now_ms` (ms since the Unix epoch) is asked after each read of the
    /// store, never before: a time taken before another message opened the
    /// window would be earlier than the window's start, and a window from
    /// the future is replaced, losing the messages counted in it.
    pub fn count<S: WindowStore>(
        &self,
        store: &mut S,
        mut now_ms: impl FnMut() -> u64,
    ) -> Result<Admission, CountError<S::Error>> {
        for _ in 0..COUNT_TRIES {
            let stored = store.read().map_err(CountError::Store)?;
            // Unreadable values start afresh, and are replaced as they are.
            let current = stored.as_deref().and_then(Window::decode);
            let admission = self.admit(current, now_ms());
            // A refusal stands on the value read: windows only fill up
            // until they end, so a later value could not have allowed it.
            let Admission::Allow(window) = admission else {
                return Ok(admission);
            };
            let written = store
                .replace(stored.as_deref(), window.encode().as_bytes())
                .map_err(CountError::Store)?;
            if written {
                return Ok(admission);
            }
        }
        Err(CountError::Contended)
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

    /// A store where rival messages of the same user write just before
    /// each of ours, one rival window per write, while any are left.
    #[derive(Default)]
    struct Racing {
        value: Option<Vec<u8>>,
        rivals: Vec<Window>,
        reads: usize,
        writes: usize,
        fail: bool,
    }

    impl Racing {
        fn holding(w: Window) -> Racing {
            Racing {
                value: Some(w.encode().into_bytes()),
                ..Racing::default()
            }
        }

        fn window(&self) -> Option<Window> {
            self.value.as_deref().and_then(Window::decode)
        }
    }

    impl WindowStore for Racing {
        type Error = &'static str;

        fn read(&mut self) -> Result<Option<Vec<u8>>, Self::Error> {
            if self.fail {
                return Err("the store is down");
            }
            self.reads += 1;
            Ok(self.value.clone())
        }

        fn replace(&mut self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, Self::Error> {
            self.writes += 1;
            if let Some(rival) = self.rivals.pop() {
                self.value = Some(rival.encode().into_bytes());
            }
            if self.value.as_deref() != expected {
                return Ok(false);
            }
            self.value = Some(new.to_vec());
            Ok(true)
        }
    }

    #[test]
    fn counting_the_first_message_stores_a_new_window() {
        let mut store = Racing::default();
        assert_eq!(
            LIMIT.count(&mut store, || 5_000),
            Ok(Admission::Allow(window(5_000, 1)))
        );
        assert_eq!(store.window(), Some(window(5_000, 1)));
        assert_eq!((store.reads, store.writes), (1, 1));
    }

    #[test]
    fn a_message_counted_at_the_same_time_is_not_lost() {
        // Read at 1, a rival counts its message (2) before ours is written.
        let mut store = Racing::holding(window(1_000, 1));
        store.rivals.push(window(1_000, 2));
        assert_eq!(
            LIMIT.count(&mut store, || 2_000),
            Ok(Admission::Allow(window(1_000, 3)))
        );
        assert_eq!(store.window(), Some(window(1_000, 3)));
        assert_eq!((store.reads, store.writes), (2, 2));
    }

    #[test]
    fn the_time_is_taken_after_the_window_is_read() {
        // Our clock says 1_000 and a rival, whose clock said 1_001 a moment
        // later, opens the window first. Deciding again at 1_000 would see
        // a window from the future and replace it, losing the rival's count.
        let mut store = Racing::default();
        store.rivals.push(window(1_001, 1));
        let mut clock = [1_000, 1_002].into_iter();
        assert_eq!(
            LIMIT.count(&mut store, || clock.next().expect("asked twice")),
            Ok(Admission::Allow(window(1_001, 2)))
        );
        assert_eq!(store.window(), Some(window(1_001, 2)));
    }

    #[test]
    fn a_message_that_lost_the_last_place_to_a_rival_is_refused() {
        let mut store = Racing::holding(window(1_000, 2));
        store.rivals.push(window(1_000, 3));
        assert_eq!(
            LIMIT.count(&mut store, || 2_000),
            Ok(Admission::Refuse {
                retry_at_ms: 11_000
            })
        );
        assert_eq!(store.window(), Some(window(1_000, 3)));
    }

    #[test]
    fn a_refused_message_writes_nothing() {
        let mut store = Racing::holding(window(1_000, 3));
        assert!(matches!(
            LIMIT.count(&mut store, || 2_000),
            Ok(Admission::Refuse { .. })
        ));
        assert_eq!(store.writes, 0);
    }

    #[test]
    fn an_unreadable_value_is_replaced_by_a_new_window() {
        let mut store = Racing {
            value: Some(b"not a window".to_vec()),
            ..Racing::default()
        };
        assert_eq!(
            LIMIT.count(&mut store, || 5_000),
            Ok(Admission::Allow(window(5_000, 1)))
        );
        assert_eq!(store.window(), Some(window(5_000, 1)));
    }

    #[test]
    fn a_window_that_keeps_changing_is_given_up_on() {
        // Rivals that each open a new window, so ours never gets full.
        let mut store = Racing {
            rivals: (0..COUNT_TRIES as u64).map(|n| window(n, 1)).collect(),
            ..Racing::default()
        };
        assert_eq!(LIMIT.count(&mut store, || 0), Err(CountError::Contended));
        assert_eq!(store.writes, COUNT_TRIES);
    }

    #[test]
    fn a_store_error_is_reported() {
        let mut store = Racing {
            fail: true,
            ..Racing::default()
        };
        assert_eq!(
            LIMIT.count(&mut store, || 0),
            Err(CountError::Store("the store is down"))
        );
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
