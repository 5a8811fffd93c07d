//! [`RemoteApp`]: a [`TestApp`](crate::TestApp) whose app runs in the test
//! host, `capsule-app test-host`, instead of in the test's own process.
//!
//! It has the same methods as the in-process kit and the same answers:
//! each method is one call over the [`wire`](crate::wire) to the host,
//! which runs the in-process kit. The test's side builds the component and
//! links no wasmtime, which is why an app's own tests (the kit without its
//! `runtime` feature) compile in seconds.
//!
//! The host is `$CAPSULE_TEST_HOST` when set (`capsule-app test` sets it
//! to itself), else `capsule-app` on `PATH`. Each app gets a host process
//! of its own, which ends with it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use capsule_contract::GrantSet;
use capsule_runtime_types::model::{
    HttpRequest, HttpResponse, Invocation, Message, Notification, Room, ScheduledJob, SettingValue,
    User,
};
use capsule_runtime_types::{Fault, Limits, LogEntry, Refusal};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::artifacts::GuestApp;
use crate::error::TestkitError;
use crate::setting::IntoSetting;
use crate::stubs::{HttpStub, RecordedRequest};
use crate::wire::{Call, PROTOCOL, Reply, Start};

/// The variable naming the test host's executable.
pub const TEST_HOST_VARIABLE: &str = "CAPSULE_TEST_HOST";

/// An app running in the test host. See [`TestApp`](crate::TestApp) for
/// what each method does; they are the same.
pub struct RemoteApp {
    id: String,
    host: Mutex<Host>,
    next_id: AtomicU64,
}

/// How a [`RemoteApp`] will be set up; [`start`](Self::start) runs it.
#[derive(Debug)]
#[must_use = "call `.start().await` to run the app"]
pub struct RemoteAppBuilder {
    guest: GuestApp,
    /// The host's executable, when the test names one.
    host: Option<PathBuf>,
    settings: Vec<(String, SettingValue)>,
    grants: Option<GrantSet>,
    stubs: Vec<HttpStub>,
    limits: Limits,
}

impl RemoteApp {
    /// Builds the app crate in `app_dir` to a component and reads its
    /// manifest, as [`TestApp::build`](crate::TestApp::build) does.
    pub fn build(app_dir: impl AsRef<Path>) -> Result<RemoteAppBuilder, TestkitError> {
        RemoteApp::from_guest(&crate::artifacts::built_once(app_dir.as_ref(), None)?)
    }

    /// Like [`build`](Self::build), with the build in `target_dir`.
    pub fn build_in(
        app_dir: impl AsRef<Path>,
        target_dir: impl AsRef<Path>,
    ) -> Result<RemoteAppBuilder, TestkitError> {
        RemoteApp::from_guest(&crate::artifacts::built_once(
            app_dir.as_ref(),
            Some(target_dir.as_ref()),
        )?)
    }

    /// Sets up an app that is already built. (The host reads its
    /// manifest at [`start`](RemoteAppBuilder::start).)
    pub fn from_guest(app: &GuestApp) -> Result<RemoteAppBuilder, TestkitError> {
        Ok(RemoteAppBuilder {
            guest: app.clone(),
            host: None,
            settings: Vec::new(),
            grants: None,
            stubs: Vec::new(),
            limits: Limits::default(),
        })
    }
}

impl RemoteAppBuilder {
    /// Sets one of the app's settings over the manifest's default.
    pub fn setting(mut self, id: impl Into<String>, value: impl IntoSetting) -> RemoteAppBuilder {
        self.settings.push((id.into(), value.into_setting()));
        self
    }

    /// Grants exactly `grants` instead of everything the manifest asks for.
    pub fn grant_only(mut self, grants: GrantSet) -> RemoteAppBuilder {
        self.grants = Some(grants);
        self
    }

    /// Answers the app's outbound requests `method url_prefix…` with
    /// `status` and `body`.
    pub fn http_response(
        self,
        method: impl Into<String>,
        url_prefix: impl Into<String>,
        status: u16,
        body: impl Into<Vec<u8>>,
    ) -> RemoteAppBuilder {
        self.http_stub(HttpStub::new(method, url_prefix, status, body))
    }

    /// Adds a stub built by hand.
    pub fn http_stub(mut self, stub: HttpStub) -> RemoteAppBuilder {
        self.stubs.push(stub);
        self
    }

    /// Runs the app under `limits` instead of the runtime's defaults.
    pub fn limits(mut self, limits: Limits) -> RemoteAppBuilder {
        self.limits = limits;
        self
    }

    /// Runs the app in `program`'s `test-host` instead of the one
    /// `$CAPSULE_TEST_HOST` or `PATH` names.
    pub fn test_host(mut self, program: impl Into<PathBuf>) -> RemoteAppBuilder {
        self.host = Some(program.into());
        self
    }

