//! `commands.*` endpoints: the slash commands of the loaded apps, running
//! one, and its previews, in Rocket.Chat's shapes. The rules live in
//! `Chat::run_command` and its neighbours, which the DDP `slashCommand`
//! method and the message pipeline use too.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Body, Caller, Params};
use super::pagination::PageParams;
use super::routes::{Access, Routes};
use crate::chat::{
    CommandCall, CommandPreview, INVALID_COMMAND, PreviewKind, RoomRef, SlashCommand,
};
use crate::gateway::AppState;
use crate::gateway::app_calls::outcome_json;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{MessageId, RoomId};

pub fn routes() -> Routes {
    Routes::new("commands")
        .get("/api/v1/commands.list", "The slash commands of the loaded apps (`offset`, `count`, `sort` by `command`, `query` by `command` or `appId`)", Access::User, list)
        .get("/api/v1/commands.get", "One slash command (`command`, without or with its `/`)", Access::User, get)
        .post("/api/v1/commands.run", "Run a slash command (`command`, `params`, `roomId`, `tmid`, `triggerId`) in a room the caller may post in; the app's answer also reaches the caller privately", Access::User, run)
        .get("/api/v1/commands.preview", "The preview items of a command being typed (`command`, `params`, `roomId`)", Access::User, preview)
        .post("/api/v1/commands.preview", "Run the preview item the caller picked (`command`, `params`, `roomId`, `previewItem`, `tmid`, `triggerId`)", Access::User, execute_preview)
}

/// A command in Rocket.Chat's `commands.list` shape.
pub fn command_json(command: &SlashCommand) -> Value {
    json!({
        "command": command.command,
        "params": command.usage.clone().unwrap_or_default(),
        "description": command.description,
        "clientOnly": false,
        "providesPreview": command.preview,
        "appId": command.app_id,
    })
}

/// A preview in Rocket.Chat's shape.
fn preview_json(preview: &CommandPreview) -> Value {
    let items: Vec<Value> = preview
        .items
        .iter()
        .map(|item| {
            let kind = match item.kind {
                PreviewKind::Text => "text",
                PreviewKind::Image => "image",
            };
            json!({"id": item.id, "type": kind, "value": item.value})
        })
        .collect();
    json!({"i18nTitle": preview.title, "items": items})
}

fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_params(format!("the required field `{name}` is missing")))
}

/// A command name as clients send it, without the slash.
fn command_name(command: Option<String>) -> Result<String, ApiError> {
    let command = required(command, "command")?;
    Ok(command.trim().trim_start_matches('/').to_owned())
}

#[derive(Deserialize, schemars::JsonSchema)]
struct GetParams {
    command: Option<String>,
}

async fn get(
    State(state): State<AppState>,
    Caller(_): Caller,
    Params(params): Params<GetParams>,
) -> ApiResult<Response> {
    let name = command_name(params.command)?;
    let commands = state.chat().commands();
    let command = commands.get(&name).ok_or_else(|| {
        ApiError::bad_request(
            INVALID_COMMAND,
            format!("There is no command in the system by the name of: /{name}"),
        )
    })?;
    Ok(ok(json!({ "command": command_json(command) })))
}

async fn list(
    State(state): State<AppState>,
    Caller(_): Caller,
    Params(paging): Params<PageParams>,
) -> ApiResult<Response> {
    let chat = state.chat();
    let page = paging.page(chat.settings(), &["command"])?;
    let filter = paging.filter(&["command", "appId"])?;
    let matches = |value: &str, field: &str| {
        filter
            .text(field)
            .is_none_or(|wanted| value.to_lowercase().contains(&wanted.to_lowercase()))
    };
    let commands = chat.commands();
    let mut found: Vec<&SlashCommand> = commands
        .all()
        .filter(|c| matches(&c.command, "command") && matches(&c.app_id, "appId"))
        .collect();
    if page.sort.first().is_some_and(|s| s.descending) {
        found.reverse();
    }
    let total = found.len();
    let take = if page.count == 0 {
        usize::MAX
    } else {
        page.count as usize
    };
    let commands: Vec<Value> = found
        .into_iter()
        .skip(page.offset as usize)
        .take(take)
        .map(command_json)
        .collect();
    Ok(ok(json!({
        "count": commands.len(),
        "commands": commands,
        "offset": page.offset,
        "total": total,
    })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RunCommand {
    command: Option<String>,
    #[serde(default)]
    params: String,
    room_id: Option<String>,
    tmid: Option<String>,
    trigger_id: Option<String>,
}

impl RunCommand {
    fn into_call(self) -> Result<CommandCall, ApiError> {
        Ok(CommandCall {
            command: command_name(self.command)?,
            params: self.params,
            room: RoomRef::Id(RoomId(required(self.room_id, "roomId")?)),
            tmid: self.tmid.filter(|t| !t.is_empty()).map(MessageId),
            trigger_id: self.trigger_id.filter(|t| !t.is_empty()),
        })
    }
}

async fn run(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<RunCommand>,
) -> ApiResult<Response> {
    let outcome = state
        .chat()
        .run_command(&user, request.into_call()?)
        .await?;
    Ok(ok(json!({ "result": outcome_json(&outcome) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PreviewParams {
    command: Option<String>,
    #[serde(default)]
    params: String,
    room_id: Option<String>,
    tmid: Option<String>,
}

async fn preview(
    State(state): State<AppState>,
    Caller(user): Caller,
    Params(request): Params<PreviewParams>,
) -> ApiResult<Response> {
    let call = RunCommand {
        command: request.command,
        params: request.params,
        room_id: request.room_id,
        tmid: request.tmid,
        trigger_id: None,
    }
    .into_call()?;
    let preview = state.chat().command_preview(&user, call).await?;
    Ok(ok(json!({ "preview": preview_json(&preview) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct PreviewItemParam {
    id: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ExecutePreview {
    #[serde(flatten)]
    run: RunCommand,
    preview_item: Option<PreviewItemParam>,
}

async fn execute_preview(
    State(state): State<AppState>,
    Caller(user): Caller,
    Body(request): Body<ExecutePreview>,
) -> ApiResult<Response> {
    let item = required(
        request.preview_item.and_then(|item| item.id),
        "previewItem.id",
    )?;
    let call = request.run.into_call()?;
    let outcome = state
        .chat()
        .execute_command_preview(&user, call, &item)
        .await?;
    Ok(ok(json!({ "result": outcome_json(&outcome) })))
}
