//! WhatsApp: a bridge between a WhatsApp Business number (the Cloud API)
//! and one room of the chat.
//!
//! * **In.** Meta calls the app's public endpoint `webhook`
//!   (`/api/apps/public/whatsapp/webhook`): a `GET` to verify the callback
//!   URL (answered with `hub.challenge` when `hub.verify_token` is the
//!   configured one), then a signed `POST` per batch of events. Every
//!   `POST` must carry `X-Hub-Signature-256`, the HMAC-SHA256 of the raw
//!   body with the app secret; anything else is refused before it is
//!   read.
//! * **A thread per contact.** The SDK has no way for an app to create
//!   rooms, so conversations live in one configured room: a contact's
//!   first message starts a thread there (shown under the contact's name
//!   and number as the alias), and their later messages go into it.
//! * **Out.** A person's reply in such a thread is sent to that contact
//!   with `POST {api_base}/{phone_number_id}/messages`; the app adds a
//!   delivery line under it and edits that line as `statuses` come in
//!   (sent, delivered, read, failed). An error from the API is logged and
//!   shown in the thread.
//!
//! The pure parts are in [`signature`], [`webhook`] (what Meta sends),
//! [`graph`] (what the app sends) and [`notice`] (what people read); this
//! file wires them to the SDK.

pub mod graph;
pub mod notice;
pub mod signature;
pub mod webhook;

use capsule_sdk::prelude::*;
use capsule_sdk::{http, kv, log, messages, rooms, settings};
use serde::{Deserialize, Serialize};

use crate::webhook::{Incoming, State, Status};

/// How long the Graph API may take to answer a send.
const SEND_TIMEOUT_MS: u32 = 10_000;

const TEXT: &str = "text/plain; charset=utf-8";

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct WhatsApp;

impl App for WhatsApp {
    fn handle_endpoint(
        endpoint: String,
        request: HttpRequest,
        _user: Option<User>,
    ) -> HttpResponse {
        if endpoint != "webhook" {
            return http::not_found();
        }
        match request.method.as_str() {
            "GET" => verify(&request),
            "POST" => notification(&request),
            _ => http::response(405, TEXT, "method not allowed"),
        }
    }

    fn post_send(msg: Message) {
        // Apps' messages (this one's included) are never sent to WhatsApp,
        // and only thread replies can be.
        if msg.app_id.is_some() {
            return;
        }
        let Some(thread) = msg.thread_id.as_deref() else {
            return;
        };
        if let Err(e) = reply(&msg, thread) {
            log::warn(&format!("reply {} to WhatsApp: {e}", msg.id));
        }
    }
}

// ---- stored state -------------------------------------------------------------

/// A contact's thread: `contact:<wa_id>`.
#[derive(Serialize, Deserialize)]
struct Conversation {
    room_id: String,
    thread_id: String,
}

/// Whose thread a message id roots: `thread:<message id>`.
#[derive(Serialize, Deserialize)]
struct ThreadOwner {
    room_id: String,
    wa_id: String,
}

/// A reply sent to WhatsApp, found again by its `wamid`: `sent:<wamid>`.
#[derive(Serialize, Deserialize)]
struct SentReply {
    notice_id: String,
    to: String,
    /// [`State::rank`] of the status shown, 0 before any.
    shown: u8,
}

fn contact_key(wa_id: &str) -> String {
    format!("contact:{wa_id}")
}
fn thread_key(id: &str) -> String {
    format!("thread:{id}")
}
fn sent_key(wamid: &str) -> String {
    format!("sent:{wamid}")
}
fn seen_key(wamid: &str) -> String {
    format!("seen:{wamid}")
}

// ---- settings -----------------------------------------------------------------

/// A text setting, empty when unset or unreadable (logged).
fn text_setting(id: &str) -> String {
    match settings::text(id) {
        Ok(value) => value.unwrap_or_default().trim().to_owned(),
        Err(e) => {
            log::warn(&format!("setting `{id}`: {}", describe(&e)));
            String::new()
        }
    }
}

// ---- the webhook ----------------------------------------------------------------

