//! `directory` and `spotlight` over HTTP: who and what a user can find.

use capsule_server_harness as common;

use common::{Session, TestServer};
use serde_json::{Value, json};

/// `field` of every item under `key`.
fn field(body: &Value, key: &str, field: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {body}"))
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn create(server: &TestServer, kind: &str, name: &str, members: &[&str], owner: &Session) {
    server
        .post(
            &format!("/api/v1/{kind}.create"),
            json!({"name": name, "members": members}),
            Some(owner),
        )
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_channel_directory_lists_public_channels_but_never_private_groups() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    create(&server, "channels", "design", &[], &ada).await;
    create(&server, "channels", "devops", &[], &ada).await;
    create(&server, "groups", "design-secret", &[], &ada).await;

    let all = server
        .get("/api/v1/directory?type=channels", Some(&ada))
        .await
        .ok();
    let matching = server
        .get("/api/v1/directory?type=channels&text=des", Some(&ada))
        .await
        .ok();

    assert_eq!(
        field(&all, "result", "name"),
        ["design", "devops", "general"]
    );
    assert_eq!(all["total"], 3);
    assert_eq!(field(&matching, "result", "name"), ["design"]);
    let design = &matching["result"][0];
    assert_eq!(design["t"], "c");
    assert!(
        design["usersCount"].is_u64() && design["ts"].is_string(),
        "{design}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_channel_directory_is_paged_and_sorted_by_one_key() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    server.user("bob").await;
    create(&server, "channels", "alpha", &["bob"], &ada).await;
    create(&server, "channels", "beta", &[], &ada).await;

    let by_members = server
        .get(
            "/api/v1/directory?type=channels&sort=%7B%22usersCount%22%3A-1%7D&count=1&offset=1",
            Some(&ada),
        )
        .await
        .ok();
    let legacy = server
        .get(
            "/api/v1/directory?query=%7B%22type%22%3A%22channels%22%2C%22text%22%3A%22bet%22%7D",
            Some(&ada),
        )
        .await
        .ok();

    // general (3 members: admin, ada, bob), alpha (2), beta (1).
    assert_eq!(field(&by_members, "result", "name"), ["alpha"]);
    assert_eq!(
        (
            by_members["count"].as_u64(),
            by_members["offset"].as_u64(),
            by_members["total"].as_u64()
        ),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(field(&legacy, "result", "name"), ["beta"]);
    server
        .get(
            "/api/v1/directory?sort=%7B%22name%22%3A1%2C%22usersCount%22%3A1%7D",
            Some(&ada),
        )
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/directory?sort=%7B%22topic%22%3A1%7D", Some(&ada))
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_user_directory_lists_active_users_with_addresses_for_admins_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;
    server
        .post(
            "/api/v1/users.setActiveStatus",
            json!({"userId": bob.user_id, "activeStatus": false}),
            Some(&admin),
        )
        .await
        .ok();

    let as_ada = server
        .get(
            "/api/v1/directory?type=users&sort=%7B%22username%22%3A1%7D",
            Some(&ada),
        )
        .await
        .ok();
    let as_admin = server
        .get("/api/v1/directory?type=users&text=ada", Some(&admin))
        .await
        .ok();

    assert_eq!(
        field(&as_ada, "result", "username"),
        ["ada", "admin", "rocket.cat"]
    );
    assert!(
        as_ada["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("emails").is_none()),
        "{as_ada}"
    );
    assert_eq!(field(&as_admin, "result", "username"), ["ada"]);
    assert_eq!(
        as_admin["result"][0]["emails"][0]["address"],
        "ada@example.com"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_refuses_unknown_types_and_needs_a_sign_in() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;

    server
        .get("/api/v1/directory?type=teams", Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/directory?workspace=mars", Some(&ada))
        .await
        .fails(400, "error-invalid-params");
    server
        .get("/api/v1/directory", None)
        .await
        .fails(401, "error-unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn spotlight_finds_users_and_the_rooms_the_caller_may_see() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    let bob = server.user("bob").await;
    server.user("adam").await;
    create(&server, "channels", "ada-fans", &[], &bob).await;
    create(&server, "groups", "ada-private", &["ada"], &bob).await;
    create(&server, "groups", "ada-hidden", &[], &bob).await;

    let found = server
        .get("/api/v1/spotlight?query=ada", Some(&ada))
        .await
        .ok();

    assert_eq!(field(&found, "users", "username"), ["ada", "adam"]);
    assert_eq!(field(&found, "rooms", "name"), ["ada-fans", "ada-private"]);
    assert!(found["users"][0]["status"].is_string(), "{found}");
    assert!(found["users"][0].get("emails").is_none(), "{found}");
}

#[tokio::test(flavor = "multi_thread")]
async fn spotlight_prefixes_pick_users_or_rooms() {
    let server = TestServer::start().await;
    let ada = server.user("ada").await;
    create(&server, "channels", "ada-fans", &[], &ada).await;

    let users = server
        .get("/api/v1/spotlight?query=%40ada", Some(&ada))
        .await
        .ok();
    let rooms = server
        .get("/api/v1/spotlight?query=%23ada", Some(&ada))
        .await
        .ok();

    assert_eq!(field(&users, "users", "username"), ["ada"]);
    assert_eq!(users["rooms"], json!([]));
    assert_eq!(rooms["users"], json!([]));
    assert_eq!(field(&rooms, "rooms", "name"), ["ada-fans"]);
    server
        .get("/api/v1/spotlight", Some(&ada))
        .await
        .fails(400, "error-invalid-params");
}
