//! `users.*` endpoints: registration, accounts, presence and tokens.
//!
//! Authorization and validation are the chat domain's (`chat::users`);
//! these handlers read the request, call it, and shape the answer as
//! Rocket.Chat does.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::envelope::ok;
use super::extract::{Admin, Body, Caller, Params};
use super::pagination::{PageParams, listing};
use super::routes::{Access, Routes};
use super::views::{user_for, user_full, user_presence};
use crate::auth::token;
use crate::chat::{Chat, NewUser, ProfileChange, UserChange};
use crate::gateway::AppState;
use crate::gateway::error::{ApiError, ApiResult};
use crate::model::{User, UserId, UserKind};
use crate::store::UserFilter;

pub fn routes() -> Routes {
    Routes::new("users")
        .post("/api/v1/users.register", "Register an account (`username`, `email`, `pass`, `name`); the first person on a server without users becomes its admin", Access::Public, register)
        .post("/api/v1/users.create", "Create an account (`email`, `name`, `password`, `username`, `roles`, `active`, `joinDefaultChannels`, `verified`, `requirePasswordChange`)", Access::Admin, create)
        .get("/api/v1/users.info", "A user by `userId` or `username`; e-mail addresses only for themselves and admins (`fields={\"userRooms\": 1}` adds their rooms)", Access::User, info)
        .get("/api/v1/users.list", "Users (`query` by `username`, `name` or `roles`; `sort` by `username`, `name`, `createdAt`, `status`); admins see every field", Access::User, list)
        .post("/api/v1/users.update", "Change an account: `userId` and `data` (`email`, `name`, `password`, `username`, `active`, `roles`, `verified`, `requirePasswordChange`, `statusText`)", Access::Admin, update)
        .post("/api/v1/users.updateOwnBasicInfo", "Change your own `data`: `email`, `name`, `username`, `statusText`, `newPassword` (`currentPassword` for the e-mail and password)", Access::User, update_own_basic_info)
        .post("/api/v1/users.delete", "Delete an account by `userId` or `username`, revoking its sessions", Access::Admin, delete)
        .post("/api/v1/users.deleteOwnAccount", "Delete your own account (`password`), when `Accounts_AllowDeleteOwnAccount` is on", Access::User, delete_own_account)
        .post("/api/v1/users.setStatus", "Set your presence (`status`: online, away, busy, offline) and/or status `message`; admins may name another user", Access::User, set_status)
        .get("/api/v1/users.getStatus", "The presence of a user (`userId` or `username`; yourself by default)", Access::User, get_status)
        .get("/api/v1/users.getPresence", "The presence of a user (`userId` or `username`; yourself by default)", Access::User, get_presence)
        .get("/api/v1/users.presence", "Users who are not offline (all, or those of `ids`, comma-separated)", Access::User, presence)
        .post("/api/v1/users.setActiveStatus", "Activate or deactivate an account (`userId`, `activeStatus`); a deactivated user is signed out and cannot sign in", Access::Admin, set_active_status)
        .post("/api/v1/users.createToken", "Issue a login token for a user (`userId` or `username`)", Access::Admin, create_token)
        .post("/api/v1/users.generatePersonalAccessToken", "Create a personal access token named `tokenName`; it is shown only in this answer", Access::User, generate_personal_token)
        .get("/api/v1/users.getPersonalAccessTokens", "Your personal access tokens: names, creation dates and last characters, never the tokens", Access::User, personal_tokens)
        .post("/api/v1/users.regeneratePersonalAccessToken", "Replace your personal access token `tokenName` with a new one", Access::User, regenerate_personal_token)
        .post("/api/v1/users.removePersonalAccessToken", "Revoke your personal access token `tokenName`", Access::User, remove_personal_token)
        .get("/api/v1/users.getUsernameSuggestion", "A free username made from your name", Access::User, username_suggestion)
}

/// `userId` or `username`, as user endpoints take them.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UserParam {
    user_id: Option<String>,
    username: Option<String>,
}

impl UserParam {
    /// Whether the request names a user at all.
    fn given(&self) -> bool {
        self.user_id.is_some() || self.username.is_some()
    }

    /// The user named by the parameters.
    async fn user(&self, chat: &Chat) -> Result<User, ApiError> {
        match (&self.user_id, &self.username) {
            (Some(id), _) => Ok(chat.user(&UserId(id.clone())).await?),
            (None, Some(username)) => Ok(chat.user_named(username).await?),
            (None, None) => Err(ApiError::bad_request(
                "error-user-param-not-provided",
                "The required \"userId\" or \"username\" param was not provided",
            )),
        }
    }

