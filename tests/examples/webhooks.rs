//! End to end: the `webhooks` example app (apps-examples/webhooks), signed
//! and installed through the admin API on a real server.
//!
//! * Incoming: an admin's `/webhook create` answers a URL; Rocket.Chat
//!   payloads POSTed to `/hooks/<id>/<token>` appear in the room as the
//!   app's bot with their alias, emoji, avatar and attachments; wrong ids,
//!   tokens and bodies are refused with Rocket.Chat's JSON and post
//!   nothing.
//! * Outgoing: a local fake service on 127.0.0.1 (the only host the
//!   package is granted) receives Rocket.Chat's outgoing payload, checks
//!   its token and fields, and answers `{"text": ...}`, which appears in
//!   the room; messages without the trigger word send nothing.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use capsule_server::model::RoomKind;
use serde_json::{Value, json};
use support::{Chat, GENERAL, Session};
use tokio::sync::Mutex;

const INVALID_HOOK: &str = "Invalid integration id or token provided.";

/// Installs the app with `site_url` set to the server's address.
async fn chat_with_webhooks() -> Chat {
    let chat = Chat::start().await;
    let site = chat.server.base.clone();
    chat.install("webhooks", json!({"site_url": site})).await;
    chat
}

/// A channel `name` the admin owns, with `members`; answers its id.
async fn channel(chat: &Chat, name: &str, members: &[&Session]) -> String {
    chat.server
        .room_of(&chat.admin, RoomKind::Channel, name, members)
        .await
}

