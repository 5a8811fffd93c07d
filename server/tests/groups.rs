//! `groups.*` over HTTP: private groups, visible to their members and
//! admins only, with the refusals of each endpoint.

use capsule_server_harness as common;

use capsule_server::model::{RoomId, RoomKind, UserId};
use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

async fn get_as(server: &TestServer, who: &Session, path: String) -> Answer {
    server.get(&path, Some(who)).await
}

async fn post_as(server: &TestServer, who: &Session, path: String, body: Value) -> Answer {
    server.post(&path, body, Some(who)).await
}

async fn group(server: &TestServer, owner: &Session, name: &str, members: &[&Session]) -> String {
    server
        .room_of(owner, RoomKind::PrivateGroup, name, members)
        .await
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| {
            let value = field.split('.').fold(item, |v, key| &v[key]);
            value.as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

/// Ada owns `vault` with Nils in it; Otto is outside.
async fn scene(server: &TestServer) -> (Session, Session, Session, String) {
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = group(server, &ada, "vault", &[&nils]).await;
    (ada, nils, otto, rid)
}

#[tokio::test(flavor = "multi_thread")]
async fn create_answers_the_group_and_its_members_see_it() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;

    let body = server
        .post(
            "/api/v1/groups.create",
            json!({"name": "vault", "members": ["nils"]}),
            Some(&ada),
        )
        .await
        .ok();

    let rid = body["group"]["_id"].as_str().unwrap();
    assert_eq!(
        (
            body["group"]["t"].clone(),
            body["group"]["usersCount"].clone()
        ),
        (json!("p"), json!(2))
    );
    let info = server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&nils))
        .await
        .ok();
    assert_eq!(info["group"]["name"], "vault");
    server
        .post("/api/v1/groups.create", json!({}), Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/groups.create",
            json!({"name": "vault"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-duplicate-channel-name");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_is_invisible_to_non_members_through_every_endpoint() {
    let server = TestServer::start().await;
    let (ada, _, otto, rid) = scene(&server).await;
    server.say(&ada, &rid, "the combination is 1234").await;
    let reads = [
        "info",
        "history",
        "messages",
        "members",
        "roles",
        "moderators",
        "counters",
    ];
    let writes = [
        "invite",
        "kick",
        "leave",
        "rename",
        "archive",
        "unarchive",
        "setTopic",
        "setDescription",
        "setAnnouncement",
        "setType",
        "setReadOnly",
        "addOwner",
        "removeOwner",
        "addModerator",
        "removeModerator",
        "addLeader",
        "removeLeader",
        "delete",
        "open",
        "close",
    ];

    for endpoint in reads {
        for room in [format!("roomId={rid}"), "roomName=vault".to_owned()] {
            let body = get_as(&server, &otto, format!("/api/v1/groups.{endpoint}?{room}")).await;
            let body = body.fails(400, "error-room-not-found");
            let missing = get_as(
                &server,
                &otto,
                format!("/api/v1/groups.{endpoint}?roomId=missing"),
            )
            .await;
            assert_eq!(
                body, missing.body,
                "{endpoint} answers as for a missing group"
            );
            assert!(
                !body.to_string().contains("1234") && !body.to_string().contains("vault"),
                "{body}"
            );
        }
    }
    for endpoint in writes {
        let request = json!({"roomId": rid, "userId": otto.user_id, "name": "mine", "topic": "x", "description": "x",
            "announcement": "x", "type": "c", "readOnly": true});
        post_as(
            &server,
            &otto,
            format!("/api/v1/groups.{endpoint}"),
            request,
        )
        .await
        .fails(400, "error-room-not-found");
    }
    let list = server.get("/api/v1/groups.list", Some(&otto)).await.ok();
    assert_eq!(list["groups"], json!([]));
    let public = server.get("/api/v1/channels.list", Some(&otto)).await.ok();
    assert!(!public.to_string().contains("vault"), "{public}");
    let info = server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&ada))
        .await
        .ok();
    assert_eq!(
        (
            info["group"]["name"].clone(),
            info["group"]["usersCount"].clone()
        ),
        (json!("vault"), json!(2))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_the_callers_groups_and_list_all_every_group_to_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (ada, nils, _, _) = scene(&server).await;
    group(&server, &ada, "attic", &[]).await;
    server
        .room_of(&ada, RoomKind::Channel, "plaza", &[&nils])
        .await;

    let mine = server.get("/api/v1/groups.list", Some(&nils)).await.ok();
    let all = server
        .get("/api/v1/groups.listAll", Some(&admin))
        .await
        .ok();
    let queried = server
        .get(
            r#"/api/v1/groups.listAll?query={"name":"att"}"#,
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(names(&mine["groups"], "name"), ["vault"]);
    assert_eq!(names(&all["groups"], "name"), ["attic", "vault"]);
    assert_eq!(
        (all["total"].clone(), all["count"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(names(&queried["groups"], "name"), ["attic"]);
    server
        .get("/api/v1/groups.listAll", Some(&ada))
        .await
        .fails(403, "error-unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn members_and_admins_read_history_messages_members_and_counters() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (ada, nils, _, rid) = scene(&server).await;
    server.say(&ada, &rid, "first").await;
    server.say(&ada, &rid, "second").await;

    for reader in [&nils, &admin] {
        let history = get_as(
            &server,
            reader,
            format!("/api/v1/groups.history?roomId={rid}&count=1"),
        )
        .await
        .ok();
        let messages = get_as(
            &server,
            reader,
            "/api/v1/groups.messages?roomName=vault".to_owned(),
        )
        .await
        .ok();
        let members = get_as(
            &server,
            reader,
            format!("/api/v1/groups.members?roomId={rid}"),
        )
        .await
        .ok();
        assert_eq!(names(&history["messages"], "msg"), ["second"]);
        assert_eq!(names(&messages["messages"], "msg"), ["second", "first"]);
        assert_eq!(names(&members["members"], "username"), ["ada", "nils"]);
    }
    let counters = get_as(
        &server,
        &nils,
        format!("/api/v1/groups.counters?roomId={rid}"),
    )
    .await
    .ok();
    assert_eq!(
        (
            counters["joined"].clone(),
            counters["unreads"].clone(),
            counters["msgs"].clone()
        ),
        (json!(true), json!(2), json!(2))
    );
    let for_admin = get_as(
        &server,
        &admin,
        format!("/api/v1/groups.counters?roomId={rid}"),
    )
    .await
    .ok();
    assert_eq!(
        (
            for_admin["joined"].clone(),
            for_admin["msgs"].clone(),
            for_admin["unreads"].clone()
        ),
        (json!(false), json!(2), Value::Null)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_kick_and_leave_answer_as_rocket_chat_does() {
    let server = TestServer::start().await;
    let (ada, nils, otto, rid) = scene(&server).await;

    let invited = server
        .post(
            "/api/v1/groups.invite",
            json!({"roomId": rid, "username": "otto"}),
            Some(&ada),
        )
        .await
        .ok();
    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&otto))
        .await
        .ok();
    let kicked = server
        .post(
            "/api/v1/groups.kick",
            json!({"roomId": rid, "userId": otto.user_id}),
            Some(&ada),
        )
        .await
        .ok();
    let left = server
        .post("/api/v1/groups.leave", json!({"roomId": rid}), Some(&nils))
        .await
        .ok();

    assert_eq!(invited["group"]["usersCount"], 3);
    assert_eq!(kicked, json!({"success": true}));
    assert_eq!(left, json!({"success": true}));
    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&otto))
        .await
        .fails(400, "error-room-not-found");
    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    server
        .post("/api/v1/groups.invite", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-user-param-not-provided");
    server
        .post("/api/v1/groups.leave", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn members_cannot_manage_the_group() {
    let server = TestServer::start().await;
    let (_, nils, _, rid) = scene(&server).await;

    post_as(
        &server,
        &nils,
        "/api/v1/groups.invite".into(),
        json!({"roomId": rid, "username": "otto"}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.kick".into(),
        json!({"roomId": rid, "username": "ada"}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.rename".into(),
        json!({"roomId": rid, "name": "mine"}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.setTopic".into(),
        json!({"roomId": rid, "topic": "x"}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.archive".into(),
        json!({"roomId": rid}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.delete".into(),
        json!({"roomId": rid}),
    )
    .await
    .fails(403, "error-not-allowed");
    post_as(
        &server,
        &nils,
        "/api/v1/groups.addModerator".into(),
        json!({"roomId": rid, "userId": nils.user_id}),
    )
    .await
    .fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_and_settings_change_the_group() {
    let server = TestServer::start().await;
    let (ada, nils, _, rid) = scene(&server).await;
    let set =
        |path: &str, body: Value| post_as(&server, &ada, format!("/api/v1/groups.{path}"), body);

    let renamed = set("rename", json!({"roomId": rid, "name": "safe"}))
        .await
        .ok();
    let topic = set("setTopic", json!({"roomId": rid, "topic": "gold"}))
        .await
        .ok();
    let again = set("setTopic", json!({"roomId": rid, "topic": "gold"}))
        .await
        .ok();
    let description = set(
        "setDescription",
        json!({"roomId": rid, "description": "shiny"}),
    )
    .await
    .ok();
    let announcement = set(
        "setAnnouncement",
        json!({"roomName": "safe", "announcement": "locked"}),
    )
    .await
    .ok();
    let read_only = set("setReadOnly", json!({"roomId": rid, "readOnly": true}))
        .await
        .ok();

    assert_eq!(renamed["group"]["name"], "safe");
    assert_eq!(
        (topic["topic"].clone(), again["topic"].clone()),
        (json!("gold"), json!("gold")),
        "groups accept an unchanged topic"
    );
    assert_eq!(description["description"], "shiny");
    assert_eq!(announcement["announcement"], "locked");
    assert_eq!(read_only["group"]["ro"], true);
    set("setReadOnly", json!({"roomId": rid, "readOnly": true}))
        .await
        .fails(400, "error-room-setting-unchanged");
    set("rename", json!({"roomId": rid}))
        .await
        .fails(400, "error-invalid-params");
    set("setTopic", json!({"roomId": rid}))
        .await
        .fails(400, "error-invalid-params");
    let info = get_as(&server, &nils, format!("/api/v1/groups.info?roomId={rid}"))
        .await
        .ok();
    assert_eq!(
        (
            info["group"]["topic"].clone(),
            info["group"]["description"].clone()
        ),
        (json!("gold"), json!("shiny"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn set_type_makes_the_group_a_public_channel() {
    let server = TestServer::start().await;
    let (ada, nils, otto, rid) = scene(&server).await;

    let changed = server
        .post(
            "/api/v1/groups.setType",
            json!({"roomId": rid, "type": "c"}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(changed["group"]["t"], "c");
    server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&otto))
        .await
        .ok();
    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    let sub = server
        .chat_domain()
        .store()
        .subscription(&RoomId(rid.clone()), &UserId(nils.user_id.clone()))
        .await;
    assert_eq!(sub.unwrap().unwrap().kind, RoomKind::Channel);
    server
        .post(
            "/api/v1/channels.setType",
            json!({"roomId": rid, "type": "x"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn archive_and_unarchive_the_group() {
    let server = TestServer::start().await;
    let (ada, nils, _, rid) = scene(&server).await;

    server
        .post("/api/v1/groups.archive", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    let archived = get_as(&server, &nils, format!("/api/v1/groups.info?roomId={rid}"))
        .await
        .ok();
    server
        .post(
            "/api/v1/groups.unarchive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(archived["group"]["archived"], true);
    server
        .post(
            "/api/v1/groups.unarchive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-not-archived");
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_given_taken_and_listed() {
    let server = TestServer::start().await;
    let (ada, nils, otto, rid) = scene(&server).await;
    let role = |op: &str, user: &Session| {
        post_as(
            &server,
            &ada,
            format!("/api/v1/groups.{op}"),
            json!({"roomId": rid, "userId": user.user_id}),
        )
    };

    role("addModerator", &nils).await.ok();
    let moderators = get_as(
        &server,
        &nils,
        format!("/api/v1/groups.moderators?roomId={rid}"),
    )
    .await
    .ok();
    role("addLeader", &nils).await.ok();
    role("addOwner", &nils).await.ok();
    let roles = get_as(&server, &nils, format!("/api/v1/groups.roles?roomId={rid}"))
        .await
        .ok();

    assert_eq!(names(&moderators["moderators"], "username"), ["nils"]);
    assert_eq!(names(&roles["roles"], "u.username"), ["ada", "nils"]);
    assert_eq!(
        roles["roles"][1]["roles"],
        json!(["moderator", "leader", "owner"])
    );
    for op in ["removeOwner", "removeLeader", "removeModerator"] {
        role(op, &nils).await.ok();
    }
    role("removeOwner", &nils)
        .await
        .fails(400, "error-user-not-owner");
    role("addOwner", &otto)
        .await
        .fails(400, "error-user-not-in-room");
    let roles = get_as(&server, &nils, format!("/api/v1/groups.roles?roomId={rid}"))
        .await
        .ok();
    assert_eq!(names(&roles["roles"], "u.username"), ["ada"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_the_group_for_everyone() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (ada, nils, _, rid) = scene(&server).await;
    let other = group(&server, &ada, "attic", &[]).await;

    server
        .post("/api/v1/groups.delete", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    server
        .post(
            "/api/v1/groups.delete",
            json!({"roomId": other}),
            Some(&admin),
        )
        .await
        .ok();

    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    server
        .get(&format!("/api/v1/groups.info?roomId={other}"), Some(&admin))
        .await
        .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_and_close_the_group_in_the_callers_list() {
    let server = TestServer::start().await;
    let (_, nils, _, rid) = scene(&server).await;

    server
        .post("/api/v1/groups.close", json!({"roomId": rid}), Some(&nils))
        .await
        .ok();
    server
        .post("/api/v1/groups.close", json!({"roomId": rid}), Some(&nils))
        .await
        .fails(400, "error-room-already-closed");
    server
        .post("/api/v1/groups.open", json!({"roomId": rid}), Some(&nils))
        .await
        .ok();
    server
        .post("/api/v1/groups.open", json!({"roomId": rid}), Some(&nils))
        .await
        .fails(400, "error-room-already-open");
    server
        .post("/api/v1/groups.open", json!({}), Some(&nils))
        .await
        .fails(400, "error-room-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn group_endpoints_treat_channels_and_direct_messages_as_missing() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("nils").await;
    let dm = server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok()["room"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    for room in ["GENERAL", dm.as_str()] {
        for endpoint in ["info", "history", "members", "counters", "roles"] {
            get_as(
                &server,
                &ada,
                format!("/api/v1/groups.{endpoint}?roomId={room}"),
            )
            .await
            .fails(400, "error-room-not-found");
        }
        post_as(
            &server,
            &ada,
            "/api/v1/groups.setTopic".into(),
            json!({"roomId": room, "topic": "x"}),
        )
        .await
        .fails(400, "error-room-not-found");
    }
}
