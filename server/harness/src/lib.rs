//! The end-to-end harness of Capsule's server tests: a real Capsule server
//! on 127.0.0.1 with its own data folder, and an HTTP client that talks to
//! it as a Rocket.Chat client would ([`ddp`] speaks its real-time API).
//!
//! It is a crate of its own, a dev-dependency of `capsule-server` (its
//! `tests/`) and of `capsule-tests` (the example apps' end-to-end tests),
//! so that none of it is compiled into the server. Tests import it as
//! `common`: `use capsule_server_harness as common;`.

use std::net::SocketAddr;

use capsule_server::apps::AppManager;
use capsule_server::config::Config;
use capsule_server::server::{self, AdminSeed, RunningServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub mod ddp;
pub mod tools;

/// The admin every test server starts with.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A running server and its data folder.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub base: String,
}

/// A signed-in client.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub token: String,
    pub username: String,
}

/// Signs `username` in on the server at `base`: one of the harness's, or
/// a `capsule` binary a test started.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Session {
    let request = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user": username, "password": password}));
    let answer = TestServer::answer(request).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "login of {username}: {}",
        answer.body
    );
    Session {
        user_id: answer.body["data"]["userId"].as_str().unwrap().to_owned(),
        token: answer.body["data"]["authToken"]
            .as_str()
            .unwrap()
            .to_owned(),
        username: username.to_owned(),
    }
}

/// An answer: status and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    /// Asserts a 200 with `success: true` and returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected success, got {}",
            self.body
        );
        assert_eq!(self.body["success"], true, "{}", self.body);
        self.body
    }

    /// Asserts a failure with this status and `errorType`.
    #[track_caller]
    pub fn fails(self, status: u16, error_type: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["success"], false, "{}", self.body);
        assert_eq!(self.body["errorType"], error_type, "{}", self.body);
        self.body
    }
}

impl TestServer {
    /// The running server's app manager, and through it the apps runtime.
    pub fn apps(&self) -> &AppManager {
        self.server
            .as_ref()
            .expect("the server is running")
            .app_manager()
    }

    /// A fresh server with the admin account.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir).await
    }

    /// A server on an existing data folder (to test restarts).
    pub async fn start_in(dir: tempfile::TempDir) -> TestServer {
        Self::start_configured_in(dir, |_| {}).await
    }

    /// A fresh server with the admin account, its configuration changed
    /// by `configure` before it starts.
    pub async fn start_configured(configure: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_configured_in(dir, configure).await
    }

    /// [`TestServer::start_configured`] on an existing data folder.
    pub async fn start_configured_in(
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
        configure(&mut config);
        let seed = AdminSeed {
            username: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
            email: Some("admin@example.com".into()),
        };
        let server = server::start(config, Some(seed))
            .await
            .expect("server starts");
        Self::serving(server, dir)
    }

    /// The client side of `server`, which keeps its data in `dir`.
    fn serving(server: RunningServer, dir: tempfile::TempDir) -> TestServer {
        let base = format!("http://{}", server.addr());
        TestServer {
            server: Some(server),
            dir,
            http: reqwest::Client::new(),
            base,
        }
    }

    /// Stops the server and hands back its data folder.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("clean shutdown");
        }
        self.dir
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        session: Option<&Session>,
    ) -> reqwest::RequestBuilder {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(session) = session {
            request = request
                .header("X-Auth-Token", &session.token)
                .header("X-User-Id", &session.user_id);
        }
        request
    }

    /// Sends `request` and reads its JSON answer (panics on anything else:
    /// every Capsule API answers JSON).
    pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        Answer { status, body }
    }

    /// GET `path` (with its query) as `session`.
    pub async fn get(&self, path: &str, session: Option<&Session>) -> Answer {
        Self::answer(self.request(reqwest::Method::GET, path, session)).await
    }

    /// POST JSON to `path` as `session`.
    pub async fn post(&self, path: &str, body: Value, session: Option<&Session>) -> Answer {
        Self::answer(
            self.request(reqwest::Method::POST, path, session)
                .json(&body),
        )
        .await
    }

    /// POST raw bytes to `path`.
    pub async fn post_raw(
        &self,
        path: &str,
        body: &'static [u8],
        session: Option<&Session>,
    ) -> Answer {
        Self::answer(
            self.request(reqwest::Method::POST, path, session)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Signs in.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        sign_in(&self.http, &self.base, username, password).await
    }

    /// Posts `text` to `room` as `who` with `chat.postMessage` and answers
    /// the stored message. Waits for the next millisecond first, so
    /// messages posted one after the other have increasing `ts`.
    pub async fn say(&self, who: &Session, room: &str, text: &str) -> Value {
        next_millisecond();
        self.post(
            "/api/v1/chat.postMessage",
            json!({"roomId": room, "text": text}),
            Some(who),
        )
        .await
        .ok()["message"]
            .clone()
    }

    /// The `/metrics` page (Prometheus text).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("the server answers")
            .text()
            .await
            .expect("a body")
    }

    /// The value of the first `/metrics` line for `metric`, if it has one.
    pub async fn metric(&self, metric: &str) -> Option<f64> {
        self.metrics()
            .await
            .lines()
            .find(|l| l.starts_with(metric))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
    }

    /// The admin, signed in.
    pub async fn admin(&self) -> Session {
        self.login(ADMIN, ADMIN_PASSWORD).await
    }

    /// Registers `username` (password `<username>-password`) and signs in.
    pub async fn user(&self, username: &str) -> Session {
        self.post(
            "/api/v1/users.register",
            json!({"username": username, "email": format!("{username}@example.com"), "pass": format!("{username}-password"), "name": username}),
            None,
        )
        .await
        .ok();
        self.login(username, &format!("{username}-password")).await
    }
}

