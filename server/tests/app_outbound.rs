//! Outbound HTTP from an app, end to end: a real server loads the signed
//! `fetcher` package, granted `http-outbound` to one local fake service
//! (`127.0.0.1:<port>`), and its public endpoint `fetch` fetches what the
//! test asks through the host's HTTP client, answering the response or the
//! host's refusal as JSON. The fake services record every request they get.

mod apps_support;
use capsule_server_harness as common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apps_support::{Publisher, files_of, guest, write_zip};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use capsule_runtime::package::{self, MANIFEST_FILE};
use common::TestServer;
use parking_lot::Mutex;
use serde_json::{Value, json};

/// One request a fake service received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A local HTTP service on 127.0.0.1 that records what it receives:
/// `/hello` answers `hello from the fake`; `/redirect?to=<url>` answers
/// 302 to `url`; `/big` answers 5 MiB; `/slow` never answers.
struct Fake {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(serde::Deserialize)]
struct Redirect {
    to: String,
}

async fn fake_handler(
    State(seen): State<Arc<Mutex<Vec<Seen>>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    seen.lock().push(Seen {
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body: body.to_vec(),
    });
    match uri.path() {
        "/hello" => "hello from the fake".into_response(),
        "/redirect" => match Query::<Redirect>::try_from_uri(&uri) {
            Ok(Query(Redirect { to })) => {
                (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
            }
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        },
        "/big" => vec![b'x'; 5 << 20].into_response(),
        // Holds the request until the client gives up.
        "/slow" => std::future::pending().await,
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Fake {
    async fn start() -> Fake {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(any(fake_handler))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake binds");
        let addr = listener.local_addr().expect("a local address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake { addr, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().clone()
    }
}

/// The `fetcher` package signed by `publisher`, its manifest granting
/// `http-outbound` to `hosts` only.
fn fetcher_granted(publisher: &Publisher, hosts: &[String]) -> std::path::PathBuf {
    let mut files = files_of(guest("fetcher"));
    let mut manifest: Value =
        serde_json::from_slice(&files[MANIFEST_FILE]).expect("the manifest is JSON");
    manifest["permissions"] = json!([{"name": "kv"}, {"name": "http-outbound", "hosts": hosts}]);
    files.insert(
        MANIFEST_FILE.to_owned(),
        serde_json::to_vec(&manifest).expect("JSON"),
    );
    let signed = package::sign(&files, &publisher.key);
    write_zip(publisher.dir.path(), "fetcher.zip", &signed)
}

/// A server with `fetcher` granted `127.0.0.1:<granted's port>`.
async fn start(granted: &Fake) -> (TestServer, Publisher) {
    let publisher = Publisher::new("acme");
    let package = fetcher_granted(&publisher, &[granted.addr.to_string()]);
    let key = publisher.public_key_file.clone();
    let server = TestServer::start_configured(move |config| {
        config.apps = vec![package];
        config.trusted_keys = vec![key];
    })
    .await;
    (server, publisher)
}

/// Has the app fetch as `request` says; answers the app's JSON outcome.
async fn fetch(server: &TestServer, request: Value) -> Value {
    let answer = server
        .post("/api/apps/public/fetcher/fetch", request, None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[track_caller]
fn assert_refused(outcome: &Value, mentions: &[&str]) {
    let error = outcome["error"]
        .as_str()
        .unwrap_or_else(|| panic!("not refused: {outcome}"));
    for mention in mentions {
        assert!(error.contains(mention), "`{mention}` not in `{error}`");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_granted_host_gets_exactly_what_the_app_sent_through_the_hosts_client() {
    let fake = Fake::start().await;
    let (server, _publisher) = start(&fake).await;

    let outcome = fetch(
        &server,
        json!({
            "url": fake.url("/hello?city=Lyon&n=1"),
            "method": "POST",
            "headers": {"x-probe": "42", "content-type": "text/plain"},
            "body": "ping",
        }),
    )
    .await;

    assert_eq!(outcome["status"], 200, "{outcome}");
    assert_eq!(outcome["body"], "hello from the fake", "{outcome}");
    let seen = fake.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/hello?city=Lyon&n=1");
    assert_eq!(request.body, b"ping");
    assert_eq!(request.headers["x-probe"], "42");
    assert_eq!(request.headers["content-type"], "text/plain");
    // The host's reqwest client sent it, not anything inside the sandbox.
    let agent = request.headers[header::USER_AGENT].to_str().unwrap();
    assert!(agent.starts_with("capsule-runtime/"), "{agent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_port_on_the_same_loopback_address_is_denied_and_never_reached() {
    let granted = Fake::start().await;
    let other = Fake::start().await;
    let (server, _publisher) = start(&granted).await;

    let outcome = fetch(&server, json!({"url": other.url("/hello")})).await;

    assert_refused(
        &outcome,
        &[
            "permission denied",
            &format!("127.0.0.1:{}", other.addr.port()),
            "allow-list",
        ],
    );
    assert!(other.seen().is_empty(), "{:?}", other.seen());
    assert!(granted.seen().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn another_spelling_of_loopback_another_address_or_scheme_is_denied() {
    let fake = Fake::start().await;
    let (server, _publisher) = start(&fake).await;
    let port = fake.addr.port();

    for url in [
        format!("http://localhost:{port}/hello"),
        format!("http://[::1]:{port}/hello"),
        format!("http://10.0.0.1:{port}/hello"),
        "file:///etc/passwd".to_owned(),
    ] {
        let outcome = fetch(&server, json!({"url": url})).await;
        assert_refused(&outcome, &["permission denied"]);
    }
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_followed_on_the_granted_host_and_refused_off_it() {
    let granted = Fake::start().await;
    let other = Fake::start().await;
    let (server, _publisher) = start(&granted).await;

    let within = fetch(&server, json!({"url": granted.url("/redirect?to=/hello")})).await;
    let away = fetch(
        &server,
        json!({"url": granted.url(&format!("/redirect?to={}", other.url("/hello")))}),
    )
    .await;

    assert_eq!(within["status"], 200, "{within}");
    assert_eq!(within["body"], "hello from the fake", "{within}");
    assert_refused(
        &away,
        &[
            "permission denied",
            &format!("127.0.0.1:{}", other.addr.port()),
        ],
    );
    assert!(other.seen().is_empty(), "{:?}", other.seen());
    let paths: Vec<String> = granted
        .seen()
        .into_iter()
        .map(|s| s.path_and_query)
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(paths[1], "/hello");
    assert!(paths[2].starts_with("/redirect?to="), "{paths:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_response_over_the_size_cap_is_refused() {
    let fake = Fake::start().await;
    let (server, _publisher) = start(&fake).await;

    let outcome = fetch(&server, json!({"url": fake.url("/big")})).await;

    // The runtime's default cap, 4 MiB; the fake answers 5 MiB.
    assert_refused(&outcome, &["quota exceeded", "larger than 4194304 bytes"]);
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_response_times_out_and_the_app_keeps_serving() {
    let fake = Fake::start().await;
    let (server, _publisher) = start(&fake).await;

    let started = Instant::now();
    let outcome = fetch(
        &server,
        json!({"url": fake.url("/slow"), "timeout_ms": 300}),
    )
    .await;
    let took = started.elapsed();

    assert_refused(
        &outcome,
        &["unavailable", "/slow", "timed out after 300 ms"],
    );
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    let after = fetch(&server, json!({"url": fake.url("/hello")})).await;
    assert_eq!(after["body"], "hello from the fake", "{after}");
}
