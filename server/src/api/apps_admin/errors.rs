//! The manager's errors as Rocket.Chat-shaped answers.
//!
//! The errorType is the manager's ([`ManageError::error_type`]); the
//! status is this layer's: an unknown app 404, the store or the packages
//! folder failing 500 (logged), everything else a 400. Errors that carry
//! a list (the capabilities a grant leaves out, the settings that are
//! wrong) or versions (a downgrade) also answer them in `details`, as
//! Rocket.Chat's errors carry theirs, so a client need not parse the
//! message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::apps::manager::ManageError;
use crate::gateway::error::ApiError;

/// An error answer with optional `details`.
#[derive(Debug)]
pub struct AdminError {
    error: ApiError,
    details: Option<Value>,
}

/// What the admin handlers return.
pub type AdminResult<T = Response> = Result<T, AdminError>;

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> AdminError {
        AdminError {
            error,
            details: None,
        }
    }
}

impl From<ManageError> for AdminError {
    fn from(error: ManageError) -> AdminError {
        let kind = error.error_type();
        let message = error.to_string();
        let status = match &error {
            ManageError::NotFound(_) | ManageError::KeyNotFound(_) => StatusCode::NOT_FOUND,
            ManageError::Store(_) | ManageError::Io(_) => {
                tracing::error!(error = %error, "an apps admin operation failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        };
        let details = match error {
            ManageError::Downgrade {
                installed,
                uploaded,
            } => Some(json!({"installed": installed, "uploaded": uploaded})),
            ManageError::MissingGrants(missing) => Some(json!({"missing": missing})),
            ManageError::InvalidSettings(problems) => Some(json!({"settings": problems})),
            _ => None,
        };
        AdminError {
            error: ApiError::new(status, kind, message),
            details,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let Some(details) = self.details else {
            return self.error.into_response();
        };
        let error = self.error;
        let body = json!({
            "success": false,
            "error": format!("{} [{}]", error.message, error.kind),
            "errorType": error.kind,
            "details": details,
        });
        (error.status, Json(body)).into_response()
    }
}
