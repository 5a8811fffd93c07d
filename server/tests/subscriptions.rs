//! The `subscriptions.*` endpoints over HTTP: a user's memberships with
//! their counts, and marking rooms read and unread.

use capsule_server_harness as common;

use capsule_server::model::{RoomId, RoomKind, Timestamp, UserId};
use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

async fn post_as(server: &TestServer, session: &Session, path: &str, body: Value) -> Answer {
    server
        .post(&format!("/api/v1/{path}"), body, Some(session))
        .await
}

async fn get_as(server: &TestServer, session: &Session, path_and_query: &str) -> Answer {
    server
        .get(&format!("/api/v1/{path_and_query}"), Some(session))
        .await
}

/// Sends `text` to `room`; answers the message's id.
async fn send(server: &TestServer, session: &Session, room: &str, text: &str) -> String {
    let body = json!({"message": {"rid": room, "msg": text}});
    let sent = post_as(server, session, "chat.sendMessage", body)
        .await
        .ok();
    sent["message"]["_id"].as_str().unwrap().to_owned()
}

/// `session`'s subscription to `room` (`null` when not a member).
async fn subscription(server: &TestServer, session: &Session, room: &str) -> Value {
    let answer = get_as(
        server,
        session,
        &format!("subscriptions.getOne?roomId={room}"),
    )
    .await;
    answer.ok()["subscription"].clone()
}

// subscriptions.get

