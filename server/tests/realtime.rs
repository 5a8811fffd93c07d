//! The real-time API end to end: DDP over real WebSockets against a real
//! server, with REST clients on the side.

use capsule_server_harness as common;

use capsule_server::model::RoomKind;
use common::ddp::{Ddp, digest};
use common::{Session, TestServer};
use serde_json::{Value, json};

/// A room's stream and its deletions, subscribed.
async fn watch(ddp: &mut Ddp, room: &str) {
    ddp.sub("stream-room-messages", json!([room, false]))
        .await
        .expect("the room stream starts");
    ddp.sub(
        "stream-notify-room",
        json!([format!("{room}/deleteMessage"), false]),
    )
    .await
    .expect("the deletion stream starts");
}

/// The next event, which must be a message of `room`: its `msg`.
async fn next_message(ddp: &mut Ddp, room: &str) -> Value {
    let (collection, event, args) = ddp.event().await;
    assert_eq!(collection, "stream-room-messages", "{args}");
    assert_eq!(event, room);
    args[0].clone()
}

#[tokio::test]
async fn two_clients_see_each_others_messages_edits_reactions_and_deletes_in_order() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let room = server
        .room_of(&alice, RoomKind::Channel, "realtime", &[&bob])
        .await;
    let mut alice_ws = Ddp::resume(&server.base, &alice.token).await;
    let mut bob_ws = Ddp::resume(&server.base, &bob.token).await;
    watch(&mut alice_ws, &room).await;
    watch(&mut bob_ws, &room).await;

    // Alice sends over the WebSocket, Bob over REST.
    let sent = alice_ws
        .call(
            "sendMessage",
            json!([{"_id": "m-alice", "rid": room, "msg": "hello bob"}]),
        )
        .await
        .expect("sendMessage succeeds");
    assert_eq!(sent["_id"], "m-alice");
    assert!(sent["ts"]["$date"].is_i64(), "EJSON date: {sent}");
    server.say(&bob, &room, "hello alice").await;
    // Alice edits over the WebSocket; Bob reacts over REST.
    alice_ws
        .call(
            "updateMessage",
            json!([{"_id": "m-alice", "rid": room, "msg": "hello, bob"}]),
        )
        .await
        .expect("updateMessage succeeds");
    server
        .post(
            "/api/v1/chat.react",
            json!({"messageId": "m-alice", "emoji": ":tada:"}),
            Some(&bob),
        )
        .await
        .ok();
    // Alice reacts too, then deletes over the WebSocket.
    alice_ws
        .call("setReaction", json!([":tada:", "m-alice", true]))
        .await
        .expect("setReaction succeeds");
    alice_ws
        .call("deleteMessage", json!([{"_id": "m-alice"}]))
        .await
        .expect("deleteMessage succeeds");

    for ddp in [&mut alice_ws, &mut bob_ws] {
        let first = next_message(ddp, &room).await;
        assert_eq!(
            (first["_id"].as_str(), first["msg"].as_str()),
            (Some("m-alice"), Some("hello bob"))
        );
        assert_eq!(first["u"]["username"], "alice");
        assert!(
            first["ts"]["$date"].is_i64() && first["_updatedAt"]["$date"].is_i64(),
            "{first}"
        );
        let second = next_message(ddp, &room).await;
        assert_eq!(second["msg"], "hello alice");
        assert_eq!(second["u"]["username"], "bob");
        let edited = next_message(ddp, &room).await;
        assert_eq!(edited["_id"], "m-alice");
        assert_eq!(edited["msg"], "hello, bob");
        assert!(edited["editedAt"]["$date"].is_i64(), "{edited}");
        let reacted = next_message(ddp, &room).await;
        assert_eq!(reacted["reactions"][":tada:"]["usernames"], json!(["bob"]));
        let reacted = next_message(ddp, &room).await;
        assert_eq!(
            reacted["reactions"][":tada:"]["usernames"],
            json!(["bob", "alice"])
        );
        let (collection, event, args) = ddp.event().await;
        assert_eq!(collection, "stream-notify-room");
        assert_eq!(event, format!("{room}/deleteMessage"));
        assert_eq!(args, json!([{"_id": "m-alice"}]));
    }

    // The sockets and what reached them show in the metrics.
    let value = async |name: &str| server.metric(name).await.expect("the metric is there");
    assert!(value("capsule_realtime_connections").await >= 2.0);
    assert!(value("capsule_realtime_deliveries_total").await >= 12.0);
}

