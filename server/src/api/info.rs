//! `GET /api/info`: the server's version, without signing in.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::envelope::ok;
use super::routes::{Access, Routes};
use crate::gateway::AppState;

pub fn routes() -> Routes {
    Routes::new("info").get(
        "/api/info",
        "The server's version (semver)",
        Access::Public,
        info,
    )
}

async fn info(State(state): State<AppState>) -> Response {
    let uptime = state.started().elapsed().as_secs();
    ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "info": {"version": env!("CARGO_PKG_VERSION"), "product": "Capsule", "uptimeSeconds": uptime},
    }))
}
