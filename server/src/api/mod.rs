//! The HTTP API: Rocket.Chat's REST v1 shapes under `/api/v1/`, plus
//! `/api/info`, `/health`, `/metrics` and `/api/openapi.json`, and the
//! apps' HTTP endpoints (`app_endpoints`, outside the OpenAPI document).
//!
//! One module per group of endpoints (`channels.rs` holds `channels.*`);
//! every endpoint is registered through [`routes::Routes`], which also
//! writes the OpenAPI document.

mod app_endpoints;
mod apps_admin;
pub(crate) mod auth;
mod channels;
mod chat;
pub(crate) mod commands;
mod directory;
pub mod envelope;
pub mod error;
pub mod extract;
mod groups;
mod im;
mod info;
mod middleware;
pub mod pagination;
mod rooms;
pub mod routes;
mod settings;
pub mod state;
mod subscriptions;
pub(crate) mod ui_interaction;
mod users;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde_json::Value;

pub use state::AppState;

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
        .merge(directory::routes())
        .merge(commands::routes())
        .merge(ui_interaction::routes())
        .merge(apps_admin::routes())
}

/// The application: routes, documentation and middleware over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, endpoints) = all_routes().into_parts();
    let document = Arc::new(routes::openapi(&endpoints, env!("CARGO_PKG_VERSION")));
    let max_body = state.config().max_body_bytes;
    routes
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json(Value::clone(&document)) }
            }),
        )
        .merge(crate::ops::routes())
        .merge(crate::realtime::routes())
        .merge(app_endpoints::routes())
        .merge(crate::web::routes())
        .fallback(middleware::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(middleware::record_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
        .with_state(state)
}

/// The endpoints the API serves, for docs and tests.
pub fn endpoints() -> Vec<routes::Endpoint> {
    all_routes().into_parts().1
}
