//! Calendar: Google Calendar in the chat.
//!
//! * `/calendar connect` answers, privately, a Google authorize link (the
//!   OAuth 2.0 authorization-code flow, [`oauth`]). Google redirects the
//!   user's browser to the app's public endpoint
//!   `/api/apps/public/calendar/oauth/callback?code=…&state=…`; the app
//!   checks the `state` it kept for that user, exchanges the code at the
//!   token URL and keeps the tokens per user in its kv data. Expired
//!   access tokens are refreshed with the refresh token.
//! * `/calendar today`, `/calendar next`, `/calendar add …` call the
//!   Calendar API ([`gcal`]) with `Authorization: Bearer`.
//! * Events listed or added get a one-off reminder job, `reminder_minutes`
//!   before they start ([`reminders`]); it posts to the user's direct room
//!   with the app's bot, where it waits if they are away.
//!
//! Days and clock times are read and shown in the user's own UTC offset,
//! as their client reported it (`users::utc_offset_minutes`), and in UTC
//! for a user whose client has not ([`time::Offset`]). What goes to Google
//! and to the scheduler is UTC.

pub mod gcal;
pub mod oauth;
pub mod reminders;
pub mod time;

use capsule_sdk::prelude::*;
use capsule_sdk::{http, kv, log, messages, scheduler, serde_json, settings, users};

use crate::gcal::Event;
use crate::oauth::{PendingState, Tokens};
use crate::reminders::Reminder;
use crate::time::Offset;

/// The app's id in its manifest; part of its public callback URL.
const APP_ID: &str = "calendar";

const DEFAULT_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// How long the provider may take to answer one request.
const TIMEOUT_MS: u32 = 5_000;

/// The most events `/calendar today` shows.
const TODAY_LIMIT: u32 = 50;

const USAGE: &str = "usage: `/calendar connect`, `/calendar today`, `/calendar next`, \
`/calendar add <today|tomorrow|YYYY-MM-DD> <HH:MM> [30m|1h] <title>`, `/calendar disconnect`";

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Calendar;

impl App for Calendar {
    fn execute_command(call: Invocation) -> CommandResult {
        if call.command != "calendar" {
            return Err(format!("unknown command `{}`", call.command));
        }
        match call.args.first().map(String::as_str) {
            Some("connect") => connect(&call),
            Some("disconnect") => disconnect(&call),
            Some("today") => today(&call),
            Some("next") => next(&call),
            Some("add") => add(&call),
            _ => Err(USAGE.to_owned()),
        }
    }

    fn handle_endpoint(
        endpoint: String,
        request: HttpRequest,
        _user: Option<User>,
    ) -> HttpResponse {
        let path = request.url.split('?').next().unwrap_or_default();
        if endpoint != "oauth" || path != oauth::CALLBACK_PATH {
            return http::not_found();
        }
        match callback(&request.url) {
            Ok(text) => page(200, &text),
            Err((status, text)) => page(status, &text),
        }
    }

    fn run_job(job: Job) -> Result<(), String> {
        if job.name != reminders::JOB {
            return Err(format!("unknown job `{}`", job.name));
        }
        let reminder: Reminder = match serde_json::from_slice(&job.payload) {
            Ok(r) => r,
            Err(e) => {
                // Retrying cannot fix a payload: log it and give up now.
                log::error(&format!("reminder job {}: bad payload: {e}", job.id));
                return Ok(());
            }
        };
        remind(&reminder)
    }
}

// ---- settings and small helpers -------------------------------------------

/// A text setting, trimmed; `default` when unset or empty.
fn text_setting(id: &str, default: &str) -> String {
    match settings::text(id) {
        Ok(Some(v)) if !v.trim().is_empty() => v.trim().to_owned(),
        Ok(_) => default.to_owned(),
        Err(e) => {
            log::warn(&format!("setting `{id}`: {}", describe(&e)));
            default.to_owned()
        }
    }
}

/// The client credentials; an error the user sees when an admin has not
/// set them.
fn client() -> Result<(String, String), String> {
    let id = text_setting("client_id", "");
    let secret = text_setting("client_secret", "");
    if id.is_empty() || secret.is_empty() {
        return Err(
            "the calendar app is not configured yet: an admin must set its client id and secret"
                .to_owned(),
        );
    }
    Ok((id, secret))
}

