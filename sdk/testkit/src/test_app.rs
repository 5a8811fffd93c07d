//! [`TestApp`]: one app running in the real runtime on an in-memory chat,
//! with methods that play the server's part (a user posts, runs a command,
//! presses a button, ...) and methods that show what the app did.
//!
//! Every event method returns once the app has handled the event,
//! background hooks included, so tests never sleep.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use capsule_runtime::{
    Fault, GrantSet, HttpRequest, HttpResponse, Interaction, Invocation, Job, LogEntry,
    MemoryBridge, Message, Notification, PreSend, Refusal, Room, RoomReadBridge, Runtime,
    ScheduledJob, SettingsBridge, TargetError, User,
};

use crate::http::RecordingTransport;
use crate::setting::IntoSetting;
use crate::stubs::{HttpStub, RecordedRequest};

/// How many of the app's last log lines a failure message shows.
const LOG_LINES_IN_PANICS: usize = 20;

/// An app loaded into a runtime of its own, on an in-memory chat with
/// recorded outbound HTTP. Made with [`TestApp::build`] and
/// [`TestAppBuilder::start`](crate::TestAppBuilder::start).
///
/// The methods that deliver an event (`command`, `endpoint`, `press`, ...)
/// panic when the app gives no answer at all (it faulted, or does not
/// declare the hook), with the reason and the app's last log lines: in a
/// test that is a failure to look into. To assert on such a failure, call
/// the [`runtime`](Self::runtime) directly (the [`invocation`](Self::invocation)
/// helper builds a command call) and look at [`faults`](Self::faults).
pub struct TestApp {
    id: String,
    runtime: Runtime,
    chat: Arc<MemoryBridge>,
    http: Arc<RecordingTransport>,
    /// Present while the grants are the manifest's and it limits rooms.
    room_grants: Mutex<Option<RoomGrants>>,
    /// Numbers trigger and job ids, which must be unique like a server's.
    next_id: AtomicU64,
}

/// The manifest's grants when its permissions limit rooms.
///
/// The runtime checks room *ids*, but a manifest can only name rooms, and
/// in a test the chat picks the ids as rooms are made. So the kit keeps
/// the names and, each time the test makes a room of a listed name, adds
/// that room's id to the app's grants.
#[derive(Clone, Debug)]
pub(crate) struct RoomGrants {
    /// The manifest's grants; [`grants`](Self::grants) replaces their room
    /// limit with `rooms`.
    pub base: GrantSet,
    /// The manifest's room names and the ids of the rooms made with them.
    pub rooms: BTreeSet<String>,
}

impl RoomGrants {
    /// The grants the app holds.
    pub fn grants(&self) -> GrantSet {
        self.base
            .clone()
            .limited_to_rooms(self.rooms.iter().cloned())
    }
}

impl TestApp {
    pub(crate) fn new(
        id: String,
        runtime: Runtime,
        chat: Arc<MemoryBridge>,
        http: Arc<RecordingTransport>,
        room_grants: Option<RoomGrants>,
    ) -> TestApp {
        TestApp {
            id,
            runtime,
            chat,
            http,
            room_grants: Mutex::new(room_grants),
            next_id: AtomicU64::new(1),
        }
    }

    // ----- the world -------------------------------------------------

    /// Adds a user named `name` to the chat.
    pub fn user(&self, name: &str) -> User {
        self.chat.add_user(name)
    }

    /// Adds a public channel named `name` with `members`. Runs no hook (a
    /// test wanting `room-created` calls `runtime().room_created(..)`).
    ///
    /// When the app's grants are the manifest's and its permissions limit
    /// rooms, a room whose name the manifest lists is granted.
    pub fn room(&self, name: &str, members: &[&User]) -> Room {
        let room = self.chat.add_room(name, members);
        let mut room_grants = self
            .room_grants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(granted) = room_grants.as_mut().filter(|g| g.rooms.contains(name)) {
            granted.rooms.insert(room.id.clone());
            self.runtime
                .set_grants(&self.id, granted.grants())
                .expect("the test app stays loaded");
        }
        room
    }

    /// Replaces the app's grants, e.g. to revoke a permission mid-test.
    /// The runtime applies them at the app's next host call.
    pub fn set_grants(&self, grants: GrantSet) {
        *self
            .room_grants
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.runtime
            .set_grants(&self.id, grants)
            .expect("the test app stays loaded");
    }

    /// Changes one of the app's settings. The app reads settings when it
    /// runs, so its next event sees the value. No lifecycle hook runs; a
    /// test of `on-settings-changed` sends it with `runtime().lifecycle(..)`.
    pub fn set_setting(&self, id: &str, value: impl IntoSetting) {
        self.chat.set_setting(&self.id, id, value.into_setting());
    }

