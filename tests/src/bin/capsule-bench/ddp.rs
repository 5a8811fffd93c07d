//! A DDP subscriber, as a Rocket.Chat client is one: connect to
//! `/websocket`, log in with a resume token, subscribe to a room's
//! `stream-room-messages`, then read.
//!
//! The set-up frames are parsed as JSON; the message frames are not: a
//! thousand subscribers share the machine with the server, so each frame
//! costs one byte search for the [`Stamp`] and a few digits.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::rest::Session;
use crate::stats;
use crate::tracking::{Stamp, Tracker};

/// How long connecting, logging in and subscribing may take.
const SET_UP_TIMEOUT: Duration = Duration::from_secs(30);
/// The subscription's id in this client's frames.
const SUB_ID: &str = "s1";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What one subscriber counted in the current phase.
#[derive(Debug, Default)]
pub struct Tally {
    /// Send-to-receipt latencies of the messages sent in the window.
    pub latencies_us: Vec<u32>,
    /// Frames of this phase's messages, whenever sent.
    pub frames: u64,
    /// Frames received while the window was open (for deliveries/s).
    pub received_in_window: u64,
}

impl Tally {
    /// Messages sent in the window that this subscriber received.
    pub fn window_messages(&self) -> u64 {
        self.latencies_us.len() as u64
    }
}

/// How a subscriber's reading ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Told to stop.
    Stopped,
    /// The server closed the connection (the reason it gave).
    Closed(String),
    /// The connection failed.
    Failed(String),
}

/// A subscriber that is subscribed and ready to read.
pub struct Subscriber {
    ws: Socket,
}

impl Subscriber {
    /// Connects, logs in with `session`'s token and subscribes to `room`'s
    /// messages.
    pub async fn subscribe(addr: SocketAddr, session: &Session, room: &str) -> Result<Subscriber> {
        tokio::time::timeout(SET_UP_TIMEOUT, Subscriber::set_up(addr, session, room))
            .await
            .with_context(|| format!("subscribing took more than {SET_UP_TIMEOUT:?}"))?
    }

    async fn set_up(addr: SocketAddr, session: &Session, room: &str) -> Result<Subscriber> {
        // Small buffers: a thousand of these live in one process, and
        // tungstenite zero-fills the whole read buffer before every read
        // (at 16 KiB that memset was a tenth of this process's time).
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0);
        let url = format!("ws://{addr}/websocket");
        let (ws, _) = connect_async_with_config(url.as_str(), Some(config), true)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let mut client = Subscriber { ws };
        client
            .send(json!({"msg": "connect", "version": "1", "support": ["1"]}))
            .await?;
        let connected = client.next_answer(&["connected", "failed"]).await?;
        if connected["msg"] != "connected" {
            bail!("answered `connect` with {connected}");
        }
        client
            .send(json!({
                "msg": "method", "method": "login", "id": "1",
                "params": [{"resume": session.token}],
            }))
            .await?;
        let login = client.next_answer(&["result"]).await?;
        if login["id"] != "1" || login.get("error").is_some() {
            bail!("answered `login` with {login}");
        }
        if login["result"]["id"] != session.user_id.as_str() {
            bail!(
                "logged in as {} instead of {}",
                login["result"]["id"],
                session.user_id
            );
        }
        client
            .send(json!({
                "msg": "sub", "id": SUB_ID, "name": "stream-room-messages",
                "params": [room, false],
            }))
            .await?;
        let ready = client.next_answer(&["ready", "nosub"]).await?;
        if ready["msg"] != "ready" || ready["subs"] != json!([SUB_ID]) {
            bail!("answered the subscription with {ready}");
        }
        Ok(client)
    }

    async fn send(&mut self, frame: Value) -> Result<()> {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .context("sending a frame")
    }

    /// The next frame whose `msg` is one of `kinds`, answering pings and
    /// passing over anything else (the `server_id` greeting, `updated`
    /// after a method's result, collection data).
    async fn next_answer(&mut self, kinds: &[&str]) -> Result<Value> {
        loop {
            let frame = match self.ws.next().await {
                None => bail!("the server closed the connection"),
                Some(frame) => frame.context("reading a frame")?,
            };
            match frame {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).with_context(|| {
                        format!("the server sent a frame that is not JSON: {text:.200}")
                    })?;
                    if value["msg"] == "ping" {
                        self.pong(&value).await?;
                    } else if value["msg"].as_str().is_some_and(|m| kinds.contains(&m)) {
                        return Ok(value);
                    } else if value["msg"] == "error" {
                        bail!("the server answered with an error: {value}");
                    }
                }
                Message::Close(frame) => bail!("the server closed the connection: {frame:?}"),
                _ => {}
            }
        }
    }

    async fn pong(&mut self, ping: &Value) -> Result<()> {
        let mut pong = json!({"msg": "pong"});
        if let Some(id) = ping.get("id") {
            pong["id"] = id.clone();
        }
        self.send(pong).await
    }

    /// Reads until `stop` turns true or the connection ends, counting this
    /// phase's messages into `tally`.
    pub async fn read(
        mut self,
        tracker: Arc<Tracker>,
        tally: Arc<Mutex<Tally>>,
        mut stop: watch::Receiver<bool>,
    ) -> Ending {
        let finder = Stamp::finder();
        tracker.subscriber_joined();
        let ending = loop {
            let frame = tokio::select! {
                biased;
                _ = stop.changed() => {
                    let _ = self.ws.close(None).await;
                    return Ending::Stopped;
                }
                frame = self.ws.next() => frame,
            };
            let text = match frame {
                None => break Ending::Closed("the connection ended".into()),
                Some(Err(error)) => break Ending::Failed(error.to_string()),
                Some(Ok(Message::Close(frame))) => {
                    break Ending::Closed(frame.map_or_else(
                        || "no reason given".into(),
                        |f| format!("{}: {}", f.code, f.reason.as_str()),
                    ));
                }
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(_)) => continue,
            };
            let bytes = text.as_bytes();
            if let Some(stamp) = Stamp::find(bytes, &finder) {
                count(&tracker, &tally, stamp);
            } else if bytes.len() < 256 && memchr::memmem::find(bytes, b"\"ping\"").is_some() {
                // Only control frames are this short; parse them properly.
                let ping: Value = serde_json::from_slice(bytes).unwrap_or_default();
                if ping["msg"] == "ping" && self.pong(&ping).await.is_err() {
                    break Ending::Failed("cannot answer a ping".into());
                }
            }
        };
        tracker.subscriber_left();
        ending
    }
}

fn count(tracker: &Tracker, tally: &Mutex<Tally>, stamp: Stamp) {
    if stamp.phase != tracker.phase() {
        return;
    }
    let now = tracker.now_us();
    tracker.delivered(stamp.sender as usize, stamp.seq);
    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.frames += 1;
    if tracker.in_window(stamp.sent_us) {
        tally.latencies_us.push(stats::sample(stamp.sent_us, now));
    }
    if tracker.in_window(now) {
        tally.received_in_window += 1;
    }
}
