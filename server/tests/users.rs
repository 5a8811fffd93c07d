//! `users.*` over HTTP: accounts, presence, tokens, and sign-in throttling.

use capsule_server_harness as common;

use capsule_server::model::UserId;
use common::{ADMIN, ADMIN_PASSWORD, Session, TestServer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A session made of a user id and a token (from `createToken` or a
/// personal access token).
fn session_of(user_id: &str, token: &str, username: &str) -> Session {
    Session {
        user_id: user_id.to_owned(),
        token: token.to_owned(),
        username: username.to_owned(),
    }
}

async fn create_user(server: &TestServer, admin: &Session, body: Value) -> common::Answer {
    server.post("/api/v1/users.create", body, Some(admin)).await
}

fn new_user(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.com"),
        "password": format!("{username}-password"),
        "name": format!("{username} name"),
    })
}

async fn login_status(server: &TestServer, user: &str, password: &str) -> u16 {
    server
        .post(
            "/api/v1/login",
            json!({"user": user, "password": password}),
            None,
        )
        .await
        .status
        .as_u16()
}

// --- users.create ---

#[tokio::test(flavor = "multi_thread")]
async fn admins_create_accounts_that_can_sign_in() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let body = create_user(
        &server,
        &admin,
        json!({"username": "ci-bot", "email": "ci@example.com", "password": "ci-bot-password", "name": "CI",
               "roles": ["bot"], "verified": true, "requirePasswordChange": true}),
    )
    .await
    .ok();

    let user = &body["user"];
    assert_eq!(user["username"], "ci-bot");
    assert_eq!(user["roles"], json!(["bot"]));
    assert_eq!(user["type"], "bot");
    assert_eq!(
        user["emails"][0],
        json!({"address": "ci@example.com", "verified": true})
    );
    assert_eq!(user["requirePasswordChange"], true);
    assert_eq!(user["active"], true);
    let bot = server.login("ci-bot", "ci-bot-password").await;
    assert_eq!(bot.user_id, user["_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn users_create_refuses_non_admins_duplicates_and_bad_fields() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let plain = server.user("plain").await;

    create_user(&server, &plain, new_user("x1"))
        .await
        .fails(403, "error-unauthorized");
    create_user(&server, &admin, new_user("ada")).await.ok();
    create_user(&server, &admin, json!({"username": "ADA", "email": "other@example.com", "password": "long-enough-1", "name": "A"}))
        .await
        .fails(400, "error-field-unavailable");
    create_user(&server, &admin, json!({"username": "ada2", "email": "Ada@Example.com", "password": "long-enough-1", "name": "A"}))
        .await
        .fails(400, "error-field-unavailable");
    create_user(&server, &admin, json!({"username": "ada3", "email": "not-an-address", "password": "long-enough-1", "name": "A"}))
        .await
        .fails(400, "error-invalid-email");
    create_user(
        &server,
        &admin,
        json!({"username": "ada4", "email": "a4@example.com", "password": "abc", "name": "A"}),
    )
    .await
    .fails(400, "error-password-policy-not-met");
    create_user(
        &server,
        &admin,
        json!({"username": "ada5", "email": "a5@example.com", "password": "", "name": "A"}),
    )
    .await
    .fails(400, "error-password-policy-not-met");
    create_user(&server, &admin, json!({"username": "ada6", "email": "a6@example.com", "password": "long-enough-1", "name": "A", "roles": ["owner"]}))
        .await
        .fails(400, "error-invalid-role");
    create_user(&server, &admin, json!({"username": "bad name", "email": "a7@example.com", "password": "long-enough-1", "name": "A"}))
        .await
        .fails(400, "error-invalid-username");
    let missing = create_user(
        &server,
        &admin,
        json!({"username": "ada8", "email": "a8@example.com", "name": "A"}),
    )
    .await
    .fails(400, "error-invalid-params");
    assert!(
        missing["error"].as_str().unwrap().contains("password"),
        "{missing}"
    );
}

// --- users.info and users.list ---

#[tokio::test(flavor = "multi_thread")]
async fn users_info_hides_others_addresses_except_from_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;

    let seen_by_bob = server
        .get(
            &format!("/api/v1/users.info?userId={}", ada.user_id),
            Some(&bob),
        )
        .await
        .ok();
    let seen_by_ada = server
        .get("/api/v1/users.info?username=ada", Some(&ada))
        .await
        .ok();
    let seen_by_admin = server
        .get("/api/v1/users.info?username=ada", Some(&admin))
        .await
        .ok();

    assert_eq!(seen_by_bob["user"]["username"], "ada");
    assert!(seen_by_bob["user"].get("emails").is_none(), "{seen_by_bob}");
    assert!(seen_by_bob["user"].get("email").is_none(), "{seen_by_bob}");
    assert_eq!(
        seen_by_ada["user"]["emails"][0]["address"],
        "ada@example.com"
    );
    assert_eq!(
        seen_by_admin["user"]["emails"][0]["address"],
        "ada@example.com"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn users_info_lists_rooms_on_request_and_refuses_unknown_users() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;

    let info = server
        .get(
            "/api/v1/users.info?username=ada&fields=%7B%22userRooms%22%3A1%7D",
            Some(&ada),
        )
        .await
        .ok();
    let rooms = info["user"]["rooms"].as_array().expect("rooms");
    assert!(rooms.iter().any(|r| r["rid"] == "GENERAL"), "{info}");

    // Rocket.Chat's bare failures: `error` only, no `errorType`.
    for query in ["username=nobody", "userId=nope"] {
        let unknown = server
            .get(&format!("/api/v1/users.info?{query}"), Some(&ada))
            .await;
        assert_eq!(unknown.status, 400);
        assert_eq!(
            unknown.body,
            json!({"success": false, "error": "User not found."})
        );
    }
    let unnamed = server.get("/api/v1/users.info", Some(&ada)).await;
    assert_eq!(
        (unnamed.status.as_u16(), unnamed.body),
        (
            400,
            json!({"success": false, "error": "Invalid search query."})
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn users_list_pages_sorts_filters_and_shows_addresses_to_admins_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    for name in ["ann", "anton", "zed"] {
        server.user(name).await;
    }
    let zed = server.login("zed", "zed-password").await;

    let page = server
        .get(
            "/api/v1/users.list?count=2&offset=1&sort=%7B%22username%22%3A-1%7D",
            Some(&admin),
        )
        .await
        .ok();
    let all = server
        .get("/api/v1/users.list?count=0", Some(&admin))
        .await
        .ok();
    let filtered = server
        .get(
            "/api/v1/users.list?query=%7B%22username%22%3A%7B%22%24regex%22%3A%22an%22%7D%7D",
            Some(&zed),
        )
        .await
        .ok();

    // admin, ann, anton, rocket.cat, zed: descending, skip one.
    let names: Vec<&str> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rocket.cat", "anton"]);
    assert_eq!(
        (
            page["count"].as_u64(),
            page["offset"].as_u64(),
            page["total"].as_u64()
        ),
        (Some(2), Some(1), Some(5))
    );
    assert!(
        all["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["emails"].is_array()),
        "{all}"
    );
    let found: Vec<&str> = filtered["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["ann", "anton"]);
    assert!(
        filtered["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("emails").is_none()),
        "{filtered}"
    );
    server
        .get(
            "/api/v1/users.list?sort=%7B%22password%22%3A1%7D",
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-params");
}

// --- users.update ---

#[tokio::test(flavor = "multi_thread")]
async fn admins_update_accounts_and_a_new_password_signs_the_user_out() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;

    let body = server
        .post(
            "/api/v1/users.update",
            json!({"userId": bob.user_id, "data": {"name": "Robert", "email": "robert@example.com", "verified": true,
                   "password": "brand-new-password", "roles": ["admin", "user"]}}),
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(body["user"]["name"], "Robert");
    assert_eq!(
        body["user"]["emails"][0],
        json!({"address": "robert@example.com", "verified": true})
    );
    assert_eq!(body["user"]["roles"], json!(["admin", "user"]));
    server
        .get("/api/v1/me", Some(&bob))
        .await
        .fails(401, "error-unauthorized");
    assert_eq!(login_status(&server, "bob", "bob-password").await, 401);
    let bob = server.login("bob", "brand-new-password").await;
    server
        .get("/api/v1/settings/Site_Name", Some(&bob))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_a_user_keeps_usernames_unique_and_renames_their_direct_messages() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "@bob", "text": "hi"}),
            Some(&ada),
        )
        .await
        .ok();

    server
        .post(
            "/api/v1/users.update",
            json!({"userId": bob.user_id, "data": {"username": "ADA"}}),
            Some(&admin),
        )
        .await
        .fails(400, "error-field-unavailable");
    let renamed = server
        .post(
            "/api/v1/users.update",
            json!({"userId": bob.user_id, "data": {"username": "robert"}}),
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(renamed["user"]["username"], "robert");
    let chat = server.server.as_ref().unwrap().chat();
    let subs = chat
        .store()
        .subscriptions_of(&UserId::from(ada.user_id.as_str()), None)
        .await
        .unwrap();
    let direct = subs
        .iter()
        .find(|s| s.kind == capsule_server::model::RoomKind::Direct)
        .expect("a DM");
    assert_eq!(direct.name, "robert");
    let room = chat.store().room(&direct.rid).await.unwrap().unwrap();
    assert_eq!(room.usernames, ["ada", "robert"]);
    server.login("robert", "bob-password").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn users_update_refuses_non_admins_bad_values_and_the_last_admin_stepping_down() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;
    let update = |id: &str, data: Value| json!({"userId": id, "data": data});

    server
        .post(
            "/api/v1/users.update",
            update(&bob.user_id, json!({"roles": ["admin", "user"]})),
            Some(&bob),
        )
        .await
        .fails(403, "error-unauthorized");
    server
        .post(
            "/api/v1/users.update",
            update(&bob.user_id, json!({"roles": ["king"]})),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-role");
    server
        .post(
            "/api/v1/users.update",
            update(&bob.user_id, json!({"email": "nope"})),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-email");
    server
        .post(
            "/api/v1/users.update",
            update(&bob.user_id, json!({"password": "short"})),
            Some(&admin),
        )
        .await
        .fails(400, "error-password-policy-not-met");
    server
        .post(
            "/api/v1/users.update",
            update("no-such-id", json!({"name": "x"})),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-user");
    server
        .post(
            "/api/v1/users.update",
            update(&admin.user_id, json!({"roles": ["user"]})),
            Some(&admin),
        )
        .await
        .fails(400, "error-action-not-allowed");
    server
        .post(
            "/api/v1/users.update",
            json!({"data": {"name": "x"}}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-params");
}

// --- users.updateOwnBasicInfo ---

#[tokio::test(flavor = "multi_thread")]
async fn users_change_their_own_name_and_username() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;

    let body = server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"name": "Ada Lovelace", "username": "lovelace"}}),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(body["user"]["name"], "Ada Lovelace");
    assert_eq!(body["user"]["username"], "lovelace");
    server.get("/api/v1/me", Some(&ada)).await.ok();
    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"name": "   "}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-the-field-is-required");
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_your_email_needs_the_current_password_and_leaves_it_unverified() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let change = |current: Option<String>| json!({"data": {"email": "lovelace@example.com", "currentPassword": current}});

    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"email": "lovelace@example.com"}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-password");
    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            change(Some("wrong-password".into())),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-password");
    let body = server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            change(Some(sha256_hex("ada-password"))),
            Some(&ada),
        )
        .await
        .ok();

    assert_eq!(
        body["user"]["emails"][0],
        json!({"address": "lovelace@example.com", "verified": false})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_password_signs_out_other_sessions_but_not_this_one() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let other = server.login("ada", "ada-password").await;

    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"currentPassword": "ada-password", "newPassword": "x"}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-password-policy-not-met");
    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"newPassword": "ada-new-password"}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-password");
    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"currentPassword": "ada-password", "newPassword": "ada-new-password"}}),
            Some(&ada),
        )
        .await
        .ok();

    server.get("/api/v1/me", Some(&ada)).await.ok();
    server
        .get("/api/v1/me", Some(&other))
        .await
        .fails(401, "error-unauthorized");
    assert_eq!(login_status(&server, "ada", "ada-password").await, 401);
    server.login("ada", "ada-new-password").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_changes_follow_the_profile_setting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;
    server
        .post(
            "/api/v1/settings/Accounts_AllowUserProfileChange",
            json!({"value": false}),
            Some(&admin),
        )
        .await
        .ok();

    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"name": "Someone Else"}}),
            Some(&ada),
        )
        .await
        .fails(400, "error-action-not-allowed");
    server
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            json!({"data": {"statusText": "at lunch"}}),
            Some(&ada),
        )
        .await
        .ok();
}

