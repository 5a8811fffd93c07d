//! The `chat.*` endpoints over HTTP: sending, changing and reading
//! messages, threads, mentions, and the refusals that guard them.

use capsule_server_harness as common;

use capsule_server::chat::{RoomChange, RoomRef};
use capsule_server::model::{RoomId, RoomKind};
use common::{Session, TestServer};
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

/// Sends `text` to `room` with `chat.sendMessage`; answers the message.
async fn send(server: &TestServer, session: &Session, room: &str, text: &str) -> Value {
    let body = json!({"message": {"rid": room, "msg": text}});
    server
        .post("/api/v1/chat.sendMessage", body, Some(session))
        .await
        .ok()["message"]
        .clone()
}

/// Replies `text` in the thread of `tmid`.
async fn reply(
    server: &TestServer,
    session: &Session,
    room: &str,
    tmid: &str,
    text: &str,
) -> Value {
    let body = json!({"message": {"rid": room, "msg": text, "tmid": tmid}});
    server
        .post("/api/v1/chat.sendMessage", body, Some(session))
        .await
        .ok()["message"]
        .clone()
}

/// The message `id` as `session` reads it.
async fn message(server: &TestServer, session: &Session, id: &str) -> Value {
    server
        .get(
            &format!("/api/v1/chat.getMessage?msgId={id}"),
            Some(session),
        )
        .await
        .ok()["message"]
        .clone()
}

/// Changes a setting of a room its owner `owner` manages.
async fn change_room(server: &TestServer, owner: &Session, room: &str, change: RoomChange) {
    let owner = server.account_of(owner).await;
    let room = RoomRef::Id(RoomId(room.to_owned()));
    server
        .chat_domain()
        .change_room(&owner, &room, change)
        .await
        .expect("the room changes");
}

/// POSTs `body` to `/api/v1/<path>` as `session`.
async fn post_as(
    server: &TestServer,
    session: &Session,
    path: &str,
    body: Value,
) -> common::Answer {
    server
        .post(&format!("/api/v1/{path}"), body, Some(session))
        .await
}

/// GETs `/api/v1/<path_and_query>` as `session`.
async fn get_as(server: &TestServer, session: &Session, path_and_query: &str) -> common::Answer {
    server
        .get(&format!("/api/v1/{path_and_query}"), Some(session))
        .await
}

/// `chat.sendMessage` with `message` as the message object.
async fn send_raw(server: &TestServer, session: &Session, message: Value) -> common::Answer {
    post_as(
        server,
        session,
        "chat.sendMessage",
        json!({"message": message}),
    )
    .await
}

fn id_of(message: &Value) -> String {
    message["_id"].as_str().expect("a message id").to_owned()
}

// chat.postMessage

#[tokio::test(flavor = "multi_thread")]
async fn post_message_answers_ts_channel_and_message_for_each_way_of_naming_a_room() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.signed_in("bob").await;

    let by_name = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "#general", "text": "  hello all  "}),
            Some(&admin),
        )
        .await
        .ok();
    let by_id = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "text": "again"}),
            Some(&admin),
        )
        .await
        .ok();
    let direct = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "@bob", "msg": "psst"}),
            Some(&admin),
        )
        .await
        .ok();

    assert!(by_name["ts"].is_i64(), "{by_name}");
    assert_eq!(by_name["channel"], "#general");
    assert_eq!(by_name["message"]["rid"], GENERAL);
    assert_eq!(
        by_name["message"]["msg"], "hello all",
        "posted text is trimmed"
    );
    assert_eq!(by_name["message"]["u"]["username"], "admin");
    assert_eq!(by_id["channel"], GENERAL);
    assert_eq!(by_id["message"]["rid"], GENERAL);
    assert_eq!(direct["channel"], "@bob");
    let dm = direct["message"]["rid"].as_str().unwrap();
    assert!(
        dm.contains(&bob.user_id) && dm.contains(&admin.user_id),
        "{dm}"
    );
    assert_eq!(
        message(&server, &bob, &id_of(&direct["message"])).await["msg"],
        "psst"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn post_message_to_several_channels_posts_to_each_and_answers_the_first() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.signed_in("bob").await;
    let body = json!({"channel": ["#general", "@bob", "#general"], "text": "everywhere"});

    let answer = post_as(&server, &admin, "chat.postMessage", body)
        .await
        .ok();

    assert_eq!(answer["channel"], "#general");
    assert_eq!(answer["message"]["rid"], GENERAL);
    let dm = server
        .chat_domain()
        .open_direct(&server.account_of(&bob).await, &["admin".into()])
        .await
        .unwrap();
    let history = get_as(
        &server,
        &bob,
        &format!("chat.search?roomId={}&searchText=everywhere", dm.id),
    )
    .await
    .ok();
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
    let general = get_as(
        &server,
        &bob,
        &format!("chat.search?roomId={GENERAL}&searchText=everywhere"),
    )
    .await
    .ok();
    assert_eq!(
        general["messages"].as_array().unwrap().len(),
        1,
        "a repeated channel is posted to once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn post_message_joins_a_public_channel_the_caller_is_not_in() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let bot = server.signed_in("bot").await;
    let room = server
        .room_of(&owner, RoomKind::Channel, "announcements", &[])
        .await;

    let answer = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "#announcements", "text": "deploy done"}),
            Some(&bot),
        )
        .await
        .ok();

    assert_eq!(answer["message"]["rid"], room.as_str());
    let sub = server
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&bot),
        )
        .await
        .ok();
    assert_eq!(sub["subscription"]["rid"], room.as_str(), "{sub}");
}

