//! What Rocket.Chat's clients read when they start, over HTTP and DDP:
//! the announced release line, public settings in both query forms,
//! permissions and roles, and `chat.syncMessages` in its cursor form.

use capsule_server_harness as common;

use common::ddp::Ddp;
use common::{Session, TestServer};
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

async fn get_as(server: &TestServer, who: &Session, path_and_query: &str) -> common::Answer {
    server
        .get(&format!("/api/v1/{path_and_query}"), Some(who))
        .await
}

fn ids(body: &Value) -> Vec<&str> {
    body["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["_id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_announced_release_line_is_a_setting_beside_capsules_own_version() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let before = server.get("/api/info", None).await.ok();
    server
        .post(
            "/api/v1/settings/Capsule_Rocket_Chat_Release",
            json!({"value": "7.12"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-setting");
    server
        .post(
            "/api/v1/settings/Capsule_Rocket_Chat_Release",
            json!({"value": "7.12.3"}),
            Some(&admin),
        )
        .await
        .ok();
    let after = server.get("/api/v1/info", None).await.ok();

    assert_eq!(before["version"], "7.10");
    assert_eq!(after["version"], "7.12");
    assert_eq!(after["capsule"]["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test(flavor = "multi_thread")]
async fn public_settings_answer_the_older_query_form_as_the_id_form() {
    let server = TestServer::start().await;
    let wanted = ["Accounts_ShowFormLogin", "Site_Name", "Message_TimeFormat"];

    let by_ids = server
        .get(
            &format!("/api/v1/settings.public?_id={}", wanted.join(",")),
            None,
        )
        .await
        .ok();
    let query = json!({"_id": {"$in": wanted}}).to_string();
    let by_query = server
        .get(
            &format!("/api/v1/settings.public?query={}", urlencoded(&query)),
            None,
        )
        .await
        .ok();
    let exact = server
        .get(
            &format!(
                "/api/v1/settings.public?query={}",
                urlencoded(r#"{"_id": "Site_Name"}"#)
            ),
            None,
        )
        .await
        .ok();
    let paged = server
        .get(
            &format!(
                "/api/v1/settings.public?_id={}&offset=1&count=1",
                wanted.join(",")
            ),
            None,
        )
        .await
        .ok();
    let private = server
        .get(
            "/api/v1/settings.public?_id=Capsule_Rocket_Chat_Release",
            None,
        )
        .await
        .ok();

    assert_eq!(
        ids(&by_ids),
        ["Accounts_ShowFormLogin", "Message_TimeFormat", "Site_Name"]
    );
    assert_eq!(by_query, by_ids);
    assert_eq!(ids(&exact), ["Site_Name"]);
    assert_eq!(
        (ids(&paged), paged["total"].as_u64()),
        (vec!["Message_TimeFormat"], Some(3))
    );
    assert_eq!(private["total"], 0, "only public settings are public");
    let bad = json!({"_id": {"$in": [1]}}).to_string();
    server
        .get(
            &format!("/api/v1/settings.public?query={}", urlencoded(&bad)),
            None,
        )
        .await
        .fails(400, "error-invalid-params");
}

fn urlencoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn permissions_and_roles_come_from_one_table_over_rest_and_ddp() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;

    let all = get_as(&server, &ada, "permissions.listAll").await.ok();
    let older = get_as(&server, &ada, "permissions.list").await.ok();
    let roles = get_as(&server, &ada, "roles.list").await.ok();
    let public = get_as(&server, &ada, "roles.getUsersInPublicRoles")
        .await
        .ok();
    let mut ddp = Ddp::connect(&server.base).await;
    let settings = ddp
        .call("public-settings/get", json!([]))
        .await
        .expect("no sign-in needed");
    let refused = ddp.call("permissions/get", json!([])).await.unwrap_err();
    ddp.call("login", json!([{"resume": ada.token}]))
        .await
        .unwrap();
    let permissions = ddp.call("permissions/get", json!([])).await.unwrap();
    let since = ddp
        .call("permissions/get", json!([{"$date": 4_102_444_800_000_i64}]))
        .await
        .unwrap();
    let user_roles = ddp.call("getUserRoles", json!([])).await.unwrap();

    assert_eq!(older["permissions"], all["update"]);
    assert_eq!(all["remove"], json!([]));
    assert_eq!(
        permissions.as_array().unwrap().len(),
        all["update"].as_array().unwrap().len()
    );
    assert!(
        permissions[0]["_updatedAt"]["$date"].is_i64(),
        "EJSON dates over DDP"
    );
    assert_eq!(since, json!({"update": [], "remove": []}));
    let scopes: Vec<(&str, &str)> = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["_id"].as_str().unwrap(), r["scope"].as_str().unwrap()))
        .collect();
    assert!(scopes.contains(&("admin", "Users")) && scopes.contains(&("owner", "Subscriptions")));
    assert_eq!(public["users"], user_roles);
    assert_eq!(user_roles[0]["username"], "admin");
    assert!(
        settings
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["_id"] == "Accounts_ShowFormLogin"),
        "{settings}"
    );
    assert_eq!(refused["error"], "error-invalid-user", "{refused}");
    get_as(&server, &ada, "permissions.listAll?updatedSince=soon")
        .await
        .fails(400, "error-roomId-param-invalid");
}

#[tokio::test(flavor = "multi_thread")]
async fn rooms_carry_their_last_message_only_while_store_last_message_is_on() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.signed_in("ada").await;
    say(&server, &admin, "first").await;
    let last = say(&server, &admin, "latest").await;
    let general = |body: &Value, key: &str| {
        body["update"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[key] == GENERAL)
            .expect("GENERAL is listed")
            .clone()
    };

    let rooms = get_as(&server, &ada, "rooms.get").await.ok();
    let subscriptions = get_as(&server, &ada, "subscriptions.get").await.ok();
    server
        .post(
            "/api/v1/settings/Store_Last_Message",
            json!({"value": false}),
            Some(&admin),
        )
        .await
        .ok();
    let rooms_off = get_as(&server, &ada, "rooms.get").await.ok();

    assert_eq!(general(&rooms, "_id")["lastMessage"]["_id"], last["_id"]);
    assert_eq!(
        general(&subscriptions, "rid")["lastMessage"]["msg"],
        "latest"
    );
    assert!(general(&rooms_off, "_id").get("lastMessage").is_none());
}

/// Sends `text` to GENERAL as `who`; answers the message.
async fn say(server: &TestServer, who: &Session, text: &str) -> Value {
    server.say(who, GENERAL, text).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_messages_pages_changes_from_a_cursor_both_ways() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let start = capsule_server::model::Timestamp::now().millis();
    common::next_millisecond();
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(say(&server, &ada, &format!("m{n}")).await);
    }
    let sync = |query: String| format!("chat.syncMessages?roomId={GENERAL}&type=UPDATED&{query}");

    let first = get_as(&server, &ada, &sync(format!("next={start}&count=2")))
        .await
        .ok();
    let next = first["result"]["cursor"]["next"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = get_as(&server, &ada, &sync(format!("next={next}&count=2")))
        .await
        .ok();
    let last_cursor = second["result"]["cursor"]["next"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = get_as(&server, &ada, &sync(format!("next={last_cursor}&count=2")))
        .await
        .ok();
    let back = get_as(
        &server,
        &ada,
        &sync(format!("previous={last_cursor}&count=2")),
    )
    .await
    .ok();
    let texts = |page: &Value| -> Vec<String> {
        page["result"]["updated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap().to_owned())
            .collect()
    };

    assert_eq!(texts(&first), ["m0", "m1"]);
    assert_eq!(texts(&second), ["m2", "m3"]);
    assert_eq!(texts(&third), ["m4"]);
    assert_eq!(third["result"]["cursor"]["next"], Value::Null);
    assert_eq!(texts(&back), ["m2", "m1"]);
    assert_eq!(first["result"]["deleted"], json!([]));

    let gone = sent[0]["_id"].clone();
    server
        .post(
            "/api/v1/chat.delete",
            json!({"roomId": GENERAL, "msgId": gone}),
            Some(&ada),
        )
        .await
        .ok();
    let deleted = get_as(
        &server,
        &ada,
        &format!("chat.syncMessages?roomId={GENERAL}&type=DELETED&next={start}"),
    )
    .await
    .ok();
    assert_eq!(deleted["result"]["deleted"][0]["_id"], gone);
    assert_eq!(deleted["result"]["updated"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_messages_refuses_what_rocket_chat_refuses_with_its_error_types() {
    let server = TestServer::start().await;
    let ada = server.signed_in("ada").await;
    let sync = |query: &str| format!("chat.syncMessages?roomId={GENERAL}&{query}");

    for (query, error_type) in [
        ("count=5", "error-param-required"),
        ("type=CHANGED&next=1", "error-type-param-not-supported"),
        ("type=UPDATED&next=1&previous=2", "error-cursor-conflict"),
        (
            "lastUpdate=2020-01-01T00:00:00.000Z&next=1",
            "error-cursor-and-lastUpdate-conflict",
        ),
        ("type=UPDATED&next=tomorrow", "error-invalid-params"),
    ] {
        get_as(&server, &ada, &sync(query))
            .await
            .fails(400, error_type);
    }
    let no_cursor = get_as(&server, &ada, &sync("type=UPDATED")).await.ok();
    assert_eq!(no_cursor["result"], json!({"updated": [], "deleted": []}));
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_carry_rocket_chats_words_where_clients_match_them() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.signed_in("bob").await;

    let room = get_as(&server, &bob, "channels.info?roomId=nowhere")
        .await
        .fails(400, "error-room-not-found");
    let group = get_as(&server, &bob, "groups.info?roomName=nowhere")
        .await
        .fails(400, "error-room-not-found");
    let user = get_as(&server, &bob, "users.getPresence?userId=nobody")
        .await
        .fails(400, "error-invalid-user");
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id, "activeStatus": false}),
            Some(&admin),
        )
        .await
        .ok();
    let inactive = server
        .post(
            "/api/v1/login",
            json!({"user": "bob", "password": "bob-password"}),
            None,
        )
        .await
        .fails(401, "error-user-is-not-activated");
    let wrong = server
        .post(
            "/api/v1/login",
            json!({"user": "bob", "password": "nope"}),
            None,
        )
        .await
        .fails(401, "error-unauthorized");

    assert_eq!(
        room["error"],
        "The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]"
    );
    assert_eq!(
        group["error"],
        "The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]"
    );
    assert_eq!(
        user["error"],
        "The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]"
    );
    assert_eq!(inactive["message"], "User is not activated");
    assert_eq!(
        (wrong["status"].as_str(), wrong["message"].as_str()),
        (Some("error"), Some("Unauthorized"))
    );
}