/// `GET webhook?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`.
fn verify(request: &HttpRequest) -> HttpResponse {
    let query = request.url.split_once('?').map_or("", |(_, q)| q);
    match webhook::verify_subscription(query, &text_setting("verify_token")) {
        Some(challenge) => {
            log::info("webhook verified by Meta");
            http::response(200, TEXT, challenge)
        }
        None => {
            log::warn(
                "webhook verification refused: wrong or missing hub.verify_token or hub.mode",
            );
            http::response(403, TEXT, "verification refused")
        }
    }
}

/// `POST webhook`: a signed batch of messages and statuses.
fn notification(request: &HttpRequest) -> HttpResponse {
    let secret = text_setting("app_secret");
    if secret.is_empty() {
        log::error("a notification came in but the app secret is not set; refused");
        return http::response(503, TEXT, "the app secret is not configured");
    }
    let header = http::header(&request.headers, signature::HEADER);
    if let Err(refusal) = signature::verify(&secret, &request.body, header) {
        log::warn(&format!("notification refused: signature {refusal:?}"));
        return match refusal {
            signature::Refusal::Missing => {
                http::response(401, TEXT, "X-Hub-Signature-256 is missing")
            }
            _ => http::response(403, TEXT, "X-Hub-Signature-256 does not match"),
        };
    }
    let parsed = match webhook::parse(&request.body) {
        Ok(parsed) => parsed,
        Err(why) => {
            log::warn(&format!("notification refused: {why}"));
            return http::response(400, TEXT, why);
        }
    };
    if parsed.skipped > 0 {
        log::info(&format!("notification: {} item(s) skipped", parsed.skipped));
    }
    let our_number = text_setting("phone_number_id");
    let ours = |id: &str| our_number.is_empty() || id == our_number;
    let mut failures = Vec::new();
    for message in parsed.messages.iter().filter(|m| ours(&m.phone_number_id)) {
        if let Err(e) = post_incoming(message) {
            log::error(&format!(
                "message {} from +{}: {e}",
                message.id, message.from
            ));
            failures.push(e);
        }
    }
    for status in parsed.statuses.iter().filter(|s| ours(&s.phone_number_id)) {
        if let Err(e) = show_status(status) {
            log::warn(&format!("status of {}: {e}", status.id));
        }
    }
    if failures.is_empty() {
        http::response(200, TEXT, "ok")
    } else {
        // Meta delivers again after a failure; messages already posted are
        // recognised by their id and not posted twice.
        http::response(503, TEXT, failures.join("; "))
    }
}

/// Posts one incoming message into its contact's thread (starting the
/// thread when there is none in the configured room yet).
fn post_incoming(message: &Incoming) -> Result<(), String> {
    let seen = seen_key(&message.id);
    if kv::get(&seen).map_err(|e| describe(&e))?.is_some() {
        return Ok(());
    }
    let room = configured_room()?;
    let known = kv::get_json::<Conversation>(&contact_key(&message.from))
        .map_err(|e| describe(&e))?
        .filter(|c| c.room_id == room.id);
    let mut out = messages::outgoing(&room.id, message.text.clone());
    out.alias = Some(notice::alias(message.name.as_deref(), &message.from));
    out.emoji = Some(":speech_balloon:".to_owned());
    match known {
        Some(conversation) => {
            out.thread_id = Some(conversation.thread_id);
            messages::send(&out).map_err(|e| format!("posting: {}", describe(&e)))?;
        }
        None => {
            out.text = notice::thread_intro(&message.text);
            let id = messages::send(&out).map_err(|e| format!("posting: {}", describe(&e)))?;
            let owner = ThreadOwner {
                room_id: room.id.clone(),
                wa_id: message.from.clone(),
            };
            let conversation = Conversation {
                room_id: room.id,
                thread_id: id.clone(),
            };
            // The message is posted: failing now would make Meta deliver
            // it again, so what cannot be recorded is only logged.
            if let Err(e) = kv::set_json(&thread_key(&id), &owner)
                .and_then(|()| kv::set_json(&contact_key(&message.from), &conversation))
            {
                log::error(&format!(
                    "the thread of +{} is posted but not recorded ({}); replies in it will not be sent",
                    message.from,
                    describe(&e)
                ));
            }
        }
    }
    if let Err(e) = kv::set(&seen, b"1") {
        log::warn(&format!(
            "message {} posted but not recorded as seen ({}); a redelivery would post it again",
            message.id,
            describe(&e)
        ));
    }
    Ok(())
}