fn redirect_uri() -> Result<String, String> {
    let base = text_setting("redirect_base_url", "");
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err("the calendar app is not configured yet: an admin must set the chat's public URL (`redirect_base_url`)".to_owned());
    }
    Ok(oauth::redirect_uri(&base, APP_ID))
}

/// The offset `user_id` reads and is shown times in: their own, as their
/// client reported it, else UTC (the app has no setting for it).
fn offset_of(user_id: &str) -> Result<Offset, String> {
    let reported = users::utc_offset_minutes(user_id)
        .map_err(|e| format!("your time zone could not be read: {}", describe(&e)))?;
    Ok(Offset::reported(reported).unwrap_or(Offset::UTC))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn page(status: u16, text: &str) -> HttpResponse {
    http::response(status, "text/plain; charset=utf-8", text.to_owned())
}

// ---- OAuth ----------------------------------------------------------------

/// `/calendar connect`: a fresh `state` for this user, and the link.
fn connect(call: &Invocation) -> CommandResult {
    let (client_id, _) = client()?;
    let redirect = redirect_uri()?;
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| format!("no random numbers: {e}"))?;
    let state = oauth::new_state(random);
    let pending = PendingState {
        user_id: call.user.id.clone(),
        room_id: call.room.id.clone(),
        expires_at: now_ms() + oauth::STATE_TTL_MS,
    };
    kv::set_json(&PendingState::key(&state), &pending)
        .map_err(|e| format!("cannot start connecting: {}", describe(&e)))?;
    let url = oauth::authorize_url(
        &text_setting("auth_url", DEFAULT_AUTH_URL),
        &client_id,
        &redirect,
        &state,
    );
    Ok(Some(format!(
        "Open this link to let the chat use your Google Calendar (it works once, for 10 minutes):\n{url}"
    )))
}

/// `/calendar disconnect`: forgets the user's tokens.
fn disconnect(call: &Invocation) -> CommandResult {
    let existed = kv::delete(&Tokens::key(&call.user.id)).map_err(|e| describe(&e))?;
    Ok(Some(if existed {
        "Disconnected: the chat no longer has your Google Calendar tokens.".to_owned()
    } else {
        "Your Google Calendar was not connected.".to_owned()
    }))
}

/// Serves the redirect back from the provider.
fn callback(url: &str) -> Result<String, (u16, String)> {
    const INVALID: &str = "This authorization link is invalid or has expired. Run /calendar connect in the chat again.";
    let bad = |text: &str| (400, text.to_owned());
    let state = oauth::query_param(url, "state").unwrap_or_default();
    if !oauth::is_valid_state(&state) {
        return Err(bad(INVALID));
    }
    let key = PendingState::key(&state);
    let pending = match kv::get_json::<PendingState>(&key) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(bad(INVALID)),
        Err(e) => {
            return Err((
                503,
                format!("the app's storage is unavailable: {}", describe(&e)),
            ));
        }
    };
    // A state works once, whatever happens next.
    if let Err(e) = kv::delete(&key) {
        log::warn(&format!("deleting a used state: {}", describe(&e)));
    }
    if pending.expires_at < now_ms() {
        return Err(bad(INVALID));
    }
    if let Some(error) = oauth::query_param(url, "error") {
        return Err(bad(&format!("Google Calendar was not connected: {error}.")));
    }
    let code = oauth::query_param(url, "code").unwrap_or_default();
    if code.is_empty() || code.len() > 2048 {
        return Err(bad("The answer has no authorization code."));
    }
    let (client_id, secret) = client().map_err(|e| (503, e))?;
    let redirect = redirect_uri().map_err(|e| (503, e))?;
    let body = oauth::code_exchange_body(&code, &client_id, &secret, &redirect);
    let response = token_request(body)
        .map_err(|e| (502, format!("Google Calendar was not connected: {e}")))?;
    let tokens = Tokens::from_response(response, now_ms(), None);
    kv::set_json(&Tokens::key(&pending.user_id), &tokens)
        .map_err(|e| (503, format!("cannot keep the tokens: {}", describe(&e))))?;
    log::info(&format!(
        "user {} connected their calendar",
        pending.user_id
    ));
    if let Err(e) = messages::notify_user(
        &pending.room_id,
        &pending.user_id,
        "Google Calendar connected: try `/calendar today`.",
    ) {
        log::warn(&format!(
            "telling user {} they are connected: {}",
            pending.user_id,
            describe(&e)
        ));
    }
    Ok("Google Calendar connected. You can close this page and go back to the chat.".to_owned())
}