/// Runs `/webhook create <args>` as the admin in `room` and answers the
/// webhook's path (`/hooks/<id>/<token>`) from the private answer.
async fn create_webhook(chat: &Chat, room: &str, args: &str) -> String {
    let result = chat
        .command(&chat.admin, room, "webhook", &format!("create {args}"))
        .await;
    assert_eq!(result["outcome"], "answered", "{result}");
    let text = result["text"].as_str().expect("an answer");
    let url = text
        .split_whitespace()
        .find(|w| w.starts_with(&chat.server.base))
        .unwrap_or_else(|| panic!("no URL on the server in {text:?}"));
    url.strip_prefix(&chat.server.base).unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn payloads_posted_to_a_webhook_appear_in_its_room_as_the_bot() {
    let chat = chat_with_webhooks().await;
    let alice = chat.user("alice").await;
    let deploys = channel(&chat, "deploys", &[&alice]).await;

    // Only admins create webhooks.
    let refused = chat.command(&alice, &deploys, "webhook", "create").await;
    assert_eq!(refused["outcome"], "refused", "{refused}");
    assert_eq!(refused["text"], "only admins can manage webhooks");

    let path = create_webhook(&chat, &deploys, "").await;
    assert!(path.starts_with("/hooks/"), "{path}");

    let (status, body) = chat
        .post_raw(
            &path,
            json!({
                "text": "Deployed *v1.2*",
                "alias": "CI",
                "emoji": ":rocket:",
                "attachments": [{
                    "title": "build 42",
                    "title_link": "https://ci.example.com/42",
                    "text": "all green",
                    "color": "#00ff00",
                    "fields": [{"title": "branch", "value": "main", "short": true}]
                }]
            })
            .to_string(),
        )
        .await;
    assert_eq!((status, &body), (200, &json!({"success": true})));

    let posted = chat.history(&alice, &deploys).await[0].clone();
    assert_eq!(posted["msg"], "Deployed *v1.2*", "{posted}");
    assert_eq!(posted["alias"], "CI", "{posted}");
    assert_eq!(posted["emoji"], ":rocket:", "{posted}");
    assert_eq!(posted["u"]["username"], "webhooks.bot", "{posted}");
    assert_eq!(posted["appId"], "webhooks", "{posted}");
    let attachment = &posted["attachments"][0];
    assert_eq!(attachment["title"], "build 42", "{posted}");
    assert_eq!(
        attachment["title_link"], "https://ci.example.com/42",
        "{posted}"
    );
    assert_eq!(attachment["text"], "all green", "{posted}");
    assert_eq!(attachment["color"], "#00ff00", "{posted}");
    assert_eq!(attachment["fields"][0]["title"], "branch", "{posted}");
    assert_eq!(attachment["fields"][0]["value"], "main", "{posted}");

    // An avatar, and `channel` sending elsewhere than the webhook's room;
    // a form post with `payload=`, as Rocket.Chat also accepts.
    let (status, _) = chat
        .post_raw(
            &path,
            json!({"text": "to general", "avatar": "https://ci.example.com/logo.png", "channel": "#general"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 200);
    let general = chat.history(&alice, GENERAL).await[0].clone();
    assert_eq!(general["msg"], "to general", "{general}");
    assert_eq!(
        general["avatar"], "https://ci.example.com/logo.png",
        "{general}"
    );

    let form = chat
        .server
        .http
        .post(format!("{}{path}", chat.server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("payload=%7B%22text%22%3A%22from+a+form%22%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert_eq!(
        chat.history(&alice, &deploys).await[0]["msg"],
        "from a form"
    );

    // A webhook for another room, named in the command; a wrong
    // subcommand gets the usage.
    let for_general = create_webhook(&chat, &deploys, "#general").await;
    let (status, _) = chat
        .post_raw(
            &for_general,
            json!({"text": "straight to general"}).to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        chat.history(&alice, GENERAL).await[0]["msg"],
        "straight to general"
    );
    let usage = chat
        .command(&chat.admin, &deploys, "webhook", "frobnicate")
        .await;
    assert_eq!(usage["outcome"], "refused", "{usage}");
    assert!(
        usage["text"].as_str().unwrap().starts_with("usage:"),
        "{usage}"
    );

    // The list shows the webhook, never its token.
    let id = path.split('/').nth(2).unwrap();
    let token = path.split('/').nth(3).unwrap();
    let listed = chat.command(&chat.admin, &deploys, "webhook", "list").await;
    let listed = listed["text"].as_str().unwrap();
    assert!(
        listed.contains(id) && listed.contains("#deploys"),
        "{listed}"
    );
    assert!(!listed.contains(token), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_tokens_ids_and_bodies_are_refused_and_post_nothing() {
    let chat = chat_with_webhooks().await;
    let alice = chat.user("alice").await;
    let deploys = channel(&chat, "deploys", &[&alice]).await;
    let path = create_webhook(&chat, &deploys, "").await;
    let id = path.split('/').nth(2).unwrap().to_owned();
    let token = path.split('/').nth(3).unwrap().to_owned();
    let before = chat.history(&alice, &deploys).await;
    let hello = json!({"text": "hello"}).to_string();

    // Rocket.Chat's answer for a wrong token and an unknown id alike.
    let mut wrong_token = token.clone();
    wrong_token.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    for bad in [
        format!("/hooks/{id}/{wrong_token}"),
        format!("/hooks/{id}/{}", &token[..token.len() - 1]),
        format!("/hooks/{}/{token}", "Z".repeat(id.len())),
        format!("/hooks/nope/{token}"),
        format!("/hooks/{id}"),
        format!("/hooks/{id}/{token}/more"),
    ] {
        let (status, body) = chat.post_raw(&bad, hello.clone()).await;
        assert_eq!(status, 404, "{bad}: {body}");
        assert_eq!(
            body,
            json!({"success": false, "error": INVALID_HOOK}),
            "{bad}"
        );
    }

    // Bodies that are not a webhook message, each with its reason.
    for (body, reason) in [
        ("{not json", "the body is not valid JSON"),
        ("[1]", "the body must be a JSON object"),
        (r#"{"text": 5}"#, "the body is not a webhook message"),
        (
            r#"{"alias": "CI"}"#,
            "the message needs a `text` or `attachments`",
        ),
        (
            r#"{"text": "x", "emoji": "rocket"}"#,
            "`emoji` must be a shortcode",
        ),
        (
            r#"{"text": "x", "avatar": "javascript:alert(1)"}"#,
            "`avatar` must be an http or https URL",
        ),
        (
            r##"{"text": "x", "channel": "#nowhere"}"##,
            "invalid-channel: there is no room `#nowhere`",
        ),
        (
            r#"{"text": "x", "channel": "@alice"}"#,
            "may not be a direct message",
        ),
    ] {
        let (status, answer) = chat.post_raw(&path, body.to_owned()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["success"], false, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{body}: {error}");
    }

    // Only POST is served.
    let get = chat
        .server
        .http
        .get(format!("{}{path}", chat.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);

    assert_eq!(
        chat.history(&alice, &deploys).await,
        before,
        "nothing was posted"
    );

    // A deleted webhook's URL stops working.
    let deleted = chat
        .command(&chat.admin, &deploys, "webhook", &format!("delete {id}"))
        .await;
    assert_eq!(deleted["outcome"], "answered", "{deleted}");
    let (status, _) = chat.post_raw(&path, hello.clone()).await;
    assert_eq!(status, 404);
    let again = chat
        .command(&chat.admin, &deploys, "webhook", &format!("delete {id}"))
        .await;
    assert_eq!(again["outcome"], "refused", "{again}");
    assert_eq!(chat.history(&alice, &deploys).await, before);
}

/// What the fake outgoing service received.
#[derive(Clone, Debug)]
struct Received {
    content_type: Option<String>,
    body: Value,
}

/// The fake outgoing-webhook service: it keeps every request, refuses a
/// payload without the expected token (401, as a service checking it
/// would) or that is not JSON (400), and answers Rocket.Chat's reply shape
/// `{"text": "!deploy ok: <the text after the trigger word>"}` (a reply
/// starting with the trigger word, to show the app's own replies do not
/// trigger again).
#[derive(Clone)]
struct FakeService {
    token: &'static str,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn outgoing_hook(
    State(fake): State<FakeService>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"not JSON"}"#.to_owned(),
        );
    };
    fake.received.lock().await.push(Received {
        content_type,
        body: payload.clone(),
    });
    if payload["token"] != fake.token {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"bad token"}"#.to_owned(),
        );
    }
    let text = payload["text"].as_str().unwrap_or_default();
    let rest = text.strip_prefix("!deploy").unwrap_or(text).trim();
    let reply =
        json!({"text": format!("!deploy ok: {rest}"), "alias": "Deployer", "emoji": ":ship:"});
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        reply.to_string(),
    )
}

/// `POST /moved`: a redirect to an address no grant names (TEST-NET-1,
/// never reached: the host refuses the hop before connecting).
async fn moved() -> impl IntoResponse {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, "http://192.0.2.1/rocketchat")],
    )
}

/// The webhooks app with its `http-outbound` grant narrowed to the fake
/// service on 127.0.0.1:`port`, as an admin's copy of the app would be.
fn webhooks_granting(chat: &Chat, port: u16) -> Vec<u8> {
    chat.package("webhooks", |manifest| {
        for permission in manifest["permissions"].as_array_mut().unwrap() {
            if permission["name"] == "http-outbound" {
                permission["hosts"] = json!([format!("127.0.0.1:{port}")]);
            }
        }
    })
}

async fn fake_service(token: &'static str) -> (u16, FakeService) {
    let fake = FakeService {
        token,
        received: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/rocketchat", axum::routing::post(outgoing_hook))
        .route("/moved", axum::routing::post(moved))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, fake)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outgoing_webhook_posts_triggered_messages_and_the_reply_appears() {
    let (port, fake) = fake_service("out-token-123").await;
    let chat = Chat::start().await;
    // The admin's copy of the app grants exactly the service's host.
    let package = webhooks_granting(&chat, port);
    let site = chat.server.base.clone();
    chat.install_package(
        package,
        json!({
            "site_url": site,
            "outgoing_url": format!("http://127.0.0.1:{port}/rocketchat"),
            "outgoing_token": "out-token-123",
            "outgoing_trigger_words": "!deploy, !status",
        }),
    )
    .await;
    let alice = chat.user("alice").await;

    chat.say(&alice, GENERAL, "hello there").await;
    chat.say(&alice, GENERAL, "!deployment is not the word")
        .await;
    let sent = chat.say(&alice, GENERAL, "!deploy api to prod").await;

    let reply = chat
        .wait_for_message(&alice, GENERAL, "the service's reply", |m| {
            m["msg"] == "!deploy ok: api to prod"
        })
        .await;
    assert_eq!(reply["u"]["username"], "webhooks.bot", "{reply}");
    assert_eq!(reply["alias"], "Deployer", "{reply}");
    assert_eq!(reply["emoji"], ":ship:", "{reply}");

    // Give any late (wrong) delivery time to arrive before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = fake.received.lock().await.clone();
    assert_eq!(
        received.len(),
        1,
        "only the triggered message is sent: {received:#?}"
    );
    let got = &received[0];
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    let payload = &got.body;
    assert_eq!(payload["token"], "out-token-123");
    assert_eq!(payload["bot"], false);
    assert_eq!(payload["channel_id"], GENERAL);
    assert_eq!(payload["channel_name"], "general");
    assert_eq!(payload["message_id"], sent["_id"], "{payload}");
    assert_eq!(payload["user_id"], alice.user_id.as_str());
    assert_eq!(payload["user_name"], "alice");
    assert_eq!(payload["text"], "!deploy api to prod");
    assert_eq!(payload["trigger_word"], "!deploy");
    assert_eq!(payload["siteUrl"], site.as_str());
    let timestamp = payload["timestamp"].as_str().expect("an ISO timestamp");
    assert!(
        timestamp.len() == 24 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );
    assert_eq!(
        Some(timestamp),
        sent["ts"].as_str(),
        "the message's own time"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_payload_posts_nothing_back() {
    // The service expects another token: it answers 401 and the app posts
    // no reply (and goes on serving).
    let (port, fake) = fake_service("the-services-token").await;
    let chat = Chat::start().await;
    let package = webhooks_granting(&chat, port);
    chat.install_package(
        package,
        json!({
            "outgoing_url": format!("http://127.0.0.1:{port}/rocketchat"),
            "outgoing_token": "a-stale-token",
            "outgoing_trigger_words": "!deploy",
        }),
    )
    .await;
    let alice = chat.user("alice").await;
    chat.say(&alice, GENERAL, "!deploy now").await;
    let received = support::eventually("the service to be called", || {
        let fake = fake.clone();
        async move {
            let received = fake.received.lock().await.clone();
            (!received.is_empty()).then_some(received)
        }
    })
    .await;
    assert_eq!(received[0].body["token"], "a-stale-token");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let history = chat.history(&alice, GENERAL).await;
    assert_eq!(
        history[0]["msg"],
        "!deploy now",
        "no reply: {:#?}",
        &history[..2.min(history.len())]
    );
    assert!(
        history.iter().all(|m| m["u"]["username"] != "webhooks.bot"),
        "{history:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outgoing_call_the_grant_refuses_leaves_the_app_enabled() {
    // The service redirects every payload to a host the grant does not
    // name: each outgoing call is refused, more often than the five faults
    // in a row that disable an app.
    let (port, _fake) = fake_service("out-token").await;
    let chat = Chat::start().await;
    chat.install_package(
        webhooks_granting(&chat, port),
        json!({
            "site_url": chat.server.base.clone(),
            "outgoing_url": format!("http://127.0.0.1:{port}/moved"),
            "outgoing_token": "out-token",
        }),
    )
    .await;
    let alice = chat.user("alice").await;
    for i in 0..8 {
        chat.say(&alice, GENERAL, &format!("message {i}")).await;
    }

    let logs = support::eventually("the eight refusals to be counted", || {
        let chat = &chat;
        async move {
            let logs = chat
                .server
                .get("/api/apps/webhooks/logs", Some(&chat.admin))
                .await
                .ok();
            (logs["health"]["refusals"].as_u64() == Some(8)).then_some(logs)
        }
    })
    .await;
    let app = chat
        .server
        .get("/api/apps/webhooks", Some(&chat.admin))
        .await
        .ok();
    assert_eq!(app["app"]["status"], "enabled", "{app}");
    assert_eq!(logs["health"]["faults"], 0, "{logs}");
    let refusal = logs["lastRefusal"].as_str().unwrap_or_default();
    assert!(
        refusal.contains("`http-outbound` call refused") && refusal.contains("192.0.2.1"),
        "{logs}"
    );
    let entries = logs["logs"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["level"] == "warn"
            && e["message"]
                .as_str()
                .unwrap_or_default()
                .contains("192.0.2.1")),
        "the refusal is a warning in the app's log: {logs}"
    );

    // Incoming webhooks keep working.
    let path = create_webhook(&chat, GENERAL, "").await;
    let (status, body) = chat
        .post_raw(&path, json!({"text": "still served"}).to_string())
        .await;
    assert_eq!((status, &body), (200, &json!({"success": true})));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outgoing_url_on_an_ungranted_host_is_refused_when_the_admin_sets_it() {
    // The app as published: granted `hooks.example.com` only.
    let chat = chat_with_webhooks().await;
    let set = |url: &str| {
        chat.server.post(
            "/api/apps/webhooks/settings",
            json!({"settings": {"outgoing_url": url}}),
            Some(&chat.admin),
        )
    };
    let outgoing_url = || async {
        let settings = chat
            .server
            .get("/api/apps/webhooks/settings", Some(&chat.admin))
            .await
            .ok();
        settings["settings"]["outgoing_url"]["value"].clone()
    };

    let refused = set("http://127.0.0.1:9/rocketchat").await;

    assert_eq!(refused.status, 400, "{}", refused.body);
    let error = refused.body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("`http://127.0.0.1:9/rocketchat`") && error.contains("not granted"),
        "the admin reads the app's reason: {}",
        refused.body
    );
    assert_eq!(outgoing_url().await, Value::Null, "nothing was saved");

    let accepted = set("https://hooks.example.com/rocketchat").await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(outgoing_url().await, "https://hooks.example.com/rocketchat");

    // An admin sets an app up before enabling it: checked all the same.
    chat.server
        .post(
            "/api/apps/webhooks/status",
            json!({"status": "manually_disabled"}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let while_disabled = set("https://elsewhere.example/rocketchat").await;
    assert_eq!(while_disabled.status, 400, "{}", while_disabled.body);
    assert_eq!(outgoing_url().await, "https://hooks.example.com/rocketchat");
}
