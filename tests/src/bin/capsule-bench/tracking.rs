//! What the senders and the subscribers share: one clock, the current
//! phase, the window whose messages count, and, for closed-loop senders,
//! how many subscribers have received each of a sender's last few
//! messages (its in-flight window).
//!
//! A message carries its own send time in its text (a [`Stamp`]), so a
//! subscriber maps a frame to its latency with a byte search and a few
//! digits, without a shared map or a JSON parse.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use memchr::memmem;
use tokio::sync::Notify;

/// Starts the stamp in a message's text. No other text the server sends
/// contains it.
const MARKER: &[u8] = b"cb1:";

/// Shared by every sender and subscriber of one server's run.
pub struct Tracker {
    origin: Instant,
    phase: AtomicU32,
    window_start_us: AtomicU64,
    window_end_us: AtomicU64,
    live: AtomicUsize,
    /// Messages each sender may have in flight (closed loop).
    in_flight: usize,
    /// `in_flight` slots per sender: message `seq` uses `seq % in_flight`.
    slots: Vec<Slot>,
}

/// One message in flight: `seq << 32 | subscribers that have it`.
struct Slot {
    state: AtomicU64,
    notify: Notify,
}

impl Tracker {
    /// A tracker for `senders` senders with up to `in_flight` messages
    /// each; no phase, no window.
    pub fn new(senders: usize, in_flight: usize) -> Tracker {
        let in_flight = in_flight.max(1);
        Tracker {
            origin: Instant::now(),
            phase: AtomicU32::new(0),
            window_start_us: AtomicU64::new(u64::MAX),
            window_end_us: AtomicU64::new(u64::MAX),
            live: AtomicUsize::new(0),
            in_flight,
            slots: (0..senders * in_flight)
                .map(|_| Slot {
                    state: AtomicU64::new(u64::MAX),
                    notify: Notify::new(),
                })
                .collect(),
        }
    }

    /// Microseconds since the tracker was made: the clock of every stamp.
    pub fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    /// Starts phase `phase` (1, 2, ...): frames of other phases are
    /// ignored, and nothing counts until [`open_window`](Self::open_window).
    pub fn begin_phase(&self, phase: u32) {
        self.window_start_us.store(u64::MAX, Ordering::SeqCst);
        self.window_end_us.store(u64::MAX, Ordering::SeqCst);
        self.phase.store(phase, Ordering::SeqCst);
    }

    /// The phase now.
    pub fn phase(&self) -> u32 {
        self.phase.load(Ordering::Relaxed)
    }

    /// The warm-up is over: from now, messages sent and frames received
    /// count.
    pub fn open_window(&self) {
        self.window_start_us.store(self.now_us(), Ordering::SeqCst);
    }

    /// The measurement is over: messages sent from now do not count.
    pub fn close_window(&self) {
        self.window_end_us.store(self.now_us(), Ordering::SeqCst);
    }

    /// Whether time `us` falls in the measurement window.
    pub fn in_window(&self, us: u64) -> bool {
        us >= self.window_start_us.load(Ordering::Relaxed)
            && us < self.window_end_us.load(Ordering::Relaxed)
    }

    /// The window's length once it has closed.
    pub fn window(&self) -> Duration {
        let start = self.window_start_us.load(Ordering::SeqCst);
        let end = self.window_end_us.load(Ordering::SeqCst);
        Duration::from_micros(end.saturating_sub(start))
    }

    /// A subscriber is subscribed and reading.
    pub fn subscriber_joined(&self) {
        self.live.fetch_add(1, Ordering::SeqCst);
    }

    /// A subscriber is gone: senders waiting for it stop waiting.
    pub fn subscriber_left(&self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
        for slot in &self.slots {
            slot.notify.notify_one();
        }
    }

