//! REST senders: each posts through its own keep-alive connection, as its
//! own user, either closed-loop (the next message once the last is
//! answered and every subscriber has the one a few messages back: capacity
//! without overflowing any client's queue) or at a fixed rate (latency at
//! a given load).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::rest::{Api, Session};
use crate::stats;
use crate::tracking::{Stamp, Tracker};

/// How a sender decides when to send.
#[derive(Clone, Copy, Debug)]
pub enum Pacing {
    /// Send once the answer to the last message came and every live
    /// subscriber has the message sent `Tracker::in_flight` messages ago
    /// (waiting at most `delivery_timeout` for them).
    ClosedLoop { delivery_timeout: Duration },
    /// Start a send every `interval` (catching up after a slow answer).
    Every { interval: Duration },
}

/// What one sender did in one phase.
#[derive(Debug, Default)]
pub struct SenderTally {
    /// Messages acknowledged (so stored) that were sent in the window.
    pub acked_in_window: u64,
    /// Sends that failed, whenever.
    pub failed: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// POST latencies of the messages sent in the window.
    pub post_latencies_us: Vec<u32>,
    /// Closed loop: messages not delivered to every live subscriber in time.
    pub stalls: u64,
}

/// One sender: index `index` of the phase `phase`.
pub struct Sender {
    pub index: usize,
    pub api: Api,
    pub session: Session,
    pub room: String,
    pub tracker: Arc<Tracker>,
}

impl Sender {
    /// Sends until `stop` turns true.
    pub async fn run(
        self,
        phase: u32,
        pacing: Pacing,
        offset: Duration,
        mut stop: watch::Receiver<bool>,
    ) -> SenderTally {
        let mut tally = SenderTally::default();
        let mut ticker = match pacing {
            Pacing::Every { interval } => {
                let mut ticker =
                    tokio::time::interval_at(tokio::time::Instant::now() + offset, interval);
                ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
                Some(ticker)
            }
            Pacing::ClosedLoop { .. } => None,
        };
        for seq in 1u32.. {
            if *stop.borrow() {
                break;
            }
            match (pacing, ticker.as_mut()) {
                (_, Some(ticker)) => tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stop.changed() => break,
                },
                (Pacing::ClosedLoop { delivery_timeout }, None) => {
                    let window = self.tracker.in_flight() as u32;
                    if seq > window
                        && !self
                            .tracker
                            .wait_delivered(self.index, seq - window, delivery_timeout)
                            .await
                    {
                        tally.stalls += 1;
                    }
                }
                (Pacing::Every { .. }, None) => {}
            }
            self.tracker.arm(self.index, seq);
            let stamp = Stamp {
                phase,
                sender: self.index as u32,
                seq,
                sent_us: self.tracker.now_us(),
            };
            let id = format!("cb{phase}-{}-{seq}", self.index);
            let sent = self
                .api
                .send_message(&self.session, &self.room, &id, &stamp.text())
                .await;
            let answered_us = self.tracker.now_us();
            let counts = self.tracker.in_window(stamp.sent_us);
            match sent {
                Ok(_) if counts => {
                    tally.acked_in_window += 1;
                    tally
                        .post_latencies_us
                        .push(stats::sample(stamp.sent_us, answered_us));
                }
                Ok(_) => {}
                Err(error) => {
                    self.tracker.forget(self.index, seq);
                    tally.failed += 1;
                    tally
                        .first_error
                        .get_or_insert_with(|| format!("{error:#}"));
                    // A failing server should not be hammered in a tight loop.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
        tally
    }
}