    /// The user named, or `caller` when none is.
    async fn user_or(&self, chat: &Chat, caller: &User) -> Result<User, ApiError> {
        if self.given() {
            self.user(chat).await
        } else {
            Ok(caller.clone())
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct RegisterRequest {
    username: String,
    email: String,
    pass: String,
    name: String,
}

async fn register(
    State(state): State<AppState>,
    Body(request): Body<RegisterRequest>,
) -> ApiResult {
    let user = state
        .chat()
        .register(
            &request.username,
            &request.email,
            &request.pass,
            &request.name,
        )
        .await?;
    Ok(ok(json!({ "user": user_full(&user) })))
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    email: String,
    name: String,
    password: String,
    username: String,
    roles: Option<Vec<String>>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default = "yes")]
    join_default_channels: bool,
    #[serde(default)]
    verified: bool,
    #[serde(default)]
    require_password_change: bool,
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(request): Body<CreateRequest>,
) -> ApiResult {
    let new = NewUser {
        username: request.username,
        name: request.name,
        email: Some(request.email),
        password: Some(request.password),
        roles: request.roles.unwrap_or_else(|| vec!["user".into()]),
        kind: UserKind::User,
        active: request.active,
        verified: request.verified,
        join_default_channels: request.join_default_channels,
        require_password_change: request.require_password_change,
    };
    let user = state.chat().admin_create_user(&admin, new).await?;
    Ok(ok(json!({ "user": user_full(&user) })))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct InfoParams {
    /// A JSON object; `{"userRooms": 1}` adds the user's rooms.
    fields: Option<String>,
}

async fn info(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(target): Params<UserParam>,
    Params(params): Params<InfoParams>,
) -> ApiResult {
    // Rocket.Chat answers these two with bare failures, which clients
    // show as they are.
    if !target.given() {
        return Err(ApiError::failure("Invalid search query."));
    }
    let user = target.user(state.chat()).await.map_err(|error| {
        if error.kind == "error-invalid-user" {
            ApiError::failure("User not found.")
        } else {
            error
        }
    })?;
    let mut body = user_for(&caller, &user);
    if wants_rooms(params.fields.as_deref())? && (caller.id == user.id || caller.is_admin()) {
        let subscriptions = state.chat().records().subscriptions_of(&user.id).await?;
        body["rooms"] = subscriptions
            .iter()
            .map(|s| json!({"rid": s.rid, "name": s.name, "t": s.kind, "roles": s.roles, "unread": s.unread}))
            .collect();
    }
    Ok(ok(json!({ "user": body })))
}

/// Whether `fields` asks for `userRooms`.
fn wants_rooms(fields: Option<&str>) -> Result<bool, ApiError> {
    let Some(text) = fields else {
        return Ok(false);
    };
    let fields: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid_params(format!("`fields` is not valid JSON: {e}")))?;
    Ok(fields.get("userRooms").and_then(Value::as_i64) == Some(1))
}

async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(params): Params<PageParams>,
) -> ApiResult {
    let chat = state.chat();
    let page = params.page(
        chat.settings(),
        &["username", "name", "createdAt", "status"],
    )?;
    let query = params.filter(&["username", "name", "roles"])?;
    let filter = UserFilter {
        text: query.text("username").or_else(|| query.text("name")),
        role: query.text("roles"),
        active: None,
    };
    let users = chat.records().users(&filter, &page).await?;
    let users = users.map(|u| user_for(&caller, &u));
    Ok(ok(listing("users", users, &page)))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UpdateData {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
    username: Option<String>,
    active: Option<bool>,
    roles: Option<Vec<String>>,
    verified: Option<bool>,
    require_password_change: Option<bool>,
    status_text: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    user_id: String,
    data: UpdateData,
}

async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(request): Body<UpdateRequest>,
) -> ApiResult {
    let data = request.data;
    let change = UserChange {
        username: data.username,
        name: data.name,
        email: data.email,
        password: data.password,
        active: data.active,
        roles: data.roles,
        verified: data.verified,
        require_password_change: data.require_password_change,
        status_text: data.status_text,
    };
    let id = UserId(request.user_id);
    let user = state.chat().update_user(&admin, &id, change).await?;
    // A new password or a deactivation revoked tokens; drop them from the cache too.
    state.sessions().forget_user(&id);
    Ok(ok(json!({ "user": user_full(&user) })))
}

#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct OwnData {
    email: Option<String>,
    name: Option<String>,
    username: Option<String>,
    status_text: Option<String>,
    current_password: Option<String>,
    new_password: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct OwnRequest {
    data: OwnData,
}

/// The digest of this request's token, to keep it when others are revoked.
fn own_token_digest(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(token::digest)
}

async fn update_own_basic_info(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    Body(request): Body<OwnRequest>,
) -> ApiResult {
    let data = request.data;
    let change = ProfileChange {
        username: data.username,
        name: data.name,
        email: data.email,
        status_text: data.status_text,
        current_password: data.current_password,
        new_password: data.new_password,
    };
    let keep = own_token_digest(&headers);
    let user = state
        .chat()
        .update_profile(&caller, change, keep.as_deref())
        .await?;
    state.sessions().forget_user(&user.id);
    Ok(ok(json!({ "user": user_full(&user) })))
}

