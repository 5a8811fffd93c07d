//! Operations endpoints: `/health` for load balancers and `/metrics` for
//! Prometheus.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
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

/// 200 when the store answers, 503 when it does not. Only an admin sees
/// the number of users: anyone may call it, and that number is not
/// anyone's business.
async fn health(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let admin = is_admin(&state, &headers).await;
    match state.chat().records().count_users().await {
        Ok(users) if admin => axum::Json(json!({"status": "ok", "users": users})).into_response(),
        Ok(_) => axum::Json(json!({"status": "ok"})).into_response(),
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

/// Whether the request carries an admin's session.
async fn is_admin(state: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let (Some(token), Some(user_id)) = (header("x-auth-token"), header("x-user-id")) else {
        return false;
    };
    matches!(
        state.sessions().authenticate(token, user_id).await,
        Ok(Some(user)) if user.is_admin()
    )
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    )
        .into_response()
}
