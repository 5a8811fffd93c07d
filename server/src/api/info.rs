//! `GET /api/info` (and `/api/v1/info`): which Rocket.Chat release line
//! the server speaks, without signing in.
//!
//! Rocket.Chat's clients choose their code paths by the server's
//! `major.minor` version and refuse lines they no longer support, so
//! `version` is the Rocket.Chat line Capsule's API follows (the setting
//! `Capsule_Rocket_Chat_Release`, trimmed to `major.minor` as Rocket.Chat
//! trims it), and Capsule's own version is under `capsule`.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::envelope::ok;
use super::routes::{Access, Routes};
use crate::gateway::AppState;

pub fn routes() -> Routes {
    let summary = "The Rocket.Chat release line the API follows (`version`, `major.minor`) and Capsule's own version (`capsule.version`)";
    Routes::new("info")
        .get("/api/info", summary, Access::Public, info)
        .alias("GET", "/api/v1/info", summary, Access::Public, info)
}

async fn info(State(state): State<AppState>) -> Response {
    let uptime = state.started().elapsed().as_secs();
    ok(json!({
        "version": state.chat().settings().announced_line(),
        "capsule": {
            "version": env!("CARGO_PKG_VERSION"),
            "product": "Capsule",
            "uptimeSeconds": uptime,
        },
    }))
}
