//! `login`, `logout` and `me`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, Caller};
use super::routes::{Access, Routes};
use super::state::AppState;
use super::views::user_full;
use crate::auth::password::{self, Presented};
use crate::auth::throttle::Blocked;
use crate::auth::token;
use crate::model::{Presence, Timestamp, User};

pub fn routes() -> Routes {
    Routes::new("authentication")
        .post(
            "/api/v1/login",
            "Sign in with a username or e-mail and password, or resume a token",
            Access::Public,
            login,
        )
        .post(
            "/api/v1/logout",
            "Revoke the token of this request",
            Access::User,
            logout,
        )
        .get("/api/v1/me", "The signed-in user", Access::User, me)
}

/// A password as plain text or as `{"digest", "algorithm": "sha-256"}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum PasswordField {
    Plain(String),
    Digest { digest: String, algorithm: String },
}

#[derive(Deserialize)]
struct LoginRequest {
    user: Option<String>,
    username: Option<String>,
    email: Option<String>,
    password: Option<PasswordField>,
    resume: Option<String>,
}

/// Rocket.Chat's login failure body.
fn login_failed() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "error-unauthorized",
        "Unauthorized",
    )
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Body(request): Body<LoginRequest>,
) -> ApiResult {
    let address = client_address(&headers, peer);
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

/// The password a client sent, as the verifier takes it.
fn presented_password(field: Option<PasswordField>) -> Result<Presented, ApiError> {
    match field {
        Some(PasswordField::Plain(p)) => Ok(Presented::Plain(p)),
        Some(PasswordField::Digest { digest, algorithm }) if algorithm == "sha-256" => {
            Ok(Presented::Sha256(digest))
        }
        Some(PasswordField::Digest { algorithm, .. }) => Err(ApiError::invalid_params(format!(
            "unsupported password algorithm `{algorithm}`; use `sha-256`"
        ))),
        None => Err(ApiError::invalid_params("the field `password` is missing")),
    }
}

/// Reads a DDP `login` password (`{"digest", "algorithm"}` or plain text).
pub(crate) fn password_from_json(value: Option<&Value>) -> Result<Presented, ApiError> {
    let field = value
        .map(|v| serde_json::from_value::<PasswordField>(v.clone()))
        .transpose()
        .map_err(|_| {
            ApiError::invalid_params(
                "`password` must be text or `{\"digest\": ..., \"algorithm\": \"sha-256\"}`",
            )
        })?;
    presented_password(field)
}

/// Signs `account` (a username or e-mail) in with `password` from
/// `address`, under the failed-login throttle, and issues a login token.
/// The REST `login` and the real-time `login` method both sign in here.
pub(crate) async fn sign_in(
    state: &AppState,
    account: &str,
    password: Presented,
    address: std::net::IpAddr,
) -> Result<(User, String), ApiError> {
    let throttle = state.throttle();
    if let Err(blocked) = throttle.check(account, address) {
        let (kind, retry_after) = match blocked {
            Blocked::Account { retry_after } => ("error-login-blocked-for-user", retry_after),
            Blocked::Address { retry_after } => ("error-login-blocked-for-ip", retry_after),
        };
        metrics::counter!("capsule_sign_ins_total", "outcome" => "throttled").increment(1);
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            kind,
            "Too many failed sign-in attempts; try again later",
        );
        error.retry_after = Some(retry_after.as_secs().max(1));
        return Err(error);
    }
    let store = state.chat().store();
    let user = if account.contains('@') {
        store.user_by_email(account).await?
    } else {
        store.user_by_username(account).await?
    };
    let verified = match &user {
        Some(user) if user.active => match store.password_hash(&user.id).await? {
            Some(hash) => password::verify(&password, &hash).await,
            None => false,
        },
        _ => false,
    };
    let Some(user) = user.filter(|_| verified) else {
        throttle.failed(account, address);
        metrics::counter!("capsule_sign_ins_total", "outcome" => "failed").increment(1);
        tracing::info!(account = %account, %address, "failed sign-in");
        return Err(login_failed());
    };
    throttle.succeeded(account);
    let secret = state.chat().new_login_token(&user.id).await?;
    let user = mark_signed_in(state, user).await?;
    metrics::counter!("capsule_sign_ins_total", "outcome" => "success").increment(1);
    tracing::info!(user = %user.username, "signed in");
    Ok((user, secret))
}

/// The active user a resume token signs in as, marked signed in.
pub(crate) async fn resume_token(state: &AppState, resume: &str) -> Result<User, ApiError> {
    let record = state
        .chat()
        .store()
        .token(&token::digest(resume))
        .await?
        .ok_or_else(login_failed)?;
    let user = state
        .chat()
        .store()
        .user(&record.user)
        .await?
        .filter(|u| u.active)
        .ok_or_else(login_failed)?;
    mark_signed_in(state, user).await
}

/// Records the sign-in time and brings the user online.
async fn mark_signed_in(state: &AppState, mut user: User) -> Result<User, ApiError> {
    user.last_login = Some(Timestamp::now());
    if user.status == Presence::Offline {
        user.status = user.status_default;
    }
    state.chat().store().update_user(&user).await?;
    Ok(user)
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

/// The client's address: the peer, or the first `X-Forwarded-For` hop
/// when the peer is a proxy on loopback.
pub(crate) fn client_address(headers: &HeaderMap, peer: SocketAddr) -> std::net::IpAddr {
    if peer.ip().is_loopback()
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next()
        && let Ok(ip) = first.trim().parse()
    {
        return ip;
    }
    peer.ip()
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
