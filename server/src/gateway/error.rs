//! Refusals in Rocket.Chat's shapes, for both transports: the REST API
//! answers an [`ApiError`] as below; the real-time API answers its
//! `errorType` and message as a DDP error (401 as DDP's 403).
//!
//! A refused request answers `{"success": false, "error": "<message>
//! [<errorType>]", "errorType": "<errorType>"}` (or, where Rocket.Chat
//! answers a bare failure, `{"success": false, "error": "<message>"}`:
//! [`ApiError::failure`]) with 400 for a bad request,
//! 401 for missing or wrong credentials, 403 when the user may not do it,
//! 404 for an unknown endpoint, 413 for a body over the limit, 429 when
//! sign-ins are throttled and 500 when the server failed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::chat::{AppCallError, AppFailure, ChatError};
use crate::store::StoreError;

/// Seconds a caller is asked to wait when an app is busy.
const APP_BUSY_RETRY_AFTER_SECONDS: u64 = 1;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds to wait before retrying (429 answers).
    pub retry_after: Option<u64>,
}

/// What handlers return.
pub type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    /// A 400 with an `errorType` and a message.
    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, kind, message)
    }

    /// A 400 naming a missing or malformed parameter.
    pub fn invalid_params(message: impl Into<String>) -> ApiError {
        ApiError::bad_request("error-invalid-params", message)
    }

    /// A 400 as Rocket.Chat's `API.v1.failure("...")` answers it: the
    /// message as `error`, and no `errorType`.
    pub fn failure(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "", message)
    }

    /// A 401: no or bad credentials.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "error-unauthorized",
            "You must be logged in to do this.",
        )
    }

    /// A 403: the signed-in user may not do this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "error-not-allowed", message)
    }

    /// Any status.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
}

/// An app call that gave no answer, as HTTP: an app that is not loaded
/// 404, one that does not implement the call `not_implemented`, disabled
/// 503, busy 503 with `Retry-After`, past its deadline 504, faulted 502.
pub fn app_call_failed(
    error: &AppCallError,
    not_implemented: (StatusCode, &'static str),
) -> ApiError {
    let message = error.to_string();
    let (status, kind) = match error.failure {
        AppFailure::NotLoaded => (StatusCode::NOT_FOUND, "error-app-not-found"),
        AppFailure::NotImplemented => not_implemented,
        AppFailure::Disabled => (StatusCode::SERVICE_UNAVAILABLE, "error-app-disabled"),
        AppFailure::Busy => {
            let mut busy =
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "error-app-busy", message);
            busy.retry_after = Some(APP_BUSY_RETRY_AFTER_SECONDS);
            return busy;
        }
        AppFailure::Timeout => (StatusCode::GATEWAY_TIMEOUT, "error-app-timeout"),
        AppFailure::Faulted => (StatusCode::BAD_GATEWAY, "error-app-failed"),
    };
    ApiError::new(status, kind, message)
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        let message = error.to_string();
        match error {
            ChatError::RoomNotFound | ChatError::GroupNotFound => {
                ApiError::bad_request("error-room-not-found", message)
            }
            ChatError::UserNotFound => ApiError::bad_request("error-invalid-user", message),
            ChatError::MessageNotFound(_) => {
                ApiError::bad_request("error-invalid-message", message)
            }
            ChatError::NotAllowed(_) => ApiError::forbidden(message),
            ChatError::Invalid { kind, .. } => ApiError::bad_request(kind, message),
            // Rocket.Chat answers a string over a schema's `maxLength` so.
            ChatError::TooLong { .. } => ApiError::invalid_params(message),
            ChatError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(message) => ApiError::invalid_params(message),
            StoreError::NotFound(what) => {
                ApiError::bad_request("error-not-found", format!("{what} not found"))
            }
            StoreError::Conflict(what) => {
                ApiError::bad_request("error-duplicate", format!("{what} already exists"))
            }
            other => {
                tracing::error!(error = %other, "storage failed while serving a request");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error-server",
                    "the server could not complete the request; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = if self.status == StatusCode::UNAUTHORIZED {
            // Rocket.Chat's 401 body; clients read `status` and `message`.
            json!({
                "success": false,
                "status": "error",
                "message": self.message,
                "error": self.message,
                "errorType": self.kind,
            })
        } else if self.kind.is_empty() {
            json!({"success": false, "error": self.message})
        } else {
            json!({
                "success": false,
                "error": format!("{} [{}]", self.message, self.kind),
                "errorType": self.kind,
            })
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