#[tokio::test]
async fn login_takes_the_password_digest_plain_text_or_a_resume_token() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let mut ddp = Ddp::connect(&server.base).await;
    let by_digest = ddp
        .call(
            "login",
            json!([{"user": {"username": "alice"}, "password": {"digest": digest("alice-password"), "algorithm": "sha-256"}}]),
        )
        .await
        .expect("the digest signs in");
    assert_eq!(by_digest["id"], alice.user_id.as_str());
    assert_eq!(by_digest["type"], "password");
    assert!(by_digest["tokenExpires"]["$date"].is_i64());
    // The token it got works over REST too.
    let session = Session {
        user_id: alice.user_id.clone(),
        token: by_digest["token"].as_str().unwrap().to_owned(),
        username: "alice".into(),
    };
    server.get("/api/v1/me", Some(&session)).await.ok();

    let mut plain = Ddp::connect(&server.base).await;
    plain
        .call(
            "login",
            json!([{"user": {"email": "alice@example.com"}, "password": "alice-password"}]),
        )
        .await
        .expect("a plain password signs in");

    let mut wrong = Ddp::connect(&server.base).await;
    let refused = wrong
        .call("login", json!([{"user": {"username": "alice"}, "password": {"digest": digest("nope"), "algorithm": "sha-256"}}]))
        .await
        .expect_err("a wrong password is refused");
    assert_eq!(refused["error"], 403);
    let refused = wrong
        .call("login", json!([{"resume": "not-a-token"}]))
        .await
        .expect_err("an unknown token is refused");
    assert_eq!(refused["error"], 403);
    // Not signed in: methods are refused with Rocket.Chat's error.
    let anonymous = wrong
        .call("sendMessage", json!([{"rid": "GENERAL", "msg": "hi"}]))
        .await
        .expect_err("anonymous sends are refused");
    assert_eq!(anonymous["error"], "error-invalid-user");

    // Logout revokes the token it signed in with.
    ddp.call("logout", json!([]))
        .await
        .expect("logout succeeds");
    let answer = server.get("/api/v1/me", Some(&session)).await;
    assert_eq!(answer.status.as_u16(), 401);
}

#[tokio::test]
async fn a_non_member_subscribing_to_a_private_room_gets_nothing() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let carol = server.signed_in("carol").await;
    let secret = server
        .room_of(&alice, RoomKind::PrivateGroup, "secret", &[])
        .await;
    let mut carol_ws = Ddp::resume(&server.base, &carol.token).await;
    let refused = carol_ws
        .sub("stream-room-messages", json!([secret, false]))
        .await
        .expect_err("a non-member cannot watch a private group");
    assert_eq!(refused["error"], "error-room-not-found", "{refused}");
    carol_ws
        .sub(
            "stream-notify-room",
            json!([format!("{secret}/deleteMessage"), false]),
        )
        .await
        .expect_err("nor its deletions");
    carol_ws
        .sub(
            "stream-notify-user",
            json!([format!("{}/message", alice.user_id), false]),
        )
        .await
        .expect_err("nor someone else's user stream");
    carol_ws
        .sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("a public channel can be watched");

    server.say(&alice, &secret, "for members only").await;
    server.say(&alice, "GENERAL", "marker").await;
    // The first event Carol gets is the public marker: the private
    // message never reached her.
    let first = next_message(&mut carol_ws, "GENERAL").await;
    assert_eq!(first["msg"], "marker");
}

