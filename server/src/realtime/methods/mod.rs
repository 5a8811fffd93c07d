//! The DDP methods the server offers, with Rocket.Chat's names and
//! parameters. Each runs as the connection's signed-in user through the
//! same chat operations as the REST API, so authorization, validation and
//! apps are the same whichever API a client uses.
//!
//! | method | parameters | result |
//! | --- | --- | --- |
//! | `login` | `{"resume": token}` or `{"user": {"username"\|"email"}, "password": {"digest", "algorithm": "sha-256"} \| text}` | `{"id", "token", "tokenExpires", "type"}` |
//! | `logout` | none | none |
//! | `sendMessage` | `{"_id"?, "rid", "msg", "tmid"?, "tshow"?, "alias"?, "emoji"?, "avatar"?, "attachments"?, "bot"?}` | the stored message (a slash command: the message as it would have been, not stored) |
//! | `updateMessage` | `{"_id", "rid"?, "msg"}` | none |
//! | `deleteMessage` | `{"_id"}` | none |
//! | `setReaction` | `emoji, messageId, shouldReact?` | none |
//! | `readMessages` | `rid` | none |
//! | `loadHistory` | `rid, end?, limit?, ls?, showThreadMessages?` | `{"messages", "firstUnread"?, "unreadNotLoaded"}` |
//! | `getThreadMessages` | `{"tmid", "limit"?, "skip"?}` | the thread's first message, then its replies newest first |
//! | `readThreads` | `tmid` | none |
//! | `subscriptions/get` | `since?` | the memberships (with `lastMessage`), or `{"update", "remove"}` after `since` |
//! | `rooms/get` | `since?` | the user's rooms (with `lastMessage`), or `{"update", "remove"}` after `since` |
//! | `getRoomIdByNameOrId` | a room name or id | the room's id |
//! | `getRoomNameById` | a room id | the room's name (none for a direct message) |
//! | `joinRoom` | `rid, code?` | `true` |
//! | `leaveRoom` | `rid` | none |
//! | `createDirectMessage` | `username, ...` | the room, with `rid` |
//! | `saveRoomSettings` | `rid, "roomTopic", value` or `rid, {"roomTopic": value, ...}` (also `roomName`, `roomDescription`, `roomAnnouncement`, `roomType`, `readOnly`, `default`), saved in the order given | `{"result": true, "rid"}` |
//! | `setUserStatus` | `status?, statusText?` (`online`, `away`, `busy`, `offline`) | none |
//! | `license:getModules` | none | `[]` (no enterprise modules) |
//! | `slashCommand` | `{"cmd", "params"?, "msg": {"rid", "tmid"?}, "triggerId"?}` | `{"outcome": "answered" \| "refused" \| "failed", "text"}`, also told privately on `stream-notify-user` `<uid>/message` |
//! | `capsule/uiInteraction` | `appId, {"type"?: "blockAction", "actionId", "rid", "mid"?, "value"?, "triggerId"?}` | `{"outcome": "answered" \| "refused", "text"}`, also told privately on `stream-notify-user` `<uid>/message` (Rocket.Chat has no DDP method for it; the same as REST `ui.interaction`) |
//! | `stream-notify-room` | `"<rid>/user-activity", username, activities` | none (tells the room who is typing) |
//! | `userSetUtcOffset` | hours east of UTC (a number, -12 to 14, e.g. `5.5`) | none (the user's `utcOffset`, which apps read) |
//!
//! A trailing `{"twoFactorCode", "twoFactorMethod"}` argument (or `{}`),
//! which Rocket.Chat's clients may append to any call, is set aside
//! before the parameters are read.

mod history;
mod profile;
mod rooms;

use serde::Deserialize;
use serde_json::{Value, json};

use super::protocol::DdpError;
use crate::chat::{CommandCall, MessageChange, NewMessage, RoomRef, SendOptions};
use crate::gateway::AppState;
use crate::gateway::app_calls::{InteractionRequest, outcome_json};
use crate::gateway::error::ApiError;
use crate::model::{MessageId, RoomId, Timestamp, User, ejson};

/// How long a login token is announced to last (`tokenExpires`), as
/// Rocket.Chat's default of 90 days. Tokens are revoked by logout.
const TOKEN_DAYS: i64 = 90;
/// The most messages one `loadHistory` returns.
const MAX_HISTORY: u64 = 100;

/// A method's outcome: a result (or none), or an error for the client.
pub type MethodResult = Result<Option<Value>, DdpError>;

impl From<ApiError> for DdpError {
    fn from(error: ApiError) -> DdpError {
        if error.status == axum::http::StatusCode::UNAUTHORIZED {
            return DdpError::code(403, error.message);
        }
        if error.kind.is_empty() {
            return DdpError::code(400, error.message);
        }
        DdpError::typed(error.kind, error.message)
    }
}

impl From<crate::chat::ChatError> for DdpError {
    fn from(error: crate::chat::ChatError) -> DdpError {
        ApiError::from(error).into()
    }
}

