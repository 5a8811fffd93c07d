//! Webhooks: Rocket.Chat's incoming and outgoing webhooks as a Capsule app.
//!
//! * **Incoming.** An admin runs `/webhook create [#room]` and gets, in a
//!   private answer, a URL `<site>/hooks/<id>/<token>`. A service POSTs
//!   Rocket.Chat's webhook JSON (`text`, `alias`, `emoji`, `avatar`,
//!   `channel`, `attachments`) to it and the app's bot posts the message.
//!   The server routes every `/hooks/...` request to the one app that
//!   declares a public `hooks` endpoint, which is this one.
//! * **Outgoing.** With the `outgoing_url` setting set, every message in a
//!   watched room that starts with a trigger word is POSTed to that URL as
//!   Rocket.Chat's outgoing payload (with the `outgoing_token`); a reply
//!   with `text` is posted back into the room.
//!
//! The pure parts live in [`payload`] (the message JSON), [`hooks`] (ids,
//! tokens, paths) and [`outgoing`] (triggers and the outgoing payload);
//! this file wires them to the SDK.

pub mod hooks;
pub mod outgoing;
pub mod payload;

use capsule_sdk::prelude::*;
use capsule_sdk::serde_json::json;
use capsule_sdk::{http, kv, log, messages, rooms, settings, users};

use crate::hooks::Hook;
use crate::payload::{Target, WebhookMessage};

/// What Rocket.Chat answers for an unknown webhook id or a wrong token;
/// the same for both, so the answer does not tell which ids exist.
const INVALID_HOOK: &str = "Invalid integration id or token provided.";

/// How long the outgoing service may take to answer.
const OUTGOING_TIMEOUT_MS: u32 = 5_000;

/// The most webhooks `/webhook list` shows.
const LIST_LIMIT: u32 = 100;

const USAGE: &str = "usage: `/webhook create [#room]`, `/webhook list`, `/webhook delete <id>`";

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Webhooks;

impl App for Webhooks {
    fn handle_endpoint(
        endpoint: String,
        request: HttpRequest,
        _user: Option<User>,
    ) -> HttpResponse {
        if endpoint != "hooks" {
            return http::not_found();
        }
        incoming(&request)
    }

    fn execute_command(call: Invocation) -> CommandResult {
        if call.command != "webhook" {
            return Err(format!("unknown command `{}`", call.command));
        }
        require_admin(&call.user)?;
        match call.args.first().map(String::as_str) {
            Some("create") => create(&call),
            Some("list") => list(),
            Some("delete") => delete(call.args.get(1).map(String::as_str)),
            _ => Err(USAGE.to_owned()),
        }
    }

    fn validate_settings(
        changed: Vec<String>,
        proposed: Vec<(String, SettingValue)>,
    ) -> Result<(), String> {
        if !changed.iter().any(|id| id == "outgoing_url") {
            return Ok(());
        }
        let url = proposed.iter().find_map(|(id, value)| match value {
            SettingValue::Text(url) if id == "outgoing_url" => Some(url.as_str()),
            _ => None,
        });
        outgoing::check_url(url.unwrap_or_default(), http::allows)
    }

    fn post_send(msg: Message) {
        // Messages of apps (this one's replies included) never trigger:
        // a service answering every message would otherwise loop.
        if msg.app_id.is_some() {
            return;
        }
        if let Err(e) = outgoing_for(&msg) {
            log::warn(&format!("outgoing webhook for message {}: {e}", msg.id));
        }
    }
}

// ---- incoming -------------------------------------------------------------

/// Serves `POST /hooks/<id>/<token>`.
fn incoming(request: &HttpRequest) -> HttpResponse {
    let Some((id, token)) = hooks::parse_path(&request.url) else {
        return failure(404, INVALID_HOOK);
    };
    if !hooks::is_valid_id(id) {
        return failure(404, INVALID_HOOK);
    }
    let hook = match kv::get_json::<Hook>(&Hook::key(id)) {
        Ok(Some(hook)) => hook,
        Ok(None) => return failure(404, INVALID_HOOK),
        Err(e) => {
            log::error(&format!("reading webhook {id}: {}", describe(&e)));
            return failure(503, "the webhook store is unavailable, try again later");
        }
    };
    if !hook.accepts(token) {
        log::info(&format!("webhook {id}: wrong token"));
        return failure(404, INVALID_HOOK);
    }
    let message = match payload::body_json(
        http::header(&request.headers, "content-type"),
        &request.body,
    )
    .and_then(|json| payload::parse(&json))
    {
        Ok(message) => message,
        Err(why) => return failure(400, &why),
    };
    let room = match &message.channel {
        None => hook.room_id.clone(),
        Some(channel) => match resolve_room(channel) {
            Ok(room) => room.id,
            Err(why) => return failure(400, &why),
        },
    };
    match messages::send(&message.to_outgoing(&room)) {
        Ok(id) => {
            log::info(&format!("webhook {}: posted message {id}", hook.id));
            http::json_response(200, &json!({"success": true}))
        }
        Err(e) => {
            let status = match e {
                Error::Invalid(_) | Error::NotFound(_) => 400,
                Error::Denied(_) => 403,
                Error::RateLimited => 429,
                _ => 503,
            };
            failure(status, &describe(&e))
        }
    }
}

/// Rocket.Chat's failure body, `{"success": false, "error": …}`.
fn failure(status: u16, error: &str) -> HttpResponse {
    http::json_response(status, &json!({"success": false, "error": error}))
}