#[tokio::test]
async fn a_removed_member_stops_receiving_a_private_room() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let team = server
        .room_of(&alice, RoomKind::PrivateGroup, "team", &[&bob])
        .await;
    let mut bob_ws = Ddp::resume(&server.base, &bob.token).await;
    let sub = bob_ws
        .sub("stream-room-messages", json!([team, false]))
        .await
        .expect("a member watches the group");
    bob_ws
        .sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("and #general");
    server.say(&alice, &team, "before").await;
    assert_eq!(next_message(&mut bob_ws, &team).await["msg"], "before");

    server
        .post(
            "/api/v1/groups.kick",
            json!({"roomId": team, "userId": bob.user_id}),
            Some(&alice),
        )
        .await
        .ok();
    let ended = bob_ws
        .frame_where(|f| f["msg"] == "nosub" && f["id"] == sub.as_str())
        .await;
    assert_eq!(ended["error"]["error"], "error-not-allowed", "{ended}");
    server.say(&alice, &team, "after").await;
    server.say(&alice, "GENERAL", "marker").await;
    // Bob's next room event: the removal notice before the kick took
    // effect may or may not have reached him, "after" never does.
    loop {
        let (_, event, args) = bob_ws.event().await;
        assert_ne!(args[0]["msg"], "after", "a removed member got a message");
        if event == "GENERAL" && args[0]["msg"] == "marker" {
            break;
        }
    }
}

#[tokio::test]
async fn membership_changes_reach_the_users_own_stream() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut bob_ws = Ddp::resume(&server.base, &bob.token).await;
    bob_ws
        .sub(
            "stream-notify-user",
            json!([format!("{}/subscriptions-changed", bob.user_id), false]),
        )
        .await
        .expect("a user watches their own memberships");
    let room = server.room_of(&alice, RoomKind::Channel, "news", &[]).await;
    server
        .post(
            "/api/v1/channels.invite",
            json!({"roomId": room, "userId": bob.user_id}),
            Some(&alice),
        )
        .await
        .ok();
    let (collection, event, args) = bob_ws.event().await;
    assert_eq!(collection, "stream-notify-user");
    assert_eq!(event, format!("{}/subscriptions-changed", bob.user_id));
    assert_eq!(args[0], "inserted");
    assert_eq!(args[1]["rid"], room.as_str());
    assert!(args[1]["ls"]["$date"].is_i64(), "{args}");

    bob_ws
        .call("readMessages", json!([room]))
        .await
        .expect("readMessages succeeds");
    let (_, _, args) = bob_ws.event().await;
    assert_eq!(args[0], "updated");
    server
        .post(
            "/api/v1/channels.leave",
            json!({"roomId": room}),
            Some(&bob),
        )
        .await
        .ok();
    let (_, _, args) = bob_ws.event().await;
    assert_eq!(args[0], "removed");
    assert_eq!(args[1]["rid"], room.as_str());
}

#[tokio::test]
async fn history_and_memberships_load_over_the_websocket() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    for n in 0..3 {
        server.say(&alice, "GENERAL", &format!("m{n}")).await;
        common::next_millisecond();
    }
    let mut ddp = Ddp::resume(&server.base, &alice.token).await;
    let history = ddp
        .call("loadHistory", json!(["GENERAL", null, 2, null]))
        .await
        .expect("loadHistory succeeds");
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["m2", "m1"]);
    let subscriptions = ddp
        .call("subscriptions/get", json!([]))
        .await
        .expect("subscriptions/get succeeds");
    assert!(
        subscriptions
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["rid"] == "GENERAL"),
        "{subscriptions}"
    );
    let missing = ddp
        .call("loadHistory", json!(["no-such-room", null, 2, null]))
        .await
        .expect_err("an unknown room is an error");
    assert_eq!(missing["error"], "error-room-not-found");
    let unknown = ddp
        .call("teleport", json!([]))
        .await
        .expect_err("unknown method");
    assert_eq!(unknown["error"], 404);
}

