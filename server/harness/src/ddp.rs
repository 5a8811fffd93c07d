//! A DDP client over a real WebSocket, speaking to Capsule's `/websocket`
//! as Rocket.Chat's clients do.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(10);

/// A connected DDP client.
pub struct Ddp {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Frames read while waiting for another one, in arrival order.
    unread: VecDeque<Value>,
}

/// Why the connection ended.
#[derive(Debug)]
pub struct Closed(pub Option<u16>);

impl Ddp {
    /// Opens `ws://<addr>/websocket` and completes `connect`.
    pub async fn connect(base: &str) -> Ddp {
        let mut ddp = Ddp::open(base).await;
        ddp.send(json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]}))
            .await;
        let connected = ddp.frame_where(|f| f["msg"] == "connected").await;
        assert!(connected["session"].is_string(), "{connected}");
        ddp
    }

    /// Connects as the client a reverse proxy on loopback forwards for:
    /// the upgrade request carries `X-Forwarded-For: <forwarded_for>`.
    pub async fn connect_forwarded_for(base: &str, forwarded_for: &str) -> Ddp {
        let mut request = Ddp::url(base)
            .into_client_request()
            .expect("a WebSocket URL");
        request.headers_mut().insert(
            "x-forwarded-for",
            forwarded_for.parse().expect("a header value"),
        );
        let mut ddp = Ddp::open_request(request).await;
        ddp.send(json!({"msg": "connect", "version": "1", "support": ["1"]}))
            .await;
        ddp.frame_where(|f| f["msg"] == "connected").await;
        ddp
    }

    /// Opens the socket without `connect`.
    pub async fn open(base: &str) -> Ddp {
        let request = Ddp::url(base)
            .into_client_request()
            .expect("a WebSocket URL");
        Ddp::open_request(request).await
    }

    fn url(base: &str) -> String {
        format!("{}/websocket", base.replacen("http://", "ws://", 1))
    }

    async fn open_request(request: Request) -> Ddp {
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket opens");
        Ddp {
            socket,
            next_id: 0,
            unread: VecDeque::new(),
        }
    }

    /// Signs in with a resume token (from REST `login`).
    pub async fn resume(base: &str, token: &str) -> Ddp {
        let mut ddp = Ddp::connect(base).await;
        ddp.call("login", json!([{"resume": token}]))
            .await
            .expect("the token resumes");
        ddp
    }

    /// Signs in with `who`'s token and watches their private messages
    /// (`stream-notify-user` `<uid>/message`).
    pub async fn private_messages(base: &str, who: &super::Session) -> Ddp {
        let mut ddp = Ddp::resume(base, &who.token).await;
        ddp.sub(
            "stream-notify-user",
            json!([format!("{}/message", who.user_id), false]),
        )
        .await
        .expect("a user watches their own private messages");
        ddp
    }

    /// The next private message for `who` (see [`Ddp::private_messages`]).
    pub async fn next_private(&mut self, who: &super::Session) -> Value {
        let (collection, event, args) = self.event().await;
        assert_eq!(collection, "stream-notify-user", "{args}");
        assert_eq!(event, format!("{}/message", who.user_id));
        args[0].clone()
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .expect("the frame is sent");
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text.to_owned()))
            .await
            .expect("the frame is sent");
    }

    /// Calls a method; `Ok(result)` (`Null` when none) or `Err(error)`.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.send(json!({"msg": "method", "method": method, "id": id, "params": params}))
            .await;
        let answer = self
            .frame_where(|f| f["msg"] == "result" && f["id"] == id.as_str())
            .await;
        match answer.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(answer.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// Subscribes; `Ok(sub id)` on `ready`, `Err(error)` on `nosub`.
    pub async fn sub(&mut self, name: &str, params: Value) -> Result<String, Value> {
        self.next_id += 1;
        let id = format!("sub{}", self.next_id);
        self.send(json!({"msg": "sub", "id": id, "name": name, "params": params}))
            .await;
        let answer = self
            .frame_where(|f| {
                (f["msg"] == "ready" && f["subs"][0] == id.as_str())
                    || (f["msg"] == "nosub" && f["id"] == id.as_str())
            })
            .await;
        match answer["msg"].as_str() {
            Some("ready") => Ok(id),
            _ => Err(answer["error"].clone()),
        }
    }

    /// The next stream event (`changed`), as `(collection, eventName,
    /// args)`.
    pub async fn event(&mut self) -> (String, String, Value) {
        let frame = self.frame_where(|f| f["msg"] == "changed").await;
        (
            frame["collection"].as_str().unwrap_or_default().to_owned(),
            frame["fields"]["eventName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            frame["fields"]["args"].clone(),
        )
    }

    /// The next frame that matches, keeping the others for later.
    pub async fn frame_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.unread.iter().position(&wanted) {
            return self.unread.remove(at).expect("position is in range");
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.read())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "no matching frame within {WAIT:?}; unread: {:?}",
                        self.unread
                    )
                })
                .unwrap_or_else(|closed| panic!("the connection closed: {closed:?}"));
            if wanted(&frame) {
                return frame;
            }
            self.unread.push_back(frame);
        }
    }

    /// The frames read while waiting for others and not asked for yet.
    pub fn kept(&self) -> impl Iterator<Item = &Value> {
        self.unread.iter()
    }

    /// Reads the next DDP frame from the socket, answering pings.
    pub async fn read(&mut self) -> Result<Value, Closed> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|_| panic!("not JSON: {text}"));
                    if frame["msg"] == "ping" {
                        self.send(json!({"msg": "pong"})).await;
                        continue;
                    }
                    return Ok(frame);
                }
                Some(Ok(Message::Close(close))) => {
                    return Err(Closed(close.map(|c| u16::from(c.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(Closed(None)),
            }
        }
    }

    /// Reads until the server closes the connection; the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.read()).await {
                Err(_) => panic!("the server did not close the connection within {WAIT:?}"),
                Ok(Err(Closed(code))) => return code,
                Ok(Ok(_)) => continue,
            }
        }
    }
}

/// A password's SHA-256 digest in hex, as Meteor clients send it.
pub fn digest(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}
