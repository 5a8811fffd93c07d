//! `im.*` (and their `dm.*` aliases) over HTTP: direct messages, readable
//! by their members only.

use capsule_server_harness as common;

use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

async fn get_as(server: &TestServer, who: &Session, path: String) -> Answer {
    server.get(&path, Some(who)).await
}

async fn post_as(server: &TestServer, who: &Session, path: String, body: Value) -> Answer {
    server.post(&path, body, Some(who)).await
}

/// Opens the conversation of `who` with `body`'s users; answers its id.
async fn open_dm(server: &TestServer, who: &Session, body: Value) -> String {
    let answer = server.post("/api/v1/im.create", body, Some(who)).await.ok();
    answer["room"]["_id"].as_str().expect("an id").to_owned()
}

fn texts(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_opens_one_conversation_for_both_sides() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;

    let created = server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok();
    let again = open_dm(&server, &nils, json!({"username": "ada"})).await;

    let room = &created["room"];
    assert_eq!(room["t"], "d");
    assert_eq!(room["rid"], room["_id"]);
    assert_eq!(room["usernames"], json!(["ada", "nils"]));
    assert_eq!(room["_id"].as_str().unwrap(), again);
    for who in [&ada, &nils] {
        let list = server.get("/api/v1/im.list", Some(who)).await.ok();
        assert_eq!(ids(&list["ims"]), std::slice::from_ref(&again));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_usernames_makes_a_group_conversation_and_with_yourself_notes() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    server.signed_in("otto").await;

    let group = server
        .post(
            "/api/v1/im.create",
            json!({"usernames": "nils, otto"}),
            Some(&ada),
        )
        .await
        .ok();
    let notes = server
        .post("/api/v1/dm.create", json!({"username": "ada"}), Some(&ada))
        .await
        .ok();

    assert_eq!(group["room"]["usernames"], json!(["ada", "nils", "otto"]));
    assert_eq!(group["room"]["usersCount"], 3);
    assert_eq!(notes["room"]["usernames"], json!(["ada"]));
    assert_eq!(
        notes["room"]["_id"].as_str().unwrap(),
        format!("{0}{0}", ada.user_id)
    );
    let rid = notes["room"]["_id"].as_str().unwrap().to_owned();
    server.say(&ada, &rid, "remember the milk").await;
    let history = get_as(&server, &ada, format!("/api/v1/im.history?roomId={rid}"))
        .await
        .ok();
    assert_eq!(texts(&history), ["remember the milk"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_refuses_missing_or_unknown_users_and_exclude_self() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;

    server
        .post("/api/v1/im.create", json!({}), Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/im.create",
            json!({"username": "ghost"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-user");
    server
        .post(
            "/api/v1/im.create",
            json!({"usernames": "nils", "excludeSelf": true}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn members_read_history_messages_members_and_counters_by_id_or_username() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;
    server.say(&ada, &rid, "hello @nils").await;
    server.say(&ada, &rid, "still there?").await;

    for prefix in ["im", "dm"] {
        for room in [format!("roomId={rid}"), "username=ada".to_owned()] {
            let history = get_as(
                &server,
                &nils,
                format!("/api/v1/{prefix}.history?{room}&count=1"),
            )
            .await
            .ok();
            let messages = get_as(&server, &nils, format!("/api/v1/{prefix}.messages?{room}"))
                .await
                .ok();
            let mentions = get_as(
                &server,
                &nils,
                format!(
                    "/api/v1/{prefix}.messages?{room}&mentionIds={}",
                    nils.user_id
                ),
            )
            .await
            .ok();
            let members = get_as(&server, &nils, format!("/api/v1/{prefix}.members?{room}"))
                .await
                .ok();
            let counters = get_as(&server, &nils, format!("/api/v1/{prefix}.counters?{room}"))
                .await
                .ok();
            assert_eq!(texts(&history), ["still there?"]);
            assert_eq!(
                (texts(&messages).len(), messages["total"].clone()),
                (2, json!(2))
            );
            assert_eq!(texts(&mentions), ["hello @nils"]);
            let names: Vec<&str> = members["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["username"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["ada", "nils"]);
            assert_eq!(
                (
                    counters["joined"].clone(),
                    counters["unreads"].clone(),
                    counters["userMentions"].clone(),
                    counters["members"].clone()
                ),
                (json!(true), json!(2), json!(1), json!(2))
            );
        }
    }
    get_as(&server, &nils, "/api/v1/im.history".into())
        .await
        .fails(400, "error-room-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn outsiders_and_admins_find_no_conversation_to_read() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let otto = server.signed_in("otto").await;
    server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;
    server.say(&ada, &rid, "our secret").await;

    for who in [&otto, &admin] {
        for endpoint in ["history", "messages", "members", "counters"] {
            let body = get_as(&server, who, format!("/api/v1/im.{endpoint}?roomId={rid}"))
                .await
                .fails(400, "error-room-not-found");
            assert!(
                !body.to_string().contains("our secret") && !body.to_string().contains("nils"),
                "{body}"
            );
        }
        for endpoint in ["open", "close"] {
            post_as(
                &server,
                who,
                format!("/api/v1/im.{endpoint}"),
                json!({"roomId": rid}),
            )
            .await
            .fails(400, "error-room-not-found");
        }
    }
    get_as(&server, &ada, "/api/v1/im.history?roomId=GENERAL".into())
        .await
        .fails(400, "error-room-not-found");
    get_as(&server, &otto, "/api/v1/im.history?username=ghost".into())
        .await
        .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_everyone_shows_every_conversation_to_admins_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let first = open_dm(&server, &ada, json!({"username": "nils"})).await;
    let second = open_dm(&server, &nils, json!({"username": "nils"})).await;

    let everyone = server
        .get("/api/v1/im.list.everyone", Some(&admin))
        .await
        .ok();
    let alias = server
        .get("/api/v1/dm.list.everyone?count=1", Some(&admin))
        .await
        .ok();
    let mine = server.get("/api/v1/im.list", Some(&ada)).await.ok();

    let mut listed = ids(&everyone["ims"]);
    listed.sort();
    let mut expected = vec![first.clone(), second];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        (alias["count"].clone(), alias["total"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(ids(&mine["ims"]), [first]);
    server
        .get("/api/v1/im.list.everyone", Some(&ada))
        .await
        .fails(403, "error-unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn close_hides_the_conversation_until_opened_or_created_again() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;
    let shown = || async {
        let room = capsule_server::model::RoomId(rid.clone());
        let user = capsule_server::model::UserId(ada.user_id.clone());
        server
            .chat_domain()
            .store()
            .subscription(&room, &user)
            .await
            .unwrap()
            .unwrap()
            .open
    };

    server
        .post("/api/v1/im.close", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    assert!(!shown().await);
    server
        .post("/api/v1/dm.close", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-room-already-closed");
    server
        .post("/api/v1/im.open", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    server
        .post("/api/v1/im.open", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    assert!(shown().await);
    server
        .post("/api/v1/im.close", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    open_dm(&server, &ada, json!({"username": "nils"})).await;
    assert!(shown().await, "im.create shows the conversation again");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_brings_back_a_member_who_left() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;

    server
        .post("/api/v1/rooms.leave", json!({"roomId": rid}), Some(&nils))
        .await
        .ok();
    get_as(&server, &nils, format!("/api/v1/im.history?roomId={rid}"))
        .await
        .fails(400, "error-room-not-found");
    open_dm(&server, &ada, json!({"username": "nils"})).await;

    get_as(&server, &nils, format!("/api/v1/im.history?roomId={rid}"))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_is_for_admins_even_outside_the_conversation() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;

    server
        .post("/api/v1/im.delete", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(403, "error-unauthorized");
    server
        .post(
            "/api/v1/im.delete",
            json!({"roomId": "GENERAL"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-room-not-found");
    server
        .post("/api/v1/dm.delete", json!({"roomId": rid}), Some(&admin))
        .await
        .ok();

    get_as(&server, &ada, format!("/api/v1/im.history?roomId={rid}"))
        .await
        .fails(400, "error-room-not-found");
    server
        .get("/api/v1/channels.info?roomId=GENERAL", Some(&ada))
        .await
        .ok();
    server
        .post("/api/v1/im.delete", json!({}), Some(&admin))
        .await
        .fails(400, "error-room-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_topic_is_refused_as_direct_messages_have_no_settings() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let otto = server.signed_in("otto").await;
    server.signed_in("nils").await;
    let rid = open_dm(&server, &ada, json!({"username": "nils"})).await;

    server
        .post(
            "/api/v1/im.setTopic",
            json!({"roomId": rid, "topic": "x"}),
            Some(&ada),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/dm.setTopic",
            json!({"roomId": rid, "topic": "x"}),
            Some(&otto),
        )
        .await
        .fails(400, "error-room-not-found");
}