/// The `n`th parameter, read as `T`.
fn param<T: for<'de> Deserialize<'de>>(
    params: &[Value],
    n: usize,
    what: &str,
) -> Result<T, DdpError> {
    let value = params.get(n).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| {
        DdpError::typed(
            "error-invalid-params",
            format!("parameter {} ({what}) is not valid: {e}", n + 1),
        )
    })
}

/// The one parameter of `userSetUtcOffset`: a number of hours. Its range
/// is the chat operation's to check.
fn utc_offset_param(params: &[Value]) -> Result<f64, DdpError> {
    match params.first().and_then(Value::as_f64) {
        Some(hours) => Ok(hours),
        None => Err(DdpError::typed(
            "error-invalid-params",
            format!(
                "parameter 1 (the UTC offset) must be a number of hours east of UTC, such as 5.5 or -3; got {}",
                params
                    .first()
                    .map_or("nothing".to_owned(), Value::to_string)
            ),
        )),
    }
}

/// Writes a record as DDP sends it (dates as EJSON).
fn to_ddp<T: serde::Serialize>(value: &T) -> Value {
    ejson(|| serde_json::to_value(value)).expect("chat records serialize to JSON")
}

/// What `login` answers.
pub fn login_result(user: &User, token: &str, kind: &str) -> Value {
    let expires = Timestamp(Timestamp::now().millis() + TOKEN_DAYS * 24 * 3600 * 1000);
    json!({
        "id": user.id,
        "token": token,
        "tokenExpires": {"$date": expires.millis()},
        "type": kind,
    })
}

