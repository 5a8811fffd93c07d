//! The API as a whole: every endpoint in the route table is in the OpenAPI
//! document, in docs/api.md, and refuses callers without the access it
//! declares.

use capsule_server_harness as common;

use capsule_server::api::endpoints;
use capsule_server::api::routes::Access;
use common::{Answer, Session, TestServer};
use serde_json::json;

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { "x" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// `DELETE path` as `session` (the harness has no helper for it).
async fn delete(server: &TestServer, path: &str, session: Option<&Session>) -> Answer {
    let mut request = server.http.delete(format!("{}{path}", server.base));
    if let Some(session) = session {
        request = request
            .header("X-Auth-Token", &session.token)
            .header("X-User-Id", &session.user_id);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    Answer { status, body }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_is_in_the_openapi_document() {
    let server = TestServer::start().await;
    let document = server.get("/api/openapi.json", None).await.body;
    assert_eq!(document["openapi"], "3.1.0");
    for endpoint in endpoints() {
        let operation = &document["paths"][endpoint.path][endpoint.method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{} {} is not documented",
            endpoint.method,
            endpoint.path
        );
        assert!(!operation["summary"].as_str().unwrap_or("").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_refuse_callers_without_the_access_they_declare() {
    let server = TestServer::start().await;
    let user = server.user("plain").await;
    for endpoint in endpoints() {
        let path = concrete(endpoint.path);
        let call = |session| {
            let server = &server;
            let path = path.clone();
            async move {
                match endpoint.method {
                    "GET" => server.get(&path, session).await,
                    "DELETE" => delete(server, &path, session).await,
                    _ => server.post(&path, json!({}), session).await,
                }
            }
        };
        match endpoint.access {
            Access::Public => {}
            Access::User => {
                let answer = call(None).await;
                assert_eq!(
                    answer.status, 401,
                    "{} {} without sign-in: {}",
                    endpoint.method, path, answer.body
                );
            }
            Access::Admin => {
                let answer = call(None).await;
                assert_eq!(
                    answer.status, 401,
                    "{} {} without sign-in: {}",
                    endpoint.method, path, answer.body
                );
                let answer = call(Some(&user)).await;
                assert_eq!(
                    answer.status, 403,
                    "{} {} as a plain user: {}",
                    endpoint.method, path, answer.body
                );
            }
        }
    }
}

#[test]
fn every_endpoint_is_listed_in_the_api_reference() {
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md"))
        .expect("docs/api.md exists");
    let missing: Vec<String> = endpoints()
        .iter()
        .map(|e| format!("| `{} {}` |", e.method, e.path))
        .filter(|line| !reference.contains(line.trim_end_matches(" |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/api.md lacks these endpoints:\n{}",
        missing.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_and_bad_json_get_json_errors() {
    let server = TestServer::start().await;
    server
        .get("/api/v1/no.such.endpoint", None)
        .await
        .fails(404, "error-not-found");
    let admin = server.admin().await;
    let answer = server
        .post_raw("/api/v1/chat.postMessage", b"{not json", Some(&admin))
        .await;
    answer.fails(400, "error-invalid-json");
    let answer = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": 7, "text": "x"}),
            Some(&admin),
        )
        .await;
    let body = answer.fails(400, "error-invalid-params");
    assert!(body["error"].as_str().unwrap().contains("roomId"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_answer() {
    let server = TestServer::start().await;
    let health = server.get("/health", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let admin = server.admin().await;
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": "GENERAL", "text": "count me"}),
            Some(&admin),
        )
        .await
        .ok();
    let text = server.metrics().await;
    assert!(text.contains("capsule_http_requests_total"), "{text}");
    assert!(
        text.contains("route=\"/api/v1/chat.postMessage\""),
        "{text}"
    );
    assert!(text.contains("capsule_sign_ins_total"), "{text}");
    assert!(text.contains("capsule_messages_total"), "{text}");
}
