//! App HTTP endpoints, end to end: a real server loads the signed
//! `everything` package, whose endpoints (`echo` public, `whoami` private
//! and GET only, `hooks` public and POST only) echo what they receive as
//! JSON; request headers steer its answer (`x-echo-status`, `x-echo-set`,
//! `x-echo-raw`, `x-echo-fault`, see `tests/apps/everything/src/endpoint.rs`).

mod apps_support;
use capsule_server_harness as common;

use apps_support::Publisher;
use common::{Session, TestServer};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// A server with the `everything` app, its body limit set to 16 KiB.
async fn start() -> (TestServer, Publisher) {
    let publisher = Publisher::new("acme");
    let apps = publisher.configure(&["everything"]);
    let server = TestServer::start_configured(move |config| {
        apps(config);
        config.max_body_bytes = 16 * 1024;
    })
    .await;
    (server, publisher)
}

fn call(server: &TestServer, method: Method, path: &str) -> RequestBuilder {
    server
        .http
        .request(method, format!("{}{}", server.base, path))
}

fn signed_in(request: RequestBuilder, session: &Session) -> RequestBuilder {
    request
        .header("X-Auth-Token", &session.token)
        .header("X-User-Id", &session.user_id)
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("the server answers")
}

async fn json_of(response: Response) -> Value {
    let text = response.text().await.expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a JSON error with `status` and `error_type` whose message
/// mentions every one of `mentions`; answers the body.
#[track_caller]
fn assert_error(status: u16, body: &Value, got: u16, error_type: &str, mentions: &[&str]) {
    assert_eq!(got, status, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["errorType"], error_type, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    for mention in mentions {
        assert!(message.contains(mention), "`{mention}` not in {body}");
    }
}

/// The header pairs the app received.
fn headers_seen(echo: &Value) -> Vec<(String, String)> {
    serde_json::from_value(echo["headers"].clone()).expect("header pairs")
}

#[tokio::test]
async fn a_public_endpoint_gets_the_request_exactly_and_answers_with_the_apps_status_headers_and_body()
 {
    let (server, _publisher) = start().await;
    let alice = server.user("alice").await;
    let body: Vec<u8> = (0..=255u8).rev().chain([0, 0, 13, 10]).collect();

    let response = send(
        signed_in(
            call(
                &server,
                Method::PUT,
                "/api/apps/public/everything/echo/sub/path?x=1&y=a%20b",
            ),
            &alice,
        )
        .header("Cookie", "rc_token=secret")
        .header("X-Custom", "Mixed Case Value")
        .header("content-type", "application/octet-stream")
        .header("x-echo-status", "201")
        .header("x-echo-set", "x-reply: yes")
        .header("x-echo-set", "content-length: 1")
        .header("x-echo-set", "connection: close")
        .header("x-echo-set", "set-cookie: rc_token=stolen")
        .body(body.clone()),
    )
    .await;

    assert_eq!(response.status().as_u16(), 201);
    let headers = response.headers().clone();
    assert_eq!(headers["x-reply"], "yes");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.get("set-cookie").is_none(), "{headers:?}");
    assert!(headers.get("connection").is_none(), "{headers:?}");
    let text = response.bytes().await.expect("a body");
    assert_eq!(headers["content-length"], text.len().to_string().as_str());
    let echo: Value = serde_json::from_slice(&text).expect("JSON");
    assert_eq!(echo["endpoint"], "echo");
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["url"], "/echo/sub/path?x=1&y=a%20b");
    assert_eq!(echo["body_hex"], hex::encode(&body));
    assert_eq!(echo["user"], Value::Null);
    let seen = headers_seen(&echo);
    for expected in [
        ("x-custom", "Mixed Case Value"),
        ("content-type", "application/octet-stream"),
        ("content-length", "260"),
    ] {
        assert!(
            seen.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {seen:?}"
        );
    }
    let set: Vec<&str> = seen
        .iter()
        .filter(|(k, _)| k == "x-echo-set")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        set.len(),
        4,
        "a repeated header keeps every value: {seen:?}"
    );
    for (name, _) in &seen {
        assert!(
            !["x-auth-token", "x-user-id", "cookie", "connection"].contains(&name.as_str()),
            "`{name}` reached the app: {seen:?}"
        );
    }

    // A binary answer comes back byte for byte.
    let response = send(
        call(&server, Method::POST, "/api/apps/public/everything/echo")
            .header("x-echo-raw", "1")
            .body(body.clone()),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), body);
}