/// POSTs a token request and reads the answer.
fn token_request(body: String) -> Result<oauth::TokenResponse, String> {
    let headers = vec![
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("accept".to_owned(), "application/json".to_owned()),
    ];
    let url = text_setting("token_url", DEFAULT_TOKEN_URL);
    let request = http::request("POST", &url, headers, body.into_bytes());
    let response = http::fetch(&request, Some(TIMEOUT_MS)).map_err(|e| describe(&e))?;
    oauth::parse_token_response(response.status, &response.body)
}

/// Refreshes `tokens` and stores the result.
fn refresh(user_id: &str, tokens: &Tokens) -> Result<Tokens, String> {
    let refresh_token = tokens
        .refresh_token
        .as_deref()
        .ok_or("your Google Calendar access expired; run `/calendar connect` again")?;
    let (client_id, secret) = client()?;
    let response = token_request(oauth::refresh_body(refresh_token, &client_id, &secret))
        .map_err(|e| format!("{e}; run `/calendar connect` again if it persists"))?;
    let fresh = Tokens::from_response(response, now_ms(), Some(tokens));
    kv::set_json(&Tokens::key(user_id), &fresh).map_err(|e| describe(&e))?;
    Ok(fresh)
}

/// Calls the Calendar API for `user_id`, refreshing the access token when
/// it has expired, or when the API refuses it (401) once.
fn api(
    user_id: &str,
    method: &str,
    url: &str,
    body: Option<Vec<u8>>,
) -> Result<HttpResponse, String> {
    let mut tokens = kv::get_json::<Tokens>(&Tokens::key(user_id))
        .map_err(|e| describe(&e))?
        .ok_or("your Google Calendar is not connected: run `/calendar connect`")?;
    if tokens.expired(now_ms()) {
        tokens = refresh(user_id, &tokens)?;
    }
    for attempt in 0..2 {
        let mut headers = vec![
            (
                "authorization".to_owned(),
                format!("Bearer {}", tokens.access_token),
            ),
            ("accept".to_owned(), "application/json".to_owned()),
        ];
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        let request = http::request(method, url, headers, body.clone().unwrap_or_default());
        let response = http::fetch(&request, Some(TIMEOUT_MS)).map_err(|e| describe(&e))?;
        if response.status == 401 && attempt == 0 {
            tokens = refresh(user_id, &tokens)?;
            continue;
        }
        if !(200..300).contains(&response.status) {
            return Err(gcal::api_error(response.status, &response.body));
        }
        return Ok(response);
    }
    Err("the Calendar API refused the new access token".to_owned())
}

// ---- the Calendar commands --------------------------------------------------

fn api_base() -> String {
    text_setting("api_base_url", gcal::DEFAULT_API_BASE)
}

fn list(
    call: &Invocation,
    from: i64,
    to: Option<i64>,
    max: u32,
    offset: Offset,
) -> Result<Vec<Event>, String> {
    let url = gcal::list_url(&api_base(), from, to, max);
    let response = api(&call.user.id, "GET", &url, None)?;
    let events = gcal::parse_list(&response.body)?;
    schedule_reminders(call, &events, offset);
    Ok(events)
}

/// `/calendar today`: the events of the user's own day, from their
/// midnight to the next.
fn today(call: &Invocation) -> CommandResult {
    let offset = offset_of(&call.user.id)?;
    let start = time::start_of_day(now_ms(), offset);
    let events = list(call, start, Some(start + time::DAY_MS), TODAY_LIMIT, offset)?;
    if events.is_empty() {
        return Ok(Some("Nothing in your calendar today.".to_owned()));
    }
    let lines: Vec<String> = events.iter().map(|e| e.line(offset)).collect();
    Ok(Some(format!(
        "Today ({}):\n{}",
        offset.label(),
        lines.join("\n")
    )))
}

