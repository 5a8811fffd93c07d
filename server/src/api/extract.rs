//! Extractors: who is calling, and the request's JSON body and query, with
//! errors that name the problem.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::gateway::AppState;
use crate::gateway::error::ApiError;
use crate::model::User;

/// The signed-in user, from `X-Auth-Token` and `X-User-Id`.
pub struct Caller(pub User);

/// The signed-in user, who must be an admin.
pub struct Admin(pub User);

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (Some(token), Some(user_id)) = (header("x-auth-token"), header("x-user-id")) else {
            return Err(ApiError::unauthorized());
        };
        let user = state
            .sessions()
            .authenticate(&token, &user_id)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Caller(user))
    }
}

impl<S> FromRequestParts<S> for Admin
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Caller(user) = Caller::from_request_parts(parts, state).await?;
        if !user.is_admin() {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "error-unauthorized",
                "User does not have the permissions required for this action",
            ));
        }
        Ok(Admin(user))
    }
}

/// A JSON body parsed into `T`. Bad JSON, a missing field or a field of the
/// wrong type is a 400 naming the field; a body over the limit is a 413.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        status,
                        "error-payload-too-large",
                        "the request body is larger than the server accepts",
                    )
                } else {
                    ApiError::invalid_params(format!("cannot read the request body: {rejection}"))
                }
            })?;
        parse_json(&bytes).map(Body)
    }
}

/// Parses a JSON body, naming the field on a type error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}" as &[u8]
    } else {
        bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(
                "error-invalid-json",
                format!("the request body is not valid JSON: {inner}"),
            )
        } else if path == "." {
            ApiError::invalid_params(format!("invalid request body: {inner}"))
        } else {
            ApiError::invalid_params(format!("invalid field `{path}`: {inner}"))
        }
    })
}

/// The query string parsed into `T`, with errors naming the parameter.
pub struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Params)
            .map_err(|error| {
                let path = error.path().to_string();
                let inner = error.into_inner();
                if path == "." {
                    ApiError::invalid_params(format!("invalid query: {inner}"))
                } else {
                    ApiError::invalid_params(format!("invalid query parameter `{path}`: {inner}"))
                }
            })
    }
}
