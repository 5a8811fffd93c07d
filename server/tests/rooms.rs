//! `rooms.*` over HTTP: calls about rooms of any kind.

use capsule_server_harness as common;

use capsule_server::model::{RoomId, RoomKind, UserId};
use common::TestServer;
use serde_json::{Value, json};

fn names(rooms: &Value) -> Vec<String> {
    let mut names: Vec<String> = rooms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["name"]
                .as_str()
                .map_or_else(|| format!("dm:{}", r["usernames"]), str::to_owned)
        })
        .collect();
    names.sort();
    names
}

fn texts(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_answers_the_callers_rooms_or_those_changed_since() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    let plaza = server.room_of(&ada, RoomKind::Channel, "plaza", &[]).await;
    server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok();
    let checkpoint = server.say(&ada, "GENERAL", "mark").await["ts"]
        .as_str()
        .unwrap()
        .to_owned();
    server.say(&ada, &plaza, "news").await;

    let all = server.get("/api/v1/rooms.get", Some(&ada)).await.ok();
    let changed = server
        .get(
            &format!("/api/v1/rooms.get?updatedSince={checkpoint}"),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(
        names(&all["update"]),
        [r#"dm:["ada","nils"]"#, "general", "plaza", "vault"]
    );
    assert_eq!(all["remove"], json!([]));
    assert_eq!(names(&changed["update"]), ["plaza"]);
    server
        .get("/api/v1/rooms.get?updatedSince=soon", Some(&ada))
        .await
        .fails(400, "error-updatedSince-param-invalid");
}

#[tokio::test(flavor = "multi_thread")]
async fn info_shows_any_room_the_caller_may_read() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let otto = server.signed_in("otto").await;
    server.signed_in("nils").await;
    let vault = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    let dm = server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok()["room"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let channel = server
        .get("/api/v1/rooms.info?roomName=general", Some(&otto))
        .await
        .ok();
    let group = server
        .get(&format!("/api/v1/rooms.info?roomId={vault}"), Some(&ada))
        .await
        .ok();
    let direct = server
        .get(&format!("/api/v1/rooms.info?roomId={dm}"), Some(&ada))
        .await
        .ok();

    assert_eq!(channel["room"]["_id"], "GENERAL");
    assert_eq!(group["room"]["t"], "p");
    assert_eq!(direct["room"]["t"], "d");
    for hidden in [vault.as_str(), dm.as_str(), "missing"] {
        let body = server
            .get(&format!("/api/v1/rooms.info?roomId={hidden}"), Some(&otto))
            .await
            .fails(400, "error-room-not-found");
        assert!(
            !body.to_string().contains("vault") && !body.to_string().contains("nils"),
            "{body}"
        );
    }
    server
        .get("/api/v1/rooms.info", Some(&otto))
        .await
        .fails(400, "error-roomid-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn favorite_is_stored_on_the_callers_membership() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let otto = server.signed_in("otto").await;
    let plaza = server.room_of(&ada, RoomKind::Channel, "plaza", &[]).await;
    let favourite = || async {
        let sub = server
            .chat_domain()
            .store()
            .subscription(&RoomId(plaza.clone()), &UserId(ada.user_id.clone()))
            .await;
        sub.unwrap().unwrap().f
    };

    server
        .post(
            "/api/v1/rooms.favorite",
            json!({"roomId": plaza, "favorite": true}),
            Some(&ada),
        )
        .await
        .ok();
    assert!(favourite().await);
    server
        .post(
            "/api/v1/rooms.favorite",
            json!({"roomName": "plaza", "favorite": false}),
            Some(&ada),
        )
        .await
        .ok();
    assert!(!favourite().await);

    server
        .post(
            "/api/v1/rooms.favorite",
            json!({"roomId": plaza}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/rooms.favorite",
            json!({"favorite": true}),
            Some(&ada),
        )
        .await
        .fails(400, "error-roomid-param-not-provided");
    server
        .post(
            "/api/v1/rooms.favorite",
            json!({"roomId": plaza, "favorite": true}),
            Some(&otto),
        )
        .await
        .fails(400, "error-invalid-subscription");
}

#[tokio::test(flavor = "multi_thread")]
async fn leave_works_for_any_kind_of_room() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let vault = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[&nils])
        .await;

    server
        .post("/api/v1/rooms.leave", json!({"roomId": vault}), Some(&nils))
        .await
        .ok();

    server
        .get(&format!("/api/v1/rooms.info?roomId={vault}"), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    server
        .post("/api/v1/rooms.leave", json!({"roomId": vault}), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    server
        .post(
            "/api/v1/rooms.leave",
            json!({"roomId": "GENERAL"}),
            Some(&ada),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/rooms.leave",
            json!({"roomId": "GENERAL"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-user-not-in-room");
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_history_deletes_a_range_optionally_of_some_users() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let plaza = server
        .room_of(&ada, RoomKind::Channel, "plaza", &[&nils])
        .await;
    let first = server.say(&ada, &plaza, "ada one").await["ts"].clone();
    server.say(&nils, &plaza, "nils one").await;
    let last = server.say(&ada, &plaza, "ada two").await["ts"].clone();
    server.say(&nils, &plaza, "nils two").await;
    let clean = |body: Value| server.post("/api/v1/rooms.cleanHistory", body, Some(&ada));

    let only_ada = clean(json!({"roomId": plaza, "oldest": first, "latest": last, "inclusive": true, "users": ["ada"]}))
        .await
        .ok();
    let exclusive = clean(json!({"roomId": plaza, "oldest": first, "latest": last}))
        .await
        .ok();

    assert_eq!(
        (only_ada["_id"].clone(), only_ada["count"].clone()),
        (json!(plaza), json!(2))
    );
    assert_eq!(exclusive["count"], 1);
    let history = server
        .get(
            &format!("/api/v1/channels.history?roomId={plaza}"),
            Some(&ada),
        )
        .await
        .ok();
    assert_eq!(texts(&history), ["nils two"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_history_is_for_owners_and_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let plaza = server
        .room_of(&ada, RoomKind::Channel, "plaza", &[&nils])
        .await;
    let vault = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[&nils])
        .await;
    let dm = server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok()["room"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for room in [&plaza, &vault, &dm] {
        server.say(&nils, room, "to be pruned").await;
    }
    let everything = |room: &str| json!({"roomId": room, "oldest": "2000-01-01T00:00:00.000Z", "latest": "2100-01-01T00:00:00.000Z"});

    server
        .post(
            "/api/v1/rooms.cleanHistory",
            everything(&plaza),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/rooms.cleanHistory",
            everything(&vault),
            Some(&otto),
        )
        .await
        .fails(400, "error-room-not-found");
    server
        .post("/api/v1/rooms.cleanHistory", everything(&dm), Some(&ada))
        .await
        .fails(403, "error-not-allowed");
    let by_owner = server
        .post("/api/v1/rooms.cleanHistory", everything(&plaza), Some(&ada))
        .await
        .ok();
    let by_admin = server
        .post(
            "/api/v1/rooms.cleanHistory",
            everything(&vault),
            Some(&admin),
        )
        .await
        .ok();
    let dm_by_admin = server
        .post("/api/v1/rooms.cleanHistory", everything(&dm), Some(&admin))
        .await
        .ok();

    assert_eq!(
        (
            by_owner["count"].clone(),
            by_admin["count"].clone(),
            dm_by_admin["count"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    let history = server
        .get(&format!("/api/v1/im.history?roomId={dm}"), Some(&ada))
        .await
        .ok();
    assert_eq!(history["messages"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_history_refuses_missing_or_reversed_dates() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let plaza = server.room_of(&ada, RoomKind::Channel, "plaza", &[]).await;
    let clean = |body: Value| server.post("/api/v1/rooms.cleanHistory", body, Some(&ada));

    clean(json!({"roomId": plaza, "oldest": "2000-01-01T00:00:00Z"}))
        .await
        .fails(400, "error-invalid-params");
    clean(json!({"roomId": plaza, "latest": "2000-01-01T00:00:00Z"}))
        .await
        .fails(400, "error-invalid-params");
    let body = clean(json!({"roomId": plaza, "latest": "soon", "oldest": "2000-01-01T00:00:00Z"}))
        .await
        .fails(400, "error-invalid-params");
    assert!(body["error"].as_str().unwrap().contains("latest"), "{body}");
    clean(json!({"roomId": plaza, "oldest": "2001-01-01T00:00:00Z", "latest": "2000-01-01T00:00:00Z"}))
        .await
        .fails(400, "error-invalid-params");
    clean(json!({"oldest": "2000-01-01T00:00:00Z", "latest": "2001-01-01T00:00:00Z"}))
        .await
        .fails(400, "error-roomid-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_rooms_lists_every_room_by_type_and_name_for_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    server.room_of(&ada, RoomKind::Channel, "plaza", &[]).await;
    server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok();

    let all = server
        .get("/api/v1/rooms.adminRooms", Some(&admin))
        .await
        .ok();
    let typed = server
        .get("/api/v1/rooms.adminRooms?types[]=p&types[]=d", Some(&admin))
        .await
        .ok();
    let filtered = server
        .get("/api/v1/rooms.adminRooms?filter=LAZ", Some(&admin))
        .await
        .ok();
    let page = server
        .get(
            r#"/api/v1/rooms.adminRooms?types[]=c&count=1&sort={"name":-1}"#,
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(
        names(&all["rooms"]),
        [r#"dm:["ada","nils"]"#, "general", "plaza", "vault"]
    );
    assert_eq!(all["total"], 4);
    assert_eq!(names(&typed["rooms"]), [r#"dm:["ada","nils"]"#, "vault"]);
    assert_eq!(names(&filtered["rooms"]), ["plaza"]);
    assert_eq!(
        (names(&page["rooms"]), page["total"].clone()),
        (vec!["plaza".to_owned()], json!(2))
    );
    server
        .get("/api/v1/rooms.adminRooms?types[]=x", Some(&admin))
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/rooms.adminRooms", Some(&ada))
        .await
        .fails(403, "error-unauthorized");
}
