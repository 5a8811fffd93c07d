//! UI interactions end to end: the real server with the real signed
//! `everything` app, whose `/poll` posts a message with the buttons
//! `edit` (value `again`) and `hello`. Pressing `hello` answers
//! `pressed hello` privately; pressing `edit` also makes the app edit its
//! message to `edited by <user> in <room> (<value>)`.

mod apps_support;
use capsule_server_harness as common;

use apps_support::Publisher;
use capsule_server::model::RoomKind;
use common::ddp::Ddp;
use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

async fn with_apps(apps: &[&str]) -> TestServer {
    let publisher = Publisher::new("Capsule tests");
    TestServer::start_configured(publisher.configure(apps)).await
}

/// Runs `/poll <text>` as `who` in `rid`, reading the private answer
/// off `ws`; answers the id of the message with buttons the app posted.
async fn poll(server: &TestServer, who: &Session, ws: &mut Ddp, rid: &str, text: &str) -> String {
    let ran = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "poll", "params": text, "roomId": rid}),
            Some(who),
        )
        .await
        .ok();
    let told = ws.next_private(who).await;
    assert_eq!(told["msg"], ran["result"]["text"]);
    ran["result"]["text"].as_str().unwrap().to_owned()
}

async fn press(server: &TestServer, who: &Session, app: &str, body: Value) -> Answer {
    server
        .post(&format!("/api/apps/ui.interaction/{app}"), body, Some(who))
        .await
}