/// The room a `channel` value (`#name` or an id) names.
fn resolve_room(channel: &str) -> Result<Room, String> {
    let found = match payload::target(channel)? {
        Target::Name(name) => rooms::get_by_name(name),
        Target::IdOrName(value) => match rooms::get(value) {
            Ok(None) => rooms::get_by_name(value),
            other => other,
        },
    };
    match found {
        Ok(Some(room)) => Ok(room),
        Ok(None) => Err(format!("invalid-channel: there is no room `{channel}`")),
        Err(e) => Err(format!("invalid-channel: {}", describe(&e))),
    }
}

// ---- the /webhook command ---------------------------------------------------

fn require_admin(user: &UserRef) -> Result<(), String> {
    let account = users::get(&user.id)
        .map_err(|e| format!("cannot check your roles: {}", describe(&e)))?
        .ok_or_else(|| "cannot check your roles: unknown user".to_owned())?;
    if account.roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err("only admins can manage webhooks".to_owned())
    }
}

/// `/webhook create [#room]`: a new webhook posting to the room named, or
/// to the room the command was typed in.
fn create(call: &Invocation) -> CommandResult {
    let room = match call.args.get(1) {
        Some(channel) => resolve_room(channel)?,
        None => call.room.clone(),
    };
    let (id, token) = hooks::new_id_and_token(|buf| {
        getrandom::fill(buf).map_err(|e| format!("no random numbers: {e}"))
    })?;
    let hook = Hook {
        id: id.clone(),
        token_sha256: hooks::digest(&token),
        room_id: room.id.clone(),
        room_name: room.name.clone(),
        created_by: call.user.username.clone(),
    };
    kv::set_json(&Hook::key(&id), &hook)
        .map_err(|e| format!("cannot save the webhook: {}", describe(&e)))?;
    log::info(&format!(
        "{} created webhook {id} for #{}",
        call.user.username, room.name
    ));
    let site = text_setting("site_url");
    let mut answer = format!(
        "Incoming webhook `{id}` posts to #{}. Its URL (shown only now; anyone who has it can post):\n{}",
        room.name,
        hooks::url(&site, &id, &token)
    );
    if site.trim().is_empty() {
        answer.push_str(
            "\n(Prefix it with the chat's address; an admin can set the app's `site_url` setting.)",
        );
    }
    Ok(Some(answer))
}

/// `/webhook list`: the webhooks, without their tokens.
fn list() -> CommandResult {
    let keys = kv::list_keys(hooks::KEY_PREFIX, None, LIST_LIMIT).map_err(|e| describe(&e))?;
    let mut lines = Vec::new();
    for key in keys {
        if let Some(hook) = kv::get_json::<Hook>(&key).map_err(|e| describe(&e))? {
            lines.push(format!(
                "`{}` → #{} (by {})",
                hook.id, hook.room_name, hook.created_by
            ));
        }
    }
    if lines.is_empty() {
        return Ok(Some(
            "No incoming webhooks yet: `/webhook create [#room]`.".to_owned(),
        ));
    }
    Ok(Some(lines.join("\n")))
}

/// `/webhook delete <id>`.
fn delete(id: Option<&str>) -> CommandResult {
    let id = id.ok_or_else(|| USAGE.to_owned())?;
    if !hooks::is_valid_id(id) || !kv::delete(&Hook::key(id)).map_err(|e| describe(&e))? {
        return Err(format!("there is no webhook `{id}`"));
    }
    Ok(Some(format!(
        "Webhook `{id}` deleted; its URL no longer works."
    )))
}

// ---- outgoing -----------------------------------------------------------------

/// Sends `msg` to the outgoing webhook if it triggers, and posts the reply.
fn outgoing_for(msg: &Message) -> Result<(), String> {
    // This runs on every message: without a URL the webhook is off, and
    // the other settings need not be read.
    let url = text_setting("outgoing_url");
    if url.trim().is_empty() {
        return Ok(());
    }
    let config = outgoing::Config::from_settings(
        &url,
        &text_setting("outgoing_token"),
        &text_setting("outgoing_trigger_words"),
        &text_setting("outgoing_room"),
    );
    if !config.enabled() {
        return Ok(());
    }
    let Some(trigger_word) = config.trigger(&msg.text) else {
        return Ok(());
    };
    let room = rooms::get(&msg.room_id)
        .map_err(|e| describe(&e))?
        .ok_or_else(|| format!("room {} not found", msg.room_id))?;
    if !config.watches(&room) {
        return Ok(());
    }
    let body = outgoing::payload(&config, msg, &room, trigger_word, &text_setting("site_url"));
    let body = capsule_sdk::serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("accept".to_owned(), "application/json".to_owned()),
    ];
    let request = http::request("POST", &config.url, headers, body);
    let response = http::fetch(&request, Some(OUTGOING_TIMEOUT_MS)).map_err(|e| describe(&e))?;
    if !(200..300).contains(&response.status) {
        return Err(format!("{} answered {}", config.url, response.status));
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let reply: WebhookMessage =
        payload::parse(&response.body).map_err(|e| format!("the reply is refused: {e}"))?;
    // The reply goes back to the room of the message, whatever `channel`
    // it names: the service answers a message, it does not pick rooms.
    let mut out = reply.to_outgoing(&msg.room_id);
    out.thread_id = msg.thread_id.clone();
    messages::send(&out).map_err(|e| format!("posting the reply: {}", describe(&e)))?;
    Ok(())
}

/// A text setting, empty when unset or unreadable (logged).
fn text_setting(id: &str) -> String {
    match settings::text(id) {
        Ok(value) => value.unwrap_or_default(),
        Err(e) => {
            log::warn(&format!("setting `{id}`: {}", describe(&e)));
            String::new()
        }
    }
}

capsule_sdk::export_app!(Webhooks);