/// `/calendar next`: the next event that has not ended.
fn next(call: &Invocation) -> CommandResult {
    let offset = offset_of(&call.user.id)?;
    let events = list(call, now_ms(), None, 1, offset)?;
    Ok(Some(match events.first() {
        Some(e) => format!("Next: {}", e.line_with_offset(offset)),
        None => "Nothing ahead in your calendar.".to_owned(),
    }))
}

/// `/calendar add <day> <time> [duration] <title>`, read in the user's
/// offset.
fn add(call: &Invocation) -> CommandResult {
    let offset = offset_of(&call.user.id)?;
    let wanted = time::parse_add(&call.args[1..], now_ms(), offset)?;
    let body = serde_json::to_vec(&gcal::insert_body(&wanted)).map_err(|e| e.to_string())?;
    let response = api(
        &call.user.id,
        "POST",
        &gcal::events_url(&api_base()),
        Some(body),
    )?;
    let created = gcal::parse_event(&response.body)?;
    schedule_reminders(call, std::slice::from_ref(&created), offset);
    let mut answer = format!("Added: {}", created.line_with_offset(offset));
    if let Some(link) = &created.link {
        answer.push_str(&format!("\n{link}"));
    }
    Ok(Some(answer))
}

// ---- reminders ----------------------------------------------------------------

/// Schedules a reminder for each upcoming event that has none yet. A
/// failure is logged: the listing still answers. `offset` is kept with
/// each, in case the user's cannot be read when it fires.
fn schedule_reminders(call: &Invocation, events: &[Event], offset: Offset) {
    let minutes = match settings::number("reminder_minutes") {
        Ok(Some(m)) => m,
        Ok(None) => 10.0,
        Err(e) => {
            log::warn(&format!("setting `reminder_minutes`: {}", describe(&e)));
            return;
        }
    };
    let lead = reminders::lead_ms(minutes);
    let now = now_ms();
    for event in events {
        let (Some(at), Some(key)) = (
            reminders::due_at(event, lead, now),
            reminders::key(&call.user.id, event),
        ) else {
            continue;
        };
        match kv::get(&key) {
            Ok(None) => {}
            Ok(Some(_)) => continue,
            Err(e) => {
                log::warn(&format!("reminder {key}: {}", describe(&e)));
                continue;
            }
        }
        let reminder = Reminder {
            user_id: call.user.id.clone(),
            title: event.title.clone(),
            start_ms: event.start_ms,
            key: key.clone(),
            offset_minutes: offset.minutes(),
        };
        let payload = match serde_json::to_vec(&reminder) {
            Ok(p) => p,
            Err(e) => {
                log::warn(&format!("reminder {key}: {e}"));
                continue;
            }
        };
        match scheduler::schedule(reminders::JOB, &Schedule::At(at as u64), &payload) {
            Ok(job_id) => {
                if let Err(e) = kv::set_text(&key, &job_id) {
                    log::warn(&format!("reminder {key}: {}", describe(&e)));
                }
            }
            Err(e) => log::warn(&format!("scheduling reminder {key}: {}", describe(&e))),
        }
    }
}

/// Posts a reminder to the user's direct room with the app's bot: unlike
/// a private notice, it is kept, so a user who was away still finds it.
fn remind(reminder: &Reminder) -> Result<(), String> {
    let text = reminder.text(now_ms(), offset_when_fired(reminder));
    messages::send_direct(&reminder.user_id, &text).map_err(|e| describe(&e))?;
    if let Err(e) = kv::delete(&reminder.key) {
        log::warn(&format!("reminder {}: {}", reminder.key, describe(&e)));
    }
    Ok(())
}

/// The user's offset as the reminder fires (they may have travelled since
/// it was scheduled), or the one they had then when theirs cannot be read:
/// a reminder is worth more than the offset it shows.
fn offset_when_fired(reminder: &Reminder) -> Offset {
    match users::utc_offset_minutes(&reminder.user_id) {
        Ok(reported) => Offset::reported(reported).unwrap_or_else(|| reminder.scheduled_offset()),
        Err(e) => {
            log::warn(&format!(
                "reminder {}: the user's offset: {}",
                reminder.key,
                describe(&e)
            ));
            reminder.scheduled_offset()
        }
    }
}

capsule_sdk::export_app!(Calendar);