    /// Asks the app whether an admin may set setting `id` to `value`
    /// (`validate-settings`), as the server does before saving; nothing is
    /// saved. `Err` is the app's refusal: the text the admin would read.
    pub async fn validate_setting(&self, id: &str, value: impl IntoSetting) -> Result<(), String> {
        let mut proposed = SettingsBridge::settings(self.chat.as_ref(), &self.id)
            .await
            .unwrap_or_default();
        proposed.retain(|(other, _)| other != id);
        proposed.push((id.to_owned(), value.into_setting()));
        let answer = self
            .runtime
            .validate_settings(&self.id, vec![id.to_owned()], proposed)
            .await;
        self.expect_answer(&format!("validating setting `{id}`"), answer)
    }

    /// Answers the app's outbound requests `method url_prefix…` from now
    /// on, like [`TestAppBuilder::http_response`](crate::TestAppBuilder::http_response).
    pub fn http_response(
        &self,
        method: impl Into<String>,
        url_prefix: impl Into<String>,
        status: u16,
        body: impl Into<Vec<u8>>,
    ) {
        self.http
            .stub(HttpStub::new(method, url_prefix, status, body));
    }

    // ----- events ----------------------------------------------------

    /// `user` posts `text` in `room`, through the whole pipeline: prevent
    /// hooks, modify hooks, storage, then post-send hooks, which this waits
    /// for. The stored message, or the veto as `vetoed by `app`: reason`.
    ///
    /// A hook that faults is skipped, as on a server: the message goes
    /// through and the fault shows in [`faults`](Self::faults).
    pub async fn post(&self, user: &User, room: &Room, text: &str) -> Result<Message, String> {
        let draft = self.chat.new_message(user, room, text);
        match self.runtime.pre_send(draft, 0).await {
            PreSend::Vetoed { app_id, reason } => Err(format!("vetoed by `{app_id}`: {reason}")),
            PreSend::Accepted { message, .. } => {
                self.chat.store(message.clone());
                self.runtime.post_send(message.clone(), 0).finished().await;
                Ok(message)
            }
        }
    }

    /// `user` runs a slash command in `room`: `line` is the command and its
    /// arguments as typed, with or without the leading `/`, e.g.
    /// `"hello Bob"`. The app's private answer (`None` for none), or the
    /// error it shows the user.
    pub async fn command(
        &self,
        user: &User,
        room: &Room,
        line: &str,
    ) -> Result<Option<String>, String> {
        self.run_invocation(self.invocation(user, room, line)).await
    }

    /// Runs a command as `call` says (made by [`invocation`](Self::invocation)
    /// and changed, e.g. with a thread id): the app's private answer, or
    /// the error the user sees.
    pub async fn run_invocation(&self, call: Invocation) -> Result<Option<String>, String> {
        let what = format!("command `/{}`", call.command);
        let answer = self.runtime.execute_command(&self.id, call).await;
        self.expect_answer(&what, answer)
    }

    /// The [`Invocation`] [`command`](Self::command) sends for `line`.
    pub fn invocation(&self, user: &User, room: &Room, line: &str) -> Invocation {
        crate::requests::invocation(line, user, room, self.fresh_id("trigger"))
    }

    /// Sends an anonymous request to one of the app's HTTP endpoints. The
    /// first segment of `path` names the endpoint (`/echo?x=1` reaches
    /// endpoint `echo`); the app sees `path` as the request's URL.
    pub async fn endpoint(
        &self,
        method: &str,
        path: &str,
        body: impl Into<Vec<u8>>,
    ) -> HttpResponse {
        let (endpoint, request) = crate::requests::endpoint_request(method, path, body.into());
        self.endpoint_request(&endpoint, request, None).await
    }

    /// Sends `request` to the endpoint named `endpoint`, as `user` when
    /// given (a signed-in caller) or anonymously.
    pub async fn endpoint_request(
        &self,
        endpoint: &str,
        request: HttpRequest,
        user: Option<&User>,
    ) -> HttpResponse {
        let answer = self
            .runtime
            .handle_endpoint(&self.id, endpoint, request, user.cloned())
            .await;
        self.expect_answer(&format!("endpoint `{endpoint}`"), answer)
    }

    /// Runs the app's job `name` with `payload` now, as its first attempt.
    /// `Err` is the app asking for a retry, with its reason.
    pub async fn run_job(&self, name: &str, payload: impl Into<Vec<u8>>) -> Result<(), String> {
        let job = Job {
            id: self.fresh_id("job"),
            name: name.to_owned(),
            payload: payload.into(),
            attempt: 1,
        };
        let answer = self.runtime.run_job(&self.id, job).await;
        self.expect_answer(&format!("job `{name}`"), answer)
    }

