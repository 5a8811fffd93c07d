//! Request metrics, logs, the JSON 404 and the JSON 500 after a panic.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::gateway::error::ApiError;

/// Counts and times every request by route and status, and logs it.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed();
    metrics::counter!("capsule_http_requests_total", "route" => route.clone(), "method" => method.to_string(), "status" => status.clone()).increment(1);
    metrics::histogram!("capsule_http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    tracing::debug!(%method, %route, %status, elapsed_us = elapsed.as_micros() as u64, "request");
    response
}

/// Ends the connection after a 413 or 408: the request's body was not read
/// to its end, so the connection cannot carry another request. Saying so
/// (`Connection: close`) keeps a client from sending its next request on
/// a connection the server is closing, where it would fail half-way.
pub async fn close_after_unread_body(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if matches!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
    ) {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// The answer for a path no endpoint serves.
pub async fn not_found(request: Request) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "error-not-found",
        format!("API endpoint \"{}\" not found", request.uri().path()),
    )
    .into_response()
}

/// The answer after a handler panicked: logged, and a JSON 500.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "error-server",
        "the server failed while handling the request; it has been logged",
    )
    .into_response()
}
