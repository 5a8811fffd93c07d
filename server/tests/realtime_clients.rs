//! What bots and Rocket.Chat's clients do over DDP, end to end on a real
//! server: the all-rooms streams (`__my_messages__`, a user's
//! `subscriptions-changed`, `rooms-changed`, `notification`), the
//! logged-in and presence streams, and the methods bots and clients call
//! at start-up (room lookups, joining, leaving, direct messages, room and
//! membership lists, history, threads).

use capsule_server_harness as common;

use capsule_server::model::RoomKind;
use common::ddp::Ddp;
use common::{Session, TestServer};
use serde_json::{Value, json};

/// The next event on `stream`, which must be `event`: its args.
async fn next_event(ddp: &mut Ddp, stream: &str, event: &str) -> Value {
    let frame = ddp
        .frame_where(|f| {
            f["msg"] == "changed" && f["collection"] == stream && f["fields"]["eventName"] == event
        })
        .await;
    frame["fields"]["args"].clone()
}

/// The next message by a user on `__my_messages__` (system messages, such
/// as a join's, are passed over): the message and its room's details.
async fn next_mine(ddp: &mut Ddp) -> (Value, Value) {
    loop {
        let args = next_event(ddp, "stream-room-messages", "__my_messages__").await;
        if args[0].get("t").is_none() {
            return (args[0].clone(), args[1].clone());
        }
    }
}

/// `who`'s own `<uid>/<event>` stream, subscribed.
async fn watch_own(ddp: &mut Ddp, who: &Session, event: &str) {
    ddp.sub(
        "stream-notify-user",
        json!([format!("{}/{event}", who.user_id), false]),
    )
    .await
    .unwrap_or_else(|e| panic!("{event} starts: {e}"));
}

#[tokio::test]
async fn my_messages_carry_every_room_of_the_user_with_its_name_and_type() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bot = server.signed_in("bot").await;
    let dev = server
        .room_of(&alice, RoomKind::Channel, "dev", &[&bot])
        .await;
    let secret = server
        .room_of(&alice, RoomKind::PrivateGroup, "secret", &[&bot])
        .await;
    let elsewhere = server
        .room_of(&alice, RoomKind::Channel, "elsewhere", &[])
        .await;
    let mut ws = Ddp::resume(&server.base, &bot.token).await;
    ws.sub("stream-room-messages", json!(["__my_messages__", false]))
        .await
        .expect("__my_messages__ is offered");

    server.say(&alice, &elsewhere, "not for the bot").await;
    server.say(&alice, &dev, "hello dev").await;
    server.say(&alice, &secret, "hello secret").await;

    let (message, room) = next_mine(&mut ws).await;
    assert_eq!(message["msg"], "hello dev");
    assert!(message["ts"]["$date"].is_i64(), "{message}");
    assert_eq!(
        room,
        json!({"roomParticipant": true, "roomType": "c", "roomName": "dev"})
    );
    let (message, room) = next_mine(&mut ws).await;
    assert_eq!(message["msg"], "hello secret");
    assert_eq!(
        room,
        json!({"roomParticipant": true, "roomType": "p", "roomName": "secret"})
    );

    // A room joined after subscribing is followed from the join's answer
    // on; a room left is not followed any more.
    ws.call("joinRoom", json!([elsewhere]))
        .await
        .expect("the bot joins a public channel");
    server.say(&alice, &elsewhere, "now for the bot").await;
    let (message, room) = next_mine(&mut ws).await;
    assert_eq!(message["msg"], "now for the bot");
    assert_eq!(room["roomName"], "elsewhere");
    ws.call("leaveRoom", json!([dev]))
        .await
        .expect("the bot leaves a channel");
    server.say(&alice, &dev, "after the bot left").await;
    server.say(&alice, &secret, "still here").await;
    let (message, _) = next_mine(&mut ws).await;
    assert_eq!(message["msg"], "still here");

    // A room someone else adds the bot to is followed by the time
    // `rooms-changed` tells of it.
    watch_own(&mut ws, &bot, "rooms-changed").await;
    let later = server
        .room_of(&alice, RoomKind::PrivateGroup, "later", &[])
        .await;
    server
        .post(
            "/api/v1/groups.invite",
            json!({"roomId": later, "username": "bot"}),
            Some(&alice),
        )
        .await
        .ok();
    let event = format!("{}/rooms-changed", bot.user_id);
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(
        (args[0].as_str(), args[1]["_id"].as_str()),
        (Some("inserted"), Some(later.as_str()))
    );
    server.say(&alice, &later, "welcome").await;
    let (message, room) = next_mine(&mut ws).await;
    assert_eq!(
        (message["msg"].as_str(), room["roomName"].as_str()),
        (Some("welcome"), Some("later"))
    );

    // A direct message has no room name.
    let direct = ws
        .call("createDirectMessage", json!(["alice"]))
        .await
        .expect("the bot opens a direct message");
    assert_eq!(direct["t"], "d");
    let rid = direct["rid"]
        .as_str()
        .expect("the answer names the room")
        .to_owned();
    assert!(direct.get("_id").is_none(), "{direct}");
    server.say(&alice, &rid, "psst").await;
    let (message, room) = next_mine(&mut ws).await;
    assert_eq!(message["msg"], "psst");
    assert_eq!(room, json!({"roomParticipant": true, "roomType": "d"}));
}