#[tokio::test]
async fn a_private_endpoint_needs_sign_in_and_gets_the_user() {
    let (server, _publisher) = start().await;
    let alice = server.user("alice").await;
    let path = "/api/apps/private/everything/whoami";

    let anonymous = send(call(&server, Method::GET, path)).await;
    let status = anonymous.status().as_u16();
    assert_error(
        401,
        &json_of(anonymous).await,
        status,
        "error-unauthorized",
        &[],
    );
    let forged = Session {
        token: "not-a-token".into(),
        ..alice.clone()
    };
    let bad = send(signed_in(call(&server, Method::GET, path), &forged)).await;
    assert_eq!(bad.status().as_u16(), 401);
    // Without credentials nothing is told, not even whether the app exists.
    let unknown = send(call(&server, Method::GET, "/api/apps/private/nope/x")).await;
    assert_eq!(unknown.status().as_u16(), 401);

    let response = send(signed_in(
        call(&server, Method::GET, &format!("{path}?q=1")),
        &alice,
    ))
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let echo = json_of(response).await;
    assert_eq!(echo["endpoint"], "whoami");
    assert_eq!(echo["url"], "/whoami?q=1");
    assert_eq!(echo["user"]["username"], "alice");
    assert_eq!(echo["user"]["id"], alice.user_id.as_str());
    assert!(
        headers_seen(&echo)
            .iter()
            .all(|(k, _)| k != "x-auth-token" && k != "x-user-id"),
        "{echo}"
    );

    // A path of the other visibility is not found, either way.
    let response = send(call(
        &server,
        Method::GET,
        "/api/apps/public/everything/whoami",
    ))
    .await;
    let status = response.status().as_u16();
    assert_error(
        404,
        &json_of(response).await,
        status,
        "error-app-endpoint-not-found",
        &["everything", "whoami"],
    );
    let response = send(signed_in(
        call(&server, Method::GET, "/api/apps/private/everything/echo"),
        &alice,
    ))
    .await;
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn unknown_apps_and_paths_wrong_methods_and_oversized_bodies_are_refused() {
    let (server, _publisher) = start().await;
    let alice = server.user("alice").await;

    let response = send(call(&server, Method::GET, "/api/apps/public/nope/echo")).await;
    let status = response.status().as_u16();
    assert_error(
        404,
        &json_of(response).await,
        status,
        "error-app-not-found",
        &["`nope`"],
    );
    for path in ["nothing", "echoes", "hooks-x"] {
        let response = send(call(
            &server,
            Method::GET,
            &format!("/api/apps/public/everything/{path}"),
        ))
        .await;
        let status = response.status().as_u16();
        assert_error(
            404,
            &json_of(response).await,
            status,
            "error-app-endpoint-not-found",
            &["everything", path],
        );
    }

    let response = send(signed_in(
        call(
            &server,
            Method::DELETE,
            "/api/apps/private/everything/whoami",
        ),
        &alice,
    ))
    .await;
    assert_eq!(response.headers()["allow"], "GET");
    let status = response.status().as_u16();
    assert_error(
        405,
        &json_of(response).await,
        status,
        "error-method-not-allowed",
        &["whoami", "DELETE"],
    );

    let response = send(
        call(&server, Method::POST, "/api/apps/public/everything/echo")
            .body(vec![7u8; 16 * 1024 + 1]),
    )
    .await;
    let status = response.status().as_u16();
    assert_error(
        413,
        &json_of(response).await,
        status,
        "error-payload-too-large",
        &["16384 bytes"],
    );
    // Exactly the limit is accepted.
    let response = send(
        call(&server, Method::POST, "/api/apps/public/everything/echo").body(vec![7u8; 16 * 1024]),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(json_of(response).await["body_len"], 16 * 1024);
}

#[tokio::test]
async fn incoming_webhook_urls_reach_the_app_that_declares_hooks() {
    let (server, _publisher) = start().await;

    let response = send(
        call(&server, Method::POST, "/hooks/abc123/tok-456?x=1")
            .header("content-type", "application/json")
            .body(r#"{"text":"hi"}"#),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    let echo = json_of(response).await;
    assert_eq!(echo["endpoint"], "hooks");
    assert_eq!(echo["url"], "/hooks/abc123/tok-456?x=1");
    assert_eq!(echo["body_hex"], hex::encode(br#"{"text":"hi"}"#));
    let response = send(call(&server, Method::GET, "/hooks/abc123/tok-456")).await;
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_server_without_a_hooks_app_answers_webhooks_with_a_404() {
    let server = TestServer::start().await;
    let response = send(call(&server, Method::POST, "/hooks/abc/def")).await;
    let status = response.status().as_u16();
    assert_error(
        404,
        &json_of(response).await,
        status,
        "error-app-endpoint-not-found",
        &["hooks"],
    );
    let response = send(call(
        &server,
        Method::GET,
        "/api/apps/public/everything/echo",
    ))
    .await;
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn faults_deadlines_bad_statuses_and_a_disabled_app_get_their_statuses_and_the_server_keeps_serving()
 {
    let (server, _publisher) = start().await;
    let echo = "/api/apps/public/everything/echo";

    let response = send(call(&server, Method::GET, echo).header("x-echo-fault", "panic")).await;
    let status = response.status().as_u16();
    assert_error(
        502,
        &json_of(response).await,
        status,
        "error-app-failed",
        &["`everything`", "trapped"],
    );

    let response = send(call(&server, Method::GET, echo).header("x-echo-fault", "loop")).await;
    let status = response.status().as_u16();
    assert_error(
        504,
        &json_of(response).await,
        status,
        "error-app-timeout",
        &["`everything`", "CPU deadline"],
    );

    for bad in ["1000", "99", "101"] {
        let response = send(call(&server, Method::GET, echo).header("x-echo-status", bad)).await;
        let status = response.status().as_u16();
        assert_error(
            502,
            &json_of(response).await,
            status,
            "error-app-invalid-response",
            &["`everything`", bad],
        );
    }

    let response = send(call(&server, Method::GET, echo)).await;
    assert_eq!(response.status().as_u16(), 200, "the app still answers");
    server.get("/api/info", None).await.ok();

    let runtime = server.apps().runtime();
    runtime.disable("everything").expect("the app is loaded");
    let response = send(call(&server, Method::GET, echo)).await;
    let status = response.status().as_u16();
    assert_error(
        503,
        &json_of(response).await,
        status,
        "error-app-disabled",
        &["The `everything` app is disabled by an admin."],
    );
}

#[tokio::test]
async fn app_routes_are_counted_by_pattern_and_app_calls_by_the_runtime() {
    let (server, _publisher) = start().await;
    for path in ["echo/one", "echo/two", "echo/three"] {
        let response = send(call(
            &server,
            Method::GET,
            &format!("/api/apps/public/everything/{path}"),
        ))
        .await;
        assert_eq!(response.status().as_u16(), 200);
    }

    let metrics = server.metrics().await;
    let requests: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("capsule_http_requests_total"))
        .collect();
    // The recorder is the process's, shared with the other tests here.
    let counted: f64 = requests
        .iter()
        .filter(|l| l.contains(r#"route="/api/apps/public/{app}/{*path}""#))
        .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
        .sum();
    assert!(counted >= 3.0, "{requests:#?}");
    assert!(
        !metrics.contains("echo/one"),
        "a raw path became a label:\n{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("capsule_app_calls_total")
                && l.contains(r#"app="everything""#)
                && l.contains(r#"hook="endpoint""#)),
        "{metrics}"
    );
}
