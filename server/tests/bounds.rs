//! Free text is bounded and settings stay in range, over every transport:
//! a refusal names the field (or setting) and its limit, and nothing of
//! the refused value is kept.

use capsule_server::model::RoomKind;
use capsule_server_harness as common;

use common::TestServer;
use common::ddp::Ddp;
use serde_json::{Value, json};

/// A megabyte of text: a million characters.
fn megabyte() -> String {
    "m".repeat(1_000_000)
}

/// Asserts a DDP refusal says `error-invalid-params` and names `words`.
#[track_caller]
fn refused_naming(error: &Value, words: &[&str]) {
    assert_eq!(error["error"], "error-invalid-params", "{error}");
    let reason = error["reason"].as_str().unwrap_or_default();
    for word in words {
        assert!(reason.contains(word), "`{word}` is not in {reason}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_topic_is_refused_over_rest_and_ddp_and_not_stored() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let rid = server.room_of(&ada, RoomKind::Channel, "cats", &[]).await;
    let mut ada_ws = Ddp::resume(&server.base, &ada.token).await;

    let rest = server
        .post(
            "/api/v1/channels.setTopic",
            json!({"roomId": rid, "topic": megabyte()}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    let ddp = ada_ws
        .call("saveRoomSettings", json!([rid, "roomTopic", megabyte()]))
        .await
        .expect_err("the topic is refused");

    let error = rest["error"].as_str().unwrap();
    assert!(
        error.contains("`topic`") && error.contains("1024"),
        "{error}"
    );
    refused_naming(&ddp, &["`topic`", "1024"]);
    let info = server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&ada))
        .await
        .ok();
    assert_eq!(info["channel"].get("topic"), None, "{}", info["channel"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn room_texts_up_to_their_limits_are_kept_over_ddp() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let rid = server.room_of(&ada, RoomKind::Channel, "cats", &[]).await;
    let mut ada_ws = Ddp::resume(&server.base, &ada.token).await;
    let topic = "t".repeat(1024);

    let saved = ada_ws
        .call(
            "saveRoomSettings",
            json!([rid, {"roomTopic": topic, "roomDescription": "about cats"}]),
        )
        .await
        .expect("texts within their limits are saved");
    let refused = ada_ws
        .call(
            "saveRoomSettings",
            json!([rid, "roomAnnouncement", "a".repeat(5001)]),
        )
        .await
        .expect_err("an announcement over 5000 characters is refused");

    assert_eq!(saved, json!({"result": true, "rid": rid}));
    refused_naming(&refused, &["`announcement`", "5000"]);
    let channel = server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&ada))
        .await
        .ok()["channel"]
        .clone();
    assert_eq!(channel["topic"], topic.as_str());
    assert_eq!(channel["description"], "about cats");
    assert_eq!(channel.get("announcement"), None, "{channel}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_text_over_120_characters_is_refused_and_120_are_kept() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let mut ada_ws = Ddp::resume(&server.base, &ada.token).await;
    let kept = "k".repeat(120);

    server
        .post(
            "/api/v1/users.setStatus",
            json!({"message": kept}),
            Some(&ada),
        )
        .await
        .ok();
    let rest = server
        .post(
            "/api/v1/users.setStatus",
            json!({"message": "x".repeat(121)}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    let ddp = ada_ws
        .call("setUserStatus", json!(["away", "y".repeat(121)]))
        .await
        .expect_err("the status text is refused");
    let profile = server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"statusText": megabyte()}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");

    let error = rest["error"].as_str().unwrap();
    assert!(
        error.contains("`statusText`") && error.contains("120"),
        "{error}"
    );
    refused_naming(&ddp, &["`statusText`", "120"]);
    assert!(profile["error"].as_str().unwrap().contains("`statusText`"));
    let me = server.account_of(&ada).await;
    assert_eq!(me.status_text, kept);
    assert_ne!(
        me.status,
        capsule_server::model::Presence::Away,
        "a refused call changes nothing, the presence included"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_display_name_over_its_limit_is_refused_at_registration() {
    let server = TestServer::start().await;

    let refused = server
        .post(
            "/api/v1/users.register",
            json!({"username": "ada", "email": "ada@example.com", "pass": "a long password", "name": "n".repeat(129)}),
            None,
        )
        .await
        .fails(400, "error-invalid-params");

    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("`name`") && error.contains("128"), "{error}");
    assert!(server.chat_domain().user_named("ada").await.is_err());
}

/// The current value of setting `id`, read by `admin`.
async fn setting(server: &TestServer, admin: &common::Session, id: &str) -> Value {
    server
        .get(&format!("/api/v1/settings/{id}"), Some(admin))
        .await
        .ok()["value"]
        .clone()
}

/// `admin` sets setting `id` to `value`.
async fn change_setting(
    server: &TestServer,
    admin: &common::Session,
    id: &str,
    value: Value,
) -> common::Answer {
    server
        .post(
            &format!("/api/v1/settings/{id}"),
            json!({ "value": value }),
            Some(admin),
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_range_settings_are_refused_naming_the_range_and_the_old_value_kept() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let count = change_setting(&server, &admin, "API_Upper_Count_Limit", json!(-1))
        .await
        .fails(400, "error-invalid-setting");
    let size = change_setting(&server, &admin, "Message_MaxAllowedSize", json!(0))
        .await
        .fails(400, "error-invalid-setting");
    let name = change_setting(&server, &admin, "Site_Name", json!(megabyte()))
        .await
        .fails(400, "error-invalid-setting");

    let error = count["error"].as_str().unwrap();
    assert!(
        error.contains("API_Upper_Count_Limit") && error.contains("from 1 to 1000"),
        "{error}"
    );
    let error = size["error"].as_str().unwrap();
    assert!(
        error.contains("Message_MaxAllowedSize") && error.contains("from 1 to 1000000"),
        "{error}"
    );
    let error = name["error"].as_str().unwrap();
    assert!(
        error.contains("Site_Name") && error.contains("at most 255 characters"),
        "{error}"
    );
    assert!(
        error.len() < 300,
        "the refused megabyte is not sent back: {error}"
    );
    assert_eq!(setting(&server, &admin, "API_Upper_Count_Limit").await, 100);
    assert_eq!(
        setting(&server, &admin, "Message_MaxAllowedSize").await,
        5000
    );
    assert_eq!(setting(&server, &admin, "Site_Name").await, "Capsule");
    server
        .say(&admin, "GENERAL", "messages still go through")
        .await;
    let users = server
        .get("/api/v1/users.list?count=2", Some(&admin))
        .await
        .ok();
    assert_eq!(users["count"], 2, "lists still hold more than one item");
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_at_the_edges_of_their_ranges_are_taken() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    for (id, value) in [
        ("API_Upper_Count_Limit", json!(1)),
        ("API_Upper_Count_Limit", json!(1000)),
        ("Message_MaxAllowedSize", json!(1)),
        ("Accounts_Password_Policy_MaxLength", json!(-1)),
    ] {
        change_setting(&server, &admin, id, value.clone())
            .await
            .ok();
        assert_eq!(setting(&server, &admin, id).await, value);
    }
    change_setting(
        &server,
        &admin,
        "Accounts_Password_Policy_MaxLength",
        json!(0),
    )
    .await
    .fails(400, "error-invalid-setting");
}
