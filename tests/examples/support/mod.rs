//! What the example apps' end-to-end tests share (`tests/examples/*.rs`).
//!
//! It reuses the server's own harness (`capsule-server-harness`, in
//! `server/harness`: a real server on 127.0.0.1 in a temporary folder,
//! signed-in sessions, JSON calls) and
//! adds what an example app test needs on top: the apps of `apps-examples`
//! built for wasm32-wasip2, signed with a test publisher key that the
//! server trusts, and installed **through the apps admin API** (upload with
//! a grant, settings, enable), as an admin would.
//!
//! ```ignore
//! mod support;
//! use support::Chat;
//!
//! let chat = Chat::start().await;
//! chat.install("hello", json!({})).await;
//! let alice = chat.user("alice").await;
//! chat.say(&alice, support::GENERAL, "hi :wave:").await;
//! let newest = chat.history(&alice, support::GENERAL).await;
//! ```
//!
//! Everything here panics with a message naming what failed: these are test
//! helpers. Others may add small functions at the end.
#![allow(dead_code)]

pub use capsule_server_harness as common;

use std::time::{Duration, Instant};

use capsule_runtime::package::{self, Files, MANIFEST_FILE, SigningKey};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

pub use common::{Answer, Session, TestServer};

/// The default channel every user made by [`Chat::user`] is in.
pub const GENERAL: &str = "GENERAL";

/// A running server that trusts the test publisher, with its admin signed
/// in.
pub struct Chat {
    pub server: TestServer,
    pub admin: Session,
    key: SigningKey,
}

impl Chat {
    /// A fresh server trusting the test key (added through the admin API,
    /// `POST /api/apps/trusted-keys`), and its admin.
    pub async fn start() -> Chat {
        let server = TestServer::start().await;
        let admin = server.admin().await;
        let key = SigningKey::generate("capsule-examples-test");
        server
            .post(
                "/api/apps/trusted-keys",
                json!({"key": key.public_key().to_json()}),
                Some(&admin),
            )
            .await
            .ok();
        Chat { server, admin, key }
    }

    /// The example app `name` (built from `apps-examples/<name>`) with its
    /// manifest changed by `edit`, packaged and signed with the test key.
    /// Tests use `edit` for what an admin's copy of the app would change,
    /// e.g. the `http-outbound` hosts to a local fake's `127.0.0.1:<port>`.
    pub fn package(&self, name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let app = capsule_testkit::example_apps().app(name);
        let manifest = std::fs::read(&app.manifest_path).expect("the manifest is readable");
        let mut manifest: Value = serde_json::from_slice(&manifest).expect("the manifest is JSON");
        edit(&mut manifest);
        let files = Files::from([
            (
                MANIFEST_FILE.to_owned(),
                serde_json::to_vec_pretty(&manifest).expect("JSON"),
            ),
            (
                "app.wasm".to_owned(),
                app.read_wasm().expect("the component is readable"),
            ),
        ]);
        package::build(&package::sign(&files, &self.key)).expect("the package zip is built")
    }

    /// Installs the example app `name` as it is, with `settings` (an
    /// object keyed by setting id, `{}` for none); see
    /// [`Chat::install_package`].
    pub async fn install(&self, name: &str, settings: Value) -> Value {
        self.install_package(self.package(name, |_| {}), settings)
            .await
    }

    /// Installs `package` through the admin API: `POST /api/apps` granting
    /// everything its manifest asks (`permissions=all`), then `POST
    /// /api/apps/{id}/settings` with `settings` (unless empty), then `POST
    /// /api/apps/{id}/status` `manually_enabled`. Answers the enabled app
    /// (`AppView`); fails the test if any step is refused.
    pub async fn install_package(&self, package: Vec<u8>, settings: Value) -> Value {
        let uploaded = self.upload(package, Some("all")).await.ok();
        let id = uploaded["app"]["id"]
            .as_str()
            .expect("an app id")
            .to_owned();
        if settings.as_object().is_some_and(|s| !s.is_empty()) {
            self.server
                .post(
                    &format!("/api/apps/{id}/settings"),
                    json!({ "settings": settings }),
                    Some(&self.admin),
                )
                .await
                .ok();
        }
        let app = self
            .server
            .post(
                &format!("/api/apps/{id}/status"),
                json!({"status": "manually_enabled"}),
                Some(&self.admin),
            )
            .await
            .ok()["app"]
            .clone();
        assert_eq!(app["status"], "enabled", "{app}");
        app
    }

    /// `POST /api/apps` with `package` as the admin, granting `permissions`
    /// (`"all"`, a JSON list, or none to leave it awaiting a grant).
    pub async fn upload(&self, package: Vec<u8>, permissions: Option<&str>) -> Answer {
        let part = Part::bytes(package)
            .file_name("app.zip")
            .mime_str("application/zip")
            .expect("a MIME type");
        let mut form = Form::new().part("app", part);
        if let Some(permissions) = permissions {
            form = form.text("permissions", permissions.to_owned());
        }
        let response = self
            .server
            .http
            .post(format!("{}/api/apps", self.server.base))
            .header("X-Auth-Token", &self.admin.token)
            .header("X-User-Id", &self.admin.user_id)
            .multipart(form)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        Answer { status, body }
    }

    /// A new user `username` (password `<username>-password`, in the
    /// default channels such as [`GENERAL`]), signed in.
    pub async fn user(&self, username: &str) -> Session {
        self.server.signed_in(username).await
    }

    /// Posts `text` to `room` as `who` (`chat.postMessage`); answers the
    /// message as the server answered it.
    pub async fn say(&self, who: &Session, room: &str, text: &str) -> Value {
        self.server.say(who, room, text).await
    }

    /// Runs `/command params` in `room` as `who` (`commands.run`); answers
    /// the `result`: `{"outcome": "answered" | "refused" | "failed",
    /// "text"}`, the private answer the user got.
    pub async fn command(&self, who: &Session, room: &str, command: &str, params: &str) -> Value {
        self.server
            .post(
                "/api/v1/commands.run",
                json!({"command": command, "params": params, "roomId": room}),
                Some(who),
            )
            .await
            .ok()["result"]
            .clone()
    }

    /// The newest messages of `room` as `who` sees them, newest first
    /// (`channels.history`, Rocket.Chat's message JSON).
    pub async fn history(&self, who: &Session, room: &str) -> Vec<Value> {
        self.server
            .get(
                &format!("/api/v1/channels.history?roomId={room}&count=100"),
                Some(who),
            )
            .await
            .ok()["messages"]
            .as_array()
            .expect("messages")
            .clone()
    }

    /// Waits (up to 30 s: a loaded CI machine compiles components slowly)
    /// for a message of `room` that `matches`, and
    /// answers it; for what apps post off the request path (post-send
    /// hooks, jobs). Fails the test naming `what` and the room's history.
    pub async fn wait_for_message(
        &self,
        who: &Session,
        room: &str,
        what: &str,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let history = self.history(who, room).await;
            if let Some(found) = history.iter().find(|m| matches(m)) {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} in {room}; history: {history:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A POST of the raw `body` (as `application/json`) to `path` on the
    /// server, signed out; answers the status and the body as JSON (or as
    /// a JSON string when it is not JSON).
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .server
            .http
            .post(format!("{}{path}", self.server.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }
}

/// Waits (spinning a few ms at most) until `check` holds, or fails after
/// 30 s naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