// --- users.delete and users.deleteOwnAccount ---

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_user_revokes_their_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;
    let plain = server.user("plain").await;

    server
        .post(
            "/api/v1/users.delete",
            json!({"userId": bob.user_id}),
            Some(&plain),
        )
        .await
        .fails(403, "error-unauthorized");
    server
        .post(
            "/api/v1/users.delete",
            json!({"username": "bob"}),
            Some(&admin),
        )
        .await
        .ok();

    server
        .get("/api/v1/me", Some(&bob))
        .await
        .fails(401, "error-unauthorized");
    assert_eq!(login_status(&server, "bob", "bob-password").await, 401);
    let gone = server
        .get("/api/v1/users.info?username=bob", Some(&admin))
        .await;
    assert_eq!(gone.status, 400);
    assert_eq!(gone.body["error"], "User not found.");
    server
        .post(
            "/api/v1/users.delete",
            json!({"username": "bob"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-user");
    server
        .post("/api/v1/users.delete", json!({}), Some(&admin))
        .await
        .fails(400, "error-user-param-not-provided");
    server
        .post(
            "/api/v1/users.delete",
            json!({"userId": admin.user_id}),
            Some(&admin),
        )
        .await
        .fails(400, "error-action-not-allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_delete_their_own_account_only_when_allowed_and_with_their_password() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;

    server
        .post(
            "/api/v1/users.deleteOwnAccount",
            json!({"password": "ada-password"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-not-allowed");
    server
        .post(
            "/api/v1/settings/Accounts_AllowDeleteOwnAccount",
            json!({"value": true}),
            Some(&admin),
        )
        .await
        .ok();
    server
        .post("/api/v1/users.deleteOwnAccount", json!({}), Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/users.deleteOwnAccount",
            json!({"password": "wrong"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-password");
    server
        .post(
            "/api/v1/users.deleteOwnAccount",
            json!({"password": sha256_hex("ada-password")}),
            Some(&ada),
        )
        .await
        .ok();

    server
        .get("/api/v1/me", Some(&ada))
        .await
        .fails(401, "error-unauthorized");
    assert_eq!(login_status(&server, "ada", "ada-password").await, 401);
}

// --- presence ---

#[tokio::test(flavor = "multi_thread")]
async fn users_set_their_status_and_others_read_it() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;

    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "away", "message": "lunch"}),
            Some(&ada),
        )
        .await
        .ok();

    let own = server.get("/api/v1/users.getStatus", Some(&ada)).await.ok();
    assert_eq!(
        (own["status"].as_str(), own["connectionStatus"].as_str()),
        (Some("away"), Some("away"))
    );
    let seen = server
        .get("/api/v1/users.getStatus?username=ada", Some(&bob))
        .await
        .ok();
    assert_eq!(
        seen,
        json!({"_id": ada.user_id, "status": "away", "success": true})
    );
    let presence = server
        .get(
            &format!("/api/v1/users.getPresence?userId={}", ada.user_id),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(presence["presence"], "away");
    let own_presence = server
        .get("/api/v1/users.getPresence", Some(&ada))
        .await
        .ok();
    assert!(own_presence["lastLogin"].is_string(), "{own_presence}");
    let info = server
        .get("/api/v1/users.info?username=ada", Some(&bob))
        .await
        .ok();
    assert_eq!(info["user"]["statusText"], "lunch");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_refuses_bad_statuses_and_other_peoples_statuses() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;

    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "sleepy"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-status");
    server
        .post("/api/v1/users.setStatus", json!({}), Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "busy", "userId": bob.user_id}),
            Some(&ada),
        )
        .await
        .fails(403, "error-not-allowed");
    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "busy", "username": "bob"}),
            Some(&admin),
        )
        .await
        .ok();
    server
        .get("/api/v1/users.getStatus?username=nobody", Some(&ada))
        .await
        .fails(400, "error-invalid-user");

    let seen = server
        .get("/api/v1/users.getStatus?username=bob", Some(&ada))
        .await
        .ok();
    assert_eq!(seen["status"], "busy");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_presence_lists_who_is_not_offline() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;
    server
        .post(
            "/api/v1/users.setStatus",
            json!({"status": "offline"}),
            Some(&bob),
        )
        .await
        .ok();

    let everyone = server.get("/api/v1/users.presence", Some(&ada)).await.ok();
    let some = server
        .get(
            &format!("/api/v1/users.presence?ids={},{}", ada.user_id, bob.user_id),
            Some(&ada),
        )
        .await
        .ok();

    let names = |body: &Value| -> Vec<String> {
        body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names(&everyone).contains(&"ada".to_owned()), "{everyone}");
    assert!(!names(&everyone).contains(&"bob".to_owned()), "{everyone}");
    assert_eq!(everyone["full"], true);
    assert_eq!(names(&some), ["ada"]);
    assert_eq!(some["full"], false);
}

// --- users.setActiveStatus ---

#[tokio::test(flavor = "multi_thread")]
async fn deactivated_users_cannot_sign_in_or_use_their_tokens() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;
    let pat = server
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            json!({"tokenName": "ci"}),
            Some(&bob),
        )
        .await
        .ok();

    let body = server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id, "activeStatus": false}),
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(body["user"], json!({"_id": bob.user_id, "active": false}));
    server
        .get("/api/v1/me", Some(&bob))
        .await
        .fails(401, "error-unauthorized");
    let by_pat = session_of(&bob.user_id, pat["token"].as_str().unwrap(), "bob");
    server
        .get("/api/v1/me", Some(&by_pat))
        .await
        .fails(401, "error-unauthorized");
    assert_eq!(login_status(&server, "bob", "bob-password").await, 401);
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id, "activeStatus": true}),
            Some(&admin),
        )
        .await
        .ok();
    server.login("bob", "bob-password").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_active_status_refuses_non_admins_unknown_users_and_the_last_admin() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;

    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": admin.user_id, "activeStatus": false}),
            Some(&bob),
        )
        .await
        .fails(403, "error-unauthorized");
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": "nobody", "activeStatus": false}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-user");
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": admin.user_id, "activeStatus": false}),
            Some(&admin),
        )
        .await
        .fails(400, "error-action-not-allowed");
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-params");
}