#[tokio::test]
async fn a_subscription_in_the_collection_form_starts_with_an_added_document() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let mut ws = Ddp::resume(&server.base, &alice.token).await;
    ws.send(json!({"msg": "sub", "id": "s1", "name": "stream-room-messages", "params": ["__my_messages__", true]}))
        .await;
    let added = ws
        .frame_where(|f| f["msg"] == "added" || f["msg"] == "ready")
        .await;
    assert_eq!(
        added,
        json!({"msg": "added", "collection": "stream-room-messages", "id": "id", "fields": {"eventName": "__my_messages__"}})
    );
    let ready = ws.frame_where(|f| f["msg"] == "ready").await;
    assert_eq!(ready["subs"], json!(["s1"]));
    // Without it, no document: anything sent before `ready` is kept.
    ws.sub(
        "stream-room-messages",
        json!(["GENERAL", {"useCollection": false, "args": []}]),
    )
    .await
    .expect("the room stream starts");
    assert!(
        !ws.kept().any(|f| f["msg"] == "added"),
        "only the collection form sends `added`"
    );
}

#[tokio::test]
async fn memberships_change_live_when_someone_else_posts() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let dev = server
        .room_of(&alice, RoomKind::Channel, "dev", &[&bob])
        .await;
    let mut ws = Ddp::resume(&server.base, &bob.token).await;
    watch_own(&mut ws, &bob, "subscriptions-changed").await;

    server.say(&alice, &dev, "one").await;
    server.say(&alice, &dev, "two @bob").await;
    let event = format!("{}/subscriptions-changed", bob.user_id);
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[0], "updated");
    assert_eq!(args[1]["rid"], dev.as_str());
    assert_eq!(
        (args[1]["unread"].as_u64(), args[1]["alert"].as_bool()),
        (Some(1), Some(true))
    );
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[1]["unread"], 2);
    assert_eq!(args[1]["userMentions"], 1);
    assert!(args[1]["_updatedAt"]["$date"].is_i64(), "{args}");

    // Bob's own message changes nothing; reading clears the counts.
    server.say(&bob, &dev, "mine").await;
    ws.call("readMessages", json!([dev]))
        .await
        .expect("bob reads");
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[0], "updated");
    assert_eq!(
        (args[1]["unread"].as_u64(), args[1]["alert"].as_bool()),
        (Some(0), Some(false)),
        "{args}"
    );
    // And counting goes on from the new mark.
    common::next_millisecond();
    server.say(&alice, &dev, "three").await;
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[1]["unread"], 1, "{args}");
    // The stored membership agrees.
    let stored = ws
        .call("subscriptions/get", json!([]))
        .await
        .expect("subscriptions/get answers");
    let stored = stored
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rid"] == dev.as_str())
        .cloned()
        .unwrap();
    assert_eq!(stored["unread"], 1);
}

