//! One client's WebSocket: reads its frames in order, answers them, and
//! keeps its stream listeners on the bus ([`following`]: the listeners on
//! each of the user's rooms that feed the all-rooms streams).

mod following;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;

use super::frames::shared_frame;
use super::member_rooms::{Follows, MemberRoom};
use super::methods::{self, login_result};
use super::outbox::{self, Outbox, close_code};
use super::protocol::{self, ClientFrame, DdpError, VERSIONS};
use super::startup;
use super::streams::{
    Control, Listener, MembershipChange, PresenceWatch, Stream, StreamKind, Wants, uses_collection,
};
use crate::auth::token;
use crate::chat::RoomRef;
use crate::gateway::AppState;
use crate::gateway::sign_in::{password_from_json, resume_token, sign_in};
use crate::model::{RoomId, User, ejson, random_id};
use crate::reactivity::{ListenerId, Sink, Topic};

/// How a connection is tuned.
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Frames a connection may have waiting before it counts as too far
    /// behind and is dropped.
    pub queue_frames: usize,
    /// Silence from the client after which the server pings it.
    pub ping_after: Duration,
    /// Silence after the ping after which the connection is closed.
    pub close_after: Duration,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            queue_frames: 4096,
            ping_after: Duration::from_secs(30),
            close_after: Duration::from_secs(30),
        }
    }
}

/// Whether a connection goes on after handling something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continue {
    Serve,
    Close,
}

/// The signed-in user of a connection and the token it signed in with.
struct Login {
    user: User,
    token: String,
    access: (Topic, ListenerId),
}

/// A subscription the client holds.
struct ActiveSub {
    stream: Stream,
    /// Its own listener, for streams with a topic.
    listener: Option<(Topic, ListenerId)>,
}

/// The state of one connection.
struct Connection {
    state: AppState,
    outbox: Outbox,
    control: mpsc::UnboundedSender<Control>,
    address: IpAddr,
    connected: bool,
    login: Option<Login>,
    subs: HashMap<String, ActiveSub>,
    /// The all-rooms streams open, shared with the member rooms.
    follows: Arc<Follows>,
    /// The user's rooms, followed while an all-rooms stream is open
    /// (`None` while none is).
    member_rooms: Option<HashMap<RoomId, (ListenerId, Arc<MemberRoom>)>>,
}

