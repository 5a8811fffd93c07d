//! `users.register` over HTTP: the first person on a server becomes its
//! admin, registration follows `Accounts_RegistrationForm`, and bad
//! registrations are refused naming the problem.

use capsule_server_harness as common;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use capsule_server::config::Config;
use capsule_server::server;
use common::TestServer;
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber;

fn registration(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.com"),
        "pass": format!("{username}-password"),
        "name": username,
    })
}

async fn register(server: &TestServer, body: Value) -> common::Answer {
    server.post("/api/v1/users.register", body, None).await
}

/// Log lines at WARN and above, written while a future runs.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<u8>>>);

impl Write for Warnings {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Warnings {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

/// Runs `prepare` on the data folder `dir` and returns what it warned about.
async fn warnings_of_prepare(dir: &std::path::Path) -> String {
    let warnings = Warnings::default();
    let writer = warnings.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir);
    let store = server::open_store(&config).expect("the store opens");
    server::prepare(store, &config, None)
        .with_subscriber(subscriber)
        .await
        .expect("prepare succeeds");
    warnings.text()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_person_on_a_server_without_people_becomes_its_admin() {
    let server = TestServer::start_without_admin().await;

    let first = register(&server, registration("ada")).await.ok();
    let second = register(&server, registration("bob")).await.ok();

    assert_eq!(first["user"]["roles"], json!(["admin", "user"]));
    assert_eq!(second["user"]["roles"], json!(["user"]));
    let ada = server.login("ada", "ada-password").await;
    let bob = server.login("bob", "bob-password").await;
    server
        .get("/api/v1/settings/Site_Name", Some(&ada))
        .await
        .ok();
    server
        .get("/api/v1/settings/Site_Name", Some(&bob))
        .await
        .fails(403, "error-unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn prepare_warns_about_a_server_without_people_and_is_quiet_once_someone_registered() {
    let server = TestServer::start_without_admin().await;
    let empty = tempfile::tempdir().expect("temp dir");
    register(&server, registration("ada")).await.ok();
    register(&server, registration("bob")).await.ok();
    let dir = server.stop().await;

    let fresh = warnings_of_prepare(empty.path()).await;
    let registered = warnings_of_prepare(dir.path()).await;

    assert!(
        fresh.contains("first account registered becomes its admin"),
        "{fresh}"
    );
    assert_eq!(registered, "", "prepare warned on a server with people");
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_answers_the_account_and_joins_the_default_channels() {
    let server = TestServer::start().await;

    let body = register(&server, registration("ada")).await.ok();

    let user = &body["user"];
    assert_eq!(user["username"], "ada");
    assert_eq!(
        user["emails"][0],
        json!({"address": "ada@example.com", "verified": false})
    );
    assert_eq!(user["active"], true);
    let ada = server.login("ada", "ada-password").await;
    let info = server
        .get(
            "/api/v1/users.info?username=ada&fields=%7B%22userRooms%22%3A1%7D",
            Some(&ada),
        )
        .await
        .ok();
    assert!(
        info["user"]["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rid"] == "GENERAL"),
        "{info}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_refused_when_the_form_is_disabled() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    server
        .post(
            "/api/v1/settings/Accounts_RegistrationForm",
            json!({"value": "Disabled"}),
            Some(&admin),
        )
        .await
        .ok();

    register(&server, registration("ada"))
        .await
        .fails(400, "error-user-registration-disabled");

    server.post("/api/v1/users.create", json!({"username": "ada", "email": "ada@example.com", "password": "ada-password", "name": "Ada"}), Some(&admin))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_refuses_taken_names_and_addresses() {
    let server = TestServer::start().await;
    register(&server, registration("ada")).await.ok();

    let taken_name = register(&server, json!({"username": "Ada", "email": "other@example.com", "pass": "long-password", "name": "A"}))
        .await
        .fails(400, "error-field-unavailable");
    let taken_address = register(&server, json!({"username": "ada2", "email": "ADA@example.com", "pass": "long-password", "name": "A"}))
        .await
        .fails(400, "error-field-unavailable");

    assert!(
        taken_name["error"].as_str().unwrap().contains("Ada"),
        "{taken_name}"
    );
    assert!(
        taken_address["error"]
            .as_str()
            .unwrap()
            .contains("ADA@example.com"),
        "{taken_address}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_refuses_bad_addresses_names_and_passwords() {
    let server = TestServer::start().await;
    let with = |field: &str, value: Value| {
        let mut body = registration("ada");
        body[field] = value;
        body
    };

    register(&server, with("email", json!("ada@nowhere")))
        .await
        .fails(400, "error-invalid-email");
    register(&server, with("username", json!("ada lovelace")))
        .await
        .fails(400, "error-invalid-username");
    let weak = register(&server, with("pass", json!("abc")))
        .await
        .fails(400, "error-password-policy-not-met");
    register(&server, with("pass", json!("")))
        .await
        .fails(400, "error-password-policy-not-met");
    register(&server, with("pass", json!("       ")))
        .await
        .fails(400, "error-password-policy-not-met");
    let mut missing = registration("ada");
    missing.as_object_mut().unwrap().remove("pass");
    let missing = register(&server, missing)
        .await
        .fails(400, "error-invalid-params");

    assert!(weak["error"].as_str().unwrap().contains("7"), "{weak}");
    assert!(
        missing["error"].as_str().unwrap().contains("pass"),
        "{missing}"
    );
    assert_eq!(
        server
            .post(
                "/api/v1/login",
                json!({"user": "ada", "password": "abc"}),
                None
            )
            .await
            .status,
        401
    );
}