#[tokio::test]
async fn rooms_changed_tells_of_joined_updated_and_left_rooms() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let dev = server.room_of(&alice, RoomKind::Channel, "dev", &[]).await;
    let mut ws = Ddp::resume(&server.base, &bob.token).await;
    watch_own(&mut ws, &bob, "rooms-changed").await;
    let event = format!("{}/rooms-changed", bob.user_id);

    ws.call("joinRoom", json!([dev])).await.expect("bob joins");
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[0], "inserted", "{args}");
    assert_eq!(args[1]["_id"], dev.as_str());
    assert_eq!(args[1]["t"], "c");
    server.say(&alice, &dev, "welcome").await;
    let last = loop {
        let args = next_event(&mut ws, "stream-notify-user", &event).await;
        assert_eq!(args[0], "updated");
        if args[1]["lastMessage"]["msg"] == "welcome" {
            break args;
        }
    };
    assert!(last[1]["lm"]["$date"].is_i64(), "{last}");
    ws.call("leaveRoom", json!([dev]))
        .await
        .expect("bob leaves");
    let args = loop {
        let args = next_event(&mut ws, "stream-notify-user", &event).await;
        if args[0] == "removed" {
            break args;
        }
    };
    assert_eq!(args[1], json!({"_id": dev}));
}

#[tokio::test]
async fn direct_messages_and_mentions_notify_the_user() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let dev = server
        .room_of(&alice, RoomKind::Channel, "dev", &[&bob])
        .await;
    let mut ws = Ddp::resume(&server.base, &bob.token).await;
    watch_own(&mut ws, &bob, "notification").await;
    let event = format!("{}/notification", bob.user_id);

    server.say(&alice, &dev, "no mention here").await;
    server.say(&alice, &dev, "@bob have a look").await;
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(args[0]["title"], "#dev");
    assert_eq!(args[0]["text"], "alice: @bob have a look");
    assert_eq!(args[0]["payload"]["rid"], dev.as_str());
    assert_eq!(args[0]["payload"]["sender"]["username"], "alice");

    let direct = server
        .post(
            "/api/v1/im.create",
            json!({"username": "bob"}),
            Some(&alice),
        )
        .await
        .ok();
    let rid = direct["room"]["_id"].as_str().unwrap().to_owned();
    server.say(&alice, &rid, "psst").await;
    let args = next_event(&mut ws, "stream-notify-user", &event).await;
    assert_eq!(
        (args[0]["title"].as_str(), args[0]["text"].as_str()),
        (Some("alice"), Some("psst"))
    );
    assert_eq!(args[0]["payload"]["type"], "d");
}

#[tokio::test]
async fn status_and_name_changes_reach_the_logged_in_and_presence_streams() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let mut ws = Ddp::resume(&server.base, &bob.token).await;
    for event in [
        "user-status",
        "Users:NameChanged",
        "roles-change",
        "updateEmojiCustom",
        "deleteEmojiCustom",
    ] {
        ws.sub("stream-notify-logged", json!([event, false]))
            .await
            .unwrap_or_else(|e| panic!("{event} is accepted: {e}"));
    }
    for event in [
        "public-settings-changed",
        "permissions-changed",
        "updateAvatar",
    ] {
        ws.sub("stream-notify-all", json!([event, false]))
            .await
            .unwrap_or_else(|e| panic!("{event} is accepted: {e}"));
    }
    ws.sub(
        "stream-user-presence",
        json!(["", {"added": [alice.user_id]}]),
    )
    .await
    .expect("presence is offered");

    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "away", "message": "lunch"}),
            Some(&alice),
        )
        .await
        .ok();
    let args = next_event(&mut ws, "stream-notify-logged", "user-status").await;
    assert_eq!(args, json!([[alice.user_id, "alice", 2, "lunch", "alice"]]));
    let args = next_event(&mut ws, "stream-user-presence", &alice.user_id).await;
    assert_eq!(args, json!([["alice", 2, "lunch"]]));

    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"name": "Alice Liddell"}}),
            Some(&alice),
        )
        .await
        .ok();
    let args = next_event(&mut ws, "stream-notify-logged", "Users:NameChanged").await;
    assert_eq!(
        args,
        json!([{"_id": alice.user_id, "name": "Alice Liddell", "username": "alice"}])
    );

    // Unknown events are still refused, naming them.
    let refused = ws
        .sub("stream-notify-logged", json!(["teleport", false]))
        .await
        .expect_err("an unknown event is refused");
    assert_eq!(refused["error"], "error-invalid-params");
}

