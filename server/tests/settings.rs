//! `settings.*` over HTTP: reading public and private settings, changing
//! them, and the refusals.

use capsule_server_harness as common;

use common::TestServer;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<String> {
    body["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .map(|s| s["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn public_settings_need_no_sign_in_and_hold_only_public_ones() {
    let server = TestServer::start().await;

    let body = server
        .get("/api/v1/settings.public?count=0", None)
        .await
        .ok();

    let ids = ids(&body);
    assert!(ids.contains(&"Site_Name".to_owned()), "{body}");
    assert!(
        !ids.iter()
            .any(|id| id.starts_with("Accounts_Block_Failed_Login")),
        "{body}"
    );
    let site_name = body["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["_id"] == "Site_Name")
        .unwrap();
    assert_eq!(site_name, &json!({"_id": "Site_Name", "value": "Capsule"}));
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(body["total"].as_u64(), Some(ids.len() as u64));
}

#[tokio::test(flavor = "multi_thread")]
async fn public_settings_are_paged_sorted_and_picked_by_id() {
    let server = TestServer::start().await;
    let all = server
        .get("/api/v1/settings.public?count=0", None)
        .await
        .ok();
    let total = all["total"].as_u64().unwrap();

    let page = server
        .get("/api/v1/settings.public?offset=1&count=2", None)
        .await
        .ok();
    let newest_first = server
        .get(
            "/api/v1/settings.public?count=1&sort=%7B%22_id%22%3A-1%7D",
            None,
        )
        .await
        .ok();
    let picked = server.get("/api/v1/settings.public?_id=Site_Name,Language,Accounts_Block_Failed_Login_Window_Minutes", None).await.ok();

    assert_eq!(ids(&page), ids(&all)[1..3]);
    assert_eq!(
        (
            page["count"].as_u64(),
            page["offset"].as_u64(),
            page["total"].as_u64()
        ),
        (Some(2), Some(1), Some(total))
    );
    assert_eq!(ids(&newest_first), [ids(&all).last().unwrap().clone()]);
    assert_eq!(ids(&picked), ["Language", "Site_Name"]);
    server
        .get("/api/v1/settings.public?sort=%7B%22value%22%3A1%7D", None)
        .await
        .fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_read_every_setting_with_its_type_group_and_default() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let plain = server.user("plain").await;

    let as_admin = server
        .get("/api/v1/settings?count=0", Some(&admin))
        .await
        .ok();
    let as_user = server
        .get("/api/v1/settings?count=0", Some(&plain))
        .await
        .ok();
    let one = server
        .get("/api/v1/settings/Accounts_RegistrationForm", Some(&admin))
        .await
        .ok();

    let window = as_admin["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["_id"] == "Accounts_Block_Failed_Login_Window_Minutes")
        .expect("private settings for admins");
    assert_eq!(window["type"], "int");
    assert_eq!(window["public"], false);
    assert_eq!(window["group"], "Accounts");
    assert_eq!(window["packageValue"], 5);
    assert_eq!(window["value"], 5);
    assert!(
        ids(&as_user)
            .iter()
            .all(|id| !id.starts_with("Accounts_Block")),
        "{as_user}"
    );
    assert!(ids(&as_user).contains(&"Site_Name".to_owned()));
    assert_eq!(one["_id"], "Accounts_RegistrationForm");
    assert_eq!(one["value"], "Public");
    assert_eq!(one["type"], "select");
    assert_eq!(
        one["values"],
        json!([{"key": "Public", "i18nLabel": "Public"}, {"key": "Disabled", "i18nLabel": "Disabled"}])
    );
    server
        .get("/api/v1/settings", None)
        .await
        .fails(401, "error-unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_change_settings_and_the_change_survives_a_restart() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    server
        .post(
            "/api/v1/settings/Site_Name",
            json!({"value": "Team Chat"}),
            Some(&admin),
        )
        .await
        .ok();

    let public = server
        .get("/api/v1/settings.public?_id=Site_Name", None)
        .await
        .ok();
    assert_eq!(public["settings"][0]["value"], "Team Chat");
    let server = TestServer::start_in(server.stop().await).await;
    let admin = server.admin().await;
    let one = server
        .get("/api/v1/settings/Site_Name", Some(&admin))
        .await
        .ok();
    assert_eq!(one["value"], "Team Chat");
    assert_eq!(one["packageValue"], "Capsule");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_of_the_wrong_type_is_refused_naming_the_setting_and_type() {
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let wrong_type = server
        .post(
            "/api/v1/settings/Message_MaxAllowedSize",
            json!({"value": "big"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-setting");
    let wrong_option = server
        .post(
            "/api/v1/settings/Accounts_RegistrationForm",
            json!({"value": "Sometimes"}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-setting");

    let message = wrong_type["error"].as_str().unwrap();
    assert!(
        message.contains("Message_MaxAllowedSize") && message.contains("int"),
        "{message}"
    );
    let message = wrong_option["error"].as_str().unwrap();
    assert!(
        message.contains("Public") && message.contains("Disabled"),
        "{message}"
    );
    let unchanged = server
        .get("/api/v1/settings/Message_MaxAllowedSize", Some(&admin))
        .await
        .ok();
    assert_eq!(unchanged["value"], 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_settings_missing_values_and_non_admins_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let plain = server.user("plain").await;

    let unknown = server
        .post(
            "/api/v1/settings/No_Such_Setting",
            json!({"value": 1}),
            Some(&admin),
        )
        .await
        .fails(400, "error-invalid-setting");
    assert!(
        unknown["error"]
            .as_str()
            .unwrap()
            .contains("No_Such_Setting"),
        "{unknown}"
    );
    server
        .get("/api/v1/settings/No_Such_Setting", Some(&admin))
        .await
        .fails(400, "error-invalid-setting");
    server
        .post("/api/v1/settings/Site_Name", json!({}), Some(&admin))
        .await
        .fails(400, "error-invalid-params");
    server
        .post(
            "/api/v1/settings/Site_Name",
            json!({"value": "x"}),
            Some(&plain),
        )
        .await
        .fails(403, "error-unauthorized");
    server
        .get("/api/v1/settings/Site_Name", Some(&plain))
        .await
        .fails(403, "error-unauthorized");
    server
        .post("/api/v1/settings/Site_Name", json!({"value": "x"}), None)
        .await
        .fails(401, "error-unauthorized");
}
