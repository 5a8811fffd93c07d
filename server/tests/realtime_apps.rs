//! Apps in the message path, seen over the real-time API: what the
//! WebSocket sends goes through the same hooks as REST, and subscribers
//! see messages as the apps left them.

mod apps_support;
use capsule_server_harness as common;

use apps_support::Publisher;
use common::TestServer;
use common::ddp::Ddp;
use serde_json::{Value, json};

/// The next message event on `ddp`.
async fn next_message(ddp: &mut Ddp) -> Value {
    let (collection, _, args) = ddp.event().await;
    assert_eq!(collection, "stream-room-messages", "{args}");
    args[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_modifying_app_changes_messages_sent_over_the_websocket_and_rest_alike() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["modifier"])).await;
    let admin = server.admin().await;
    let mut ws = Ddp::resume(&server.base, &admin.token).await;
    ws.sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the stream starts");

    let sent = ws
        .call(
            "sendMessage",
            json!([{"rid": "GENERAL", "msg": "over the socket"}]),
        )
        .await
        .expect("sendMessage succeeds");
    assert_eq!(
        sent["msg"], "over the socket [mod]",
        "the answer is the stored message"
    );
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": "GENERAL", "text": "over REST"}),
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(next_message(&mut ws).await["msg"], "over the socket [mod]");
    assert_eq!(next_message(&mut ws).await["msg"], "over REST [mod]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vetoing_app_stops_a_websocket_message_with_its_reason() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["veto"])).await;
    let admin = server.admin().await;
    let mut ws = Ddp::resume(&server.base, &admin.token).await;
    ws.sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the stream starts");

    let refused = ws
        .call(
            "sendMessage",
            json!([{"rid": "GENERAL", "msg": "this is forbidden"}]),
        )
        .await
        .expect_err("the app stops it");
    assert_eq!(refused["error"], "error-app-prevented", "{refused}");
    let reason = refused["reason"].as_str().unwrap();
    assert!(
        reason.contains("`veto`") && reason.contains("forbidden word"),
        "{reason}"
    );

    ws.call("sendMessage", json!([{"rid": "GENERAL", "msg": "fine"}]))
        .await
        .expect("an allowed message goes through");
    // The first message anyone sees is the allowed one: nothing vetoed
    // was stored or published.
    assert_eq!(next_message(&mut ws).await["msg"], "fine");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_that_loops_or_panics_does_not_lose_a_websocket_message() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["hostile"])).await;
    let admin = server.admin().await;
    let mut ws = Ddp::resume(&server.base, &admin.token).await;
    ws.sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("the stream starts");

    for text in ["loop forever", "panic now"] {
        let sent = ws
            .call("sendMessage", json!([{"rid": "GENERAL", "msg": text}]))
            .await
            .expect("the message is stored despite the app");
        assert_eq!(sent["msg"], text);
    }
    assert_eq!(next_message(&mut ws).await["msg"], "loop forever");
    assert_eq!(next_message(&mut ws).await["msg"], "panic now");
    let runtime = server
        .server
        .as_ref()
        .expect("the server is running")
        .app_manager()
        .runtime();
    let health = runtime.health("hostile").expect("hostile is loaded");
    assert!(health.faults >= 2, "both faults are counted: {health:?}");
}
