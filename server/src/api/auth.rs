//! `login`, `logout` and `me`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use super::views::user_full;
use crate::gateway::error::{ApiError, ApiResult};
use crate::gateway::sign_in::{PasswordField, presented_password, resume_token, sign_in};
use crate::gateway::{AppState, ClientAddress};
use crate::model::User;

pub fn routes() -> Routes {
    Routes::new("authentication")
        .post(
            "/api/v1/login",
            "Sign in with a username or e-mail and password, or resume a token",
            Access::Public,
            login,
        )
        .answers(&[StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS])
        .post(
            "/api/v1/logout",
            "Revoke the token of this request",
            Access::User,
            logout,
        )
        .get("/api/v1/me", "The signed-in user", Access::User, me)
}

#[derive(Deserialize, schemars::JsonSchema)]
struct LoginRequest {
    user: Option<String>,
    username: Option<String>,
    email: Option<String>,
    password: Option<PasswordField>,
    resume: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(request): Body<LoginRequest>,
) -> ApiResult {
    if let Some(resume) = request.resume {
        let user = resume_token(&state, &resume).await?;
        return Ok(login_answer(&user, &resume));
    }
    let account = request
        .user
        .or(request.username)
        .or(request.email)
        .ok_or_else(|| {
            ApiError::invalid_params("send `user` (username or e-mail) and `password`, or `resume`")
        })?;
    let password = presented_password(request.password)?;
    let (user, secret) = sign_in(&state, &account, password, address).await?;
    Ok(login_answer(&user, &secret))
}

/// Rocket.Chat's login answer: `{"status": "success", "data": {...}}`.
fn login_answer(user: &User, secret: &str) -> Response {
    let body = json!({
        "status": "success",
        "data": {
            "userId": user.id,
            "authToken": secret,
            "me": user_full(user),
        },
    });
    axum::Json(body).into_response()
}

async fn logout(
    State(state): State<AppState>,
    Caller(user): Caller,
    headers: HeaderMap,
) -> ApiResult {
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    state.sessions().revoke(token).await?;
    tracing::info!(user = %user.username, "signed out");
    Ok(axum::Json(json!({
        "status": "success",
        "data": {"message": "You've been logged out!"},
    }))
    .into_response())
}

async fn me(Caller(user): Caller) -> Response {
    let mut body: Value = user_full(&user);
    body["avatarUrl"] = json!(format!("/avatar/{}", user.username));
    ok(body)
}