    /// Starts a test host and the app in it.
    pub async fn start(self) -> Result<RemoteApp, TestkitError> {
        let program = self
            .host
            .or_else(|| std::env::var_os(TEST_HOST_VARIABLE).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("capsule-app"));
        let mut host = Host::spawn(program)?;
        host.call(&Call::Hello { protocol: PROTOCOL })
            .map_err(TestkitError::Host)?;
        let id = self.guest.manifest["id"]
            .as_str()
            .unwrap_or(&self.guest.name)
            .to_owned();
        host.call(&Call::Start(Box::new(Start {
            wasm: self.guest.wasm,
            manifest: self.guest.manifest,
            manifest_path: self.guest.manifest_path,
            settings: self.settings,
            grants: self.grants,
            stubs: self.stubs,
            limits: self.limits,
        })))
        .map_err(TestkitError::Host)?;
        Ok(RemoteApp {
            id,
            host: Mutex::new(host),
            next_id: AtomicU64::new(1),
        })
    }
}

impl RemoteApp {
    /// A new user.
    pub fn user(&self, name: &str) -> User {
        self.ask(Call::User { name: name.into() })
    }

    /// A new channel with these members.
    pub fn room(&self, name: &str, members: &[&User]) -> Room {
        self.ask(Call::Room {
            name: name.into(),
            members: members.iter().map(|&m| m.clone()).collect(),
        })
    }

    /// Replaces the app's grants.
    pub fn set_grants(&self, grants: GrantSet) {
        self.ask::<()>(Call::SetGrants { grants });
    }

    /// Changes one of the app's settings.
    pub fn set_setting(&self, id: &str, value: impl IntoSetting) {
        self.ask::<()>(Call::SetSetting {
            id: id.into(),
            value: value.into_setting(),
        });
    }

    /// Asks the app whether an admin may set setting `id` to `value`; `Err`
    /// is the app's refusal.
    pub async fn validate_setting(&self, id: &str, value: impl IntoSetting) -> Result<(), String> {
        self.ask(Call::ValidateSetting {
            id: id.into(),
            value: value.into_setting(),
        })
    }

    /// Adds an outbound HTTP stub while the app runs.
    pub fn http_response(
        &self,
        method: impl Into<String>,
        url_prefix: impl Into<String>,
        status: u16,
        body: impl Into<Vec<u8>>,
    ) {
        let stub = HttpStub::new(method, url_prefix, status, body);
        self.ask::<()>(Call::HttpStub { stub });
    }

    /// `user` posts `text` in `room`: the message as stored, or the veto.
    pub async fn post(&self, user: &User, room: &Room, text: &str) -> Result<Message, String> {
        self.ask(Call::Post {
            user: user.clone(),
            room: room.clone(),
            text: text.into(),
        })
    }

    /// `user` runs the slash command `line` in `room`.
    pub async fn command(
        &self,
        user: &User,
        room: &Room,
        line: &str,
    ) -> Result<Option<String>, String> {
        self.run_invocation(self.invocation(user, room, line)).await
    }

    /// Runs a command as `call` says.
    pub async fn run_invocation(&self, call: Invocation) -> Result<Option<String>, String> {
        self.ask(Call::Command { invocation: call })
    }

    /// The [`Invocation`] [`command`](Self::command) sends for `line`.
    pub fn invocation(&self, user: &User, room: &Room, line: &str) -> Invocation {
        crate::requests::invocation(line, user, room, self.fresh_id("trigger"))
    }

    /// An anonymous request to one of the app's HTTP endpoints.
    pub async fn endpoint(
        &self,
        method: &str,
        path: &str,
        body: impl Into<Vec<u8>>,
    ) -> HttpResponse {
        let (endpoint, request) = crate::requests::endpoint_request(method, path, body.into());
        self.endpoint_request(&endpoint, request, None).await
    }

    /// `request` to the endpoint `endpoint`, as `user` when given.
    pub async fn endpoint_request(
        &self,
        endpoint: &str,
        request: HttpRequest,
        user: Option<&User>,
    ) -> HttpResponse {
        self.ask(Call::Endpoint {
            endpoint: endpoint.into(),
            request,
            user: user.cloned(),
        })
    }

    /// Runs the app's job `name` now.
    pub async fn run_job(&self, name: &str, payload: impl Into<Vec<u8>>) -> Result<(), String> {
        self.ask(Call::RunJob {
            name: name.into(),
            payload: payload.into(),
        })
    }