async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(target): Body<UserParam>,
) -> ApiResult {
    let user = target.user(state.chat()).await?;
    state.chat().delete_user(&admin, &user.id).await?;
    state.sessions().forget_user(&user.id);
    Ok(ok(json!({})))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct PasswordRequest {
    password: Option<String>,
}

async fn delete_own_account(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body(request): Body<PasswordRequest>,
) -> ApiResult {
    let password = request
        .password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid_params("Body parameter \"password\" is required."))?;
    state.chat().delete_own_account(&caller, &password).await?;
    state.sessions().forget_user(&caller.id);
    Ok(ok(json!({})))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct StatusRequest {
    status: Option<String>,
    message: Option<String>,
    #[serde(flatten)]
    user: UserParam,
}

async fn set_status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body(request): Body<StatusRequest>,
) -> ApiResult {
    let target = request.user.user_or(state.chat(), &caller).await?;
    state
        .chat()
        .set_status(
            &caller,
            &target.id,
            request.status.as_deref(),
            request.message.as_deref(),
        )
        .await?;
    Ok(ok(json!({})))
}

async fn get_status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(target): Params<UserParam>,
) -> ApiResult {
    let user = target.user_or(state.chat(), &caller).await?;
    let mut body = json!({"_id": user.id, "status": user.status});
    if user.id == caller.id {
        // Capsule has no separate connection state: the presence is it.
        body["connectionStatus"] = json!(user.status);
    }
    Ok(ok(body))
}

async fn get_presence(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Params(target): Params<UserParam>,
) -> ApiResult {
    let user = target.user_or(state.chat(), &caller).await?;
    let mut body = json!({"presence": user.status});
    if user.id == caller.id {
        body["connectionStatus"] = json!(user.status);
        if let Some(last_login) = user.last_login {
            body["lastLogin"] = json!(last_login);
        }
    }
    Ok(ok(body))
}

#[derive(Deserialize, schemars::JsonSchema)]
struct PresenceParams {
    /// Comma-separated user ids.
    ids: Option<String>,
}

async fn presence(
    State(state): State<AppState>,
    Caller(_): Caller,
    Params(params): Params<PresenceParams>,
) -> ApiResult {
    let ids: Option<Vec<UserId>> = params.ids.as_deref().map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(UserId::from)
            .collect()
    });
    let users = state.chat().users_present(ids.as_deref()).await?;
    let users: Vec<Value> = users.iter().map(user_presence).collect();
    Ok(ok(json!({ "users": users, "full": ids.is_none() })))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ActiveRequest {
    user_id: String,
    active_status: bool,
}

async fn set_active_status(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(request): Body<ActiveRequest>,
) -> ApiResult {
    let id = UserId(request.user_id);
    let user = state
        .chat()
        .set_active(&admin, &id, request.active_status)
        .await?;
    state.sessions().forget_user(&id);
    Ok(ok(
        json!({ "user": {"_id": user.id, "active": user.active} }),
    ))
}

async fn create_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(target): Body<UserParam>,
) -> ApiResult {
    let user = target.user(state.chat()).await?;
    let secret = state.chat().issue_login_token(&admin, &user).await?;
    Ok(ok(
        json!({ "data": {"userId": user.id, "authToken": secret} }),
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct TokenNameRequest {
    token_name: Option<String>,
}

impl TokenNameRequest {
    fn name(self) -> Result<String, ApiError> {
        self.token_name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_params("The 'tokenName' param is required"))
    }
}

async fn generate_personal_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body(request): Body<TokenNameRequest>,
) -> ApiResult {
    let token = state
        .chat()
        .create_personal_token(&caller, &request.name()?)
        .await?;
    Ok(ok(json!({ "token": token })))
}

async fn personal_tokens(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult {
    let tokens: Vec<Value> = state
        .chat()
        .personal_tokens(&caller)
        .await?
        .into_iter()
        .map(|t| json!({"name": t.name, "createdAt": t.created_at, "lastTokenPart": t.last_part, "bypassTwoFactor": false}))
        .collect();
    Ok(ok(json!({ "tokens": tokens })))
}

async fn regenerate_personal_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body(request): Body<TokenNameRequest>,
) -> ApiResult {
    let token = state
        .chat()
        .regenerate_personal_token(&caller, &request.name()?)
        .await?;
    state.sessions().forget_user(&caller.id);
    Ok(ok(json!({ "token": token })))
}

async fn remove_personal_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body(request): Body<TokenNameRequest>,
) -> ApiResult<Response> {
    state
        .chat()
        .remove_personal_token(&caller, &request.name()?)
        .await?;
    state.sessions().forget_user(&caller.id);
    Ok(ok(json!({})))
}

async fn username_suggestion(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult {
    let suggestion = state.chat().username_suggestion(&caller).await?;
    Ok(ok(json!({ "result": suggestion })))
}