#[tokio::test]
async fn bots_find_join_and_leave_rooms_by_name() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bot = server.signed_in("bot").await;
    let dev = server.room_of(&alice, RoomKind::Channel, "dev", &[]).await;
    let secret = server
        .room_of(&alice, RoomKind::PrivateGroup, "secret", &[])
        .await;
    let mut ws = Ddp::resume(&server.base, &bot.token).await;

    assert_eq!(
        ws.call("getRoomIdByNameOrId", json!(["dev"]))
            .await
            .unwrap(),
        json!(dev)
    );
    assert_eq!(
        ws.call("getRoomIdByNameOrId", json!([dev])).await.unwrap(),
        json!(dev)
    );
    assert_eq!(
        ws.call("getRoomNameById", json!([dev])).await.unwrap(),
        json!("dev")
    );
    // A private group the bot is not in, and a missing room, answer alike.
    for name in ["secret", secret.as_str(), "nowhere"] {
        let refused = ws
            .call("getRoomIdByNameOrId", json!([name]))
            .await
            .expect_err("out of reach");
        assert_eq!(
            (refused["error"].as_str(), refused["reason"].as_str()),
            (Some("error-not-allowed"), Some("Not allowed"))
        );
    }
    let refused = ws
        .call("getRoomNameById", json!([secret]))
        .await
        .unwrap_err();
    assert_eq!(refused["error"], "error-not-allowed");

    assert_eq!(
        ws.call("joinRoom", json!([dev])).await.unwrap(),
        json!(true)
    );
    let refused = ws.call("joinRoom", json!([secret])).await.unwrap_err();
    assert_eq!(refused["error"], "error-invalid-room", "{refused}");
    let rooms = ws.call("rooms/get", json!([])).await.unwrap();
    let names: Vec<_> = rooms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(names.contains(&json!("dev")), "{rooms}");
    assert!(rooms[0]["_updatedAt"]["$date"].is_i64(), "{rooms}");
    server.say(&alice, &dev, "welcome").await;
    let rooms = ws.call("rooms/get", json!([])).await.unwrap();
    let listed = rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["_id"] == json!(dev))
        .expect("dev is listed");
    assert_eq!(listed["lastMessage"]["msg"], "welcome", "{listed}");
    assert!(listed["lastMessage"]["ts"]["$date"].is_i64(), "{listed}");
    let memberships = ws.call("subscriptions/get", json!([])).await.unwrap();
    let membership = memberships
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rid"] == json!(dev))
        .expect("the bot's membership of dev is listed");
    assert_eq!(membership["lastMessage"]["msg"], "welcome", "{membership}");
    let changed = ws.call("rooms/get", json!([{"$date": 0}])).await.unwrap();
    assert_eq!(changed["remove"], json!([]));
    assert!(
        changed["update"].as_array().unwrap().len() >= 2,
        "{changed}"
    );

    ws.call("leaveRoom", json!([dev]))
        .await
        .expect("the bot leaves");
    let refused = ws.call("leaveRoom", json!([dev])).await.unwrap_err();
    assert_eq!(refused["error"], "error-user-not-in-room");
    let changed = ws
        .call("subscriptions/get", json!([{"$date": 0}, {}]))
        .await
        .expect("a trailing two-factor argument is set aside");
    assert!(changed["update"].is_array(), "{changed}");
}

