//! Uploading a package (`POST /api/apps`) and updating an app with one
//! (`POST /api/apps/{id}`), as Rocket.Chat's apps API takes them: a
//! multipart/form-data body whose field `app` is the zip, and optionally
//! `permissions`, the grant to give in the same request (`all` or a JSON
//! list; Rocket.Chat's `permissionsGranted`).
//!
//! Unlike Rocket.Chat, there is no install from a URL or the marketplace:
//! Capsule never fetches packages itself, so an admin reviews exactly the
//! bytes they upload. Other form fields are refused by name, rather than
//! ignored, so a client that sends something Capsule does not do learns it.
//!
//! Without `permissions`, a new app waits for a grant
//! (`awaiting_grant`); with them, it is granted right away (and a grant
//! that is refused leaves it waiting, the error saying why).

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use bytes::Bytes;
use capsule_runtime::package::ArchiveLimits;
use serde_json::json;

use super::errors::AdminResult;
use super::grants;
use super::manager;
use crate::api::envelope::{ok, to_json};
use crate::api::extract::Admin;
use crate::apps::manager::Grant;
use crate::gateway::AppState;
use crate::gateway::error::ApiError;

/// Room for the form's other fields and boundaries beside the package.
const FORM_OVERHEAD_BYTES: u64 = 64 << 10;

/// The largest package accepted: the package reader's own limit.
fn max_package_bytes() -> u64 {
    ArchiveLimits::default().max_archive_size
}

/// `handler` with the request body limited to a package (plus the form
/// around it) instead of the server's JSON limit.
pub fn body_limit<H, T>(handler: H) -> impl Handler<T, AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let limit = max_package_bytes() + FORM_OVERHEAD_BYTES;
    handler.layer(DefaultBodyLimit::max(
        usize::try_from(limit).unwrap_or(usize::MAX),
    ))
}

/// The fields of an upload form.
struct UploadForm {
    package: Bytes,
    grant: Option<Grant>,
}

pub(super) async fn upload(
    State(state): State<AppState>,
    Admin(user): Admin,
    form: Result<Multipart, MultipartRejection>,
) -> AdminResult {
    let form = read_form(form).await?;
    let manager = manager(&state)?;
    let mut app = manager.upload(&user, form.package).await?;
    if let Some(grant) = form.grant {
        app = manager.grant(&user, &app.id, grant).await?;
    }
    Ok(ok(json!({"app": to_json(&app)})))
}

pub(super) async fn update(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> AdminResult {
    let form = read_form(form).await?;
    let manager = manager(&state)?;
    let mut app = manager.update(&user, &id, form.package).await?;
    if let Some(grant) = form.grant {
        app = manager.grant(&user, &id, grant).await?;
    }
    Ok(ok(json!({"app": to_json(&app)})))
}

/// Reads `app` and `permissions`; anything else, a missing or repeated
/// `app`, or an oversized body is an error naming it.
async fn read_form(form: Result<Multipart, MultipartRejection>) -> Result<UploadForm, ApiError> {
    let mut form = form.map_err(|rejection| {
        ApiError::invalid_params(format!(
            "send the package as multipart/form-data with the zip in the field `app` ({})",
            rejection.body_text()
        ))
    })?;
    let mut package: Option<Bytes> = None;
    let mut grant = None;
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "app" => {
                if package.is_some() {
                    return Err(ApiError::invalid_params(
                        "the form has the field `app` twice; upload one package at a time",
                    ));
                }
                package = Some(field.bytes().await.map_err(form_error)?);
            }
            "permissions" => {
                let text = field.text().await.map_err(form_error)?;
                grant = Some(grants::parse_text(&text)?);
            }
            other => {
                return Err(ApiError::invalid_params(format!(
                    "the form field `{other}` is not supported; send `app` (the package zip) and optionally `permissions`"
                )));
            }
        }
    }
    let package = package.ok_or_else(|| {
        ApiError::invalid_params("the multipart field `app` (the package zip) is missing")
    })?;
    if package.is_empty() {
        return Err(ApiError::invalid_params(
            "the multipart field `app` is empty; it must hold the package zip",
        ));
    }
    if package.len() as u64 > max_package_bytes() {
        return Err(too_large());
    }
    Ok(UploadForm { package, grant })
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "error-payload-too-large",
        format!(
            "the package is larger than the {} bytes a package may have",
            max_package_bytes()
        ),
    )
}

fn form_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::invalid_params(format!(
            "cannot read the multipart form: {}",
            error.body_text()
        ))
    }
}
