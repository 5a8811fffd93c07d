//! End to end: the `whatsapp` example app (apps-examples/whatsapp), signed
//! and installed through the admin API on a real server, against a local
//! fake of the WhatsApp Cloud API (Graph API) on 127.0.0.1.
//!
//! * Meta's side is played by the test: the verification `GET` with
//!   `hub.mode`, `hub.verify_token`, `hub.challenge`, and notifications in
//!   the documented `whatsapp_business_account` shape, signed with
//!   `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app
//!   secret), or badly signed.
//! * The Graph API is a fake on the only host the package is granted: it
//!   checks the bearer token, the phone number id in the path and the JSON
//!   body, answers the documented success shape, and Graph's error shape
//!   for a recipient not in its allowed list (as a test number's sandbox
//!   does).

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use capsule_server::model::RoomKind;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{Chat, Session};
use tokio::sync::Mutex;

const WEBHOOK: &str = "/api/apps/public/whatsapp/webhook";
const APP_SECRET: &str = "meta-app-secret-0123";
const VERIFY_TOKEN: &str = "meatyhamhock";
const ACCESS_TOKEN: &str = "EAAJB-test-access-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
/// A contact the fake lets the business write to.
const SHEENA: &str = "16505551234";
/// A contact the fake refuses, as Graph refuses numbers outside a test
/// number's allowed list.
const OUTSIDER: &str = "447700900123";

// ---- the fake Graph API ------------------------------------------------------

/// What one send request carried.
#[derive(Clone, Debug)]
struct SendRequest {
    phone_number_id: String,
    authorization: Option<String>,
    body: Value,
}

#[derive(Clone, Default)]
struct FakeGraph {
    /// Every send request that reached the fake: the path's phone number
    /// id, the Authorization header and the body.
    received: Arc<Mutex<Vec<SendRequest>>>,
    sent: Arc<Mutex<u32>>,
}

fn graph_error(
    status: StatusCode,
    message: &str,
    kind: &str,
    code: u32,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
    let body = json!({"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn send_message(
    State(fake): State<FakeGraph>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.received.lock().await.push(SendRequest {
        phone_number_id: phone_number_id.clone(),
        authorization: auth.clone(),
        body: json.clone(),
    });
    if auth.as_deref() != Some(&format!("Bearer {ACCESS_TOKEN}")) {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            "Invalid OAuth access token - Cannot parse access token",
            "OAuthException",
            190,
        );
    }
    if phone_number_id != PHONE_NUMBER_ID {
        return graph_error(
            StatusCode::BAD_REQUEST,
            &format!("Unsupported post request. Object with ID '{phone_number_id}' does not exist"),
            "GraphMethodException",
            100,
        );
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let well_formed = content_type == Some("application/json")
        && json["messaging_product"] == "whatsapp"
        && json["type"] == "text"
        && json["to"]
            .as_str()
            .is_some_and(|to| !to.is_empty() && to.bytes().all(|b| b.is_ascii_digit()))
        && json["text"]["body"].as_str().is_some_and(|b| !b.is_empty());
    if !well_formed {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "(#100) Invalid parameter",
            "OAuthException",
            100,
        );
    }
    let to = json["to"].as_str().unwrap_or_default().to_owned();
    if to != SHEENA {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "(#131030) Recipient phone number not in allowed list",
            "OAuthException",
            131030,
        );
    }
    let mut sent = fake.sent.lock().await;
    *sent += 1;
    let body = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": format!("wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI{}", *sent)}]
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn fake_graph() -> (u16, FakeGraph) {
    let fake = FakeGraph::default();
    let app = axum::Router::new()
        .route(
            "/v21.0/{phone_number_id}/messages",
            axum::routing::post(send_message),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, fake)
}

// ---- Meta's side ----------------------------------------------------------------

/// HMAC-SHA256 (RFC 2104), written out so the test does not share the
/// app's code.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |x: u8| block.iter().map(|b| b ^ x).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

fn signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    )
}

/// POSTs `body` to the webhook with `signature` (none: no header);
/// answers the status and the body text.
async fn deliver(chat: &Chat, body: &[u8], signature: Option<String>) -> (u16, String) {
    let mut request = chat
        .server
        .http
        .post(format!("{}{WEBHOOK}", chat.server.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature-256", signature);
    }
    let response = request.send().await.expect("the server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// POSTs `value` signed with the app secret, as Meta does.
async fn notify(chat: &Chat, value: Value) -> (u16, String) {
    let body = notification(value).to_string().into_bytes();
    deliver(chat, &body, Some(signature(APP_SECRET, &body))).await
}

fn notification(value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]
    })
}