#[derive(Deserialize)]
struct OutgoingParams {
    #[serde(rename = "_id")]
    id: Option<String>,
    rid: String,
    #[serde(default)]
    msg: String,
    tmid: Option<String>,
    #[serde(default)]
    tshow: bool,
    alias: Option<String>,
    emoji: Option<String>,
    avatar: Option<String>,
    #[serde(default)]
    attachments: Vec<Value>,
    bot: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SlashCommandParams {
    cmd: String,
    #[serde(default)]
    params: String,
    msg: SlashCommandRoom,
    trigger_id: Option<String>,
}

#[derive(Deserialize)]
struct SlashCommandRoom {
    rid: String,
    tmid: Option<String>,
}

#[derive(Deserialize)]
struct EditParams {
    #[serde(rename = "_id")]
    id: String,
    rid: Option<String>,
    msg: String,
}

#[derive(Deserialize)]
struct IdParams {
    #[serde(rename = "_id")]
    id: String,
}

/// The parameters without the trailing two-factor argument Rocket.Chat's
/// clients may append (`{"twoFactorCode", "twoFactorMethod"}`, or `{}`
/// when they have none): Capsule has no second factor to check it against.
fn without_two_factor(params: &[Value]) -> &[Value] {
    match params.split_last() {
        Some((Value::Object(last), rest))
            if last
                .keys()
                .all(|key| key == "twoFactorCode" || key == "twoFactorMethod") =>
        {
            rest
        }
        _ => params,
    }
}

/// Runs a method that needs a signed-in user.
pub async fn call(state: &AppState, user: &User, method: &str, params: &[Value]) -> MethodResult {
    let chat = state.chat();
    let params = without_two_factor(params);
    match method {
        "sendMessage" => {
            let p: OutgoingParams = param(params, 0, "the message")?;
            let new = NewMessage {
                id: p.id.map(MessageId::from),
                room: RoomRef::Id(RoomId::from(p.rid.as_str())),
                text: p.msg,
                alias: p.alias,
                emoji: p.emoji,
                avatar: p.avatar,
                attachments: p.attachments,
                tmid: p.tmid.map(MessageId::from),
            };
            let options = SendOptions {
                tshow: p.tshow,
                bot: p.bot,
                ..SendOptions::default()
            };
            let stored = chat.send_message_with(user, new, options).await?;
            Ok(Some(to_ddp(&stored)))
        }
        "slashCommand" => {
            // The same path as REST `commands.run`.
            let p: SlashCommandParams = param(params, 0, "the command")?;
            let call = CommandCall {
                command: p.cmd.trim().trim_start_matches('/').to_owned(),
                params: p.params,
                room: RoomRef::Id(RoomId::from(p.msg.rid.as_str())),
                tmid: p.msg.tmid.filter(|t| !t.is_empty()).map(MessageId::from),
                trigger_id: p.trigger_id.filter(|t| !t.is_empty()),
            };
            let outcome = chat.run_command(user, call).await?;
            Ok(Some(outcome_json(&outcome)))
        }
        "capsule/uiInteraction" => {
            // The same path as REST `/api/apps/ui.interaction/<appId>`.
            let app: String = param(params, 0, "the app id")?;
            let request: InteractionRequest = param(params, 1, "the interaction")?;
            let action = request.into_action(&app)?;
            let outcome = chat
                .ui_interaction(user, action)
                .await
                .map_err(ApiError::from)?;
            Ok(Some(outcome_json(&outcome)))
        }
        "updateMessage" => {
            let p: EditParams = param(params, 0, "the message")?;
            let id = MessageId::from(p.id);
            if let Some(rid) = p.rid {
                chat.read_message_in(user, &RoomId::from(rid.as_str()), &id)
                    .await?;
            }
            chat.change_message(user, &id, MessageChange::Edit(p.msg))
                .await?;
            Ok(None)
        }
        "deleteMessage" => {
            let p: IdParams = param(params, 0, "the message")?;
            chat.delete_message(user, &MessageId::from(p.id)).await?;
            Ok(None)
        }
        "setReaction" => {
            let emoji: String = param(params, 0, "the emoji")?;
            let id: String = param(params, 1, "the message id")?;
            let add: Option<bool> = param(params, 2, "shouldReact")?;
            chat.change_message(
                user,
                &MessageId::from(id),
                MessageChange::React { emoji, add },
            )
            .await?;
            Ok(None)
        }
        "readMessages" => {
            let rid: String = param(params, 0, "the room id")?;
            chat.mark_read(user, &RoomId::from(rid.as_str())).await?;
            Ok(None)
        }
        "loadHistory" | "getThreadMessages" | "readThreads" => {
            history::call(chat, user, method, params).await
        }
        "subscriptions/get"
        | "rooms/get"
        | "getRoomIdByNameOrId"
        | "getRoomNameById"
        | "joinRoom"
        | "leaveRoom"
        | "createDirectMessage" => rooms::call(chat, user, method, params).await,
        "saveRoomSettings" | "setUserStatus" => profile::call(chat, user, method, params).await,
        // Capsule has no enterprise modules.
        "license:getModules" => Ok(Some(json!([]))),
        "userSetUtcOffset" => {
            let hours = utc_offset_param(params)?;
            chat.set_utc_offset(user, hours).await?;
            Ok(None)
        }
        "stream-notify-room" => {
            let event: String = param(params, 0, "the event name")?;
            let Some((rid, "user-activity" | "typing")) = event.rsplit_once('/') else {
                return Err(DdpError::typed(
                    "error-invalid-params",
                    format!(
                        "`{event}` is not an event clients may send; send `<rid>/user-activity`"
                    ),
                ));
            };
            let activities = match params.get(2) {
                Some(Value::Bool(typing)) => typing
                    .then(|| "user-typing".to_owned())
                    .into_iter()
                    .collect(),
                _ => param::<Option<Vec<String>>>(params, 2, "the activities")?.unwrap_or_default(),
            };
            // Only someone who may post in the room may say they are
            // typing there; the name shown is always their own.
            let room = RoomRef::Id(RoomId::from(rid));
            let view = chat.view_room(user, &room).await?;
            if !view.access.post {
                return Err(DdpError::typed(
                    "error-not-allowed",
                    "only those who may post in a room can type in it",
                ));
            }
            chat.bus().publish(crate::reactivity::Change::Activity {
                room: view.room.id,
                username: user.username.clone(),
                activities,
            });
            Ok(None)
        }
        other => Err(DdpError::code(404, format!("Method '{other}' not found"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_that_do_not_fit_are_named() {
        let error = param::<String>(&[json!(5)], 0, "the room id").unwrap_err();
        assert_eq!(error.error, "error-invalid-params");
        assert!(
            error.reason.contains("parameter 1 (the room id)"),
            "{}",
            error.reason
        );
        let missing: Option<bool> = param(&[], 2, "shouldReact").unwrap();
        assert_eq!(missing, None);
    }

    #[test]
    fn a_utc_offset_must_be_a_number() {
        assert_eq!(utc_offset_param(&[json!(-3)]).unwrap(), -3.0);
        let error = utc_offset_param(&[json!("5.5")]).unwrap_err();
        assert_eq!(error.error, "error-invalid-params");
        assert!(error.reason.contains(r#"got "5.5""#), "{}", error.reason);
        let missing = utc_offset_param(&[]).unwrap_err();
        assert!(missing.reason.contains("got nothing"), "{}", missing.reason);
    }

    #[test]
    fn a_trailing_two_factor_argument_is_set_aside() {
        let call = [json!("r1"), json!({})];
        assert_eq!(without_two_factor(&call), &[json!("r1")]);
        let call = [
            json!("r1"),
            json!({"twoFactorCode": "", "twoFactorMethod": "totp"}),
        ];
        assert_eq!(without_two_factor(&call), &[json!("r1")]);
        let call = [json!({"rid": "r1", "msg": "hi"})];
        assert_eq!(without_two_factor(&call), &call);
    }

    #[test]
    fn the_login_result_has_an_ejson_expiry() {
        let user = User::new("alice", "Alice", &["user"], crate::model::UserKind::User);
        let result = login_result(&user, "t", "resume");
        assert!(result["tokenExpires"]["$date"].as_i64().unwrap() > Timestamp::now().millis());
        assert_eq!(result["type"], "resume");
    }
}
