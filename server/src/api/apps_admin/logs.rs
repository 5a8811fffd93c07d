//! An app's recent log entries, its last fault and its health counters
//! (`GET /api/apps/{id}/logs`). Rocket.Chat answers `{logs}` paged from
//! its log collection; Capsule keeps the last entries of each app in
//! memory (the runtime's ring buffer), so `count` picks how many of the
//! newest to answer and there is no `offset`. Each entry's `at` is ISO
//! 8601, as every time in the API.

use std::time::UNIX_EPOCH;

use axum::extract::{Path, State};
use capsule_runtime::LogEntry;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::AdminResult;
use super::manager;
use crate::api::envelope::{ok, to_json};
use crate::api::extract::{Admin, Params};
use crate::gateway::AppState;
use crate::gateway::error::ApiError;
use crate::model::Timestamp;

/// Entries answered when `count` is not given.
const DEFAULT_COUNT: usize = 100;
/// The most entries one call answers.
const MAX_COUNT: usize = 1000;

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct LogParams {
    count: Option<usize>,
}

pub(super) async fn logs(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    Params(params): Params<LogParams>,
) -> AdminResult {
    let count = params.count.unwrap_or(DEFAULT_COUNT);
    if count == 0 || count > MAX_COUNT {
        return Err(ApiError::invalid_params(format!(
            "invalid query parameter `count`: {count} is not between 1 and {MAX_COUNT}"
        ))
        .into());
    }
    let logs = manager(&state)?.logs(&id, count).await?;
    let mut answer = to_json(&logs);
    answer["logs"] = logs.logs.iter().map(entry_json).collect();
    Ok(ok(answer))
}

/// One log entry as the API shows it: the runtime's entry, its time as
/// ISO 8601 (the runtime keeps a `SystemTime`).
fn entry_json(entry: &LogEntry) -> Value {
    let millis = entry
        .at
        .duration_since(UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    json!({
        "at": Timestamp(millis),
        "level": entry.level,
        "source": entry.source,
        "message": entry.message,
    })
}
