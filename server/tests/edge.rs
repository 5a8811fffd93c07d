//! The HTTP edge: slow and greedy clients are answered or closed within
//! the limits, oversized and mistyped bodies are refused before they are
//! read, connections are capped per address, WebSockets close with RFC
//! 6455's codes, and `/health` tells strangers nothing but its status.

use std::time::{Duration, Instant};

use capsule_server_harness as common;

use common::TestServer;
use common::ddp::Ddp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// The shortened timeouts these tests run with.
const SHORT: Duration = Duration::from_secs(1);
/// How long past a timeout a test waits for its effect.
const GRACE: Duration = Duration::from_secs(5);

async fn server_with_short_timeouts() -> TestServer {
    TestServer::start_configured(|config| {
        config.edge.header_read_timeout = SHORT;
        config.edge.body_read_timeout = SHORT;
    })
    .await
}

async fn connect(server: &TestServer) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    TcpStream::connect(address)
        .await
        .expect("the server accepts")
}

/// Everything the server sends until it closes the connection, or `None`
/// when it has not closed it within `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

/// The status code and JSON body of a raw HTTP/1.1 answer.
fn status_and_body(answer: &str) -> (u16, Value) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {answer:?}"));
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_never_finished_are_closed_within_the_header_timeout() {
    let server = server_with_short_timeouts().await;
    let mut stream = connect(&server).await;
    let started = Instant::now();

    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: capsule\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, SHORT + GRACE).await;

    assert!(
        answer.is_some(),
        "the connection was still open {:?} after the header timeout",
        SHORT + GRACE
    );
    assert!(started.elapsed() >= SHORT, "closed before the timeout");
}