/// The room named by the `room` setting.
fn configured_room() -> Result<Room, String> {
    let name = text_setting("room");
    let name = name.trim_start_matches('#');
    if name.is_empty() {
        return Err("the `room` setting is empty".to_owned());
    }
    match rooms::get_by_name(name) {
        Ok(Some(room)) => Ok(room),
        Ok(None) => Err(format!("there is no room `{name}` (the `room` setting)")),
        Err(e) => Err(format!("room `{name}`: {}", describe(&e))),
    }
}

/// Edits a reply's delivery line to show `status`, unless it shows a
/// later one already (statuses can arrive out of order).
fn show_status(status: &Status) -> Result<(), String> {
    let key = sent_key(&status.id);
    let Some(mut sent) = kv::get_json::<SentReply>(&key).map_err(|e| describe(&e))? else {
        // Not one of the bridge's replies (or already forgotten).
        return Ok(());
    };
    if status.state.rank() <= sent.shown {
        return Ok(());
    }
    let line = notice::delivery(status.state, &sent.to, status.error.as_deref());
    messages::update(&sent.notice_id, &messages::edit_text(line))
        .map_err(|e| format!("updating the delivery line: {}", describe(&e)))?;
    if status.state == State::Failed {
        log::warn(&format!(
            "WhatsApp could not deliver {} to +{}: {}",
            status.id,
            sent.to,
            status.error.as_deref().unwrap_or("no reason given")
        ));
    }
    sent.shown = status.state.rank();
    kv::set_json(&key, &sent).map_err(|e| describe(&e))
}

// ---- replies ----------------------------------------------------------------------

/// Sends `msg`, a reply in the thread rooted at `thread`, to the thread's
/// contact, and shows how that went in the thread.
fn reply(msg: &Message, thread: &str) -> Result<(), String> {
    let Some(owner) = kv::get_json::<ThreadOwner>(&thread_key(thread)).map_err(|e| describe(&e))?
    else {
        return Ok(());
    };
    if owner.room_id != msg.room_id {
        return Ok(());
    }
    let show = |text: String| {
        let mut out = messages::outgoing(&msg.room_id, text);
        out.thread_id = Some(thread.to_owned());
        messages::send(&out).map_err(|e| format!("posting in the thread: {}", describe(&e)))
    };
    match send_to_whatsapp(&owner.wa_id, &msg.text) {
        Ok(wamid) => {
            log::info(&format!(
                "reply {} sent to +{} as {wamid}",
                msg.id, owner.wa_id
            ));
            let notice_id = show(notice::accepted(&owner.wa_id))?;
            let sent = SentReply {
                notice_id,
                to: owner.wa_id,
                shown: 0,
            };
            kv::set_json(&sent_key(&wamid), &sent).map_err(|e| describe(&e))
        }
        Err(why) => {
            log::warn(&format!(
                "reply {} to +{} not sent: {why}",
                msg.id, owner.wa_id
            ));
            show(notice::not_sent(&why)).map(|_| ())
        }
    }
}

/// `POST {api_base}/{phone_number_id}/messages`; answers the new `wamid`.
fn send_to_whatsapp(to: &str, text: &str) -> Result<String, String> {
    let token = text_setting("access_token");
    if token.is_empty() {
        return Err("the access token is not configured".to_owned());
    }
    let url = graph::messages_url(&text_setting("api_base"), &text_setting("phone_number_id"))
        .ok_or("the API base URL or the phone number ID setting is not valid")?;
    let body = graph::text_message(to, text)?;
    let headers = vec![
        ("authorization".to_owned(), format!("Bearer {token}")),
        ("content-type".to_owned(), "application/json".to_owned()),
        ("accept".to_owned(), "application/json".to_owned()),
    ];
    let request = http::request("POST", &url, headers, body);
    let response = http::fetch(&request, Some(SEND_TIMEOUT_MS))
        .map_err(|e| format!("the WhatsApp API could not be reached: {}", describe(&e)))?;
    graph::sent_message_id(response.status, &response.body)
}

capsule_sdk::export_app!(WhatsApp);
