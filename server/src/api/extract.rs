//! Extractors: who is calling, and the request's JSON body and query, with
//! errors that name the problem.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
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

/// The request body limit in bytes, put on every request by the HTTP
/// layers so that extractors can refuse an announced oversized body
/// before reading it.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// A JSON body parsed into `T`. Bad JSON, a missing field or a field of the
/// wrong type is a 400 naming the field; a body over the limit is a 413; a
/// body declared as anything but JSON is a 415.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = request.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = read_body(request, state).await?;
        if !is_blank(&bytes)
            && let Some(declared) = declared
            && !is_json(&declared)
        {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media-type",
                format!(
                    "the request body is declared as `{}`; this endpoint takes `application/json`",
                    declared.to_str().unwrap_or("(not text)")
                ),
            ));
        }
        parse_json(&bytes).map(Body)
    }
}

/// Reads a request body whole. A `Content-Length` over the limit is a 413
/// before a byte of the body is read; a body over the limit as it
/// arrives is a 413 too; a body that stops arriving (the body read
/// timeout) is a 408.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    if let Some(BodyLimit(limit)) = request.extensions().get::<BodyLimit>().copied() {
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if announced.is_some_and(|length| length > limit as u64) {
            return Err(too_large(limit));
        }
    }
    let limit = request.extensions().get::<BodyLimit>().map(|limit| limit.0);
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(limit.unwrap_or_default())
            } else if caused_by_timeout(&rejection) {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "error-request-timeout",
                    "the request body stopped arriving before it was complete",
                )
            } else {
                ApiError::invalid_params(format!("cannot read the request body: {rejection}"))
            }
        })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "error-payload-too-large",
        format!("the request body is larger than the {limit} bytes the server accepts"),
    )
}

/// Whether the body read timeout is somewhere in `error`'s causes.
fn caused_by_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `application/json`, or a `+json` type (`application/ld+json`), with
/// any parameters (`; charset=utf-8`).
fn is_json(declared: &HeaderValue) -> bool {
    let Ok(text) = declared.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Parses a JSON body, naming the field on a type error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if is_blank(bytes) {
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

/// A query parameter that may repeat, as Rocket.Chat's clients send
/// arrays (`status[]=online&status[]=away`); `status=online,away` is read
/// too. `L` names it and the values it may hold.
pub struct QueryList<L>(pub Vec<String>, pub PhantomData<L>);

/// What a [`QueryList`] is called and holds.
pub trait ListParam {
    /// The name, without `[]`.
    const NAME: &'static str;
    /// The values it may hold; any other is a 400 naming them.
    const VALUES: &'static [&'static str];
}

impl<S, L> FromRequestParts<S> for QueryList<L>
where
    S: Send + Sync,
    L: ListParam,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let values = query_values(parts.uri.query().unwrap_or(""), L::NAME);
        if let Some(stranger) = values.iter().find(|v| !L::VALUES.contains(&v.as_str())) {
            return Err(ApiError::invalid_params(format!(
                "`{}` holds {}, not `{stranger}`",
                L::NAME,
                L::VALUES.join(", ")
            )));
        }
        Ok(QueryList(values, PhantomData))
    }
}

/// Every value of `name` (or `name[]`) in `query`, each value also split
/// at commas.
fn query_values(query: &str, name: &str) -> Vec<String> {
    let bracketed = format!("{name}[]");
    form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == name || *key == bracketed)
        .flat_map(|(_, value)| {
            value
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_read_bracketed_plain_and_comma_separated() {
        assert_eq!(
            query_values(
                "status[]=online&status=away,busy&other=x&status[]=",
                "status"
            ),
            ["online", "away", "busy"]
        );
    }

    #[test]
    fn json_and_json_suffixed_types_are_json() {
        for declared in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/ld+json",
        ] {
            assert!(is_json(&HeaderValue::from_static(declared)), "{declared}");
        }
        for declared in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "text/json+x",
            "",
        ] {
            assert!(!is_json(&HeaderValue::from_static(declared)), "{declared}");
        }
    }
}