// Arranging state through the chat domain, so a test of one endpoint does
// not depend on the endpoints that would otherwise set the scene.
impl TestServer {
    /// The running server's chat domain.
    pub fn chat_domain(&self) -> &capsule_server::chat::Chat {
        self.server.as_ref().expect("the server is running").chat()
    }

    /// The account behind a session.
    pub async fn account_of(&self, session: &Session) -> capsule_server::model::User {
        let id = capsule_server::model::UserId(session.user_id.clone());
        self.chat_domain()
            .user(&id)
            .await
            .expect("the session's user exists")
    }

    /// Creates `username` (password `<username>-password`, in the default
    /// channels) through the domain, and signs in over HTTP.
    pub async fn signed_in(&self, username: &str) -> Session {
        self.chat_domain()
            .create_user(capsule_server::chat::NewUser {
                username: username.to_owned(),
                name: username.to_owned(),
                email: Some(format!("{username}@example.com")),
                password: Some(format!("{username}-password")),
                roles: vec!["user".into()],
                active: true,
                verified: true,
                join_default_channels: true,
                ..Default::default()
            })
            .await
            .expect("the user is created");
        self.login(username, &format!("{username}-password")).await
    }

    /// A channel or group named `name` owned by `owner`, with `members`;
    /// answers its id.
    pub async fn room_of(
        &self,
        owner: &Session,
        kind: capsule_server::model::RoomKind,
        name: &str,
        members: &[&Session],
    ) -> String {
        let owner = self.account_of(owner).await;
        let new = capsule_server::chat::NewRoom {
            kind,
            name: name.to_owned(),
            members: members.iter().map(|m| m.username.clone()).collect(),
            read_only: false,
        };
        let room = self
            .chat_domain()
            .create_room(&owner, new)
            .await
            .expect("the room is created");
        room.id.0
    }
}

impl TestServer {
    /// A fresh server started without the admin seed: it has no people
    /// (only the `rocket.cat` bot), so the first to register becomes admin.
    pub async fn start_without_admin() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in_without_admin(dir).await
    }

    /// A server on an existing data folder, started without the admin seed.
    pub async fn start_in_without_admin(dir: tempfile::TempDir) -> TestServer {
        let config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
        let server = server::start(config, None).await.expect("server starts");
        Self::serving(server, dir)
    }
}

/// Waits (spinning, under a millisecond) until the clock reaches the next
/// millisecond, so the next message gets a later `ts` than every message
/// before it: history is ordered and pruned by `ts`, which has
/// millisecond precision.
pub fn next_millisecond() {
    let start = capsule_server::model::Timestamp::now();
    while capsule_server::model::Timestamp::now() == start {
        std::hint::spin_loop();
    }
}
