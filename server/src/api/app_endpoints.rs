//! App HTTP endpoints: `/api/apps/public/<app-id>/<path>` (anyone),
//! `/api/apps/private/<app-id>/<path>` (signed in with `X-Auth-Token` and
//! `X-User-Id`; the user is passed to the app) and Rocket.Chat's
//! incoming-webhook form `/hooks/<id>/<token>`, each served by the app
//! whose manifest declares the path (see `crate::apps::endpoints` for the
//! path rules and the request and response mapping).
//!
//! These routes are not in the OpenAPI document: what lies below them is
//! declared by each app's manifest, not by the server, and their shapes
//! are the app's. docs/api.md describes them.
//!
//! Statuses: an unknown app or undeclared path 404 (a path of the other
//! visibility too, so nothing leaks), a private endpoint without valid
//! credentials 401, a method the endpoint does not list 405 with `Allow`,
//! a body over `max_body_bytes` 413; the app's fault 502 (an invalid status
//! included), its deadline 504, a disabled app 503, a busy one 503 with
//! `Retry-After`. Every error is Rocket.Chat's JSON error naming the app
//! and the cause.

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use capsule_package::{Endpoint, Visibility};
use capsule_runtime::TargetError;
use std::sync::Arc;

use super::extract::{Caller, read_body};
use crate::apps::convert;
use crate::apps::endpoints::{self, EndpointTable, Missing};
use crate::apps::port::call_error;
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, app_call_failed};
use crate::model::User;

const PUBLIC_PREFIX: &str = "/api/apps/public/";
const PRIVATE_PREFIX: &str = "/api/apps/private/";

/// The routes. Their metrics label is the route pattern, never the path.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/apps/public/{app}/{*path}", any(public))
        .route("/api/apps/private/{app}/{*path}", any(private))
        .route("/hooks/{*path}", any(hooks))
}

async fn public(State(state): State<AppState>, request: Request) -> Response {
    let Some((app, path)) = app_and_path(request.uri().path(), PUBLIC_PREFIX) else {
        return super::middleware::not_found(request).await;
    };
    serve(&state, Visibility::Public, &app, &path, None, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn private(State(state): State<AppState>, request: Request) -> Response {
    let Some((app, path)) = app_and_path(request.uri().path(), PRIVATE_PREFIX) else {
        return super::middleware::not_found(request).await;
    };
    // Credentials first: without them, nothing about the app is told.
    let (mut parts, body) = request.into_parts();
    let user = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(Caller(user)) => user,
        Err(error) => return error.into_response(),
    };
    let request = Request::from_parts(parts, body);
    serve(
        &state,
        Visibility::Private,
        &app,
        &path,
        Some(user),
        request,
    )
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// `/hooks/<id>/<token>`: the app declaring the public `hooks` endpoint
/// gets it as `hooks/<id>/<token>`.
async fn hooks(State(state): State<AppState>, request: Request) -> Response {
    let Some(owner) = endpoint_table(&state).hooks_owner().map(str::to_owned) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "error-app-endpoint-not-found",
            "no app receives incoming webhooks: none declares a public `hooks` endpoint",
        )
        .into_response();
    };
    let path = request.uri().path().trim_start_matches('/').to_owned();
    serve(&state, Visibility::Public, &owner, &path, None, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The app id and the path below its root (raw, as the client sent it).
fn app_and_path(uri_path: &str, prefix: &str) -> Option<(String, String)> {
    let rest = uri_path.strip_prefix(prefix)?;
    let (app, path) = rest.split_once('/')?;
    Some((app.to_owned(), path.to_owned()))
}

async fn serve(
    state: &AppState,
    visibility: Visibility,
    app: &str,
    path: &str,
    user: Option<User>,
    request: Request,
) -> Result<Response, ApiError> {
    let endpoint = find(state, visibility, app, path)?;
    let method = request.method().as_str().to_owned();
    if !endpoints::allows(&endpoint, &method) {
        return Ok(method_not_allowed(app, &endpoint, &method));
    }
    let url = match request.uri().query() {
        Some(query) => format!("/{path}?{query}"),
        None => format!("/{path}"),
    };
    let (parts, body) = request.into_parts();
    let headers = parts.headers.clone();
    let body = read_body(Request::from_parts(parts, body), state).await?;
    let record = endpoints::request_record(&method, url, &headers, body.to_vec());
    let manager = state.apps().ok_or_else(|| app_not_found(app))?;
    let response = manager
        .runtime()
        .handle_endpoint(
            app,
            &endpoint.path,
            record,
            user.as_ref().map(convert::user),
        )
        .await
        .map_err(|error| call_failed(app, &endpoint.path, error))?;
    let answer = endpoints::answer_of(response).map_err(|error| {
        tracing::warn!(app, endpoint = %endpoint.path, %error, "an app endpoint answered badly");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "error-app-invalid-response",
            format!("app `{app}` {error}"),
        )
    })?;
    if !answer.dropped.is_empty() {
        tracing::debug!(app, endpoint = %endpoint.path, dropped = ?answer.dropped, "response headers left out");
    }
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    Ok(response)
}

fn find(
    state: &AppState,
    visibility: Visibility,
    app: &str,
    path: &str,
) -> Result<Endpoint, ApiError> {
    let table = endpoint_table(state);
    match table.find(app, visibility, path) {
        Ok(endpoint) => Ok(endpoint.clone()),
        Err(Missing::App) => Err(app_not_found(app)),
        Err(Missing::Path) => {
            let kind = match visibility {
                Visibility::Public => "public",
                Visibility::Private => "private",
            };
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "error-app-endpoint-not-found",
                format!("app `{app}` has no {kind} endpoint for the path `{path}`"),
            ))
        }
    }
}

fn app_not_found(app: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "error-app-not-found",
        format!("no app `{app}` is loaded"),
    )
}

fn method_not_allowed(app: &str, endpoint: &Endpoint, method: &str) -> Response {
    let allowed = endpoint.methods.clone().unwrap_or_default().join(", ");
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "error-method-not-allowed",
        format!(
            "the endpoint `{}` of app `{app}` does not accept {method}; it accepts {allowed}",
            endpoint.path
        ),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&allowed) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The endpoints of the loaded apps now (none without an app manager).
fn endpoint_table(state: &AppState) -> Arc<EndpointTable> {
    state
        .apps()
        .map(|manager| manager.endpoints())
        .unwrap_or_default()
}

/// The status for a call that did not answer.
fn call_failed(app: &str, endpoint: &str, error: TargetError) -> ApiError {
    let failed = app_call_failed(
        &call_error(&error, &format!("`{app}`")),
        (StatusCode::NOT_FOUND, "error-app-endpoint-not-found"),
    );
    if failed.status.is_server_error() {
        tracing::warn!(app, endpoint, %error, "an app endpoint call failed");
    }
    failed
}