    /// Subscribers subscribed and reading now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Messages each sender may have in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    fn slot(&self, sender: usize, seq: u32) -> Option<&Slot> {
        self.slots
            .get(sender * self.in_flight + seq as usize % self.in_flight)
    }

    /// Sender `sender` is about to send its message `seq` (which takes the
    /// slot of its message `seq - in_flight`).
    pub fn arm(&self, sender: usize, seq: u32) {
        if let Some(slot) = self.slot(sender, seq) {
            slot.state.store(u64::from(seq) << 32, Ordering::SeqCst);
        }
    }

    /// Sender `sender`'s message `seq` will never arrive (its send failed).
    pub fn forget(&self, sender: usize, seq: u32) {
        if let Some(slot) = self.slot(sender, seq) {
            let armed = u64::from(seq) << 32;
            let _ = slot
                .state
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |state| {
                    (state >> 32 == armed >> 32).then_some(u64::MAX)
                });
        }
    }

    /// A subscriber received sender `sender`'s message `seq`; the one that
    /// completes the set wakes the sender.
    pub fn delivered(&self, sender: usize, seq: u32) {
        let Some(slot) = self.slot(sender, seq) else {
            return;
        };
        let mut current = slot.state.load(Ordering::Acquire);
        loop {
            if (current >> 32) as u32 != seq || current == u64::MAX {
                return;
            }
            match slot.state.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if (current + 1) as u32 as usize >= self.live() {
                        slot.notify.notify_one();
                    }
                    return;
                }
                Err(now) => current = now,
            }
        }
    }

    /// Waits until every live subscriber has sender `sender`'s message
    /// `seq`, or `timeout`; whether they all had it (or it was forgotten).
    pub async fn wait_delivered(&self, sender: usize, seq: u32, timeout: Duration) -> bool {
        let Some(slot) = self.slot(sender, seq) else {
            return true;
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let state = slot.state.load(Ordering::Acquire);
            // A slot holding another message: `seq` was forgotten (its send
            // failed), so there is nothing to wait for.
            if state == u64::MAX
                || (state >> 32) as u32 != seq
                || state as u32 as usize >= self.live()
            {
                return true;
            }
            tokio::select! {
                _ = slot.notify.notified() => {}
                _ = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }
}

/// What a message's text says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub phase: u32,
    pub sender: u32,
    pub seq: u32,
    /// When its sender started the POST, on the tracker's clock.
    pub sent_us: u64,
}

impl Stamp {
    /// The message text carrying this stamp.
    pub fn text(&self) -> String {
        format!(
            "cb1:{}:{}:{}:{}: a message from the Capsule load generator",
            self.phase, self.sender, self.seq, self.sent_us
        )
    }

    /// The stamp in a frame, if it has one.
    pub fn find(frame: &[u8], finder: &memmem::Finder) -> Option<Stamp> {
        let at = finder.find(frame)? + MARKER.len();
        let mut rest = &frame[at..];
        let mut field = || -> Option<u64> {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 19 || rest.get(digits) != Some(&b':') {
                return None;
            }
            let value = rest[..digits]
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            rest = &rest[digits + 1..];
            Some(value)
        };
        Some(Stamp {
            phase: u32::try_from(field()?).ok()?,
            sender: u32::try_from(field()?).ok()?,
            seq: u32::try_from(field()?).ok()?,
            sent_us: field()?,
        })
    }

    /// The searcher [`find`](Self::find) takes, built once per subscriber.
    pub fn finder() -> memmem::Finder<'static> {
        memmem::Finder::new(MARKER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_found_in_a_frame_after_apps_changed_the_text() {
        let stamp = Stamp {
            phase: 2,
            sender: 7,
            seq: 123_456,
            sent_us: 98_765_432_100,
        };
        let frame = format!(
            r#"{{"msg":"changed","fields":{{"args":[{{"_id":"x","msg":"{} ✓ ✓ ✓"}}]}}}}"#,
            stamp.text()
        );
        assert_eq!(Stamp::find(frame.as_bytes(), &Stamp::finder()), Some(stamp));
        assert_eq!(Stamp::find(b"{\"msg\":\"ping\"}", &Stamp::finder()), None);
        assert_eq!(Stamp::find(b"cb1:1:2:x:4:", &Stamp::finder()), None);
    }
}
