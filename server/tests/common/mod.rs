//! The end-to-end harness: a real Capsule server on 127.0.0.1 with its own
//! data folder, and an HTTP client that talks to it as a Rocket.Chat client
//! would.
#![allow(dead_code)]

use std::net::SocketAddr;

use capsule_server::config::Config;
use capsule_server::server::{self, AdminSeed, RunningServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
        assert_eq!(self.status, StatusCode::OK, "expected success, got {}", self.body);
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
    /// A fresh server with the admin account.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir).await
    }

    /// A server on an existing data folder (to test restarts).
    pub async fn start_in(dir: tempfile::TempDir) -> TestServer {
        let config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
        let seed = AdminSeed {
            username: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
            email: Some("admin@example.com".into()),
        };
        let server = server::start(config, Some(seed)).await.expect("server starts");
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

    fn request(&self, method: reqwest::Method, path: &str, session: Option<&Session>) -> reqwest::RequestBuilder {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(session) = session {
            request = request.header("X-Auth-Token", &session.token).header("X-User-Id", &session.user_id);
        }
        request
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        Answer { status, body }
    }

    /// GET `path` (with its query) as `session`.
    pub async fn get(&self, path: &str, session: Option<&Session>) -> Answer {
        Self::answer(self.request(reqwest::Method::GET, path, session)).await
    }

    /// POST JSON to `path` as `session`.
    pub async fn post(&self, path: &str, body: Value, session: Option<&Session>) -> Answer {
        Self::answer(self.request(reqwest::Method::POST, path, session).json(&body)).await
    }

    /// POST raw bytes to `path`.
    pub async fn post_raw(&self, path: &str, body: &'static [u8], session: Option<&Session>) -> Answer {
        Self::answer(
            self.request(reqwest::Method::POST, path, session)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Signs in.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let answer = self.post("/api/v1/login", json!({"user": username, "password": password}), None).await;
        assert_eq!(answer.status, StatusCode::OK, "login of {username}: {}", answer.body);
        Session {
            user_id: answer.body["data"]["userId"].as_str().unwrap().to_owned(),
            token: answer.body["data"]["authToken"].as_str().unwrap().to_owned(),
            username: username.to_owned(),
        }
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
