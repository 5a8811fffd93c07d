//! `directory` and `spotlight`: finding channels and people.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Caller, Params};
use super::pagination::PageParams;
use super::routes::{Access, Routes};
use super::views::{room_directory, user_directory, user_presence};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::store::{Page, Paged, Sort};

/// How many users and rooms `spotlight` answers with, at most, of each.
const SPOTLIGHT_LIMIT: u64 = 10;

pub fn routes() -> Routes {
    Routes::new("directory")
        .get(
            "/api/v1/directory",
            "Browse public channels (`type=channels`, the default) or active users (`type=users`) matching `text`; one `sort` key, `offset`, `count`",
            Access::User,
            directory,
        )
        .get(
            "/api/v1/spotlight",
            "Users and rooms you may see whose name contains `query` (`@name`: users only, `#name`: rooms only)",
            Access::User,
            spotlight,
        )
}

/// `text`, `type` and `workspace`, as query parameters or, as older
/// Rocket.Chat clients send them, inside the `query` JSON object.
#[derive(Deserialize, Default, schemars::JsonSchema)]
struct DirectoryParams {
    text: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    workspace: Option<String>,
    query: Option<String>,
}

impl DirectoryParams {
    /// Merges the `query` object's fields under the plain parameters.
    fn resolve(mut self) -> Result<DirectoryParams, ApiError> {
        if let Some(text) = self.query.take() {
            let legacy: DirectoryParams = serde_json::from_str(&text).map_err(|e| {
                ApiError::invalid_params(format!(
                    "`query` must be a JSON object of `text`, `type` and `workspace`: {e}"
                ))
            })?;
            self.text = self.text.or(legacy.text);
            self.kind = self.kind.or(legacy.kind);
            self.workspace = self.workspace.or(legacy.workspace);
        }
        Ok(self)
    }
}

/// One sort key, renamed from the directory's field names to the store's.
fn store_sort(page: &mut Page, fields: &[(&str, &str)]) -> Result<(), ApiError> {
    if page.sort.len() > 1 {
        return Err(ApiError::invalid_params(
            "This method support only one \"sort\" parameter",
        ));
    }
    for key in &mut page.sort {
        if let Some((_, field)) = fields.iter().find(|(name, _)| *name == key.field) {
            *key = Sort {
                field: (*field).to_owned(),
                descending: key.descending,
            };
        }
    }
    Ok(())
}

const CHANNEL_SORTS: &[(&str, &str)] = &[
    ("name", "name"),
    ("usersCount", "usersCount"),
    ("createdAt", "ts"),
    ("ts", "ts"),
    ("lastMessage", "lm"),
];
const USER_SORTS: &[(&str, &str)] = &[
    ("name", "name"),
    ("username", "username"),
    ("createdAt", "createdAt"),
];

async fn directory(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(paging): Params<PageParams>,
    Params(params): Params<DirectoryParams>,
) -> ApiResult {
    let params = params.resolve()?;
    let chat = state.chat();
    let text = params.text.filter(|t| !t.trim().is_empty());
    if let Some(workspace) = params.workspace.as_deref()
        && !matches!(workspace, "local" | "all")
    {
        return Err(ApiError::invalid_params(format!(
            "`workspace` must be `local` or `all`, not `{workspace}`"
        )));
    }
    // The `query` parameter was read above as the legacy carrier of these fields, not a filter.
    let paging = PageParams {
        query: None,
        ..paging
    };
    let (result, total, page) = match params.kind.as_deref().unwrap_or("channels") {
        "channels" => {
            let sortable: Vec<&str> = CHANNEL_SORTS.iter().map(|(name, _)| *name).collect();
            let mut page = paging.page(chat.settings(), &sortable)?;
            store_sort(&mut page, CHANNEL_SORTS)?;
            let rooms = chat.public_channels(text, &page).await?;
            (
                rooms
                    .items
                    .iter()
                    .map(room_directory)
                    .collect::<Vec<Value>>(),
                rooms.total,
                page,
            )
        }
        "users" => {
            let sortable: Vec<&str> = USER_SORTS.iter().map(|(name, _)| *name).collect();
            let mut page = paging.page(chat.settings(), &sortable)?;
            store_sort(&mut page, USER_SORTS)?;
            let users = chat.directory_users(text, &page).await?;
            (
                users
                    .items
                    .iter()
                    .map(|u| user_directory(&caller, u))
                    .collect(),
                users.total,
                page,
            )
        }
        other => {
            return Err(ApiError::invalid_params(format!(
                "`type` must be `channels` or `users`, not `{other}`"
            )));
        }
    };
    let paged = Paged {
        items: result,
        total,
    };
    Ok(ok(json!({
        "result": paged.items,
        "count": paged.items.len(),
        "offset": page.offset,
        "total": paged.total,
    })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SpotlightParams {
    query: Option<String>,
}

async fn spotlight(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(params): Params<SpotlightParams>,
) -> ApiResult {
    let query = params
        .query
        .ok_or_else(|| ApiError::invalid_params("The 'query' param is required"))?;
    let (users, rooms) = state
        .chat()
        .spotlight(&caller, &query, SPOTLIGHT_LIMIT)
        .await?;
    let users: Vec<Value> = users.iter().map(user_presence).collect();
    let rooms: Vec<Value> = rooms.iter().map(room_directory).collect();
    Ok(ok(json!({ "users": users, "rooms": rooms })))
}
