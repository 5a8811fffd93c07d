//! `channels.*` endpoints: public channels.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::envelope::{ok, to_json};
use super::error::{ApiError, ApiResult};
use super::extract::{Caller, Params};
use super::routes::{Access, Routes};
use super::state::AppState;
use crate::chat::RoomRef;
use crate::model::{RoomId, RoomKind, Timestamp};
use crate::store::HistoryQuery;

pub fn routes() -> Routes {
    Routes::new("channels").get(
        "/api/v1/channels.history",
        "Messages of a channel, newest first (`latest`, `oldest`, `inclusive`, `offset`, `count`)",
        Access::User,
        history,
    )
}

/// `roomId` or `roomName`, as channel endpoints take them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomParam {
    pub room_id: Option<String>,
    pub room_name: Option<String>,
}

impl RoomParam {
    /// The room named by the parameters.
    pub fn room(&self) -> Result<RoomRef, ApiError> {
        match (&self.room_id, &self.room_name) {
            (Some(id), _) => Ok(RoomRef::Id(RoomId(id.clone()))),
            (None, Some(name)) => Ok(RoomRef::Name(name.clone())),
            (None, None) => Err(ApiError::bad_request(
                "error-room-param-not-provided",
                "The parameter \"roomId\" or \"roomName\" is required",
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryParams {
    #[serde(flatten)]
    room: RoomParam,
    latest: Option<String>,
    oldest: Option<String>,
    #[serde(default)]
    inclusive: bool,
    offset: Option<u64>,
    count: Option<u64>,
}

fn parse_date(text: &Option<String>, name: &str) -> Result<Option<Timestamp>, ApiError> {
    text.as_deref()
        .map(|t| Timestamp::parse(t).ok_or_else(|| ApiError::invalid_params(format!("`{name}` is not an ISO 8601 date: `{t}`"))))
        .transpose()
}

async fn history(State(state): State<AppState>, Caller(user): Caller, Params(params): Params<HistoryParams>) -> ApiResult<Response> {
    let view = state.chat().view_room(&user, &params.room.room()?).await?;
    if view.room.kind != RoomKind::Channel {
        return Err(crate::chat::ChatError::RoomNotFound.into());
    }
    let settings = state.chat().settings();
    let upper = settings.int("API_Upper_Count_Limit").max(1) as u64;
    let query = HistoryQuery {
        latest: parse_date(&params.latest, "latest")?,
        oldest: parse_date(&params.oldest, "oldest")?,
        inclusive: params.inclusive,
        offset: params.offset.unwrap_or(0),
        count: params.count.unwrap_or(20).clamp(1, upper),
    };
    let messages = state.chat().store().history(&view.room.id, &query).await?;
    let messages: Vec<_> = messages.iter().map(to_json).collect();
    Ok(ok(json!({ "messages": messages })))
}
