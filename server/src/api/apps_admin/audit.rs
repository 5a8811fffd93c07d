//! The audit log of app administration (`GET /api/apps/audit`): who did
//! what to which app and when, newest first, paged like Rocket.Chat's
//! lists (`offset`, `count`, answering `count`, `offset`, `total`) and
//! filtered to one app with `app`. Rocket.Chat keeps no such log for apps.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::AdminResult;
use super::manager;
use crate::api::envelope::ok;
use crate::api::extract::{Admin, Params};
use crate::api::pagination::PageParams;
use crate::gateway::AppState;
use crate::store::AuditEntry;

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct AuditParams {
    app: Option<String>,
    offset: Option<u64>,
    count: Option<u64>,
}

pub(super) async fn entries(
    State(state): State<AppState>,
    Admin(_): Admin,
    Params(params): Params<AuditParams>,
) -> AdminResult {
    let paging = PageParams {
        offset: params.offset,
        count: params.count,
        ..PageParams::default()
    };
    let page = paging.page(state.chat().settings(), &[])?;
    let offset = page.offset;
    let app = params.app.filter(|a| !a.is_empty());
    let found = manager(&state)?.audit(app.as_deref(), page).await?;
    let entries: Vec<Value> = found.items.iter().map(entry_json).collect();
    Ok(ok(json!({
        "entries": entries,
        "count": entries.len(),
        "offset": offset,
        "total": found.total,
    })))
}

/// One entry as the API shows it.
fn entry_json(entry: &AuditEntry) -> Value {
    json!({
        "_id": entry.id,
        "ts": entry.at,
        "actor": {"_id": entry.actor_id, "username": entry.actor_username},
        "action": entry.action,
        "appId": entry.app,
        "detail": entry.detail,
    })
}
