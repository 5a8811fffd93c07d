//! `channels.*` over HTTP: public channels, from creation to deletion,
//! with the refusals of each endpoint.

use capsule_server_harness as common;

use capsule_server::model::{RoomId, RoomKind, UserId};
use common::{Answer, Session, TestServer};
use serde_json::{Value, json};

/// GET `path` as `who` (an owned path, for closures that build it).
async fn get_as(server: &TestServer, who: &Session, path: String) -> Answer {
    server.get(&path, Some(who)).await
}

/// POST `body` to `path` as `who`.
async fn post_as(server: &TestServer, who: &Session, path: String, body: Value) -> Answer {
    server.post(&path, body, Some(who)).await
}

/// A channel `name` owned by `owner` with `members`.
async fn channel(server: &TestServer, owner: &Session, name: &str, members: &[&Session]) -> String {
    server
        .room_of(owner, RoomKind::Channel, name, members)
        .await
}

fn usernames(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            m["username"]
                .as_str()
                .or(m["u"]["username"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_answers_the_channel_owned_by_its_creator() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    server.signed_in("grace").await;

    let body = server
        .post(
            "/api/v1/channels.create",
            json!({"name": "lobby", "members": ["grace"], "readOnly": true}),
            Some(&ada),
        )
        .await
        .ok();

    let channel = &body["channel"];
    assert_eq!(channel["name"], "lobby");
    assert_eq!(channel["t"], "c");
    assert_eq!(channel["ro"], true);
    assert_eq!(channel["usersCount"], 2);
    assert_eq!(channel["u"]["username"], "ada");
    let rid = channel["_id"].as_str().unwrap();
    let roles = server
        .get(&format!("/api/v1/channels.roles?roomId={rid}"), Some(&ada))
        .await
        .ok();
    assert_eq!(roles["roles"][0]["u"]["username"], "ada");
    assert_eq!(roles["roles"][0]["roles"], json!(["owner"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_refuses_a_missing_taken_or_malformed_name_and_unknown_members() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let create = |body: Value| server.post("/api/v1/channels.create", body, Some(&ada));

    create(json!({})).await.fails(400, "error-invalid-params");
    create(json!({"name": "general"}))
        .await
        .fails(400, "error-duplicate-channel-name");
    create(json!({"name": "two words"}))
        .await
        .fails(400, "error-invalid-room-name");
    create(json!({"name": "x", "members": ["nobody"]}))
        .await
        .fails(400, "error-invalid-user");
    create(json!({"name": "x", "members": "grace"}))
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn info_finds_a_channel_by_id_or_name_and_nothing_else() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let outsider = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[]).await;
    let group = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    let dm = server
        .post("/api/v1/im.create", json!({"username": "nils"}), Some(&ada))
        .await
        .ok()["room"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let by_id = server
        .get(
            &format!("/api/v1/channels.info?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .ok();
    let by_name = server
        .get("/api/v1/channels.info?roomName=lobby", Some(&outsider))
        .await
        .ok();

    assert_eq!(by_id["channel"]["name"], "lobby");
    assert_eq!(by_name["channel"]["_id"], rid.as_str());
    for wrong in ["nope", group.as_str(), dm.as_str()] {
        let body = server
            .get(&format!("/api/v1/channels.info?roomId={wrong}"), Some(&ada))
            .await
            .fails(400, "error-room-not-found");
        assert!(!body.to_string().contains("vault"), "{body}");
    }
    server
        .get("/api/v1/channels.info", Some(&ada))
        .await
        .fails(400, "error-room-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_every_public_channel_with_paging_and_a_name_query() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    channel(&server, &ada, "alpha", &[]).await;
    channel(&server, &ada, "beta", &[]).await;
    server
        .room_of(&ada, RoomKind::PrivateGroup, "gamma-secret", &[])
        .await;

    let all = server.get("/api/v1/channels.list", Some(&nils)).await.ok();
    let page = server
        .get("/api/v1/channels.list?count=1&offset=1", Some(&nils))
        .await
        .ok();
    let query = server
        .get(
            r#"/api/v1/channels.list?query={"name":{"$regex":"alp"}}"#,
            Some(&nils),
        )
        .await
        .ok();
    let sorted = server
        .get(r#"/api/v1/channels.list?sort={"name":-1}"#, Some(&nils))
        .await
        .ok();

    assert_eq!(
        usernames_of_rooms(&all["channels"]),
        ["alpha", "beta", "general"]
    );
    assert_eq!(all["total"], 3);
    assert_eq!(usernames_of_rooms(&page["channels"]), ["beta"]);
    assert_eq!(
        (
            page["count"].clone(),
            page["offset"].clone(),
            page["total"].clone()
        ),
        (json!(1), json!(1), json!(3))
    );
    assert_eq!(usernames_of_rooms(&query["channels"]), ["alpha"]);
    assert_eq!(
        usernames_of_rooms(&sorted["channels"]),
        ["general", "beta", "alpha"]
    );
    server
        .get(r#"/api/v1/channels.list?sort={"secret":1}"#, Some(&nils))
        .await
        .fails(400, "error-invalid-params");
}

fn usernames_of_rooms(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_joined_shows_only_the_callers_channels() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    channel(&server, &ada, "alpha", &[&nils]).await;
    channel(&server, &ada, "beta", &[]).await;
    server
        .room_of(&ada, RoomKind::PrivateGroup, "gamma", &[&nils])
        .await;

    let joined = server
        .get("/api/v1/channels.list.joined", Some(&nils))
        .await
        .ok();

    assert_eq!(
        usernames_of_rooms(&joined["channels"]),
        ["alpha", "general"]
    );
    assert_eq!(joined["total"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn join_and_leave_change_the_members() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[]).await;

    let joined = server
        .post("/api/v1/channels.join", json!({"roomId": rid}), Some(&nils))
        .await
        .ok();
    let members = server
        .get(
            &format!("/api/v1/channels.members?roomId={rid}"),
            Some(&nils),
        )
        .await
        .ok();
    common::next_millisecond();
    let left = server
        .post(
            "/api/v1/channels.leave",
            json!({"roomName": "lobby"}),
            Some(&nils),
        )
        .await
        .ok();

    assert_eq!(joined["channel"]["usersCount"], 2);
    assert_eq!(usernames(&members["members"]), ["ada", "nils"]);
    assert_eq!(left["channel"]["usersCount"], 1);
    let history = server
        .get(
            &format!("/api/v1/channels.history?roomId={rid}"),
            Some(&ada),
        )
        .await
        .ok();
    let kinds: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["t"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ul", "uj"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn join_refuses_groups_and_archived_channels_and_the_last_owner_cannot_leave() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let group = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    server
        .post(
            "/api/v1/channels.join",
            json!({"roomId": group}),
            Some(&nils),
        )
        .await
        .fails(400, "error-room-not-found");
    server
        .post("/api/v1/channels.leave", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-you-are-last-owner");
    server
        .post("/api/v1/channels.leave", json!({}), Some(&ada))
        .await
        .fails(400, "error-room-param-not-provided");
    server
        .post(
            "/api/v1/channels.archive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .ok();
    let outsider = server.signed_in("otto").await;
    server
        .post(
            "/api/v1/channels.join",
            json!({"roomId": rid}),
            Some(&outsider),
        )
        .await
        .fails(400, "error-room-archived");
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_and_kick_are_for_those_who_manage_the_channel() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    let invited = server
        .post(
            "/api/v1/channels.invite",
            json!({"roomId": rid, "userIds": [otto.user_id]}),
            Some(&ada),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/channels.kick",
            json!({"roomId": rid, "username": "ada"}),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/channels.invite",
            json!({"roomId": rid, "username": "ada"}),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    let kicked = server
        .post(
            "/api/v1/channels.kick",
            json!({"roomId": rid, "userId": otto.user_id}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(invited["channel"]["usersCount"], 3);
    assert_eq!(kicked["channel"]["usersCount"], 2);
    server
        .post(
            "/api/v1/channels.kick",
            json!({"roomId": rid, "username": "otto"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-user-not-in-room");
    server
        .post("/api/v1/channels.kick", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-user-param-not-provided");
    server
        .post(
            "/api/v1/channels.invite",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-user-param-not-provided");
    server
        .post(
            "/api/v1/channels.invite",
            json!({"roomId": rid, "username": "ghost"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-user");
    let admin = server.admin().await;
    server
        .post(
            "/api/v1/channels.kick",
            json!({"roomId": rid, "username": "ada"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-you-are-last-owner");
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_changes_the_name_and_refuses_the_same_or_a_taken_one() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    let renamed = server
        .post(
            "/api/v1/channels.rename",
            json!({"roomId": rid, "name": "hall"}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(renamed["channel"]["name"], "hall");
    server
        .get("/api/v1/channels.info?roomName=hall", Some(&nils))
        .await
        .ok();
    let rename = |name: Value, who| {
        server.post(
            "/api/v1/channels.rename",
            json!({"roomId": rid, "name": name}),
            Some(who),
        )
    };
    rename(json!("hall"), &ada)
        .await
        .fails(400, "error-room-setting-unchanged");
    rename(json!("general"), &ada)
        .await
        .fails(400, "error-duplicate-channel-name");
    rename(json!("other"), &nils)
        .await
        .fails(403, "error-not-allowed");
    rename(Value::Null, &ada)
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn archive_freezes_the_channel_until_unarchived() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    server
        .post(
            "/api/v1/channels.addModerator",
            json!({"roomId": rid, "userId": nils.user_id}),
            Some(&ada),
        )
        .await
        .ok();

    server
        .post(
            "/api/v1/channels.archive",
            json!({"roomId": rid}),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/channels.archive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .ok();

    let info = server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&nils))
        .await
        .ok();
    assert_eq!(info["channel"]["archived"], true);
    server
        .post(
            "/api/v1/channels.archive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-archived");
    server
        .post(
            "/api/v1/channels.setTopic",
            json!({"roomId": rid, "topic": "x"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-archived");
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": rid, "text": "hello?"}),
            Some(&nils),
        )
        .await
        .fails(400, "error-room-archived");
    server
        .post(
            "/api/v1/channels.unarchive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .ok();
    server
        .post(
            "/api/v1/channels.unarchive",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-not-archived");
    server.say(&nils, &rid, "back again").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn topic_description_and_announcement_are_set_and_recorded() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    let set = |path: &str, body: Value, who| {
        common::next_millisecond();
        post_as(&server, who, format!("/api/v1/channels.{path}"), body)
    };

    let topic = set("setTopic", json!({"roomId": rid, "topic": "cats"}), &ada)
        .await
        .ok();
    let description = set(
        "setDescription",
        json!({"roomId": rid, "description": "about cats"}),
        &ada,
    )
    .await
    .ok();
    let announcement = set(
        "setAnnouncement",
        json!({"roomId": rid, "announcement": "no dogs"}),
        &ada,
    )
    .await
    .ok();

    assert_eq!(topic["topic"], "cats");
    assert_eq!(description["description"], "about cats");
    assert_eq!(announcement["announcement"], "no dogs");
    let info = server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&nils))
        .await
        .ok();
    assert_eq!(
        (
            info["channel"]["topic"].clone(),
            info["channel"]["description"].clone()
        ),
        (json!("cats"), json!("about cats"))
    );
    assert_eq!(info["channel"]["announcement"], "no dogs");
    let history = server
        .get(
            &format!("/api/v1/channels.history?roomId={rid}&count=3"),
            Some(&nils),
        )
        .await
        .ok();
    let kinds: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["t"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "room_changed_announcement",
            "room_changed_description",
            "room_changed_topic"
        ]
    );

    set("setTopic", json!({"roomId": rid, "topic": "cats"}), &ada)
        .await
        .fails(400, "error-room-setting-unchanged");
    set(
        "setDescription",
        json!({"roomId": rid, "description": "about cats"}),
        &ada,
    )
    .await
    .fails(400, "error-room-setting-unchanged");
    set(
        "setAnnouncement",
        json!({"roomId": rid, "announcement": "no dogs"}),
        &ada,
    )
    .await
    .ok();
    set("setTopic", json!({"roomId": rid}), &ada)
        .await
        .fails(400, "error-invalid-params");
    set("setDescription", json!({"roomId": rid}), &ada)
        .await
        .fails(400, "error-invalid-params");
    set("setAnnouncement", json!({"roomId": rid}), &ada)
        .await
        .fails(400, "error-invalid-params");
    for path in ["setTopic", "setDescription", "setAnnouncement"] {
        let key = path.trim_start_matches("set").to_lowercase();
        set(path, json!({"roomId": rid, key: "mine now"}), &nils)
            .await
            .fails(403, "error-not-allowed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn set_type_makes_the_channel_a_group_hidden_from_non_members() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let outsider = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    let changed = server
        .post(
            "/api/v1/channels.setType",
            json!({"roomId": rid, "type": "p"}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(changed["channel"]["t"], "p");
    server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&nils))
        .await
        .fails(400, "error-room-not-found");
    server
        .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&nils))
        .await
        .ok();
    server
        .get(
            &format!("/api/v1/groups.info?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .fails(400, "error-room-not-found");
    let groups = server.get("/api/v1/groups.list", Some(&nils)).await.ok();
    assert_eq!(usernames_of_rooms(&groups["groups"]), ["lobby"]);
    let sub = server
        .chat_domain()
        .store()
        .subscription(&RoomId(rid.clone()), &UserId(nils.user_id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sub.kind, RoomKind::PrivateGroup);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_type_refuses_unknown_types_the_same_type_and_non_managers() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    let set = |body: Value, who| server.post("/api/v1/channels.setType", body, Some(who));

    set(json!({"roomId": rid, "type": "d"}), &ada)
        .await
        .fails(400, "error-invalid-params");
    set(json!({"roomId": rid}), &ada)
        .await
        .fails(400, "error-invalid-params");
    set(json!({"roomId": rid, "type": "c"}), &ada)
        .await
        .fails(400, "error-room-setting-unchanged");
    set(json!({"roomId": rid, "type": "p"}), &nils)
        .await
        .fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_channels_take_posts_from_owners_only() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    let changed = server
        .post(
            "/api/v1/channels.setReadOnly",
            json!({"roomId": rid, "readOnly": true}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(changed["channel"]["ro"], true);
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": rid, "text": "may I?"}),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    server.say(&ada, &rid, "announcement").await;
    let set = |body: Value, who| server.post("/api/v1/channels.setReadOnly", body, Some(who));
    set(json!({"roomId": rid, "readOnly": true}), &ada)
        .await
        .fails(400, "error-room-setting-unchanged");
    set(json!({"roomId": rid}), &ada)
        .await
        .fails(400, "error-invalid-params");
    set(json!({"roomId": rid, "readOnly": false}), &nils)
        .await
        .fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_default_is_for_admins_and_new_users_join_default_channels() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let rid = channel(&server, &ada, "welcome", &[]).await;
    let set = |body: Value, who| server.post("/api/v1/channels.setDefault", body, Some(who));

    set(json!({"roomId": rid, "default": true}), &ada)
        .await
        .fails(403, "error-unauthorized");
    let changed = set(json!({"roomId": rid, "default": "true"}), &admin)
        .await
        .ok();
    let newcomer = server.signed_in("newcomer").await;

    assert_eq!(changed["channel"]["default"], true);
    let joined = server
        .get("/api/v1/channels.list.joined", Some(&newcomer))
        .await
        .ok();
    assert_eq!(
        usernames_of_rooms(&joined["channels"]),
        ["general", "welcome"]
    );
    set(json!({"roomId": rid, "default": true}), &admin)
        .await
        .fails(400, "error-channels-setdefault-missing-default-param");
    set(json!({"roomId": rid}), &admin)
        .await
        .fails(400, "error-channels-setdefault-is-same");
    let group = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    set(json!({"roomId": group, "default": true}), &admin)
        .await
        .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_moderators_and_leaders_are_given_and_taken() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils, &otto]).await;
    let role = |op: &str, user: &Session, who| {
        post_as(
            &server,
            who,
            format!("/api/v1/channels.{op}"),
            json!({"roomId": rid, "userId": user.user_id}),
        )
    };

    role("addModerator", &nils, &ada).await.ok();
    role("addLeader", &otto, &ada).await.ok();
    role("addOwner", &nils, &ada).await.ok();
    let roles = server
        .get(&format!("/api/v1/channels.roles?roomId={rid}"), Some(&otto))
        .await
        .ok();
    let moderators = server
        .get("/api/v1/channels.moderators?roomName=lobby", Some(&otto))
        .await
        .ok();

    let held: Vec<(String, Value)> = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["u"]["username"].as_str().unwrap().to_owned(),
                r["roles"].clone(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            ("ada".into(), json!(["owner"])),
            ("nils".into(), json!(["moderator", "owner"])),
            ("otto".into(), json!(["leader"]))
        ]
    );
    assert_eq!(usernames(&moderators["moderators"]), ["nils"]);
    role("removeModerator", &nils, &ada).await.ok();
    role("removeLeader", &otto, &ada).await.ok();
    role("removeOwner", &nils, &ada).await.ok();
    let roles = server
        .get(&format!("/api/v1/channels.roles?roomId={rid}"), Some(&otto))
        .await
        .ok();
    assert_eq!(usernames(&roles["roles"]), ["ada"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn role_changes_refuse_repeats_outsiders_non_managers_and_the_last_owner() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    let role = |op: &str, user: &Session, who| {
        post_as(
            &server,
            who,
            format!("/api/v1/channels.{op}"),
            json!({"roomId": rid, "username": user.username}),
        )
    };

    role("addModerator", &nils, &nils)
        .await
        .fails(403, "error-not-allowed");
    role("addModerator", &otto, &ada)
        .await
        .fails(400, "error-user-not-in-room");
    role("addModerator", &nils, &ada).await.ok();
    role("addModerator", &nils, &ada)
        .await
        .fails(400, "error-user-already-moderator");
    role("addOwner", &nils, &nils)
        .await
        .fails(403, "error-not-allowed");
    role("removeLeader", &nils, &ada)
        .await
        .fails(400, "error-user-not-leader");
    role("addOwner", &ada, &ada)
        .await
        .fails(400, "error-user-already-owner");
    role("removeOwner", &ada, &ada)
        .await
        .fails(400, "error-remove-last-owner");
    server
        .post(
            "/api/v1/channels.addOwner",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-user-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_is_for_owners_and_admins_and_spares_general() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;

    server
        .post(
            "/api/v1/channels.delete",
            json!({"roomId": rid}),
            Some(&nils),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/channels.delete",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .ok();

    server
        .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&ada))
        .await
        .fails(400, "error-room-not-found");
    server
        .post(
            "/api/v1/channels.delete",
            json!({"roomId": "GENERAL"}),
            Some(&admin),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/channels.delete",
            json!({"roomId": rid}),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_through_a_channel_newest_first() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let outsider = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[]).await;
    for text in ["one", "two", "three"] {
        server.say(&ada, &rid, text).await;
    }

    let page = server
        .get(
            &format!("/api/v1/channels.history?roomId={rid}&count=2"),
            Some(&outsider),
        )
        .await
        .ok();
    let next = server
        .get(
            &format!("/api/v1/channels.history?roomId={rid}&count=2&offset=2"),
            Some(&outsider),
        )
        .await
        .ok();

    let texts = |body: &Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(&page), ["three", "two"]);
    assert_eq!(texts(&next), ["one"]);
    server
        .get(
            &format!("/api/v1/channels.history?roomId={rid}&latest=yesterday"),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    let group = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[])
        .await;
    server
        .get(
            &format!("/api/v1/channels.history?roomId={group}"),
            Some(&ada),
        )
        .await
        .fails(400, "error-room-not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_lists_what_users_wrote_with_one_filter_at_a_time() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    server
        .post(
            "/api/v1/channels.setTopic",
            json!({"roomId": rid, "topic": "t"}),
            Some(&ada),
        )
        .await
        .ok();
    server.say(&ada, &rid, "hello @nils").await;
    server.say(&ada, &rid, "just cats").await;
    server.say(&nils, &rid, "more cats").await;
    let list = |query: &str| {
        get_as(
            &server,
            &nils,
            format!("/api/v1/channels.messages?roomId={rid}&{query}"),
        )
    };

    let all = list("count=2").await.ok();
    let mentions = list(&format!("mentionIds={}", nils.user_id)).await.ok();
    let cats = list(r#"query={"msg":"cats"}"#).await.ok();

    let texts = |body: &Value| -> Vec<String> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(&all), ["more cats", "just cats"]);
    assert_eq!(
        (all["count"].clone(), all["total"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(texts(&mentions), ["hello @nils"]);
    assert_eq!(texts(&cats), ["more cats", "just cats"]);
    list(&format!("pinned=true&mentionIds={}", nils.user_id))
        .await
        .fails(400, "error-invalid-params");
    list(r#"sort={"ts":1}"#)
        .await
        .fails(400, "error-invalid-params");
    list("mentionIds=a,b")
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn members_are_filtered_by_name_and_status_and_sorted() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils, &otto]).await;
    let mut offline = server.account_of(&otto).await;
    offline.status = capsule_server::model::Presence::Offline;
    server
        .chat_domain()
        .store()
        .update_user(&offline)
        .await
        .unwrap();
    let members = |query: &str| {
        get_as(
            &server,
            &ada,
            format!("/api/v1/channels.members?roomId={rid}&{query}"),
        )
    };

    let page = members("count=2&offset=1").await.ok();
    let named = members("filter=NIL").await.ok();
    let online = members("status[]=online").await.ok();
    let reversed = members(r#"sort={"username":-1}"#).await.ok();

    assert_eq!(usernames(&page["members"]), ["nils", "otto"]);
    assert_eq!(
        (
            page["count"].clone(),
            page["offset"].clone(),
            page["total"].clone()
        ),
        (json!(2), json!(1), json!(3))
    );
    assert_eq!(usernames(&named["members"]), ["nils"]);
    assert_eq!(usernames(&online["members"]), ["ada", "nils"]);
    assert_eq!(usernames(&reversed["members"]), ["otto", "nils", "ada"]);
    assert!(page["members"][0].get("emails").is_none(), "{page}");
    members("status=asleep")
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_tell_members_their_unreads_and_others_little() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let outsider = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils]).await;
    server.say(&ada, &rid, "hi @nils").await;
    server.say(&ada, &rid, "are you there?").await;
    let counters = |query: String, who| {
        get_as(
            &server,
            who,
            format!("/api/v1/channels.counters?roomId={rid}{query}"),
        )
    };

    let member = counters(String::new(), &nils).await.ok();
    let stranger = counters(String::new(), &outsider).await.ok();
    let for_admin = counters(format!("&userId={}", nils.user_id), &admin)
        .await
        .ok();

    assert_eq!(member["joined"], true);
    assert_eq!(
        (member["unreads"].clone(), member["userMentions"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(
        (member["msgs"].clone(), member["members"].clone()),
        (json!(2), json!(2))
    );
    assert!(
        member["unreadsFrom"].is_string() && member["latest"].is_string(),
        "{member}"
    );
    assert_eq!(stranger["joined"], false);
    for field in [
        "members",
        "unreads",
        "unreadsFrom",
        "msgs",
        "latest",
        "userMentions",
    ] {
        assert!(stranger[field].is_null(), "{field}: {stranger}");
    }
    assert_eq!(
        (for_admin["joined"].clone(), for_admin["unreads"].clone()),
        (json!(true), json!(2))
    );
    counters(format!("&userId={}", ada.user_id), &nils)
        .await
        .fails(403, "error-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn online_lists_members_who_are_not_offline() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let otto = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[&nils, &otto]).await;
    let mut offline = server.account_of(&otto).await;
    offline.status = capsule_server::model::Presence::Offline;
    server
        .chat_domain()
        .store()
        .update_user(&offline)
        .await
        .unwrap();

    let by_query = server
        .get(
            &format!(r#"/api/v1/channels.online?query={{"_id":"{rid}"}}"#),
            Some(&ada),
        )
        .await
        .ok();
    let by_id = server
        .get(&format!("/api/v1/channels.online?roomId={rid}"), Some(&ada))
        .await
        .ok();

    assert_eq!(usernames(&by_query["online"]), ["ada", "nils"]);
    assert_eq!(by_query["online"], by_id["online"]);
    server
        .get(r#"/api/v1/channels.online?query={"t":"c"}"#, Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/channels.online", Some(&ada))
        .await
        .fails(400, "error-room-param-not-provided");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_and_close_show_and_hide_the_channel_for_the_caller() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let outsider = server.signed_in("otto").await;
    let rid = channel(&server, &ada, "lobby", &[]).await;
    let shown = || async {
        let sub = server
            .chat_domain()
            .store()
            .subscription(&RoomId(rid.clone()), &UserId(ada.user_id.clone()))
            .await;
        sub.unwrap().unwrap().open
    };

    server
        .post("/api/v1/channels.close", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    assert!(!shown().await);
    server
        .post("/api/v1/channels.close", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-room-already-closed");
    server
        .post("/api/v1/channels.open", json!({"roomId": rid}), Some(&ada))
        .await
        .ok();
    assert!(shown().await);
    server
        .post("/api/v1/channels.open", json!({"roomId": rid}), Some(&ada))
        .await
        .fails(400, "error-room-already-open");
    server
        .post(
            "/api/v1/channels.open",
            json!({"roomId": rid}),
            Some(&outsider),
        )
        .await
        .fails(400, "error-user-not-in-room");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_channel_endpoint_treats_a_group_as_missing() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let nils = server.signed_in("nils").await;
    let group = server
        .room_of(&ada, RoomKind::PrivateGroup, "vault", &[&nils])
        .await;
    let reads = [
        "info",
        "history",
        "messages",
        "members",
        "roles",
        "moderators",
        "counters",
        "online",
    ];
    let writes = [
        "join",
        "leave",
        "invite",
        "kick",
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
        let body = server
            .get(
                &format!("/api/v1/channels.{endpoint}?roomId={group}"),
                Some(&ada),
            )
            .await;
        let body = body.fails(400, "error-room-not-found");
        assert!(!body.to_string().contains("vault"), "{endpoint}: {body}");
    }
    for endpoint in writes {
        let request = json!({"roomId": group, "userId": nils.user_id, "name": "x", "topic": "x", "description": "x",
            "announcement": "x", "type": "c", "readOnly": true});
        let body = server
            .post(&format!("/api/v1/channels.{endpoint}"), request, Some(&ada))
            .await;
        body.fails(400, "error-room-not-found");
    }
    let info = server
        .get(&format!("/api/v1/groups.info?roomId={group}"), Some(&ada))
        .await
        .ok();
    assert_eq!(info["group"]["name"], "vault", "nothing changed the group");
}
