//! The REST API: Rocket.Chat's REST v1 shapes under `/api/v1/`, plus
//! `/api/info` and `/api/openapi.json`, the apps admin API, and the
//! apps' HTTP endpoints (`app_endpoints`, outside the OpenAPI document).
//!
//! One module per group of endpoints (`channels.rs` holds `channels.*`);
//! every endpoint is registered through [`routes::Routes`], which also
//! writes the OpenAPI document. The state, sessions, sign-in and error
//! shapes it shares with the real-time API are `crate::gateway`'s; the
//! server puts the transports side by side (`crate::server`).

mod app_endpoints;
mod apps_admin;
mod auth;
mod channels;
mod chat;
mod commands;
mod directory;
pub mod envelope;
pub mod extract;
mod groups;
mod im;
mod info;
mod middleware;
pub mod pagination;
mod permissions;
mod rooms;
pub mod routes;
mod settings;
mod subscriptions;
mod ui_interaction;
mod users;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde_json::Value;

use crate::gateway::AppState;

/// Every API area's routes.
fn all_routes() -> routes::Routes {
    routes::Routes::new("info")
        .merge(info::routes())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(channels::routes())
        .merge(groups::routes())
        .merge(im::routes())
        .merge(chat::routes())
        .merge(rooms::routes())
        .merge(subscriptions::routes())
        .merge(settings::routes())
        .merge(permissions::routes())
        .merge(directory::routes())
        .merge(commands::routes())
        .merge(ui_interaction::routes())
        .merge(apps_admin::routes())
}

/// The REST routes: every area's, the OpenAPI document at
/// `/api/openapi.json`, and the apps' HTTP endpoints.
pub fn router() -> Router<AppState> {
    let (routes, endpoints) = all_routes().into_parts();
    let document = Arc::new(routes::openapi(&endpoints, env!("CARGO_PKG_VERSION")));
    routes
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json(Value::clone(&document)) }
            }),
        )
        .merge(app_endpoints::routes())
}

/// `app` behind the HTTP layers every route of the server has: the body
/// limit, request metrics, `Connection: close` after a body left unread,
/// a 500 in Rocket.Chat's shape for a handler that panics, and its 404
/// for a path nothing serves.
pub fn layered(app: Router<AppState>, max_body: usize) -> Router<AppState> {
    app.fallback(middleware::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::Extension(extract::BodyLimit(max_body)))
        .layer(axum::middleware::from_fn(middleware::record_request))
        .layer(axum::middleware::from_fn(
            middleware::close_after_unread_body,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
}

/// The endpoints the API serves, for docs and tests.
pub fn endpoints() -> Vec<routes::Endpoint> {
    all_routes().into_parts().1
}
