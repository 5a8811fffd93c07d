//! Operations endpoints: `/health` for load balancers and `/metrics` for
//! Prometheus.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::gateway::AppState;

/// `/health` and `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

/// 200 when the store answers, 503 when it does not.
async fn health(State(state): State<AppState>) -> Response {
    match state.chat().records().count_users().await {
        Ok(users) => axum::Json(json!({"status": "ok", "users": users})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "unavailable", "error": error.to_string()})),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    )
        .into_response()
}