#[tokio::test(flavor = "multi_thread")]
async fn post_message_answers_invalid_channel_for_rooms_that_are_missing_or_hidden() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    server
        .room_of(&owner, RoomKind::PrivateGroup, "secret", &[])
        .await;

    for channel in ["#nowhere", "#secret", "secret", "@nobody", ""] {
        let answer = server
            .post(
                "/api/v1/chat.postMessage",
                json!({"channel": channel, "text": "hi"}),
                Some(&outsider),
            )
            .await;
        answer.fails(400, "invalid-channel");
    }
    let answer = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"text": "hi"}),
            Some(&outsider),
        )
        .await;
    answer.fails(400, "error-invalid-params");
    let answer = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": 7, "text": "hi"}),
            Some(&outsider),
        )
        .await;
    let body = answer.fails(400, "error-invalid-params");
    assert!(
        body["error"].as_str().unwrap().contains("channel"),
        "{body}"
    );
}

// chat.sendMessage

#[tokio::test(flavor = "multi_thread")]
async fn send_message_keeps_a_client_chosen_id_and_refuses_it_twice() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let body = json!({"message": {"_id": "client-id-1", "rid": GENERAL, "msg": "mine", "alias": "Deploy bot", "emoji": ":rocket:"}});

    let sent = server
        .post("/api/v1/chat.sendMessage", body.clone(), Some(&admin))
        .await
        .ok();
    let again = server
        .post("/api/v1/chat.sendMessage", body, Some(&admin))
        .await;

    assert_eq!(sent["message"]["_id"], "client-id-1");
    assert_eq!(sent["message"]["alias"], "Deploy bot");
    assert_eq!(sent["message"]["emoji"], ":rocket:");
    let refusal = again.fails(400, "error-message-already-exists");
    assert!(
        refusal["error"].as_str().unwrap().contains("client-id-1"),
        "{refusal}"
    );
    let bad_id = json!({"message": {"_id": "has spaces!", "rid": GENERAL, "msg": "x"}});
    server
        .post("/api/v1/chat.sendMessage", bad_id, Some(&admin))
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn send_message_validates_its_body() {
    let server = TestServer::start().await;
    let user = server.signed_in("user").await;

    send_raw(&server, &user, json!({"rid": GENERAL, "msg": "   "}))
        .await
        .fails(400, "error-invalid-params");
    send_raw(&server, &user, json!({"msg": "no room"}))
        .await
        .fails(400, "error-invalid-params");
    send_raw(&server, &user, json!({"rid": "no-such-room", "msg": "x"}))
        .await
        .fails(400, "error-room-not-found");
    send_raw(
        &server,
        &user,
        json!({"rid": GENERAL, "msg": "x", "t": "uj"}),
    )
    .await
    .fails(400, "error-invalid-params");
    send_raw(
        &server,
        &user,
        json!({"rid": GENERAL, "msg": "x", "tshow": true}),
    )
    .await
    .fails(400, "invalid-params");
    send_raw(
        &server,
        &user,
        json!({"rid": GENERAL, "msg": "x", "tmid": "no-such-message"}),
    )
    .await
    .fails(400, "error-invalid-message");
    send_raw(
        &server,
        &user,
        json!({"rid": GENERAL, "msg": "x", "alias": "Someone Else"}),
    )
    .await
    .fails(403, "error-not-allowed");
    let typed = send_raw(&server, &user, json!({"rid": 5, "msg": "x"}))
        .await
        .fails(400, "error-invalid-params");
    assert!(
        typed["error"].as_str().unwrap().contains("message.rid"),
        "{typed}"
    );
    let typed = send_raw(
        &server,
        &user,
        json!({"rid": GENERAL, "msg": "x", "attachments": {"text": "not a list"}}),
    )
    .await
    .fails(400, "error-invalid-params");
    assert!(
        typed["error"]
            .as_str()
            .unwrap()
            .contains("message.attachments"),
        "{typed}"
    );
    server
        .post("/api/v1/chat.sendMessage", json!({}), Some(&user))
        .await
        .fails(400, "error-invalid-params");
    server
        .post_raw("/api/v1/chat.sendMessage", b"{\"message\": {", Some(&user))
        .await
        .fails(400, "error-invalid-json");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_over_the_size_limit_are_refused_whichever_way_they_come() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    server
        .chat_domain()
        .settings()
        .set("Message_MaxAllowedSize", json!(10))
        .await
        .unwrap();

    let long = "x".repeat(11);
    let exactly = "y".repeat(10);
    server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": GENERAL, "msg": long}}),
            Some(&admin),
        )
        .await
        .fails(400, "error-message-size-exceeded");
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "text": long}),
            Some(&admin),
        )
        .await
        .fails(400, "error-message-size-exceeded");
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "attachments": [{"text": long}]}),
            Some(&admin),
        )
        .await
        .fails(400, "error-message-size-exceeded");
    let sent = send(&server, &admin, GENERAL, &exactly).await;
    server
        .post(
            "/api/v1/chat.update",
            json!({"roomId": GENERAL, "msgId": id_of(&sent), "text": long}),
            Some(&admin),
        )
        .await
        .fails(400, "error-message-size-exceeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_413() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let huge = format!(
        r#"{{"message": {{"rid": "GENERAL", "msg": "{}"}}}}"#,
        "x".repeat(1024 * 1024 + 1)
    );

    let response = server
        .http
        .post(format!("{}/api/v1/chat.sendMessage", server.base))
        .header("X-Auth-Token", &admin.token)
        .header("X-User-Id", &admin.user_id)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert_eq!(body["errorType"], "error-payload-too-large");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_members_post_and_read_only_and_archived_rooms_refuse_them() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let member = server.signed_in("member").await;
    let outsider = server.signed_in("outsider").await;
    let room = server
        .room_of(&owner, RoomKind::Channel, "quiet", &[&member])
        .await;

    send_raw(&server, &outsider, json!({"rid": room, "msg": "let me in"}))
        .await
        .fails(403, "error-not-allowed");
    send_raw(&server, &member, json!({"rid": room, "msg": "before"}))
        .await
        .ok();
    change_room(&server, &owner, &room, RoomChange::ReadOnly(true)).await;
    send_raw(
        &server,
        &member,
        json!({"rid": room, "msg": "read-only now"}),
    )
    .await
    .fails(403, "error-not-allowed");
    send_raw(
        &server,
        &owner,
        json!({"rid": room, "msg": "owners still may"}),
    )
    .await
    .ok();
    let by_channel = json!({"channel": "#quiet", "text": "bots neither"});
    server
        .post("/api/v1/chat.postMessage", by_channel, Some(&outsider))
        .await
        .fails(403, "error-not-allowed");
    change_room(&server, &owner, &room, RoomChange::Archived(true)).await;
    send_raw(&server, &owner, json!({"rid": room, "msg": "archived"}))
        .await
        .fails(400, "error-room-archived");
    let by_id = json!({"roomId": room, "text": "archived"});
    server
        .post("/api/v1/chat.postMessage", by_id, Some(&owner))
        .await
        .fails(400, "error-room-archived");
}

