//! A connection's way out: one bounded queue of frames and the task that
//! writes them to the socket.
//!
//! Everything a connection sends (answers and live events) goes through
//! its queue, in order. Answers wait for room in the queue; live events
//! are offered without waiting, and an event that finds the queue full
//! marks the connection as lagging: its writer stops and the socket
//! closes, so one client that reads nothing never holds up the publisher
//! or anyone else. The client reconnects and resumes its session with its
//! token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use bytes::Bytes;
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{Notify, mpsc};

use super::frames::Shown;
use crate::reactivity::{Change, Event};

/// Frames written before the writer flushes the socket: fewer system
/// calls when frames pile up, no waiting when they do not.
const BATCH: usize = 64;
/// How long the writer tries to say goodbye to a client it drops.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(200);
/// The close code for a client that fell behind (RFC 6455 "try again
/// later").
const LAGGING_CLOSE_CODE: u16 = 1013;

/// Close codes of RFC 6455 (section 7.4.1) the server ends a connection
/// with.
pub mod close_code {
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The client broke the WebSocket protocol.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A text message that is not UTF-8.
    pub const INVALID_DATA: u16 = 1007;
    /// The connection may not go on (its sign-in ended).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame or message over the size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server failed.
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// One item of a connection's queue.
pub enum Outbound {
    /// A frame of this connection only.
    Frame(Bytes),
    /// A live event whose frame every listener that shows it alike
    /// shares.
    Shared(Arc<Event>, Shown),
}

/// The sending side of a connection's queue, shared by its reader and its
/// bus listeners.
#[derive(Clone)]
pub struct Outbox {
    queue: mpsc::Sender<Outbound>,
    lag: Arc<Lag>,
}

/// Set once, when the connection fell behind; and the goodbye the
/// writer closes the socket with once the queue closes.
#[derive(Default)]
pub struct Lag {
    behind: AtomicBool,
    notify: Notify,
    farewell: parking_lot::Mutex<Option<CloseFrame>>,
}

impl Lag {
    /// Marks the connection as lagging and wakes its writer.
    fn trip(&self) {
        if !self.behind.swap(true, Ordering::AcqRel) {
            metrics::counter!("capsule_realtime_lagging_disconnects_total").increment(1);
            self.notify.notify_one();
        }
    }

    /// Whether the connection fell behind.
    pub fn is_behind(&self) -> bool {
        self.behind.load(Ordering::Acquire)
    }
}

impl Outbox {
    /// A queue of `capacity` frames, and its receiving end.
    pub fn new(capacity: usize) -> (Outbox, mpsc::Receiver<Outbound>, Arc<Lag>) {
        let (queue, receiver) = mpsc::channel(capacity);
        let lag = Arc::new(Lag::default());
        (
            Outbox {
                queue,
                lag: lag.clone(),
            },
            receiver,
            lag,
        )
    }

    /// Queues a frame of this connection, waiting for room. `false` when
    /// the connection is gone.
    pub async fn send(&self, frame: Bytes) -> bool {
        self.queue.send(Outbound::Frame(frame)).await.is_ok()
    }

    /// Sets the close code and reason the socket closes with once this
    /// connection's queue is written out. The first one set wins.
    pub fn farewell(&self, code: u16, reason: &'static str) {
        let mut farewell = self.lag.farewell.lock();
        if farewell.is_none() {
            *farewell = Some(CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            });
        }
    }

    /// Offers a live event, shown as `shown`, without waiting; a full
    /// queue trips the lag. Returns whether the event was queued, and
    /// whether the connection is gone.
    pub fn offer(&self, event: &Arc<Event>, shown: Shown) -> Result<(), Gone> {
        self.offer_item(Outbound::Shared(event.clone(), shown))
    }

    /// Offers a live event of this connection only (its user's own
    /// memberships, rooms and notifications), as [`Outbox::offer`] does.
    pub fn offer_frame(&self, frame: Bytes) -> Result<(), Gone> {
        self.offer_item(Outbound::Frame(frame))
    }

    fn offer_item(&self, item: Outbound) -> Result<(), Gone> {
        if self.lag.is_behind() {
            return Err(Gone::Lagging);
        }
        match self.queue.try_send(item) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("capsule_realtime_queue_drops_total").increment(1);
                self.lag.trip();
                Err(Gone::Lagging)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Gone::Closed),
        }
    }
}

/// Why an event did not reach a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gone {
    /// It fell behind and is being dropped.
    Lagging,
    /// It closed.
    Closed,
}

/// Writes queued frames to the socket until the queue closes, the socket
/// fails, or the connection falls behind.
pub async fn write(
    mut socket: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outbound>,
    lag: Arc<Lag>,
    encode: fn(&Change, &Shown) -> Bytes,
) {
    loop {
        tokio::select! {
            biased;
            _ = lag.notify.notified() => break,
            more = write_batch(&mut socket, &mut queue, encode) => {
                if !more {
                    let farewell = lag.farewell.lock().take();
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
                        if let Some(frame) = farewell {
                            socket.send(Message::Close(Some(frame))).await?;
                        }
                        socket.close().await
                    })
                    .await;
                    return;
                }
            }
        }
    }
    // Fell behind: the socket may be full, so the goodbye gets a deadline.
    let close = Message::Close(Some(CloseFrame {
        code: LAGGING_CLOSE_CODE,
        reason: Utf8Bytes::from_static("too far behind: reconnect and resume"),
    }));
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(close)).await;
}

/// Writes what the queue holds now (waiting for at least one frame) and
/// flushes. `false` when the queue closed or the socket failed.
async fn write_batch(
    socket: &mut SplitSink<WebSocket, Message>,
    queue: &mut mpsc::Receiver<Outbound>,
    encode: fn(&Change, &Shown) -> Bytes,
) -> bool {
    let Some(first) = queue.recv().await else {
        return false;
    };
    let mut item = Some(first);
    let mut written = 0u64;
    let mut deliveries = 0u64;
    while let Some(next) = item.take() {
        let frame = match next {
            Outbound::Frame(frame) => frame,
            Outbound::Shared(event, shown) => {
                deliveries += 1;
                event.encoded_as(shown.form(), |change| encode(change, &shown))
            }
        };
        let Ok(text) = Utf8Bytes::try_from(frame) else {
            tracing::error!("a DDP frame was not UTF-8; dropped");
            continue;
        };
        if socket.feed(Message::Text(text)).await.is_err() {
            return false;
        }
        written += 1;
        if written < BATCH as u64 {
            item = queue.try_recv().ok();
        }
    }
    metrics::counter!("capsule_realtime_frames_total").increment(written);
    if deliveries > 0 {
        metrics::counter!("capsule_realtime_deliveries_total").increment(deliveries);
    }
    socket.flush().await.is_ok()
}
