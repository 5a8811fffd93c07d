//! Signing in, as both transports do it: REST `login` and the DDP
//! `login` method read the same password forms, go through the same
//! failed-login throttle and issue the same tokens.

use std::net::IpAddr;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use crate::auth::password::Presented;
use crate::auth::throttle::Blocked;
use crate::auth::token;
use crate::model::User;

/// A password as plain text or as `{"digest", "algorithm": "sha-256"}`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum PasswordField {
    Plain(String),
    Digest { digest: String, algorithm: String },
}

/// Rocket.Chat's login failure body.
pub fn login_failed() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "error-unauthorized",
        "Unauthorized",
    )
}

/// The password a client sent, as the verifier takes it.
pub fn presented_password(field: Option<PasswordField>) -> Result<Presented, ApiError> {
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
pub fn password_from_json(value: Option<&Value>) -> Result<Presented, ApiError> {
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
/// `address` (the client's, [`super::client_address`]), under the
/// failed-login throttle, and issues a login token.
///
/// The throttle counts an existing account under its username, however
/// it was named (username or e-mail, any case), so naming it both ways
/// does not double the guesses; a name no account has counts as typed.
pub async fn sign_in(
    state: &AppState,
    account: &str,
    password: Presented,
    address: IpAddr,
) -> Result<(User, String), ApiError> {
    let chat = state.chat();
    let found = chat.account_named(account).await?;
    let counted_as = found
        .as_ref()
        .map_or_else(|| account.to_owned(), |user| user.username.clone());
    let counted_as = counted_as.as_str();
    let throttle = state.throttle();
    if let Err(blocked) = throttle.check(counted_as, address) {
        let (kind, retry_after) = match blocked {
            Blocked::Account { retry_after } => ("error-login-blocked-for-user", retry_after),
            Blocked::Address { retry_after } => ("error-login-blocked-for-ip", retry_after),
        };
        metrics::counter!("capsule_sign_ins_total", "outcome" => "throttled").increment(1);
        tracing::info!(account = %account, %address, kind, "throttled sign-in");
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            kind,
            "Too many failed sign-in attempts; try again later",
        );
        error.retry_after = Some(retry_after.as_secs().max(1));
        return Err(error);
    }
    let matches = chat.password_matches(found.as_ref(), &password).await?;
    let Some(user) = found.filter(|_| matches) else {
        throttle.failed(counted_as, address);
        metrics::counter!("capsule_sign_ins_total", "outcome" => "failed").increment(1);
        tracing::info!(account = %account, %address, "failed sign-in");
        return Err(login_failed());
    };
    if !user.active {
        tracing::info!(user = %user.username, %address, "a deactivated account tried to sign in");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "error-user-is-not-activated",
            "User is not activated",
        ));
    }
    throttle.succeeded(&user.username, address);
    let secret = chat.new_login_token(&user.id).await?;
    let user = chat.record_sign_in(user).await?;
    metrics::counter!("capsule_sign_ins_total", "outcome" => "success").increment(1);
    tracing::info!(user = %user.username, "signed in");
    Ok((user, secret))
}

/// The active user a resume token signs in as, marked signed in.
pub async fn resume_token(state: &AppState, resume: &str) -> Result<User, ApiError> {
    let chat = state.chat();
    let user = chat
        .token_owner(&token::digest(resume))
        .await?
        .ok_or_else(login_failed)?;
    Ok(chat.record_sign_in(user).await?)
}