/// A `GET /health` whose head (request line and headers) is `size`
/// bytes, padded with a header of filler.
fn health_request_with_head_of(size: usize) -> Vec<u8> {
    let start = "GET /health HTTP/1.1\r\nhost: capsule\r\nconnection: close\r\nx-filler: ";
    let end = "\r\n\r\n";
    let filler = "f".repeat(size - start.len() - end.len());
    format!("{start}{filler}{end}").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_up_to_8_kib_is_served_and_a_longer_one_refused_with_431() {
    let server = TestServer::start().await;
    let limit = capsule_server::edge::MAX_REQUEST_HEAD_BYTES;

    // Sent in two parts a moment apart, as a slow client would, so that
    // the server reads the head in more than one read.
    let at_limit = health_request_with_head_of(limit);
    let mut stream = connect(&server).await;
    stream.set_nodelay(true).unwrap();
    let (first, rest) = at_limit.split_at(limit / 2);
    stream.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(rest).await.unwrap();
    let answer = read_until_closed(&mut stream, GRACE)
        .await
        .expect("the server answers and closes");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let mut stream = connect(&server).await;
    stream
        .write_all(&health_request_with_head_of(limit + 1024))
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, GRACE)
        .await
        .expect("the server answers and closes");
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_announced_but_never_sent_is_answered_within_the_body_timeout() {
    let server = server_with_short_timeouts().await;
    let mut stream = connect(&server).await;

    stream
        .write_all(
            b"POST /api/v1/login HTTP/1.1\r\nhost: capsule\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{\"user\":",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, SHORT + GRACE)
        .await
        .expect("the server answers and closes within the body timeout");

    let (status, body) = status_and_body(&answer);
    assert_eq!(status, 408, "{answer}");
    assert_eq!(body["errorType"], "error-request-timeout", "{body}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "the client is told not to reuse the connection: {answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_content_length_is_refused_before_the_body_is_read() {
    let server = TestServer::start_configured(|config| config.max_body_bytes = 64 * 1024).await;
    let mut stream = connect(&server).await;

    // Ten gigabytes announced, not a byte sent: the answer cannot wait
    // for the body, and no body timeout is needed to get it.
    stream
        .write_all(
            b"POST /api/v1/login HTTP/1.1\r\nhost: capsule\r\ncontent-type: application/json\r\n\
              content-length: 10000000000\r\n\r\n",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, GRACE)
        .await
        .expect("the server answers at once and closes");

    let (status, body) = status_and_body(&answer);
    assert_eq!(status, 413, "{answer}");
    assert_eq!(body["errorType"], "error-payload-too-large", "{body}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "the client is told not to reuse the connection: {answer}"
    );
    assert!(
        body["error"].as_str().unwrap().contains("65536"),
        "the limit is named: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_over_the_per_address_cap_is_refused_with_a_503_naming_the_limit() {
    let server =
        TestServer::start_configured(|config| config.edge.max_connections_per_address = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(&server).await);
    }

    let mut fourth = connect(&server).await;
    fourth
        .write_all(b"GET /health HTTP/1.1\r\nhost: capsule\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut fourth, GRACE)
        .await
        .expect("the refused connection is answered and closed");

    let (status, body) = status_and_body(&answer);
    assert_eq!(status, 503, "{answer}");
    assert_eq!(body["errorType"], "error-too-many-connections", "{body}");
    assert!(
        body["error"].as_str().unwrap().contains('3'),
        "the limit is named: {body}"
    );

    // A closed connection frees its place (the server sees the close a
    // moment after the client makes it).
    drop(held.pop());
    let deadline = Instant::now() + GRACE;
    loop {
        let mut again = connect(&server).await;
        again
            .write_all(b"GET /health HTTP/1.1\r\nhost: capsule\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_until_closed(&mut again, GRACE)
            .await
            .unwrap_or_default();
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no place freed after a connection closed: {answer}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_message_over_the_limit_closes_with_1009() {
    let server = TestServer::start_configured(|config| config.max_body_bytes = 64 * 1024).await;
    let url = format!("{}/websocket", server.base.replacen("http://", "ws://", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();

    let oversized = format!(r#"{{"msg":"ping","id":"{}"}}"#, "x".repeat(100 * 1024));
    socket.send(Message::text(oversized)).await.unwrap();

    let code = tokio::time::timeout(GRACE, async {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Message::Close(close)) => return close.map(|close| u16::from(close.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the server closes the connection");
    assert_eq!(code, Some(1009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_are_told_the_server_is_going_away_when_it_stops() {
    let server = TestServer::start().await;
    let mut ddp = Ddp::connect(&server.base).await;

    let stopping = tokio::spawn(server.stop());
    let code = ddp.closed().await;

    assert_eq!(code, Some(1001));
    stopping.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_declared_as_another_type_is_refused_with_415() {
    let server = TestServer::start().await;
    let login = json!({"user": common::ADMIN, "password": common::ADMIN_PASSWORD}).to_string();
    let post = |content_type: &'static str| {
        server
            .http
            .post(format!("{}/api/v1/login", server.base))
            .header("content-type", content_type)
            .body(login.clone())
    };

    let refused = TestServer::answer(post("text/plain")).await;
    let body = refused.fails(415, "error-unsupported-media-type");
    assert!(
        body["error"].as_str().unwrap().contains("text/plain"),
        "{body}"
    );
    TestServer::answer(post("application/x-www-form-urlencoded"))
        .await
        .fails(415, "error-unsupported-media-type");

    let accepted = TestServer::answer(post("application/json; charset=utf-8")).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "success", "{}", accepted.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_health_has_no_counts_and_an_admin_sees_them() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let user = server.signed_in("bob").await;

    let anonymous = server.get("/health", None).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, json!({"status": "ok"}));
    let as_user = server.get("/health", Some(&user)).await;
    assert_eq!(as_user.body, json!({"status": "ok"}));

    let as_admin = server.get("/health", Some(&admin)).await;
    assert_eq!(as_admin.body["status"], "ok");
    assert!(
        as_admin.body["users"].as_u64().unwrap() >= 2,
        "{}",
        as_admin.body
    );
}