// --- tokens ---

#[tokio::test(flavor = "multi_thread")]
async fn admins_create_login_tokens_for_users() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = server.user("bob").await;

    let body = server
        .post(
            "/api/v1/users.createToken",
            json!({"username": "bob"}),
            Some(&admin),
        )
        .await
        .ok();

    assert_eq!(body["data"]["userId"], bob.user_id);
    let issued = session_of(
        &bob.user_id,
        body["data"]["authToken"].as_str().unwrap(),
        "bob",
    );
    let me = server.get("/api/v1/me", Some(&issued)).await.ok();
    assert_eq!(me["username"], "bob");
    server
        .post(
            "/api/v1/users.createToken",
            json!({"userId": admin.user_id}),
            Some(&bob),
        )
        .await
        .fails(403, "error-unauthorized");
    server
        .post(
            "/api/v1/users.createToken",
            json!({"username": "nobody"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-user");
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_access_tokens_sign_in_and_are_listed_without_their_secret() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;

    let token = server
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            json!({"tokenName": "deploy"}),
            Some(&ada),
        )
        .await
        .ok()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = server
        .get("/api/v1/users.getPersonalAccessTokens", Some(&ada))
        .await
        .ok();

    let by_pat = session_of(&ada.user_id, &token, "ada");
    assert_eq!(
        server.get("/api/v1/me", Some(&by_pat)).await.ok()["username"],
        "ada"
    );
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "deploy");
    assert_eq!(tokens[0]["lastTokenPart"], token[token.len() - 6..]);
    assert!(tokens[0]["createdAt"].is_string());
    assert!(
        !listed.to_string().contains(&token),
        "the token leaked: {listed}"
    );
    // Signing out of a login session leaves the personal token working.
    server.post("/api/v1/logout", json!({}), Some(&ada)).await;
    server.get("/api/v1/me", Some(&by_pat)).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_access_tokens_are_regenerated_and_removed_by_name() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let generate = json!({"tokenName": "ci"});
    let old = server
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            generate.clone(),
            Some(&ada),
        )
        .await
        .ok();

    server
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            generate.clone(),
            Some(&ada),
        )
        .await
        .fails(400, "error-token-already-exists");
    server
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            json!({}),
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    let new = server
        .post(
            "/api/v1/users.regeneratePersonalAccessToken",
            generate.clone(),
            Some(&ada),
        )
        .await
        .ok();

    let old = session_of(&ada.user_id, old["token"].as_str().unwrap(), "ada");
    let new = session_of(&ada.user_id, new["token"].as_str().unwrap(), "ada");
    server
        .get("/api/v1/me", Some(&old))
        .await
        .fails(401, "error-unauthorized");
    server.get("/api/v1/me", Some(&new)).await.ok();
    server
        .post(
            "/api/v1/users.removePersonalAccessToken",
            generate.clone(),
            Some(&ada),
        )
        .await
        .ok();
    server
        .get("/api/v1/me", Some(&new))
        .await
        .fails(401, "error-unauthorized");
    server
        .post(
            "/api/v1/users.removePersonalAccessToken",
            generate.clone(),
            Some(&ada),
        )
        .await
        .fails(400, "error-token-does-not-exists");
    server
        .post(
            "/api/v1/users.regeneratePersonalAccessToken",
            json!({"tokenName": "never"}),
            Some(&ada),
        )
        .await
        .fails(400, "error-token-does-not-exists");
    let listed = server
        .get("/api/v1/users.getPersonalAccessTokens", Some(&ada))
        .await
        .ok();
    assert_eq!(listed["tokens"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn username_suggestions_come_from_the_name_and_are_free() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    create_user(&server, &admin, json!({"username": "al", "email": "al@example.com", "password": "al-password", "name": "Ada Lovelace"}))
        .await
        .ok();
    let al = server.login("al", "al-password").await;

    let first = server
        .get("/api/v1/users.getUsernameSuggestion", Some(&al))
        .await
        .ok();
    assert_eq!(first["result"], "ada.lovelace");
    create_user(&server, &admin, new_user("ada.lovelace"))
        .await
        .ok();
    let second = server
        .get("/api/v1/users.getUsernameSuggestion", Some(&al))
        .await
        .ok();
    assert_eq!(second["result"], "ada.lovelace1");
}

// --- sign-in throttling ---

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_block_the_account_but_not_other_accounts_from_the_same_client() {
    let server = TestServer::start().await;
    server.user("bob").await;
    let limit = 10; // Accounts_Block_Failed_Login_Attempts_Per_User's default

    for attempt in 0..limit {
        assert_eq!(
            login_status(&server, "bob", "wrong").await,
            401,
            "attempt {attempt}"
        );
    }
    let blocked = server
        .http
        .post(format!("{}/api/v1/login", server.base))
        .json(&json!({"user": "bob", "password": "bob-password"}))
        .send()
        .await
        .unwrap();

    assert_eq!(blocked.status(), 429);
    let retry_after: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["errorType"], "error-login-blocked-for-user");
    server.login(ADMIN, ADMIN_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn successful_sign_ins_are_never_throttled() {
    let server = TestServer::start().await;

    for _ in 0..30 {
        server.login(ADMIN, ADMIN_PASSWORD).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_failed_sign_in_limit_applies_at_once_and_after_a_restart() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    server
        .post(
            "/api/v1/settings/Accounts_Block_Failed_Login_Attempts_Per_User",
            json!({"value": 3}),
            Some(&admin),
        )
        .await
        .ok();
    server.user("bob").await;
    server.user("carol").await;

    for _ in 0..3 {
        assert_eq!(login_status(&server, "carol", "wrong").await, 401);
    }
    assert_eq!(login_status(&server, "carol", "carol-password").await, 429);

    let server = TestServer::start_in(server.stop().await).await;
    for _ in 0..3 {
        assert_eq!(login_status(&server, "bob", "wrong").await, 401);
    }
    assert_eq!(login_status(&server, "bob", "bob-password").await, 429);
    server.login(ADMIN, ADMIN_PASSWORD).await;
}