#[tokio::test(flavor = "multi_thread")]
async fn get_lists_every_membership_with_its_counts() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let room = server
        .room_of(&bob, RoomKind::PrivateGroup, "pair", &[&alice])
        .await;
    send(&server, &bob, &room, "hi @alice").await;

    let answer = get_as(&server, &alice, "subscriptions.get").await.ok();

    assert_eq!(answer["remove"], json!([]));
    let update = answer["update"].as_array().unwrap();
    let rooms: Vec<&str> = update.iter().map(|s| s["rid"].as_str().unwrap()).collect();
    assert_eq!(rooms.len(), 2, "{answer}");
    assert!(
        rooms.contains(&GENERAL) && rooms.contains(&room.as_str()),
        "{rooms:?}"
    );
    let pair = update.iter().find(|s| s["rid"] == room.as_str()).unwrap();
    assert_eq!(
        (pair["unread"].clone(), pair["userMentions"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(pair["alert"], true);
    assert_eq!(pair["t"], "p");
    assert_eq!(pair["u"]["_id"], alice.user_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn get_with_updated_since_answers_only_later_changes() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let general = subscription(&server, &alice, GENERAL).await;
    let joined = general["_updatedAt"].as_str().unwrap().to_owned();

    let unchanged = get_as(
        &server,
        &alice,
        &format!("subscriptions.get?updatedSince={joined}"),
    )
    .await
    .ok();
    let before = joined.replace('Z', "%2B00:01");
    let earlier = get_as(
        &server,
        &alice,
        &format!("subscriptions.get?updatedSince={before}"),
    )
    .await
    .ok();

    assert_eq!(unchanged["update"], json!([]));
    assert_eq!(earlier["update"][0]["rid"], GENERAL);
    let answer = get_as(&server, &alice, "subscriptions.get?updatedSince=last-week").await;
    answer.fails(400, "error-roomId-param-invalid");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_message_counts_as_a_change_of_the_membership() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let room = server
        .room_of(&bob, RoomKind::Channel, "quiet", &[&alice])
        .await;
    // The membership last changed a minute ago; the sync point is after that.
    let store = server.chat_domain().store();
    let (rid, uid) = (RoomId(room.clone()), UserId(alice.user_id.clone()));
    let mut sub = store.subscription(&rid, &uid).await.unwrap().unwrap();
    sub.updated_at = Timestamp(Timestamp::now().millis() - 60_000);
    store.update_subscription(&sub).await.unwrap();
    let since = Timestamp(Timestamp::now().millis() - 30_000).to_iso();
    let listed = |answer: &Value| {
        let update = answer["update"].as_array().unwrap().clone();
        update.into_iter().find(|s| s["rid"] == room.as_str())
    };
    let path = format!("subscriptions.get?updatedSince={since}");
    let before = get_as(&server, &alice, &path).await.ok();

    send(&server, &bob, &room, "wake up").await;
    let after = get_as(&server, &alice, &path).await.ok();

    assert_eq!(listed(&before), None, "{before}");
    let quiet = listed(&after).expect("the room with news is listed");
    assert_eq!(quiet["unread"], 1);
}

// subscriptions.getOne

#[tokio::test(flavor = "multi_thread")]
async fn get_one_answers_the_membership_or_null() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;

    let mine = subscription(&server, &owner, &group).await;
    let theirs = subscription(&server, &outsider, &group).await;

    assert_eq!(mine["rid"], group.as_str());
    assert_eq!(mine["name"], "inner");
    assert_eq!(mine["roles"], json!(["owner"]));
    assert_eq!(
        theirs,
        Value::Null,
        "a non-member learns nothing about the room"
    );
    assert_eq!(
        subscription(&server, &outsider, "no-such-room").await,
        Value::Null
    );
    get_as(&server, &owner, "subscriptions.getOne")
        .await
        .fails(400, "error-invalid-params");
}

// subscriptions.read

#[tokio::test(flavor = "multi_thread")]
async fn read_clears_the_unread_count_by_rid_or_room_id() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let room = server
        .room_of(&bob, RoomKind::Channel, "chatter", &[&alice])
        .await;
    send(&server, &bob, GENERAL, "one").await;
    send(&server, &bob, &room, "two").await;
    assert_eq!(subscription(&server, &alice, GENERAL).await["unread"], 1);

    post_as(
        &server,
        &alice,
        "subscriptions.read",
        json!({"rid": GENERAL}),
    )
    .await
    .ok();
    post_as(
        &server,
        &alice,
        "subscriptions.read",
        json!({"roomId": room}),
    )
    .await
    .ok();

    let general = subscription(&server, &alice, GENERAL).await;
    assert_eq!(
        (general["unread"].clone(), general["alert"].clone()),
        (json!(0), json!(false))
    );
    assert_eq!(subscription(&server, &alice, &room).await["unread"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn read_needs_a_membership() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let outsider = server.signed_in("outsider").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;

    let hidden = post_as(
        &server,
        &outsider,
        "subscriptions.read",
        json!({"rid": group}),
    )
    .await;
    let missing = post_as(
        &server,
        &outsider,
        "subscriptions.read",
        json!({"rid": "no-such-room"}),
    )
    .await;

    assert_eq!(hidden.body, missing.body);
    hidden.fails(400, "error-invalid-subscription");
    post_as(&server, &outsider, "subscriptions.read", json!({}))
        .await
        .fails(400, "error-invalid-params");
    post_as(&server, &outsider, "subscriptions.read", json!({"rid": 3}))
        .await
        .fails(400, "error-invalid-params");
}

// subscriptions.unread

#[tokio::test(flavor = "multi_thread")]
async fn unread_by_room_shows_the_newest_message_by_someone_else_as_unread() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    send(&server, &bob, GENERAL, "news").await;
    send(&server, &alice, GENERAL, "my answer").await;
    post_as(
        &server,
        &alice,
        "subscriptions.read",
        json!({"rid": GENERAL}),
    )
    .await
    .ok();

    post_as(
        &server,
        &alice,
        "subscriptions.unread",
        json!({"roomId": GENERAL}),
    )
    .await
    .ok();

    let general = subscription(&server, &alice, GENERAL).await;
    assert_eq!(general["unread"], 1, "{general}");
    assert_eq!(general["alert"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn unread_from_a_message_counts_it_and_everything_after() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    let first = send(&server, &bob, GENERAL, "first").await;
    send(&server, &bob, GENERAL, "second").await;
    send(&server, &bob, GENERAL, "third").await;
    post_as(
        &server,
        &alice,
        "subscriptions.read",
        json!({"rid": GENERAL}),
    )
    .await
    .ok();

    let body = json!({"firstUnreadMessage": {"_id": first}});
    post_as(&server, &alice, "subscriptions.unread", body)
        .await
        .ok();

    assert_eq!(subscription(&server, &alice, GENERAL).await["unread"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn unread_refuses_own_missing_and_hidden_messages_and_empty_rooms() {
    let server = TestServer::start().await;
    let owner = server.signed_in("owner").await;
    let alice = server.signed_in("alice").await;
    let group = server
        .room_of(&owner, RoomKind::PrivateGroup, "inner", &[])
        .await;
    let mine = send(&server, &alice, GENERAL, "mine").await;
    let hidden = send(&server, &owner, &group, "secret").await;
    let unread = |body: Value| post_as(&server, &alice, "subscriptions.unread", body);

    unread(json!({"firstUnreadMessage": {"_id": mine}}))
        .await
        .fails(400, "error-action-not-allowed");
    unread(json!({"firstUnreadMessage": {"_id": "nope"}}))
        .await
        .fails(400, "error-invalid-message");
    unread(json!({"firstUnreadMessage": {"_id": hidden}}))
        .await
        .fails(400, "error-invalid-message");
    unread(json!({"roomId": group}))
        .await
        .fails(400, "error-invalid-subscription");
    unread(json!({"roomId": GENERAL}))
        .await
        .fails(400, "error-no-message-for-unread");
    unread(json!({})).await.fails(400, "error-invalid-params");
    unread(json!({"firstUnreadMessage": "nope"}))
        .await
        .fails(400, "error-invalid-params");
}