// chat.update, chat.delete, chat.getMessage

#[tokio::test(flavor = "multi_thread")]
async fn update_edits_the_text_of_ones_own_message() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let sent = send(&server, &alice, GENERAL, "helo").await;
    let id = id_of(&sent);

    let edited = server
        .post(
            "/api/v1/chat.update",
            json!({"roomId": GENERAL, "msgId": id, "text": "hello @bob"}),
            Some(&alice),
        )
        .await
        .ok();

    assert_eq!(edited["message"]["msg"], "hello @bob");
    assert_eq!(edited["message"]["editedBy"]["username"], "alice");
    assert!(edited["message"]["editedAt"].is_string());
    assert_eq!(
        edited["message"]["mentions"][0]["username"], "bob",
        "mentions follow the new text"
    );
    assert_eq!(message(&server, &bob, &id).await["msg"], "hello @bob");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_refuses_others_wrong_rooms_empty_text_and_unknown_messages() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let id = id_of(&send(&server, &alice, GENERAL, "mine").await);

    post_as(
        &server,
        &bob,
        "chat.update",
        json!({"roomId": GENERAL, "msgId": id, "text": "theirs"}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &alice,
        "chat.update",
        json!({"roomId": "elsewhere", "msgId": id, "text": "x"}),
    )
    .await
    .fails(400, "error-invalid-params");
    post_as(
        &server,
        &alice,
        "chat.update",
        json!({"roomId": GENERAL, "msgId": id, "text": " "}),
    )
    .await
    .fails(400, "error-invalid-params");
    post_as(
        &server,
        &alice,
        "chat.update",
        json!({"roomId": GENERAL, "msgId": "nope", "text": "x"}),
    )
    .await
    .fails(400, "error-invalid-message");
    post_as(
        &server,
        &alice,
        "chat.update",
        json!({"roomId": GENERAL, "msgId": id}),
    )
    .await
    .fails(400, "error-invalid-params");
    post_as(
        &server,
        &alice,
        "chat.update",
        json!({"roomId": GENERAL, "text": "x"}),
    )
    .await
    .fails(400, "error-invalid-params");
    assert_eq!(message(&server, &alice, &id).await["msg"], "mine");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_answers_the_id_and_a_string_ts_and_the_message_is_gone() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let id = id_of(&send(&server, &alice, GENERAL, "oops").await);

    let deleted = server
        .post(
            "/api/v1/chat.delete",
            json!({"roomId": GENERAL, "msgId": id}),
            Some(&alice),
        )
        .await
        .ok();

    assert_eq!(deleted["_id"], id.as_str());
    assert!(
        deleted["ts"].as_str().unwrap().parse::<i64>().is_ok(),
        "{deleted}"
    );
    assert_eq!(deleted["message"]["msg"], "oops");
    server
        .get(&format!("/api/v1/chat.getMessage?msgId={id}"), Some(&alice))
        .await
        .fails(400, "error-invalid-message");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_is_for_the_sender_or_a_moderator_and_as_user_for_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let first = id_of(&send(&server, &alice, GENERAL, "one").await);
    let second = id_of(&send(&server, &alice, GENERAL, "two").await);

    post_as(
        &server,
        &bob,
        "chat.delete",
        json!({"roomId": GENERAL, "msgId": first}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &bob,
        "chat.delete",
        json!({"roomId": GENERAL, "msgId": first, "asUser": true}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &alice,
        "chat.delete",
        json!({"roomId": "elsewhere", "msgId": first}),
    )
    .await
    .fails(400, "error-invalid-params");
    post_as(
        &server,
        &alice,
        "chat.delete",
        json!({"roomId": GENERAL, "msgId": "nope"}),
    )
    .await
    .fails(400, "error-invalid-message");
    post_as(
        &server,
        &admin,
        "chat.delete",
        json!({"roomId": GENERAL, "msgId": first, "asUser": true}),
    )
    .await
    .ok();
    post_as(
        &server,
        &admin,
        "chat.delete",
        json!({"roomId": GENERAL, "msgId": second}),
    )
    .await
    .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_in_a_room_the_caller_cannot_read_answers_like_a_missing_one() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "hidden", &[])
        .await;
    let hidden = id_of(&send(&server, &owner, &group, "secret").await);
    let missing = "no-such-message";

    let hidden_answer = get_as(
        &server,
        &outsider,
        &format!("chat.getMessage?msgId={hidden}"),
    )
    .await;
    let missing_answer = get_as(
        &server,
        &outsider,
        &format!("chat.getMessage?msgId={missing}"),
    )
    .await;
    let hidden_answer = hidden_answer.fails(400, "error-invalid-message");
    let missing_answer = missing_answer.fails(400, "error-invalid-message");
    assert_eq!(
        hidden_answer["error"],
        missing_answer["error"]
            .as_str()
            .unwrap()
            .replace(missing, &hidden)
    );

    for path in [
        "chat.react",
        "chat.pinMessage",
        "chat.unPinMessage",
        "chat.starMessage",
        "chat.unStarMessage",
    ] {
        let hidden_answer = post_as(
            &server,
            &outsider,
            path,
            json!({"messageId": hidden, "emoji": "smile"}),
        )
        .await;
        let missing_answer = post_as(
            &server,
            &outsider,
            path,
            json!({"messageId": missing, "emoji": "smile"}),
        )
        .await;
        assert_eq!(hidden_answer.body, missing_answer.body, "{path}");
        hidden_answer.fails(400, "error-message-not-found");
    }
    let thread = server
        .get(
            &format!("/api/v1/chat.getThreadMessages?tmid={hidden}"),
            Some(&outsider),
        )
        .await;
    thread.fails(400, "error-invalid-message");
    let edit = json!({"roomId": group, "msgId": hidden, "text": "x"});
    server
        .post("/api/v1/chat.update", edit, Some(&outsider))
        .await
        .fails(400, "error-invalid-message");
    let delete = json!({"roomId": group, "msgId": hidden});
    server
        .post("/api/v1/chat.delete", delete, Some(&outsider))
        .await
        .fails(400, "error-invalid-message");
    server
        .get("/api/v1/chat.getMessage", Some(&outsider))
        .await
        .fails(400, "error-invalid-params");
}

// chat.react

#[tokio::test(flavor = "multi_thread")]
async fn react_adds_removes_and_toggles_the_callers_reaction() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let id = id_of(&send(&server, &alice, GENERAL, "vote").await);

    post_as(
        &server,
        &alice,
        "chat.react",
        json!({"messageId": id, "emoji": "thumbsup", "shouldReact": true}),
    )
    .await
    .ok();
    post_as(
        &server,
        &bob,
        "chat.react",
        json!({"messageId": id, "emoji": ":thumbsup:"}),
    )
    .await
    .ok();
    assert_eq!(
        message(&server, &alice, &id).await["reactions"][":thumbsup:"]["usernames"],
        json!(["alice", "bob"])
    );

    post_as(
        &server,
        &alice,
        "chat.react",
        json!({"messageId": id, "emoji": "thumbsup", "shouldReact": false}),
    )
    .await
    .ok();
    post_as(
        &server,
        &bob,
        "chat.react",
        json!({"messageId": id, "reaction": "smile"}),
    )
    .await
    .ok();
    assert_eq!(
        message(&server, &alice, &id).await["reactions"],
        json!({":thumbsup:": {"usernames": ["bob"]}, ":smile:": {"usernames": ["bob"]}})
    );

    post_as(
        &server,
        &bob,
        "chat.react",
        json!({"messageId": id, "emoji": "smile"}),
    )
    .await
    .ok();
    assert_eq!(
        message(&server, &alice, &id).await["reactions"],
        json!({":thumbsup:": {"usernames": ["bob"]}}),
        "no shouldReact toggles"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn react_refuses_missing_or_bad_emoji_and_read_only_rooms() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let member = server.signed_in("member").await;
    let room = server
        .room_of(&owner, RoomKind::Channel, "news", &[&member])
        .await;
    let id = id_of(&send(&server, &owner, &room, "headline").await);

    post_as(&server, &member, "chat.react", json!({"messageId": id}))
        .await
        .fails(400, "error-emoji-param-not-provided");
    post_as(
        &server,
        &member,
        "chat.react",
        json!({"messageId": id, "emoji": "not an emoji!"}),
    )
    .await
    .fails(400, "error-not-allowed");
    post_as(&server, &member, "chat.react", json!({"emoji": "smile"}))
        .await
        .fails(400, "error-invalid-params");
    post_as(
        &server,
        &member,
        "chat.react",
        json!({"messageId": id, "emoji": "smile", "shouldReact": "yes"}),
    )
    .await
    .fails(400, "error-invalid-params");
    change_room(&server, &owner, &room, RoomChange::ReadOnly(true)).await;
    post_as(
        &server,
        &member,
        "chat.react",
        json!({"messageId": id, "emoji": "smile"}),
    )
    .await
    .fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_reactions_to_one_message_are_all_kept() {
    let server = TestServer::start().await;
    let author = server.signed_in("author").await;
    let id = id_of(&send(&server, &author, GENERAL, "react to me").await);
    let mut people = Vec::new();
    for n in 0..20 {
        people.push(server.signed_in(&format!("reactor{n:02}")).await);
    }

    let start = std::sync::Arc::new(tokio::sync::Barrier::new(people.len()));
    let mut tasks = Vec::new();
    for person in &people {
        let request = server
            .http
            .post(format!("{}/api/v1/chat.react", server.base))
            .header("X-Auth-Token", &person.token)
            .header("X-User-Id", &person.user_id)
            .json(&json!({"messageId": id, "emoji": "tada", "shouldReact": true}));
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            request.send().await.expect("the server answers").status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }

    let reactions =
        message(&server, &author, &id).await["reactions"][":tada:"]["usernames"].clone();
    let mut usernames: Vec<&str> = reactions
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    usernames.sort();
    let expected: Vec<String> = (0..20).map(|n| format!("reactor{n:02}")).collect();
    assert_eq!(usernames, expected);
}

// chat.pinMessage, chat.unPinMessage, chat.getPinnedMessages

#[tokio::test(flavor = "multi_thread")]
async fn pinning_posts_a_notice_and_lists_the_message_until_unpinned() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let member = server.signed_in("member").await;
    let room = server
        .room_of(&owner, RoomKind::Channel, "team", &[&member])
        .await;
    let id = id_of(&send(&server, &member, &room, "the plan").await);
    let pinned_list = format!("chat.getPinnedMessages?roomId={room}");

    let notice = server
        .post(
            "/api/v1/chat.pinMessage",
            json!({"messageId": id}),
            Some(&owner),
        )
        .await
        .ok();

    assert_eq!(notice["message"]["t"], "message_pinned");
    assert_eq!(notice["message"]["attachments"][0]["text"], "the plan");
    assert_eq!(notice["message"]["attachments"][0]["author_name"], "member");
    let pinned = message(&server, &member, &id).await;
    assert_eq!(pinned["pinned"], true);
    assert_eq!(pinned["pinnedBy"]["username"], "owner");
    let list = get_as(&server, &member, &pinned_list).await.ok();
    assert_eq!(
        (list["count"].clone(), list["total"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(list["messages"][0]["_id"], id.as_str());

    server
        .post(
            "/api/v1/chat.unPinMessage",
            json!({"messageId": id}),
            Some(&owner),
        )
        .await
        .ok();
    assert_eq!(message(&server, &member, &id).await["pinned"], false);
    assert_eq!(
        get_as(&server, &member, &pinned_list).await.ok()["total"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_those_who_manage_a_room_pin_in_it() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let member = server.signed_in("member").await;
    let room = server
        .room_of(&owner, RoomKind::Channel, "team", &[&member])
        .await;
    let id = id_of(&send(&server, &member, &room, "pin me").await);

    server
        .post(
            "/api/v1/chat.pinMessage",
            json!({"messageId": id}),
            Some(&member),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/chat.unPinMessage",
            json!({"messageId": id}),
            Some(&member),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post("/api/v1/chat.pinMessage", json!({}), Some(&member))
        .await
        .fails(400, "error-invalid-params");
    assert_eq!(message(&server, &member, &id).await["pinned"], false);
}

// chat.starMessage, chat.unStarMessage, chat.getStarredMessages

#[tokio::test(flavor = "multi_thread")]
async fn stars_are_the_callers_own() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let first = id_of(&send(&server, &alice, GENERAL, "first").await);
    let second = id_of(&send(&server, &alice, GENERAL, "second").await);
    let starred = format!("chat.getStarredMessages?roomId={GENERAL}");

    server
        .post(
            "/api/v1/chat.starMessage",
            json!({"messageId": first}),
            Some(&alice),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/chat.starMessage",
            json!({"messageId": second}),
            Some(&alice),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/chat.starMessage",
            json!({"messageId": second}),
            Some(&bob),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/chat.unStarMessage",
            json!({"messageId": second}),
            Some(&alice),
        )
        .await
        .ok();

    let alices = get_as(&server, &alice, &starred).await.ok();
    assert_eq!(alices["total"], 1);
    assert_eq!(alices["messages"][0]["_id"], first.as_str());
    let bobs = get_as(&server, &bob, &starred).await.ok();
    assert_eq!(bobs["total"], 1);
    assert_eq!(bobs["messages"][0]["_id"], second.as_str());
    assert_eq!(
        message(&server, &bob, &second).await["starred"],
        json!([{"_id": bob.user_id}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_members_star_messages() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let passerby = server.signed_in("passerby").await;
    let room = server.room_of(&owner, RoomKind::Channel, "open", &[]).await;
    let id = id_of(&send(&server, &owner, &room, "public words").await);

    let answer = server
        .post(
            "/api/v1/chat.starMessage",
            json!({"messageId": id}),
            Some(&passerby),
        )
        .await;

    answer.fails(403, "error-not-allowed");
}

// Threads: chat.getThreadMessages, chat.getThreadsList

#[tokio::test(flavor = "multi_thread")]
async fn replies_bump_the_thread_and_read_back_oldest_first() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let root = id_of(&send(&server, &alice, GENERAL, "shall we?").await);
    let first = reply(&server, &bob, GENERAL, &root, "yes").await;
    let nested = reply(&server, &alice, GENERAL, &id_of(&first), "to the reply").await;
    let shown = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": GENERAL, "msg": "also in the room", "tmid": root, "tshow": true}}),
            Some(&bob),
        )
        .await
        .ok()["message"]
        .clone();

    assert_eq!(
        nested["tmid"],
        root.as_str(),
        "a reply to a reply joins the root's thread"
    );
    assert_eq!(shown["tshow"], true);
    let parent = message(&server, &alice, &root).await;
    assert_eq!(parent["tcount"], 3);
    assert_eq!(parent["tlm"], shown["ts"]);
    assert_eq!(parent["replies"], json!([bob.user_id, alice.user_id]));

    let all = server
        .get(
            &format!("/api/v1/chat.getThreadMessages?tmid={root}"),
            Some(&bob),
        )
        .await
        .ok();
    let texts: Vec<&str> = all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["yes", "to the reply", "also in the room"]);
    assert_eq!(all["total"], 3);
    let second = server
        .get(
            &format!("/api/v1/chat.getThreadMessages?tmid={root}&offset=1&count=1"),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(
        (
            second["count"].clone(),
            second["offset"].clone(),
            second["total"].clone()
        ),
        (json!(1), json!(1), json!(3))
    );
    assert_eq!(second["messages"][0]["msg"], "to the reply");
    let newest = server
        .get(
            &format!("/api/v1/chat.getThreadMessages?tmid={root}&count=1&sort=%7B%22ts%22%3A-1%7D"),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(newest["messages"][0]["msg"], "also in the room");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_threads_list_holds_thread_starters_and_filters_by_follower_and_text() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let lunch = id_of(&send(&server, &alice, GENERAL, "Lunch plans").await);
    let release = id_of(&send(&server, &alice, GENERAL, "Release notes").await);
    send(&server, &alice, GENERAL, "no thread here").await;
    reply(&server, &bob, GENERAL, &lunch, "pizza").await;
    reply(&server, &alice, GENERAL, &release, "draft").await;
    let threads = format!("chat.getThreadsList?rid={GENERAL}");
    let ids = |answer: &Value| -> Vec<String> {
        answer["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };

    let all = get_as(&server, &bob, &threads).await.ok();
    assert_eq!(ids(&all), [release.clone(), lunch.clone()]);
    assert_eq!(all["total"], 2);
    assert_eq!(
        ids(&get_as(&server, &bob, &format!("{threads}&type=following"))
            .await
            .ok()),
        std::slice::from_ref(&lunch)
    );
    assert_eq!(
        ids(&get_as(&server, &bob, &format!("{threads}&text=release"))
            .await
            .ok()),
        std::slice::from_ref(&release)
    );
    let paged = get_as(&server, &bob, &format!("{threads}&count=1&offset=1"))
        .await
        .ok();
    assert_eq!(
        (ids(&paged), paged["total"].clone()),
        (vec![lunch.clone()], json!(2))
    );
    server
        .get(
            &format!("/api/v1/chat.getThreadsList?rid={GENERAL}&type=unread"),
            Some(&bob),
        )
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/chat.getThreadsList", Some(&bob))
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn thread_listings_are_refused_for_hidden_rooms_and_when_threads_are_off() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;
    let root = id_of(&send(&server, &owner, GENERAL, "root").await);

    server
        .get(
            &format!("/api/v1/chat.getThreadsList?rid={group}"),
            Some(&outsider),
        )
        .await
        .fails(400, "error-room-not-found");
    server
        .get("/api/v1/chat.getThreadMessages", Some(&outsider))
        .await
        .fails(400, "error-invalid-params");
    server
        .chat_domain()
        .settings()
        .set("Threads_enabled", json!(false))
        .await
        .unwrap();
    server
        .get(
            &format!("/api/v1/chat.getThreadMessages?tmid={root}"),
            Some(&owner),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .get(
            &format!("/api/v1/chat.getThreadsList?rid={GENERAL}"),
            Some(&owner),
        )
        .await
        .fails(403, "error-not-allowed");
    let answer = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": GENERAL, "msg": "r", "tmid": root}}),
            Some(&owner),
        )
        .await;
    answer.fails(403, "error-not-allowed");
}

// Mentions: chat.getMentionedMessages and the subscription counts

#[tokio::test(flavor = "multi_thread")]
async fn mentions_reach_the_mentioned_users_subscription_and_list() {
    let server = TestServer::start().await;
    let bob = server.signed_in("bob").await;
    let carol = server.signed_in("carol").await;
    let dave = server.signed_in("dave").await;
    let named = id_of(&send(&server, &bob, GENERAL, "@carol and @Carol, look").await);
    send(&server, &bob, GENERAL, "hey @all").await;
    send(&server, &bob, GENERAL, "@here and @all, standup").await;
    send(&server, &bob, GENERAL, "quoting `@carol` is no mention").await;
    send(&server, &carol, GENERAL, "talking to myself @carol").await;
    let subscription = format!("subscriptions.getOne?roomId={GENERAL}");
    let mentioned = format!("chat.getMentionedMessages?roomId={GENERAL}");

    let carols = get_as(&server, &carol, &subscription).await.ok()["subscription"].clone();
    assert_eq!(
        (
            carols["userMentions"].clone(),
            carols["groupMentions"].clone()
        ),
        (json!(1), json!(2)),
        "{carols}"
    );
    assert_eq!(carols["unread"], 4);
    let daves = get_as(&server, &dave, &subscription).await.ok()["subscription"].clone();
    assert_eq!(
        (
            daves["userMentions"].clone(),
            daves["groupMentions"].clone()
        ),
        (json!(0), json!(2))
    );
    let list = get_as(&server, &carol, &mentioned).await.ok();
    let ids: Vec<String> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert!(ids.contains(&named), "{list}");
    assert_eq!(
        message(&server, &carol, &named).await["mentions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(get_as(&server, &dave, &mentioned).await.ok()["total"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn per_room_lists_refuse_hidden_rooms_and_need_a_room() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;

    for list in [
        "getMentionedMessages",
        "getStarredMessages",
        "getPinnedMessages",
    ] {
        server
            .get(
                &format!("/api/v1/chat.{list}?roomId={group}"),
                Some(&outsider),
            )
            .await
            .fails(400, "error-room-not-found");
        server
            .get(
                &format!("/api/v1/chat.{list}?roomId=no-such-room"),
                Some(&outsider),
            )
            .await
            .fails(400, "error-room-not-found");
        server
            .get(&format!("/api/v1/chat.{list}"), Some(&outsider))
            .await
            .fails(400, "error-invalid-params");
        server
            .get(&format!("/api/v1/chat.{list}?roomId={group}"), Some(&owner))
            .await
            .ok();
    }
    server
        .get(
            &format!("/api/v1/chat.getPinnedMessages?roomId={group}&count=x"),
            Some(&owner),
        )
        .await
        .fails(400, "error-invalid-params");
}

// chat.search

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_text_without_case_and_pages() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    for text in [
        "Deploy at noon",
        "lunch?",
        "deploy went fine",
        "redeploy tomorrow",
    ] {
        send(&server, &alice, GENERAL, text).await;
    }
    let search = format!("chat.search?roomId={GENERAL}");

    let found = get_as(&server, &alice, &format!("{search}&searchText=DEPLOY"))
        .await
        .ok();
    let texts: Vec<&str> = found["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["redeploy tomorrow", "deploy went fine", "Deploy at noon"]
    );
    let page = get_as(
        &server,
        &alice,
        &format!("{search}&searchText=deploy&count=1&offset=1"),
    )
    .await
    .ok();
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    assert_eq!(page["messages"][0]["msg"], "deploy went fine");
    assert_eq!(
        get_as(&server, &alice, &format!("{search}&searchText=100%25"))
            .await
            .ok()["messages"],
        json!([]),
        "wildcards are literal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_needs_a_readable_room_and_text() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;

    server
        .get("/api/v1/chat.search?searchText=x", Some(&outsider))
        .await
        .fails(400, "error-roomId-param-not-provided");
    server
        .get(
            &format!("/api/v1/chat.search?roomId={GENERAL}"),
            Some(&outsider),
        )
        .await
        .fails(400, "error-searchText-param-not-provided");
    server
        .get(
            &format!("/api/v1/chat.search?roomId={group}&searchText=x"),
            Some(&outsider),
        )
        .await
        .fails(400, "error-room-not-found");
}

// chat.syncMessages, chat.getDeletedMessages

#[tokio::test(flavor = "multi_thread")]
async fn sync_messages_answers_what_changed_and_what_was_deleted() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let kept = send(&server, &alice, GENERAL, "first draft").await;
    let gone = send(&server, &alice, GENERAL, "to be deleted").await;
    let edit = json!({"roomId": GENERAL, "msgId": id_of(&kept), "text": "final"});
    server
        .post("/api/v1/chat.update", edit, Some(&alice))
        .await
        .ok();
    server
        .post(
            "/api/v1/chat.delete",
            json!({"roomId": GENERAL, "msgId": id_of(&gone)}),
            Some(&alice),
        )
        .await
        .ok();
    let sync = format!("chat.syncMessages?roomId={GENERAL}&lastUpdate=");

    let since = kept["ts"].as_str().unwrap().replace("Z", "%2B00:01");
    let changes = get_as(&server, &alice, &format!("{sync}{since}"))
        .await
        .ok();

    let updated = changes["result"]["updated"].as_array().unwrap();
    let edited = updated
        .iter()
        .find(|m| m["_id"] == kept["_id"])
        .expect("the edited message is updated");
    assert_eq!(edited["msg"], "final");
    assert!(updated.iter().all(|m| m["_id"] != gone["_id"]));
    let deleted = changes["result"]["deleted"].as_array().unwrap();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["_id"], gone["_id"]);
    assert!(deleted[0]["_deletedAt"].is_string(), "{deleted:?}");
    let later = get_as(&server, &alice, &format!("{sync}2999-01-01T00:00:00.000Z"))
        .await
        .ok();
    assert_eq!(later["result"], json!({"updated": [], "deleted": []}));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_messages_needs_a_readable_room_and_a_date() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;

    get_as(
        &server,
        &outsider,
        &format!("chat.syncMessages?roomId={GENERAL}"),
    )
    .await
    .fails(400, "error-param-required");
    get_as(
        &server,
        &outsider,
        "chat.syncMessages?lastUpdate=2020-01-01T00:00:00.000Z",
    )
    .await
    .fails(400, "error-param-required");
    get_as(
        &server,
        &outsider,
        &format!("chat.syncMessages?roomId={GENERAL}&lastUpdate=yesterday"),
    )
    .await
    .fails(400, "error-lastUpdate-param-invalid");
    get_as(
        &server,
        &outsider,
        &format!("chat.syncMessages?roomId={group}&lastUpdate=2020-01-01T00:00:00.000Z"),
    )
    .await
    .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_messages_are_listed_by_id_since_a_date() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        let id = id_of(&send(&server, &owner, GENERAL, text).await);
        server
            .post(
                "/api/v1/chat.delete",
                json!({"roomId": GENERAL, "msgId": id}),
                Some(&owner),
            )
            .await
            .ok();
        ids.push(id);
    }

    let all = get_as(
        &server,
        &owner,
        &format!("chat.getDeletedMessages?roomId={GENERAL}&since=2020-01-01T00:00:00.000Z"),
    )
    .await
    .ok();
    let listed: Vec<String> = all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(listed, ids);
    assert_eq!(
        (all["count"].clone(), all["total"].clone()),
        (json!(3), json!(3))
    );
    let page = get_as(&server, &owner, &format!("chat.getDeletedMessages?roomId={GENERAL}&since=2020-01-01T00:00:00.000Z&count=1&offset=2")).await.ok();
    assert_eq!(page["messages"], json!([{"_id": ids[2]}]));
    assert_eq!(
        get_as(
            &server,
            &owner,
            &format!("chat.getDeletedMessages?roomId={GENERAL}&since=2999-01-01T00:00:00.000Z")
        )
        .await
        .ok()["total"],
        0
    );
    get_as(
        &server,
        &owner,
        &format!("chat.getDeletedMessages?roomId={GENERAL}"),
    )
    .await
    .fails(400, "error-invalid-params");
    get_as(
        &server,
        &owner,
        &format!("chat.getDeletedMessages?roomId={GENERAL}&since=soon"),
    )
    .await
    .fails(400, "error-invalid-params");
    let hidden =
        format!("/api/v1/chat.getDeletedMessages?roomId={group}&since=2020-01-01T00:00:00.000Z");
    server
        .get(&hidden, Some(&outsider))
        .await
        .fails(400, "error-room-not-found");
}

// chat.ignoreUser

#[tokio::test(flavor = "multi_thread")]
async fn ignoring_a_member_is_kept_on_the_callers_subscription() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let subscription = format!("subscriptions.getOne?roomId={GENERAL}");

    server
        .get(
            &format!(
                "/api/v1/chat.ignoreUser?rid={GENERAL}&userId={}&ignore=true",
                bob.user_id
            ),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        get_as(&server, &alice, &subscription).await.ok()["subscription"]["ignored"],
        json!([bob.user_id])
    );
    server
        .get(
            &format!(
                "/api/v1/chat.ignoreUser?rid={GENERAL}&userId={}",
                bob.user_id
            ),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        get_as(&server, &alice, &subscription).await.ok()["subscription"]["ignored"],
        json!([bob.user_id]),
        "ignoring twice keeps one entry"
    );
    server
        .get(
            &format!(
                "/api/v1/chat.ignoreUser?rid={GENERAL}&userId={}&ignore=false",
                bob.user_id
            ),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        get_as(&server, &alice, &subscription).await.ok()["subscription"]["ignored"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ignoring_needs_both_to_be_members() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let room = server.room_of(&owner, RoomKind::Channel, "club", &[]).await;

    get_as(
        &server,
        &owner,
        &format!("chat.ignoreUser?rid={room}&userId={}", outsider.user_id),
    )
    .await
    .fails(400, "error-invalid-subscription");
    get_as(
        &server,
        &outsider,
        &format!("chat.ignoreUser?rid={room}&userId={}", owner.user_id),
    )
    .await
    .fails(400, "error-invalid-subscription");
    get_as(
        &server,
        &owner,
        &format!("chat.ignoreUser?rid={room}&userId={}", owner.user_id),
    )
    .await
    .fails(400, "error-invalid-params");
    get_as(
        &server,
        &owner,
        &format!("chat.ignoreUser?userId={}", outsider.user_id),
    )
    .await
    .fails(400, "error-room-id-param-not-provided");
    get_as(&server, &owner, &format!("chat.ignoreUser?rid={room}"))
        .await
        .fails(400, "error-user-id-param-not-provided");
}