#[tokio::test]
async fn messages_keep_their_bot_mark_and_calls_take_the_two_factor_argument() {
    let server = TestServer::start().await;
    let bot = server.signed_in("bot").await;
    let mut ws = Ddp::resume(&server.base, &bot.token).await;
    let sent = ws
        .call(
            "sendMessage",
            json!([{"rid": "GENERAL", "msg": "beep", "bot": {"i": "js.SDK"}}, {"twoFactorCode": "", "twoFactorMethod": "totp"}]),
        )
        .await
        .expect("sendMessage takes the two-factor argument");
    assert_eq!(sent["bot"], json!({"i": "js.SDK"}));
    let history = ws
        .call("loadHistory", json!(["GENERAL", null, 1, null]))
        .await
        .unwrap();
    assert_eq!(history["messages"][0]["bot"], json!({"i": "js.SDK"}));
    let refused = ws
        .call(
            "sendMessage",
            json!([{"rid": "GENERAL", "msg": "beep", "bot": "yes"}]),
        )
        .await
        .expect_err("a bot mark must be an object");
    assert_eq!(refused["error"], "error-invalid-params");
    assert!(
        refused["reason"].as_str().unwrap().contains("`bot`"),
        "{refused}"
    );
    assert_eq!(
        ws.call("license:getModules", json!([])).await.unwrap(),
        json!([])
    );
}

#[tokio::test]
async fn history_loads_in_the_forms_clients_send_with_unread_and_threads() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let dev = server
        .room_of(&alice, RoomKind::Channel, "dev", &[&bob])
        .await;
    let mut ws = Ddp::resume(&server.base, &bob.token).await;
    let root = server.say(&alice, &dev, "root").await;
    let root_id = root["_id"].as_str().unwrap().to_owned();
    common::next_millisecond();
    let seen = capsule_server::model::Timestamp::now().millis();
    common::next_millisecond();
    for text in ["u1", "u2", "u3"] {
        server.say(&alice, &dev, text).await;
        common::next_millisecond();
    }
    let reply = server
        .post(
            "/api/v1/chat.sendMessage",
            json!({"message": {"rid": dev, "msg": "in thread", "tmid": root_id}}),
            Some(&alice),
        )
        .await
        .ok();
    let reply_id = reply["message"]["_id"].as_str().unwrap().to_owned();

    // end as an EJSON date, ls, and thread replies left out.
    let now = capsule_server::model::Timestamp::now().millis() + 1;
    let page = ws
        .call(
            "loadHistory",
            json!([dev, {"$date": now}, 2, {"$date": seen}, false]),
        )
        .await
        .expect("loadHistory answers");
    let texts: Vec<_> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].clone())
        .collect();
    assert_eq!(texts, [json!("u3"), json!("u2")]);
    assert_eq!(page["unreadNotLoaded"], 1, "{page}");
    assert_eq!(page["firstUnread"]["msg"], "u1");
    // With thread replies, and `end` as null.
    let page = ws.call("loadHistory", json!([dev, null, 1])).await.unwrap();
    assert_eq!(page["messages"][0]["_id"], reply_id.as_str());

    let thread = ws
        .call("getThreadMessages", json!([{"tmid": root_id, "limit": 10}]))
        .await
        .expect("getThreadMessages answers");
    let ids: Vec<_> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["_id"].clone())
        .collect();
    assert_eq!(ids, [json!(root_id), json!(reply_id)]);
    assert_eq!(
        ws.call("getThreadMessages", json!([{"tmid": "missing"}]))
            .await
            .unwrap(),
        json!([])
    );
    let refused = ws
        .call(
            "getThreadMessages",
            json!([{"tmid": root_id, "limit": 500}]),
        )
        .await
        .unwrap_err();
    assert_eq!(refused["reason"], "max limit: 100");
    assert_eq!(
        ws.call("readThreads", json!([root_id])).await.unwrap(),
        Value::Null
    );
}