async fn message(server: &TestServer, who: &Session, id: &str) -> Value {
    server
        .get(&format!("/api/v1/chat.getMessage?msgId={id}"), Some(who))
        .await
        .ok()["message"]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pressed_button_reaches_the_app_and_only_the_presser_hears_back() {
    let server = with_apps(&["everything"]).await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut alice_ws = Ddp::private_messages(&server.base, &alice).await;
    let mut bob_ws = Ddp::private_messages(&server.base, &bob).await;
    let mid = poll(&server, &alice, &mut alice_ws, "GENERAL", "Lunch?").await;

    let pressed = press(
        &server,
        &alice,
        "everything",
        json!({"type": "blockAction", "actionId": "hello", "rid": "GENERAL", "mid": mid, "triggerId": "t1"}),
    )
    .await
    .ok();
    let told = alice_ws.next_private(&alice).await;
    // Rocket.Chat's form: the message as the container, the value in the payload.
    let bobs = press(
        &server,
        &bob,
        "everything",
        json!({"actionId": "hello", "rid": "GENERAL", "appId": "everything",
               "container": {"type": "message", "id": mid}, "payload": {"blockId": "b"}}),
    )
    .await
    .ok();
    let bob_told = bob_ws.next_private(&bob).await;

    let posted = message(&server, &alice, &mid).await;
    assert_eq!(posted["msg"], "Lunch?");
    assert_eq!(posted["attachments"][0]["actions"][1]["action_id"], "hello");
    assert_eq!(pressed["outcome"], "answered");
    assert_eq!(pressed["text"], "pressed hello");
    assert_eq!(told["msg"], "pressed hello");
    assert_eq!(told["u"]["username"], "everything.bot");
    assert_eq!(told["rid"], "GENERAL");
    assert_eq!(told["appId"], "everything");
    assert_eq!(bobs["text"], "pressed hello");
    // Bob's first private message is his own answer: Alice's never reached him.
    assert_eq!(bob_told["msg"], "pressed hello");
    assert_eq!(bob_told["rid"], "GENERAL");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_edits_the_message_pressed_with_the_user_room_and_button_value() {
    let server = with_apps(&["everything"]).await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut alice_ws = Ddp::private_messages(&server.base, &alice).await;
    let mid = poll(&server, &alice, &mut alice_ws, "GENERAL", "Lunch?").await;
    let mut room_ws = Ddp::resume(&server.base, &bob.token).await;
    room_ws
        .sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("Bob watches the room");

    // The client claims no value: the app gets the button's own.
    let pressed = press(
        &server,
        &alice,
        "everything",
        json!({"actionId": "edit", "rid": "GENERAL", "mid": mid}),
    )
    .await
    .ok();
    let seen = room_ws
        .frame_where(|f| {
            f["collection"] == "stream-room-messages"
                && f["fields"]["args"][0]["_id"] == mid.as_str()
        })
        .await;
    let told = alice_ws.next_private(&alice).await;

    let edited = "edited by alice in GENERAL (again)";
    assert_eq!(pressed["text"], "pressed edit");
    assert_eq!(told["msg"], "pressed edit");
    let seen = &seen["fields"]["args"][0];
    assert_eq!(seen["msg"], edited, "{seen}");
    assert!(seen["editedAt"].is_object(), "{seen}");
    assert_eq!(message(&server, &bob, &mid).await["msg"], edited);
}

#[tokio::test(flavor = "multi_thread")]
async fn presses_the_app_must_not_receive_are_refused_clearly() {
    let server = with_apps(&["everything", "recorder"]).await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;
    let mut alice_ws = Ddp::private_messages(&server.base, &alice).await;
    let mut admin_ws = Ddp::private_messages(&server.base, &admin).await;
    let mid = poll(&server, &alice, &mut alice_ws, "GENERAL", "Lunch?").await;
    let secret = server
        .room_of(&admin, RoomKind::PrivateGroup, "secret", &[])
        .await;
    let secret_mid = poll(&server, &admin, &mut admin_ws, &secret, "Hidden").await;
    let own = server.say(&alice, "GENERAL", "a person's message").await;
    let own_mid = own["_id"].as_str().unwrap().to_owned();
    let hello = |rid: &str, mid: &str| json!({"actionId": "hello", "rid": rid, "mid": mid});

    let unknown_app = press(&server, &alice, "nosuch", hello("GENERAL", &mid)).await;
    let without_actions = press(&server, &alice, "recorder", hello("GENERAL", &mid)).await;
    let persons = press(&server, &alice, "everything", hello("GENERAL", &own_mid)).await;
    let hidden_room = press(&server, &alice, "everything", hello(&secret, &secret_mid)).await;
    let other_room = press(&server, &alice, "everything", hello("GENERAL", &secret_mid)).await;
    let no_button = press(
        &server,
        &alice,
        "everything",
        json!({"actionId": "delete", "rid": "GENERAL", "mid": mid}),
    )
    .await;
    let other_value = press(
        &server,
        &alice,
        "everything",
        json!({"actionId": "edit", "rid": "GENERAL", "mid": mid, "value": "forged"}),
    )
    .await;
    let other_kind = press(
        &server,
        &alice,
        "everything",
        json!({"type": "viewSubmit", "actionId": "hello", "rid": "GENERAL"}),
    )
    .await;
    let no_action = press(&server, &alice, "everything", json!({"rid": "GENERAL"})).await;
    let anonymous = server
        .post(
            "/api/apps/ui.interaction/everything",
            hello("GENERAL", &mid),
            None,
        )
        .await;

    let error = unknown_app.fails(404, "error-app-not-found");
    assert!(
        error["error"].as_str().unwrap().contains("nosuch"),
        "{error}"
    );
    without_actions.fails(400, "error-invalid-message");
    let error = persons.fails(400, "error-invalid-message");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("not posted by the app `everything`"),
        "{error}"
    );
    hidden_room.fails(400, "error-room-not-found");
    other_room.fails(400, "error-invalid-message");
    let error = no_button.fails(400, "error-invalid-action");
    assert!(
        error["error"].as_str().unwrap().contains("`delete`"),
        "{error}"
    );
    let error = other_value.fails(400, "error-invalid-action");
    assert!(
        error["error"].as_str().unwrap().contains("`forged`"),
        "{error}"
    );
    let error = other_kind.fails(400, "error-invalid-params");
    assert!(
        error["error"].as_str().unwrap().contains("viewSubmit"),
        "{error}"
    );
    let error = no_action.fails(400, "error-invalid-params");
    assert!(
        error["error"].as_str().unwrap().contains("actionId"),
        "{error}"
    );
    assert_eq!(anonymous.status.as_u16(), 401);
    // Nothing refused reached the app, and nothing was edited.
    assert_eq!(message(&server, &alice, &mid).await["msg"], "Lunch?");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_without_ui_actions_is_told_apart_from_a_bad_message() {
    let server = with_apps(&["everything", "recorder"]).await;
    let alice = server.signed_in("alice").await;

    // No message: nothing to check but the app itself.
    let answer = press(
        &server,
        &alice,
        "recorder",
        json!({"actionId": "hello", "rid": "GENERAL"}),
    )
    .await;

    let error = answer.fails(400, "error-app-without-ui-actions");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .starts_with("The Recorder app does not handle button presses."),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_deadlines_and_a_disabled_app_get_their_statuses_and_the_server_goes_on() {
    let server = with_apps(&["everything"]).await;
    let alice = server.signed_in("alice").await;
    let action = |id: &str| json!({"actionId": id, "rid": "GENERAL"});

    let panicked = press(&server, &alice, "everything", action("panic")).await;
    let spun = press(&server, &alice, "everything", action("loop")).await;
    let after = press(&server, &alice, "everything", action("hello"))
        .await
        .ok();
    server
        .apps()
        .runtime()
        .disable("everything")
        .expect("the app is loaded");
    let disabled = press(&server, &alice, "everything", action("hello")).await;

    let error = panicked.fails(502, "error-app-failed");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .starts_with("The Everything app failed while answering"),
        "{error}"
    );
    let error = spun.fails(504, "error-app-timeout");
    assert!(
        error["error"].as_str().unwrap().contains("deadline"),
        "{error}"
    );
    assert_eq!(after["text"], "pressed hello", "the app still answers");
    disabled.fails(503, "error-app-disabled");
    server.get("/api/info", None).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ddp_method_works_the_same() {
    let server = with_apps(&["everything"]).await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::private_messages(&server.base, &alice).await;
    let mid = poll(&server, &alice, &mut ws, "GENERAL", "Lunch?").await;

    let answered = ws
        .call(
            "capsule/uiInteraction",
            json!(["everything", {"type": "blockAction", "actionId": "edit", "rid": "GENERAL", "mid": mid}]),
        )
        .await
        .expect("the interaction succeeds");
    let told = ws.next_private(&alice).await;
    let unknown = ws
        .call(
            "capsule/uiInteraction",
            json!(["nosuch", {"actionId": "hello", "rid": "GENERAL"}]),
        )
        .await
        .expect_err("no such app");
    let no_button = ws
        .call(
            "capsule/uiInteraction",
            json!(["everything", {"actionId": "nope", "rid": "GENERAL", "mid": mid}]),
        )
        .await
        .expect_err("no such button");

    assert_eq!(
        answered,
        json!({"outcome": "answered", "text": "pressed edit"})
    );
    assert_eq!(told["msg"], "pressed edit");
    assert_eq!(
        message(&server, &alice, &mid).await["msg"],
        "edited by alice in GENERAL (again)"
    );
    assert_eq!(unknown["error"], "error-app-not-found");
    assert_eq!(no_button["error"], "error-invalid-action");
}