#[tokio::test]
async fn bad_frames_get_a_clear_error_and_the_connection_keeps_serving() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let mut ddp = Ddp::open(&server.base).await;
    ddp.send(json!({"msg": "method", "method": "sendMessage", "id": "1", "params": []}))
        .await;
    let early = ddp.frame_where(|f| f["msg"] == "error").await;
    assert_eq!(early["reason"], "Must connect first");
    ddp.send_text("{not json").await;
    let bad = ddp.frame_where(|f| f["msg"] == "error").await;
    assert!(
        bad["reason"].as_str().unwrap().starts_with("Bad request"),
        "{bad}"
    );
    ddp.send(json!({"msg": "connect", "version": "1"})).await;
    ddp.frame_where(|f| f["msg"] == "connected").await;
    ddp.call("login", json!([{"resume": alice.token}]))
        .await
        .expect("the connection still works");
    let wrong = ddp
        .call("sendMessage", json!(["just text"]))
        .await
        .expect_err("a message must be an object");
    assert_eq!(wrong["error"], "error-invalid-params");
    ddp.send(json!({"msg": "ping", "id": "p1"})).await;
    let pong = ddp.frame_where(|f| f["msg"] == "pong").await;
    assert_eq!(pong["id"], "p1");
}

#[tokio::test]
async fn typing_reaches_the_room_and_only_members_may_type() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let carol = server.signed_in("carol").await;
    let team = server
        .room_of(&alice, RoomKind::PrivateGroup, "typing", &[&bob])
        .await;
    let mut bob_ws = Ddp::resume(&server.base, &bob.token).await;
    bob_ws
        .sub(
            "stream-notify-room",
            json!([format!("{team}/user-activity"), false]),
        )
        .await
        .expect("a member watches who types");
    let mut alice_ws = Ddp::resume(&server.base, &alice.token).await;
    alice_ws
        .call(
            "stream-notify-room",
            json!(
                [format!("{team}/user-activity"), "alice", ["user-typing"], {
                }]
            ),
        )
        .await
        .expect("a member may type");
    let (collection, event, args) = bob_ws.event().await;
    assert_eq!(collection, "stream-notify-room");
    assert_eq!(event, format!("{team}/user-activity"));
    assert_eq!(args, json!(["alice", ["user-typing"], {}]));

    let mut carol_ws = Ddp::resume(&server.base, &carol.token).await;
    let refused = carol_ws
        .call(
            "stream-notify-room",
            json!(
                [format!("{team}/user-activity"), "alice", ["user-typing"], {
                }]
            ),
        )
        .await
        .expect_err("a non-member may not type in a private group");
    assert_eq!(refused["error"], "error-room-not-found");
}

#[tokio::test]
async fn a_revoked_token_or_a_deactivated_account_ends_the_live_session() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut alice_ws = Ddp::resume(&server.base, &alice.token).await;
    alice_ws
        .sub("stream-room-messages", json!(["GENERAL", false]))
        .await
        .expect("alice watches #general");
    // Another sign-in of Alice's stays live when this one is revoked.
    let other = server.login("alice", "alice-password").await;
    let mut other_ws = Ddp::resume(&server.base, &other.token).await;
    server.post("/api/v1/logout", json!({}), Some(&alice)).await;
    alice_ws.closed().await;
    other_ws
        .call("readMessages", json!(["GENERAL"]))
        .await
        .expect("the other session goes on");

    let mut bob_ws = Ddp::resume(&server.base, &bob.token).await;
    let admin = server.admin().await;
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id, "activeStatus": false}),
            Some(&admin),
        )
        .await
        .ok();
    bob_ws.closed().await;
    let mut again = Ddp::connect(&server.base).await;
    let refused = again
        .call("login", json!([{"resume": bob.token}]))
        .await
        .expect_err("a deactivated account cannot resume");
    assert_eq!(refused["error"], 403);
}
