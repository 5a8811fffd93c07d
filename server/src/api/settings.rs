//! `settings.*` endpoints: reading and changing server settings.
//!
//! Validation is [`Settings::set`]'s: a value of the wrong type or out of
//! the setting's range, or an id the server does not define, is refused
//! naming the setting and what it takes.

use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Admin, Body, Caller, Params};
use super::pagination::{PageParams, listing};
use super::routes::{Access, Routes};
use crate::chat::ChatError;
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::settings::{SettingDef, Settings};
use crate::store::{Page, Paged};

pub fn routes() -> Routes {
    Routes::new("settings")
        .get("/api/v1/settings.public", "Public settings as `{_id, value}` (`_id` takes a comma-separated list, `query` the older `{\"_id\": {\"$in\": [...]}}`; `offset`, `count`, `sort` by `_id`)", Access::Public, public)
        .get("/api/v1/settings.oauth", "The OAuth sign-in services clients may offer: none (Capsule signs in with passwords and tokens)", Access::Public, oauth)
        .get("/api/v1/settings", "Settings with type, group, public flag and default (`packageValue`); non-admins see the public ones", Access::User, list)
        .get("/api/v1/settings/{_id}", "One setting", Access::Admin, one)
        .post("/api/v1/settings/{_id}", "Change a setting: `{\"value\": ...}` of the setting's type and in its range; another value is 400 `error-invalid-setting` naming the setting and what it takes, and the old value stays", Access::Admin, change)
}

/// The parameters of the setting lists besides pagination.
#[derive(Deserialize, schemars::JsonSchema)]
struct ListParams {
    /// Comma-separated setting ids.
    #[serde(rename = "_id")]
    ids: Option<String>,
}

/// A setting with everything an admin may want to know about it.
fn setting_full(def: &SettingDef, value: Value) -> Value {
    let mut setting = json!({
        "_id": def.id,
        "value": value,
        "type": def.kind.name(),
        "public": def.public,
        "group": def.group,
        "packageValue": def.default_value(),
        "description": def.description,
    });
    if !def.options().is_empty() {
        setting["values"] = def
            .options()
            .iter()
            .map(|o| json!({"key": o, "i18nLabel": o}))
            .collect();
    }
    setting
}

/// The settings `visible` lets through, filtered by `_id`, sorted and
/// paged as asked.
fn page_of(
    settings: &Settings,
    params: &PageParams,
    list: &ListParams,
    visible: impl Fn(&SettingDef) -> bool,
    shape: impl Fn(&SettingDef, Value) -> Value,
) -> Result<Value, ApiError> {
    let page = params.page(settings, &["_id"])?;
    let queried = queried_ids(params)?;
    let text = match queried {
        Some(_) => None,
        None => params
            .filter(&["_id"])?
            .text("_id")
            .map(|t| t.to_lowercase()),
    };
    let wanted: Option<Vec<String>> = list
        .ids
        .as_deref()
        .filter(|ids| !ids.is_empty())
        .map(|ids| ids.split(',').map(|id| id.trim().to_owned()).collect());
    let listed = |ids: &Option<Vec<String>>, id: &str| {
        ids.as_ref().is_none_or(|ids| ids.iter().any(|w| w == id))
    };
    let mut matching: Vec<_> = settings
        .all()
        .into_iter()
        .filter(|(def, _)| visible(def))
        .filter(|(def, _)| listed(&wanted, def.id) && listed(&queried, def.id))
        .filter(|(def, _)| {
            text.as_ref()
                .is_none_or(|t| def.id.to_lowercase().contains(t))
        })
        .collect();
    matching.sort_by_key(|(def, _)| def.id);
    if page.sort.first().is_some_and(|s| s.descending) {
        matching.reverse();
    }
    let total = matching.len() as u64;
    let items = slice(matching, &page)
        .map(|(def, value)| shape(def, value))
        .collect();
    Ok(listing("settings", Paged { items, total }, &page))
}

/// The ids a `query` names exactly, as clients before Rocket.Chat 7.0
/// ask for settings: `{"_id": "uniqueID"}` or `{"_id": {"$in": [...]}}`.
/// `None` for no query or another form (a `$regex`, which
/// [`PageParams::filter`] reads as a substring).
fn queried_ids(params: &PageParams) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = params.query.as_deref() else {
        return Ok(None);
    };
    let Ok(Value::Object(query)) = serde_json::from_str::<Value>(text) else {
        return Ok(None);
    };
    match query.get("_id") {
        Some(Value::String(id)) if query.len() == 1 => Ok(Some(vec![id.clone()])),
        Some(Value::Object(condition)) if query.len() == 1 => match condition.get("$in") {
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|id| {
                    id.as_str().map(str::to_owned).ok_or_else(|| {
                        ApiError::invalid_params(format!(
                            "`query._id.$in` must list setting ids as strings, not `{id}`"
                        ))
                    })
                })
                .collect::<Result<_, _>>()
                .map(Some),
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The items of `page` (`count` 0: all from `offset`).
fn slice<T>(items: Vec<T>, page: &Page) -> impl Iterator<Item = T> {
    let take = if page.count == 0 {
        usize::MAX
    } else {
        page.count as usize
    };
    items.into_iter().skip(page.offset as usize).take(take)
}

async fn public(
    State(state): State<AppState>,
    Params(params): Params<PageParams>,
    Params(list): Params<ListParams>,
) -> ApiResult {
    let body = page_of(
        state.chat().settings(),
        &params,
        &list,
        |def| def.public,
        |def, value| json!({"_id": def.id, "value": value}),
    )?;
    Ok(ok(body))
}

async fn oauth() -> ApiResult {
    Ok(ok(json!({ "services": [] })))
}

async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(params): Params<PageParams>,
    Params(list): Params<ListParams>,
) -> ApiResult {
    let admin = caller.is_admin();
    let body = page_of(
        state.chat().settings(),
        &params,
        &list,
        |def| admin || def.public,
        setting_full,
    )?;
    Ok(ok(body))
}

async fn one(State(state): State<AppState>, Admin(_): Admin, Path(id): Path<String>) -> ApiResult {
    let (def, value) = state.chat().settings().one(&id).map_err(ChatError::from)?;
    Ok(ok(setting_full(def, value)))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ChangeRequest {
    value: Option<Value>,
}

async fn change(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    Body(request): Body<ChangeRequest>,
) -> ApiResult {
    let value = request.value.ok_or_else(|| {
        ApiError::invalid_params(format!("send the new value of `{id}` as `value`"))
    })?;
    state
        .chat()
        .settings()
        .set(&id, value.clone())
        .await
        .map_err(ChatError::from)?;
    tracing::info!(by = %admin.username, setting = %id, %value, "setting changed");
    Ok(ok(json!({})))
}