fn metadata() -> Value {
    json!({"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID})
}

fn text_from(wa_id: &str, name: &str, id: &str, text: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": id, "timestamp": "1749416383", "type": "text", "text": {"body": text}}]
    })
}

fn status(id: &str, state: &str, errors: Option<Value>) -> Value {
    let mut status =
        json!({"id": id, "status": state, "timestamp": "1750263773", "recipient_id": SHEENA});
    if let Some(errors) = errors {
        status["errors"] = errors;
    }
    json!({"messaging_product": "whatsapp", "metadata": metadata(), "statuses": [status]})
}

// ---- set-up -----------------------------------------------------------------------

struct Bridge {
    chat: Chat,
    fake: FakeGraph,
    alice: Session,
    room: String,
}

/// A server with the app installed (granted only the fake's host), a
/// channel `whatsapp` with alice in it, and the fake Graph API.
async fn bridge() -> Bridge {
    let (port, fake) = fake_graph().await;
    let chat = Chat::start().await;
    let package = chat.package("whatsapp", |manifest| {
        for permission in manifest["permissions"].as_array_mut().unwrap() {
            if permission["name"] == "http-outbound" {
                assert_eq!(permission["hosts"], json!(["graph.facebook.com"]));
                permission["hosts"] = json!([format!("127.0.0.1:{port}")]);
            }
        }
    });
    chat.install_package(
        package,
        json!({
            "room": "whatsapp",
            "access_token": ACCESS_TOKEN,
            "phone_number_id": PHONE_NUMBER_ID,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "api_base": format!("http://127.0.0.1:{port}/v21.0"),
        }),
    )
    .await;
    let alice = chat.user("alice").await;
    let room = chat
        .server
        .room_of(&chat.admin, RoomKind::Channel, "whatsapp", &[&alice])
        .await;
    Bridge {
        chat,
        fake,
        alice,
        room,
    }
}

impl Bridge {
    /// alice's reply `text` in the thread rooted at `thread`.
    async fn reply(&self, thread: &str, text: &str) -> Value {
        self.chat
            .server
            .post(
                "/api/v1/chat.postMessage",
                json!({"roomId": self.room, "text": text, "tmid": thread}),
                Some(&self.alice),
            )
            .await
            .ok()["message"]
            .clone()
    }

    async fn history(&self) -> Vec<Value> {
        self.chat.history(&self.alice, &self.room).await
    }

    async fn wait_for(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.chat
            .wait_for_message(&self.alice, &self.room, what, matches)
            .await
    }

    /// Sheena's first message, answered: the id of her thread's root.
    async fn sheena_writes(&self) -> String {
        let (status, _) = notify(
            &self.chat,
            text_from(
                SHEENA,
                "Sheena Nelson",
                "wamid.IN1",
                "Does it come in blue?",
            ),
        )
        .await;
        assert_eq!(status, 200);
        let root = self
            .wait_for("Sheena's message", |m| {
                m["alias"] == "Sheena Nelson (+16505551234)"
            })
            .await;
        root["_id"].as_str().unwrap().to_owned()
    }
}

