//! The parameters `channels.*` and `groups.*` endpoints take.

use super::*;

/// `userId` or `username` (or `user`), as kick and role endpoints take them.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct UserParam {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub user: Option<String>,
}

impl UserParam {
    /// The user named by the parameters.
    pub async fn resolve(&self, chat: &Chat) -> Result<User, ApiError> {
        if let Some(id) = &self.user_id {
            return Ok(chat.user(&UserId(id.clone())).await?);
        }
        match self.username.as_ref().or(self.user.as_ref()) {
            Some(username) => Ok(chat.user_named(username).await?),
            None => Err(user_param_missing()),
        }
    }
}

pub(super) fn user_param_missing() -> ApiError {
    ApiError::bad_request(
        "error-user-param-not-provided",
        "The required \"userId\" or \"username\" param was not provided",
    )
}

/// A body naming a room and a user.
#[derive(Deserialize, schemars::JsonSchema)]
pub(in crate::api) struct RoomUserBody {
    #[serde(flatten)]
    pub(super) room: RoomParam,
    #[serde(flatten)]
    pub(super) user: UserParam,
}

/// The users `invite` adds: `userId`, `userIds`, `username` or `usernames`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct InviteBody {
    #[serde(flatten)]
    pub(super) room: RoomParam,
    pub(super) user_id: Option<String>,
    #[serde(default)]
    pub(super) user_ids: Vec<String>,
    pub(super) username: Option<String>,
    #[serde(default)]
    pub(super) usernames: Vec<String>,
}

impl InviteBody {
    pub(super) async fn users(&self, chat: &Chat) -> Result<Vec<User>, ApiError> {
        let ids = self.user_id.iter().chain(&self.user_ids);
        let names = self.username.iter().chain(&self.usernames);
        let mut users = Vec::new();
        for id in ids {
            users.push(chat.user(&UserId(id.clone())).await?);
        }
        for name in names {
            users.push(chat.user_named(name).await?);
        }
        if users.is_empty() {
            return Err(user_param_missing());
        }
        Ok(users)
    }
}

/// What `create` takes.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "RoomCreateBody")]
pub(in crate::api) struct CreateBody {
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) members: Vec<String>,
    #[serde(default)]
    pub(super) read_only: bool,
}

/// A body naming a room and one text setting.
#[derive(Deserialize, schemars::JsonSchema)]
pub(in crate::api) struct TextBody {
    #[serde(flatten)]
    pub(super) room: RoomParam,
    pub(super) name: Option<String>,
    pub(super) topic: Option<String>,
    pub(super) description: Option<String>,
    pub(super) announcement: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
}

/// `readOnly`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct ReadOnlyBody {
    #[serde(flatten)]
    pub(super) room: RoomParam,
    pub(super) read_only: Option<bool>,
}

/// `userId`, for counters of someone else.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct CountersParams {
    pub user_id: Option<String>,
}

/// The filters of `*.messages`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct MessageParams {
    pub mention_ids: Option<String>,
    pub starred_ids: Option<String>,
    pub pinned: Option<String>,
}

/// `filter` of member lists (`status[]` is [`MemberStatuses`]).
#[derive(Deserialize, schemars::JsonSchema)]
pub(in crate::api) struct MemberParams {
    pub filter: Option<String>,
}

/// `status[]` of member lists: the presences to keep.
pub(in crate::api) struct MemberStatuses;

impl ListParam for MemberStatuses {
    const NAME: &'static str = "status";
    const VALUES: &'static [&'static str] = &["online", "away", "busy", "offline"];
}

pub(super) fn required(value: Option<String>, field: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| ApiError::invalid_params(format!("The bodyParam \"{field}\" is required")))
}