    /// `user` presses the button `action_id` of the app's last message in
    /// `room` that has one.
    pub async fn press(
        &self,
        action_id: &str,
        value: Option<&str>,
        user: &User,
        room: &Room,
    ) -> Result<Option<String>, String> {
        self.ask(Call::Press {
            action_id: action_id.into(),
            value: value.map(str::to_owned),
            user: user.clone(),
            room: room.clone(),
        })
    }

    /// `user` joins `room`.
    pub async fn join(&self, user: &User, room: &Room) {
        self.ask::<()>(Call::Join {
            user: user.clone(),
            room: room.clone(),
        });
    }

    /// The messages of `room`, oldest first.
    pub fn messages(&self, room: &Room) -> Vec<Message> {
        self.ask(Call::Messages { room: room.clone() })
    }

    /// The texts of `room`'s messages, oldest first.
    pub fn texts(&self, room: &Room) -> Vec<String> {
        self.messages(room).into_iter().map(|m| m.text).collect()
    }

    /// The private notifications the app sent.
    pub fn notifications(&self) -> Vec<Notification> {
        self.ask(Call::Notifications)
    }

    /// The app's stored value under `key`.
    pub fn kv(&self, key: &str) -> Option<Vec<u8>> {
        self.ask(Call::Kv { key: key.into() })
    }

    /// The app's stored value under `key`, as text.
    pub fn kv_text(&self, key: &str) -> Option<String> {
        self.kv(key)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// The jobs the app scheduled.
    pub fn jobs(&self) -> Vec<ScheduledJob> {
        self.ask(Call::Jobs)
    }

    /// The outbound requests the app sent.
    pub fn http_requests(&self) -> Vec<RecordedRequest> {
        self.ask(Call::HttpRequests)
    }

    /// The app's log, oldest first.
    pub fn logs(&self) -> Vec<LogEntry> {
        self.ask(Call::Logs)
    }

    /// The lines the app wrote (its logging, stdout and stderr).
    pub fn log_lines(&self) -> Vec<String> {
        crate::log_lines::written(self.logs())
    }

    /// The faults the host recorded against the app.
    pub fn faults(&self) -> Vec<String> {
        crate::log_lines::faults(self.logs())
    }

    /// The app's last fault.
    pub fn last_fault(&self) -> Option<Fault> {
        self.ask(Call::LastFault)
    }

    /// The app's last refused host call.
    pub fn last_refusal(&self) -> Option<Refusal> {
        self.ask(Call::LastRefusal)
    }

    /// The app's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn fresh_id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// One call to the host; panics as the in-process kit would when the
    /// method panicked there, or when the host is gone.
    fn ask<T: DeserializeOwned>(&self, call: Call) -> T {
        let value = match self.host().call(&call) {
            Ok(value) => value,
            Err(reason) => panic!("{reason}"),
        };
        serde_json::from_value(value).unwrap_or_else(|e| {
            panic!("the test host's answer does not fit this test kit ({e}): are capsule-app and capsule-testkit of the same version?")
        })
    }

    fn host(&self) -> MutexGuard<'_, Host> {
        self.host.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A test host process and its pipes.
struct Host {
    child: Child,
    calls: ChildStdin,
    replies: BufReader<ChildStdout>,
}

impl Host {
    fn spawn(program: PathBuf) -> Result<Host, TestkitError> {
        let mut child = Command::new(&program)
            .arg("test-host")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| TestkitError::HostUnavailable {
                program: program.clone(),
                source,
            })?;
        let calls = child.stdin.take().expect("stdin is piped");
        let replies = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Host {
            child,
            calls,
            replies,
        })
    }

    /// Sends `call`; what the host answered, or why it did not.
    fn call(&mut self, call: &Call) -> Result<Value, String> {
        let mut line = serde_json::to_string(call).expect("calls serialise to JSON");
        line.push('\n');
        let mut reply = String::new();
        let sent = self
            .calls
            .write_all(line.as_bytes())
            .and_then(|()| self.calls.flush())
            .and_then(|()| self.replies.read_line(&mut reply));
        match sent {
            Ok(0) | Err(_) => {
                let status = self.child.try_wait().ok().flatten();
                return Err(format!(
                    "the test host stopped ({}); its output is above",
                    status.map_or("still running".to_owned(), |s| s.to_string())
                ));
            }
            Ok(_) => {}
        }
        match serde_json::from_str::<Reply>(&reply) {
            Ok(Reply::Done(value)) => Ok(value),
            Ok(Reply::Refused(reason) | Reply::Panicked(reason)) => Err(reason),
            Err(e) => Err(format!(
                "the test host answered `{}`, which this test kit cannot read ({e})",
                reply.trim_end()
            )),
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // The host serves this app only: end it, and wait for it so that
        // no process is left behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl std::fmt::Debug for RemoteApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteApp").field("id", &self.id).finish()
    }
}
