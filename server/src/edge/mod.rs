//! The HTTP edge: accepting TCP connections and serving HTTP/1 on them
//! with the limits that keep slow or greedy clients from holding the
//! server: a header read timeout (hyper's), connection caps per client
//! address and in all ([`admission`]), and graceful shutdown. Request
//! bodies get their timeout and their size limit in the HTTP layers
//! (`server::router`, `api::extract`).
//!
//! axum's own `serve` has no header timeout (it sets no timer on hyper)
//! and no caps, so this is its accept loop with those added, on the same
//! hyper and hyper-util parts.

pub mod admission;
mod memory;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

pub use admission::{Admission, Refusal, Ticket};

use crate::config::edge::EdgeLimits;

/// An admitted connection's ticket, on each of its requests: a handler
/// that takes the connection over (the WebSocket upgrade) keeps it, so
/// the connection counts against the caps until it closes.
#[derive(Clone)]
pub struct HeldConnection(#[allow(dead_code)] Arc<Ticket>);

/// How long a refused client gets to read its refusal.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// The largest request head (request line and headers) in bytes; a
/// longer one is answered `431 Request Header Fields Too Large`. It is
/// also hyper's read buffer's ceiling: with the default (about 400 KiB),
/// hyper doubles its 8 KiB buffer to 16 KiB as soon as a request's head
/// arrives in more than one read, which every half-open connection's
/// does; at 8 KiB (hyper's smallest) the buffer never grows.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8 * 1024;

/// Serves `app` on `listener` until `stop` completes, then stops
/// accepting and waits for open requests to finish.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: EdgeLimits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let admission = Admission::new(limits.max_connections, limits.max_connections_per_address);
    let trimmer = tokio::spawn(memory::trim_after_closings(admission.clone()));
    // Every connection's task holds a receiver: once they are all
    // dropped, every connection has ended.
    let (closing, closing_seen) = tokio::sync::watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    wait_after_accept_error(error).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let ticket = match admission.admit(peer.ip()) {
            Ok(ticket) => Arc::new(ticket),
            Err(refusal) => {
                metrics::counter!("capsule_http_connections_refused_total").increment(1);
                tracing::debug!(%peer, %refusal, "connection refused");
                tokio::spawn(refuse(stream, refusal));
                continue;
            }
        };
        // Answers are small and written at once: send them without
        // waiting for the client's acknowledgement of the previous
        // segment (Nagle).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY on a connection");
        }
        let held = HeldConnection(ticket);
        let service = app
            .clone()
            .map_request(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(held.clone());
                request
            });
        // Boxed: pinned inside the task, the connection would take its
        // place in the task's future twice (moved in, and pinned).
        let mut connection = Box::pin(
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades(),
        );
        let mut closing = closing_seen.clone();
        tokio::spawn(async move {
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = async { closing.wait_for(|closing| *closing).await.is_ok() } => {
                    // Finishes the request in flight, then closes.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    drop(closing_seen);
    closing.send_replace(true);
    closing.closed().await;
    trimmer.abort();
    Ok(())
}

/// Answers a refused connection with a 503 naming the limit, then
/// closes it. The client's request is read (and dropped) for a moment
/// after, so that closing does not reset the connection before the
/// client has read the answer.
async fn refuse(mut stream: TcpStream, refusal: Refusal) {
    let body = serde_json::json!({
        "success": false,
        "errorType": "error-too-many-connections",
        "error": refusal.to_string(),
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

/// After a failed accept: nothing for a connection the client gave up
/// on; a pause when the process is out of file descriptors (or another
/// resource), so the loop does not spin while it cannot accept.
async fn wait_after_accept_error(error: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(%error, "cannot accept a connection; pausing");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