// ---- the tests ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_verification_request_is_answered_only_with_the_verify_token() {
    let b = bridge().await;
    let get = |query: String| {
        let http = b.chat.server.http.clone();
        let url = format!("{}{WEBHOOK}?{query}", b.chat.server.base);
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, body) = get(format!(
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"
    ))
    .await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));
    for refused in [
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong".to_owned(),
        format!("hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"),
        format!("hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"),
        "hub.mode=subscribe&hub.challenge=1158201444".to_owned(),
    ] {
        let (status, body) = get(refused.clone()).await;
        assert_eq!(status, 403, "{refused}: {body}");
        assert!(!body.contains("1158201444"), "{refused}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_messages_appear_in_a_thread_per_contact_and_bad_signatures_post_nothing() {
    let b = bridge().await;
    let before = b.history().await.len();

    // Refused before anything is read: no signature, a wrong one, one
    // made with another secret, one over other bytes.
    let body = notification(text_from(SHEENA, "Sheena Nelson", "wamid.FORGED", "forged"))
        .to_string()
        .into_bytes();
    let (status, _) = deliver(&b.chat, &body, None).await;
    assert_eq!(status, 401);
    let (status, _) = deliver(&b.chat, &body, Some(format!("sha256={}", "0".repeat(64)))).await;
    assert_eq!(status, 403);
    let (status, _) = deliver(&b.chat, &body, Some(signature("another-secret", &body))).await;
    assert_eq!(status, 403);
    let (status, _) = deliver(&b.chat, &body, Some(signature(APP_SECRET, b"{}"))).await;
    assert_eq!(status, 403);
    let (status, _) = deliver(&b.chat, &body, Some("sha1=abc".to_owned())).await;
    assert_eq!(status, 403);
    // Signed but not a notification.
    let junk = b"{\"object\":\"page\"}";
    let (status, _) = deliver(&b.chat, junk, Some(signature(APP_SECRET, junk))).await;
    assert_eq!(status, 400);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        b.history().await.len(),
        before,
        "nothing posted: {:#?}",
        b.history().await
    );

    // A signed message starts Sheena's thread, under her name and number.
    let root_id = b.sheena_writes().await;
    let root = b
        .history()
        .await
        .into_iter()
        .find(|m| m["_id"] == root_id.as_str())
        .unwrap();
    assert!(
        root["msg"]
            .as_str()
            .unwrap()
            .starts_with("Does it come in blue?"),
        "{root}"
    );
    assert_eq!(root["u"]["username"], "whatsapp.bot", "{root}");
    assert_eq!(root["appId"], "whatsapp", "{root}");
    assert!(root.get("tmid").is_none_or(Value::is_null), "{root}");

    // Her next message goes into her thread; the same message delivered
    // again (Meta retries) is not posted twice.
    for _ in 0..2 {
        let (status, _) = notify(
            &b.chat,
            text_from(SHEENA, "Sheena Nelson", "wamid.IN2", "Or in red?"),
        )
        .await;
        assert_eq!(status, 200);
    }
    let second = b
        .wait_for("Sheena's second message", |m| m["msg"] == "Or in red?")
        .await;
    assert_eq!(second["tmid"], root_id.as_str(), "{second}");
    assert_eq!(second["alias"], "Sheena Nelson (+16505551234)");
    let history = b.history().await;
    assert_eq!(
        history.iter().filter(|m| m["msg"] == "Or in red?").count(),
        1,
        "{history:#?}"
    );

    // Another contact gets a thread of their own; other message types
    // are named, not dropped.
    let mut image = text_from(OUTSIDER, "Tom", "wamid.IN3", "");
    image["messages"][0] = json!({"from": OUTSIDER, "id": "wamid.IN3", "timestamp": "1", "type": "image", "image": {"id": "1479537139650973", "mime_type": "image/jpeg"}});
    let (status, _) = notify(&b.chat, image).await;
    assert_eq!(status, 200);
    let tom = b
        .wait_for("Tom's image", |m| m["alias"] == "Tom (+447700900123)")
        .await;
    assert!(
        tom["msg"].as_str().unwrap().contains("`image` message"),
        "{tom}"
    );
    assert!(tom.get("tmid").is_none_or(Value::is_null), "{tom}");
    assert!(
        b.fake.received.lock().await.is_empty(),
        "incoming messages send nothing"
    );

    // A notification for another business number of the same Meta app
    // is not this bridge's: accepted, not posted.
    let mut elsewhere = text_from(SHEENA, "Sheena Nelson", "wamid.IN4", "to the other shop");
    elsewhere["metadata"]["phone_number_id"] = json!("999999999999999");
    let (status, _) = notify(&b.chat, elsewhere).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let history = b.history().await;
    assert!(
        history.iter().all(|m| m["msg"] != "to the other shop"),
        "{history:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_in_the_thread_reaches_the_api_and_its_statuses_are_shown() {
    let b = bridge().await;
    let thread = b.sheena_writes().await;

    // A message outside any thread is not sent anywhere.
    b.chat.say(&b.alice, &b.room, "just chatting").await;
    b.reply(&thread, "Yes, and in red too!").await;
    let line = b
        .wait_for("the delivery line", |m| {
            m["msg"]
                .as_str()
                .is_some_and(|t| t.contains("sending to +16505551234"))
        })
        .await;
    assert_eq!(line["tmid"], thread.as_str(), "{line}");
    let received = b.fake.received.lock().await.clone();
    assert_eq!(received.len(), 1, "only the reply is sent: {received:#?}");
    let SendRequest {
        phone_number_id: phone,
        authorization: auth,
        body,
    } = &received[0];
    assert_eq!(phone, PHONE_NUMBER_ID);
    assert_eq!(
        auth.as_deref(),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );
    assert_eq!(
        body,
        &json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": SHEENA,
            "type": "text",
            "text": {"preview_url": false, "body": "Yes, and in red too!"}
        })
    );

    // The statuses Meta reports for that wamid edit the line; a late
    // `delivered` after `read` does not go back.
    let wamid = "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI1";
    let line_id = line["_id"].as_str().unwrap().to_owned();
    for (state, shown) in [
        ("sent", "sent to +16505551234"),
        ("delivered", "delivered to +16505551234"),
        ("read", "read by +16505551234"),
    ] {
        let edited = |m: &Value| {
            m["_id"] == line_id.as_str() && m["msg"].as_str().is_some_and(|t| t.ends_with(shown))
        };
        if state == "sent" {
            // The app records the reply's wamid just after posting the
            // line, so a status in that gap is ignored (README, Limits):
            // the first one is sent again until it shows.
            support::eventually("the first status", || async {
                let (code, _) = notify(&b.chat, status(wamid, state, None)).await;
                assert_eq!(code, 200);
                tokio::time::sleep(Duration::from_millis(100)).await;
                b.history().await.iter().any(edited).then_some(())
            })
            .await;
            continue;
        }
        let (code, _) = notify(&b.chat, status(wamid, state, None)).await;
        assert_eq!(code, 200);
        // The line exists already: wait for its edit, not for the line.
        b.wait_for(state, edited).await;
    }
    notify(&b.chat, status(wamid, "delivered", None)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let line = b
        .history()
        .await
        .into_iter()
        .find(|m| m["_id"] == line_id.as_str())
        .unwrap();
    assert!(
        line["msg"]
            .as_str()
            .unwrap()
            .ends_with("read by +16505551234"),
        "{line}"
    );
    assert_eq!(
        b.fake.received.lock().await.len(),
        1,
        "the app's own lines are not sent"
    );

    // A second reply fails later: its line says why.
    b.reply(&thread, "Shipping today.").await;
    let second = b
        .wait_for("the second delivery line", |m| {
            m["_id"] != line_id.as_str()
                && m["msg"].as_str().is_some_and(|t| t.contains("sending to"))
        })
        .await;
    let errors = json!([{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}]);
    let (status, _) = notify(
        &b.chat,
        status("wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI2", "failed", Some(errors)),
    )
    .await;
    assert_eq!(status, 200);
    let failed = b
        .wait_for("the failure", |m| {
            m["_id"] == second["_id"]
                && m["msg"]
                    .as_str()
                    .is_some_and(|t| t.contains("not delivered"))
        })
        .await;
    assert!(
        failed["msg"]
            .as_str()
            .unwrap()
            .ends_with("Message undeliverable (code 131026)"),
        "{failed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_from_the_api_is_shown_in_the_thread() {
    let b = bridge().await;
    let (status, _) = notify(&b.chat, text_from(OUTSIDER, "Tom", "wamid.IN9", "hello?")).await;
    assert_eq!(status, 200);
    let root = b
        .wait_for("Tom's message", |m| m["alias"] == "Tom (+447700900123)")
        .await;
    let thread = root["_id"].as_str().unwrap().to_owned();
    b.reply(&thread, "Hi Tom").await;
    let shown = b
        .wait_for("the API's error", |m| {
            m["msg"]
                .as_str()
                .is_some_and(|t| t.contains("not sent to WhatsApp"))
        })
        .await;
    assert_eq!(shown["tmid"], thread.as_str(), "{shown}");
    assert!(
        shown["msg"].as_str().unwrap().ends_with(
            "(#131030) Recipient phone number not in allowed list (code 131030, HTTP 400)"
        ),
        "{shown}"
    );
    let received = b.fake.received.lock().await.clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body["to"], OUTSIDER);
}
