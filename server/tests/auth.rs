//! Signing in and out over HTTP.

use capsule_server_harness as common;

use common::TestServer;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn login_me_and_logout_revoke_only_that_token() {
    let server = TestServer::start().await;
    let first = server.admin().await;
    let second = server.admin().await;
    let me = server.get("/api/v1/me", Some(&first)).await.ok();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["email"], "admin@example.com");
    assert!(me["roles"].as_array().unwrap().contains(&json!("admin")));

    let out = server.post("/api/v1/logout", json!({}), Some(&first)).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["status"], "success");
    server
        .get("/api/v1/me", Some(&first))
        .await
        .fails(401, "error-unauthorized");
    server.get("/api/v1/me", Some(&second)).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_401_and_info_needs_no_sign_in() {
    let server = TestServer::start().await;
    let answer = server
        .post(
            "/api/v1/login",
            json!({"user": "admin", "password": "nope"}),
            None,
        )
        .await;
    assert_eq!(answer.status, 401);
    let info = server.get("/api/info", None).await.ok();
    assert!(numbers(info["version"].as_str().unwrap(), 2), "{info}");
    assert!(
        numbers(info["capsule"]["version"].as_str().unwrap(), 3),
        "{info}"
    );
}

/// Whether `version` is `parts` dot-separated numbers.
fn numbers(version: &str, parts: usize) -> bool {
    let split: Vec<&str> = version.split('.').collect();
    split.len() == parts && split.iter().all(|p| p.parse::<u64>().is_ok())
}