    /// `user` presses the button `action_id` (with its `value`) in `room`.
    /// The press is on the app's latest message in the room that has that
    /// button, if there is one. The app's private answer, or its error.
    pub async fn press(
        &self,
        action_id: &str,
        value: Option<&str>,
        user: &User,
        room: &Room,
    ) -> Result<Option<String>, String> {
        let has_button = |m: &Message| {
            m.app_id.as_deref() == Some(self.id.as_str())
                && m.attachments
                    .iter()
                    .any(|a| a.actions.iter().any(|b| b.action_id == action_id))
        };
        let message_id = self
            .chat
            .messages(&room.id)
            .into_iter()
            .rev()
            .find(has_button)
            .map(|m| m.id);
        let event = Interaction {
            action_id: action_id.to_owned(),
            value: value.map(str::to_owned),
            user: user.to_ref(),
            room_id: room.id.clone(),
            message_id,
            trigger_id: self.fresh_id("trigger"),
        };
        let answer = self.runtime.ui_action(&self.id, event).await;
        self.expect_answer(&format!("button `{action_id}`"), answer)
    }

    /// `user` joins `room`; waits for the app's `user-joined` hook.
    ///
    /// # Panics
    ///
    /// When `user` already is a member (a server would send no event), or
    /// the room is not one of this chat's.
    pub async fn join(&self, user: &User, room: &Room) {
        assert!(
            self.chat.add_member(&room.id, user),
            "`{}` cannot join `{}`: already a member, or not a room of this app's chat",
            user.username,
            room.name
        );
        // The chat's copy, whose member count includes the new member.
        let room = self
            .chat
            .room(&room.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| room.clone());
        self.runtime
            .user_joined(room, user.to_ref())
            .finished()
            .await;
    }

    // ----- what the app did ------------------------------------------

    /// Every message of `room`, oldest first, the app's included.
    pub fn messages(&self, room: &Room) -> Vec<Message> {
        self.chat.messages(&room.id)
    }

    /// The texts of [`messages`](Self::messages), for short assertions.
    pub fn texts(&self, room: &Room) -> Vec<String> {
        self.messages(room).into_iter().map(|m| m.text).collect()
    }

    /// Messages the app showed to one user only, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        self.chat.notifications()
    }

    /// The value the app stored under `key`.
    pub fn kv(&self, key: &str) -> Option<Vec<u8>> {
        self.chat.kv(&self.id, key)
    }

    /// The value the app stored under `key`, as text (invalid UTF-8
    /// replaced).
    pub fn kv_text(&self, key: &str) -> Option<String> {
        self.kv(key)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// Jobs the app scheduled and has not cancelled. The kit does not run
    /// them when they come due: a test runs one with [`run_job`](Self::run_job).
    pub fn jobs(&self) -> Vec<ScheduledJob> {
        self.chat.jobs()
    }

    /// Outbound HTTP requests the app made that its grants let through,
    /// oldest first, answered by a stub or not.
    pub fn http_requests(&self) -> Vec<RecordedRequest> {
        self.http.requests()
    }

    /// The app's whole log, oldest first: what it logged, wrote to stdout
    /// or stderr, and what the host recorded (loading, faults, ...).
    pub fn logs(&self) -> Vec<LogEntry> {
        self.runtime
            .logs(&self.id, usize::MAX)
            .expect("the test app stays loaded")
    }

    /// The lines the app itself wrote (logging, stdout, stderr), oldest
    /// first, without the host's.
    pub fn log_lines(&self) -> Vec<String> {
        crate::log_lines::written(self.logs())
    }

    /// The app's faults, oldest first, as the host described them (e.g.
    /// `ran past its CPU deadline of 20ms`).
    pub fn faults(&self) -> Vec<String> {
        crate::log_lines::faults(self.logs())
    }

    /// The app's most recent fault, as a value to match on.
    pub fn last_fault(&self) -> Option<Fault> {
        self.runtime
            .last_fault(&self.id)
            .expect("the test app stays loaded")
    }

    /// The app's most recent refused host call (not a fault: the app got
    /// an error value to handle).
    pub fn last_refusal(&self) -> Option<Refusal> {
        self.runtime
            .last_refusal(&self.id)
            .expect("the test app stays loaded")
    }

    // ----- underneath ------------------------------------------------

    /// The app id (the manifest's `id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The runtime the app runs in, for anything the kit does not wrap.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The in-memory chat behind the runtime.
    pub fn chat(&self) -> &Arc<MemoryBridge> {
        &self.chat
    }

    /// The recording HTTP transport.
    pub fn http(&self) -> &Arc<RecordingTransport> {
        &self.http
    }

    fn fresh_id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// The app's answer, or a panic saying why there is none.
    fn expect_answer<T>(&self, what: &str, answer: Result<T, TargetError>) -> T {
        answer.unwrap_or_else(|err| {
            let logs = self
                .runtime
                .logs(&self.id, LOG_LINES_IN_PANICS)
                .unwrap_or_default();
            let lines: Vec<String> = logs
                .iter()
                .map(|e| format!("  [{:?} {:?}] {}", e.source, e.level, e.message))
                .collect();
            panic!(
                "{what} of app `{}` gave no answer: {err}\nthe app's last log lines:\n{}",
                self.id,
                lines.join("\n")
            )
        })
    }
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