/// Serves one WebSocket until the client leaves, falls silent or falls
/// behind.
pub async fn serve(state: AppState, socket: WebSocket, address: IpAddr, tuning: Tuning) {
    let (sink, mut incoming) = socket.split();
    let (outbox, queue, lag) = Outbox::new(tuning.queue_frames);
    let mut writer = tokio::spawn(outbox::write(sink, queue, lag, shared_frame));
    let (control, mut controls) = mpsc::unbounded_channel();
    let mut connection = Connection {
        state,
        outbox,
        control,
        address,
        connected: false,
        login: None,
        subs: HashMap::new(),
        follows: Arc::new(Follows::default()),
        member_rooms: None,
    };
    metrics::gauge!("capsule_realtime_connections").increment(1.0);
    connection.outbox.send(protocol::greeting()).await;
    let mut pinged = false;
    let mut writer_done = false;
    let shutting_down = connection.state.shutting_down();
    tokio::pin!(shutting_down);
    loop {
        let silence = if pinged {
            tuning.close_after
        } else {
            tuning.ping_after
        };
        tokio::select! {
            // The writer ends when the socket fails or the client fell
            // behind: nothing more can reach it.
            _ = &mut writer => {
                writer_done = true;
                break;
            }
            () = &mut shutting_down => {
                connection.outbox.farewell(close_code::GOING_AWAY, "the server is shutting down");
                break;
            }
            Some(control) = controls.recv() => {
                if connection.on_control(control).await == Continue::Close {
                    break;
                }
            }
            frame = tokio::time::timeout(silence, incoming.next()) => match frame {
                Err(_) if pinged => {
                    tracing::debug!(%address, "closing a silent real-time connection");
                    break;
                }
                Err(_) => {
                    pinged = true;
                    connection.outbox.send(protocol::ping()).await;
                }
                Ok(Some(Err(error))) => {
                    let (code, reason) = close_for(&error);
                    tracing::debug!(%address, %error, code, "closing a real-time connection after a bad frame");
                    connection.outbox.farewell(code, reason);
                    break;
                }
                Ok(None) | Ok(Some(Ok(Message::Close(_)))) => break,
                Ok(Some(Ok(message))) => {
                    pinged = false;
                    if connection.on_message(message, &mut controls).await == Continue::Close {
                        break;
                    }
                }
            },
        }
    }
    connection.stop_listening();
    drop(connection);
    // The queue closes with the connection's last sender; give the writer
    // a moment to flush what is queued, then stop it.
    if !writer_done
        && tokio::time::timeout(Duration::from_secs(1), &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    metrics::gauge!("capsule_realtime_connections").decrement(1.0);
}

/// The close code and reason for a connection whose reading failed.
fn close_for(error: &axum::Error) -> (u16, &'static str) {
    use std::error::Error as _;
    let cause = error
        .source()
        .and_then(|cause| cause.downcast_ref::<tungstenite::Error>());
    match cause {
        Some(tungstenite::Error::Capacity(_)) => (
            close_code::MESSAGE_TOO_BIG,
            "the frame or message is larger than the server accepts",
        ),
        Some(tungstenite::Error::Protocol(_)) => (
            close_code::PROTOCOL_ERROR,
            "the WebSocket protocol was broken",
        ),
        Some(tungstenite::Error::Utf8(_)) => {
            (close_code::INVALID_DATA, "a text message was not UTF-8")
        }
        _ => (close_code::INTERNAL_ERROR, "the connection failed"),
    }
}

impl Connection {
    async fn on_message(
        &mut self,
        message: Message,
        controls: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Continue {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                let frame = protocol::bad_frame("Bad request: frames are JSON text", "");
                self.outbox.send(frame).await;
                return Continue::Serve;
            }
            // WebSocket pings are answered by the socket itself.
            _ => return Continue::Serve,
        };
        let frame = match serde_json::from_str::<ClientFrame>(text.as_str()) {
            Ok(frame) => frame,
            Err(error) => {
                let reason = format!("Bad request: {error}");
                self.outbox
                    .send(protocol::bad_frame(&reason, text.as_str()))
                    .await;
                return Continue::Serve;
            }
        };
        match frame {
            ClientFrame::Connect { version, support } => self.on_connect(&version, &support).await,
            ClientFrame::Ping { id } => {
                self.outbox.send(protocol::pong(id.as_deref())).await;
            }
            ClientFrame::Pong {} => {}
            _ if !self.connected => {
                let frame = protocol::bad_frame("Must connect first", text.as_str());
                self.outbox.send(frame).await;
            }
            ClientFrame::Method { id, method, params } => {
                return self.on_method(&id, &method, &params, controls).await;
            }
            ClientFrame::Sub { id, name, params } => self.on_sub(id, &name, &params).await,
            ClientFrame::Unsub { id } => {
                self.unsubscribe(&id);
                self.outbox.send(protocol::nosub(&id, None)).await;
            }
        }
        Continue::Serve
    }

    async fn on_connect(&mut self, version: &str, support: &[String]) {
        let speaks = |v: &str| VERSIONS.contains(&v);
        if speaks(version) || support.iter().any(|v| speaks(v)) {
            self.connected = true;
            self.outbox.send(protocol::connected(&random_id())).await;
        } else {
            self.outbox.send(protocol::failed()).await;
        }
    }

    async fn on_method(
        &mut self,
        id: &str,
        method: &str,
        params: &[Value],
        controls: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Continue {
        let outcome = match method {
            "login" => self.login(params).await,
            "logout" => self.logout().await,
            _ if startup::METHODS.contains(&method) => {
                if startup::needs_user(method)
                    && let Err(error) = self.current_user().await
                {
                    Err(error)
                } else {
                    startup::call(&self.state, method, params).await
                }
            }
            _ => match self.current_user().await {
                Ok(user) => methods::call(&self.state, &user, method, params).await,
                Err(error) => Err(error),
            },
        };
        // The method's own changes reached the controls before its answer
        // goes out: a room it joined is followed by the time the client
        // hears it joined.
        let mut next = Continue::Serve;
        while let Ok(control) = controls.try_recv() {
            if self.on_control(control).await == Continue::Close {
                next = Continue::Close;
            }
        }
        let frame = match &outcome {
            Ok(result) => protocol::result(id, result.as_ref()),
            Err(error) => protocol::method_error(id, error),
        };
        self.outbox.send(frame).await;
        self.outbox.send(protocol::updated(id)).await;
        next
    }

    /// The signed-in user as the store has them now (a deactivated or
    /// deleted user is signed out).
    async fn current_user(&mut self) -> Result<User, DdpError> {
        let not_signed_in =
            || DdpError::typed("error-invalid-user", "You must be logged in to do this.");
        let Some(login) = &self.login else {
            return Err(not_signed_in());
        };
        let user = self
            .state
            .chat()
            .records()
            .user(&login.user.id)
            .await
            .map_err(|e| DdpError::from(crate::gateway::error::ApiError::from(e)))?;
        match user.filter(|u| u.active) {
            Some(user) => Ok(user),
            None => {
                self.sign_out();
                Err(not_signed_in())
            }
        }
    }

    async fn login(&mut self, params: &[Value]) -> methods::MethodResult {
        let request = params.first().cloned().unwrap_or(Value::Null);
        let (user, token, kind) = if let Some(resume) = request.get("resume") {
            let token = resume.as_str().ok_or_else(|| {
                DdpError::typed("error-invalid-params", "`resume` must be a token")
            })?;
            let user = resume_token(&self.state, token).await?;
            (user, token.to_owned(), "resume")
        } else {
            let account = match request.get("user") {
                Some(Value::String(name)) => Some(name.clone()),
                Some(user) => user
                    .get("username")
                    .or_else(|| user.get("email"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                None => None,
            }
            .ok_or_else(|| {
                DdpError::typed(
                    "error-invalid-params",
                    "send `user` (`{\"username\"}` or `{\"email\"}`) and `password`, or `resume`",
                )
            })?;
            let password = password_from_json(request.get("password"))?;
            let (user, token) = sign_in(&self.state, &account, password, self.address).await?;
            (user, token, "password")
        };
        self.sign_out();
        let result = login_result(&user, &token, kind);
        let topic = Topic::User(user.id.clone());
        let access = self.listen(topic.clone(), Wants::Access);
        self.login = Some(Login {
            user,
            token,
            access: (topic, access),
        });
        Ok(Some(result))
    }

    async fn logout(&mut self) -> methods::MethodResult {
        if let Some(login) = &self.login {
            self.state.sessions().revoke(&login.token).await?;
            tracing::info!(user = %login.user.username, "signed out of the real-time API");
        }
        self.sign_out();
        Ok(None)
    }

    /// Forgets the signed-in user and every subscription.
    fn sign_out(&mut self) {
        self.stop_listening();
        self.login = None;
    }

    async fn on_sub(&mut self, id: String, name: &str, params: &[Value]) {
        let Some(user) = self.login.as_ref().map(|l| l.user.id.clone()) else {
            let error = Stream::parse(name, params, None).expect_err("signed out");
            self.outbox.send(protocol::nosub(&id, Some(&error))).await;
            return;
        };
        let stream = match Stream::parse(name, params, Some(&user)) {
            Ok(stream) => stream,
            Err(error) => {
                self.outbox.send(protocol::nosub(&id, Some(&error))).await;
                return;
            }
        };
        if let Some(room) = stream.room()
            && let Err(error) = self.may_watch(room).await
        {
            self.outbox.send(protocol::nosub(&id, Some(&error))).await;
            return;
        }
        // A client may reuse an id: the new subscription replaces the old.
        self.unsubscribe(&id);
        let listener = stream.topic(&user).map(|topic| {
            let id = match (&stream, StreamKind::of(&stream)) {
                (Stream::Presence(users), _) => self.listen_with(
                    topic.clone(),
                    Arc::new(PresenceWatch {
                        outbox: self.outbox.clone(),
                        users: users.iter().cloned().collect(),
                    }),
                ),
                (_, Some(kind)) => self.listen(topic.clone(), Wants::Stream(kind)),
                (_, None) => unreachable!("every stream with a topic has a listener kind"),
            };
            (topic, id)
        });
        self.subs.insert(id.clone(), ActiveSub { stream, listener });
        if let Err(error) = self.follow_member_rooms().await {
            self.unsubscribe(&id);
            self.outbox.send(protocol::nosub(&id, Some(&error))).await;
            return;
        }
        if uses_collection(params)
            && let Some(event) = params.first().and_then(Value::as_str)
        {
            self.outbox.send(protocol::added(name, event)).await;
        }
        self.outbox.send(protocol::ready(&id)).await;
    }

    /// Whether the signed-in user may watch `room` (read access, checked
    /// as every REST read checks it).
    async fn may_watch(&mut self, room: &crate::model::RoomId) -> Result<(), DdpError> {
        let user = self.current_user().await?;
        self.state
            .chat()
            .view_room(&user, &RoomRef::Id(room.clone()))
            .await?;
        Ok(())
    }

    fn listen(&self, topic: Topic, wants: Wants) -> ListenerId {
        let listener = Listener {
            outbox: self.outbox.clone(),
            control: self.control.clone(),
            wants,
        };
        self.listen_with(topic, Arc::new(listener))
    }

    fn listen_with(&self, topic: Topic, sink: Arc<dyn Sink>) -> ListenerId {
        self.state.chat().bus().listen(topic, sink)
    }

    fn unsubscribe(&mut self, id: &str) {
        if let Some(sub) = self.subs.remove(id) {
            if let Some((topic, listener)) = sub.listener {
                self.state.chat().bus().unlisten(&topic, listener);
            }
            self.unfollow_unneeded_rooms();
        }
    }

    fn stop_listening(&mut self) {
        let ids: Vec<String> = self.subs.keys().cloned().collect();
        for id in ids {
            self.unsubscribe(&id);
        }
        if let Some(login) = &self.login {
            let (topic, id) = &login.access;
            self.state.chat().bus().unlisten(topic, *id);
        }
    }

    async fn on_control(&mut self, control: Control) -> Continue {
        match control {
            Control::RoomAccess(room) => self.recheck_room(&room).await,
            Control::Joined(room) => self.joined(&room).await,
            Control::Left(room) => {
                self.recheck_room(&room).await;
                self.left(&room).await;
            }
            Control::Membership { room, kind } => self.membership_changed(&room, kind).await,
            Control::SignedOut { token } => {
                let ours = self.login.as_ref().is_some_and(|login| {
                    token
                        .as_deref()
                        .is_none_or(|digest| digest == token::digest(&login.token))
                });
                if ours {
                    // The client learns it is signed out by the closed
                    // connection; resuming with the old token fails.
                    tracing::debug!("closing a real-time session whose sign-in ended");
                    self.outbox
                        .farewell(close_code::POLICY_VIOLATION, "the sign-in ended");
                    return Continue::Close;
                }
            }
        }
        Continue::Serve
    }

    /// Ends the room streams of `room` the user may no longer read.
    async fn recheck_room(&mut self, room: &crate::model::RoomId) {
        let watching: Vec<String> = self
            .subs
            .iter()
            .filter(|(_, sub)| sub.stream.room() == Some(room))
            .map(|(id, _)| id.clone())
            .collect();
        if watching.is_empty() {
            return;
        }
        let Err(error) = self.may_watch(room).await else {
            return;
        };
        let error = if error.error == "error-room-not-found" {
            DdpError::typed(
                "error-not-allowed",
                "this room is gone or you may no longer read it",
            )
        } else {
            error
        };
        for id in watching {
            self.unsubscribe(&id);
            self.outbox.send(protocol::nosub(&id, Some(&error))).await;
        }
    }

    /// Sends `subscriptions-changed` with the membership as stored now.
    async fn membership_changed(&mut self, room: &crate::model::RoomId, kind: MembershipChange) {
        let Some(login) = &self.login else { return };
        let user = login.user.clone();
        let record = match kind {
            MembershipChange::Removed => None,
            _ => match self
                .state
                .chat()
                .records()
                .subscription(room, &user.id)
                .await
            {
                Ok(record) => record,
                Err(error) => {
                    tracing::warn!(%error, "cannot read a membership for a live update");
                    return;
                }
            },
        };
        let record = match (kind, record) {
            (MembershipChange::Removed, _) => serde_json::json!({
                "_id": format!("{room}{}", user.id),
                "rid": room,
                "u": {"_id": user.id, "username": user.username},
            }),
            (_, Some(sub)) => {
                if let Some(rooms) = &self.member_rooms
                    && let Some((_, member)) = rooms.get(room)
                {
                    member.set_membership(sub.clone());
                }
                ejson(|| serde_json::to_value(&sub)).unwrap_or(Value::Null)
            }
            // Gone again before it could be read: the removal follows.
            (_, None) => return,
        };
        let frame = protocol::stream_event(
            "stream-notify-user",
            &format!("{}/subscriptions-changed", user.id),
            &[Value::from(kind.word()), record],
        );
        self.outbox.send(frame).await;
    }
}
