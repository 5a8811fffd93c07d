//! The apps admin API end to end, part one: a real server with no apps
//! configured, real packages of the test apps signed by a trusted
//! publisher, uploaded, reviewed, granted and enabled over REST; grants
//! narrowed and revoked; settings; trusted keys and development mode; the
//! audit log; and that every admin route refuses everyone but an admin.
//! (Updates, uninstalls, restarts and a hostile app are in
//! `apps_admin_lifecycle.rs`.)

mod apps_admin_support;
mod apps_support;
use capsule_server_harness as common;

use std::net::SocketAddr;
use std::sync::Arc;

use apps_admin_support::{
    actions, app, audit_of, delete, edited, install, say, set_enabled, signed, signed_zip,
    trust_file_as_body, trust_file_uploaded, trusting, unsigned_zip, update, upload,
};
use apps_support::{Publisher, files_of, guest};
use axum::Router;
use axum::routing::get;
use capsule_server::api::endpoints;
use capsule_server::api::routes::Access;
use capsule_server::config::Config;
use common::{Answer, Session, TestServer};
use parking_lot::Mutex;
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

/// The capability names in a list of permissions.
fn names(permissions: &Value) -> Vec<String> {
    let mut names: Vec<String> = permissions
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {permissions}"))
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_app_is_reviewed_then_granted_and_then_modifies_messages() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;

    let uploaded = upload(&server, Some(&admin), signed(&publisher, "modifier"), None)
        .await
        .ok();
    let review = uploaded["app"].clone();
    let before_grant = say(&server, &admin, GENERAL, "before the grant").await;
    let enable_ungranted = set_enabled(&server, &admin, "modifier", true).await;
    let granted = server
        .post(
            "/api/apps/modifier/grants",
            json!({"permissions": "all"}),
            Some(&admin),
        )
        .await
        .ok();
    let after_grant = say(&server, &admin, GENERAL, "after the grant").await;
    let disabled = set_enabled(&server, &admin, "modifier", false).await.ok();
    let while_disabled = say(&server, &admin, GENERAL, "while disabled").await;
    let enabled = set_enabled(&server, &admin, "modifier", true).await.ok();
    let after = say(&server, &admin, GENERAL, "enabled again").await;
    let listed = server.get("/api/apps", Some(&admin)).await.ok();
    let bad_status = server
        .post(
            "/api/apps/modifier/status",
            json!({"status": "enabled"}),
            Some(&admin),
        )
        .await;

    assert_eq!(review["id"], "modifier");
    assert_eq!(review["status"], "awaiting_grant", "{review}");
    assert_eq!(review["manifest"]["name"], "Modifier");
    assert_eq!(review["manifest"]["version"], "0.1.0");
    assert_eq!(names(&review["requestedPermissions"]), ["settings"]);
    assert_eq!(review["requiredImports"], json!(["settings"]), "{review}");
    assert!(review["grantedPermissions"].is_null(), "{review}");
    assert_eq!(review["signature"]["kind"], "signed");
    assert_eq!(review["signature"]["keyId"], publisher.key.key_id());
    assert_eq!(
        before_grant, "before the grant",
        "an ungranted upload does not run"
    );
    enable_ungranted.fails(400, "error-app-refused");
    assert_eq!(names(&granted["app"]["grantedPermissions"]), ["settings"]);
    assert_eq!(
        granted["app"]["status"], "enabled",
        "a grant installs and enables"
    );
    assert_eq!(after_grant, "after the grant [mod]");
    assert_eq!(disabled["status"], "manually_disabled");
    assert_eq!(disabled["app"]["status"], "disabled");
    assert_eq!(while_disabled, "while disabled");
    assert_eq!(enabled["status"], "manually_enabled");
    assert_eq!(enabled["app"]["status"], "enabled");
    assert_eq!(after, "enabled again [mod]");
    let apps = listed["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["id"], "modifier");
    assert_eq!(apps[0]["status"], "enabled");
    let refused = bad_status.fails(400, "error-invalid-params");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("manually_enabled"),
        "{refused}"
    );

    let entries = audit_of(&server, &admin, "modifier").await;
    assert_eq!(
        actions(&entries),
        ["app.upload", "app.install", "app.disable", "app.enable"]
    );
    for entry in &entries {
        assert_eq!(entry["actor"]["username"], "admin", "{entry}");
        assert_eq!(entry["actor"]["_id"], admin.user_id, "{entry}");
        assert!(entry["ts"].as_str().unwrap().ends_with('Z'), "{entry}");
        assert_eq!(entry["appId"], "modifier");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_granted_at_upload_answers_its_endpoint_and_runs_its_command() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;

    let installed = install(&server, &admin, signed(&publisher, "everything")).await;
    let endpoint = server
        .post("/api/apps/public/everything/echo", json!({"ping": 1}), None)
        .await;
    let command = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "params": "hi there", "roomId": GENERAL}),
            Some(&alice),
        )
        .await
        .ok();
    let commands = server.get("/api/v1/commands.list", Some(&alice)).await.ok();
    let logs = server
        .get("/api/apps/everything/logs?count=10", Some(&admin))
        .await
        .ok();
    let no_logs = server
        .get("/api/apps/everything/logs?count=0", Some(&admin))
        .await;

    assert_eq!(installed["status"], "enabled", "{installed}");
    assert_eq!(endpoint.status, 200, "{}", endpoint.body);
    assert_eq!(endpoint.body["endpoint"], "echo", "{}", endpoint.body);
    assert_eq!(
        command["result"],
        json!({"outcome": "answered", "text": "hi there"})
    );
    let listed: Vec<&str> = commands["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"echo"), "{listed:?}");
    let lines = logs["logs"].to_string();
    assert!(
        lines.contains("installing"),
        "the app's own log lines: {logs}"
    );
    assert!(lines.contains("/echo by alice"), "{logs}");
    assert!(logs["health"]["calls"].as_u64().unwrap() >= 2, "{logs}");
    let refused = no_logs.fails(400, "error-invalid-params");
    assert!(
        refused["error"].as_str().unwrap().contains("count"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_leaving_an_imported_capability_out_is_refused_with_the_list() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    upload(
        &server,
        Some(&admin),
        signed(&publisher, "everything"),
        None,
    )
    .await
    .ok();

    let subset = server
        .post(
            "/api/apps/everything/grants",
            json!({"permissions": [{"name": "kv"}, {"name": "logging"}]}),
            Some(&admin),
        )
        .await;
    let not_requested = server
        .post(
            "/api/apps/everything/grants",
            json!({"permissions": [{"name": "kv"}, {"name": "http-outbound", "hosts": ["127.0.0.1:1"]}]}),
            Some(&admin),
        )
        .await;
    let malformed = server
        .post(
            "/api/apps/everything/grants",
            json!({"permissions": [{"nam": "kv"}]}),
            Some(&admin),
        )
        .await;
    let still = app(&server, &admin, "everything").await;

    let refused = subset.fails(400, "error-app-missing-grants");
    let missing: Vec<String> = serde_json::from_value(refused["details"]["missing"].clone())
        .unwrap_or_else(|_| panic!("a list of capability names: {refused}"));
    assert!(missing.contains(&"message-write".to_owned()), "{refused}");
    assert!(missing.contains(&"settings".to_owned()), "{refused}");
    assert!(!missing.contains(&"kv".to_owned()), "{refused}");
    let message = refused["error"].as_str().unwrap();
    assert!(message.contains("`message-write`"), "{message}");
    let refused = not_requested.fails(400, "error-app-not-requested");
    assert!(
        refused["error"].as_str().unwrap().contains("http-outbound"),
        "{refused}"
    );
    let refused = malformed.fails(400, "error-invalid-params");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("permissions[0]"),
        "{refused}"
    );
    assert_eq!(
        still["status"], "awaiting_grant",
        "a refused grant changes nothing"
    );
}

/// A local HTTP service on 127.0.0.1 that counts the requests it gets.
struct Fake {
    addr: SocketAddr,
    hits: Arc<Mutex<u32>>,
}

impl Fake {
    async fn start() -> Fake {
        let hits = Arc::new(Mutex::new(0));
        let counted = hits.clone();
        let app = Router::new().route(
            "/hello",
            get(move || {
                let counted = counted.clone();
                async move {
                    *counted.lock() += 1;
                    "hello from the fake"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake binds");
        let addr = listener.local_addr().expect("a local address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake { addr, hits }
    }

    fn hits(&self) -> u32 {
        *self.hits.lock()
    }
}

/// Has `fetcher` GET `url`; answers its JSON outcome.
async fn fetch(server: &TestServer, url: &str) -> Value {
    let answer = server
        .post("/api/apps/public/fetcher/fetch", json!({"url": url}), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_host_denies_the_apps_next_call_to_it() {
    let kept = Fake::start().await;
    let revoked = Fake::start().await;
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let hosts = [kept.addr.to_string(), revoked.addr.to_string()];
    let fetcher = signed_zip(
        &publisher,
        &edited("fetcher", |m| {
            m["permissions"] = json!([{"name": "kv"}, {"name": "http-outbound", "hosts": hosts}]);
        }),
    );
    install(&server, &admin, fetcher).await;
    let revoked_url = format!("http://{}/hello", revoked.addr);
    let kept_url = format!("http://{}/hello", kept.addr);

    let before = fetch(&server, &revoked_url).await;
    let narrowed = server
        .post(
            "/api/apps/fetcher/grants",
            json!({"permissions": [{"name": "kv"}, {"name": "http-outbound", "hosts": [kept.addr.to_string()]}]}),
            Some(&admin),
        )
        .await
        .ok();
    let denied = fetch(&server, &revoked_url).await;
    let still = fetch(&server, &kept_url).await;

    assert_eq!(before["body"], "hello from the fake", "{before}");
    let granted = &narrowed["app"]["grantedPermissions"];
    let outbound = granted
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "http-outbound")
        .expect("http-outbound is still granted");
    assert_eq!(outbound["hosts"], json!([kept.addr.to_string()]));
    assert_eq!(narrowed["app"]["status"], "enabled", "{narrowed}");
    let error = denied["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{denied}"));
    assert!(error.contains("permission denied"), "{error}");
    assert_eq!(revoked.hits(), 1, "the revoked host is not reached again");
    assert_eq!(still["body"], "hello from the fake", "{still}");
    assert_eq!(kept.hits(), 1);
}

/// `modifier` with more settings: a number, a secret and a required one.
fn modifier_with_settings(publisher: &Publisher) -> Vec<u8> {
    signed_zip(
        publisher,
        &edited("modifier", |m| {
            m["settings"] = json!([
                {"id": "tag", "type": "text", "label": "Tag", "default": "mod"},
                {"id": "limit", "type": "number", "label": "Limit", "default": 3},
                {"id": "token", "type": "text", "label": "Token", "secret": true},
                {"id": "owner", "type": "text", "label": "Owner", "required": true}
            ]);
        }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_are_typed_secret_and_required_before_enabling() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    upload(
        &server,
        Some(&admin),
        modifier_with_settings(&publisher),
        Some("all"),
    )
    .await
    .ok();
    let settings_path = "/api/apps/modifier/settings";

    let unset = app(&server, &admin, "modifier").await;
    let enable_refused = set_enabled(&server, &admin, "modifier", true).await;
    let wrong_type = server
        .post(
            settings_path,
            json!({"settings": {"limit": "three"}}),
            Some(&admin),
        )
        .await;
    let undeclared = server
        .post(
            settings_path,
            json!({"settings": {"colour": "red"}}),
            Some(&admin),
        )
        .await;
    let changed = server
        .post(
            settings_path,
            json!({"settings": [{"id": "owner", "value": "ops"}, {"id": "token", "value": "s3cr3t-value"}, {"id": "tag", "value": "live"}]}),
            Some(&admin),
        )
        .await;
    let enabled = set_enabled(&server, &admin, "modifier", true).await.ok();
    let modified = say(&server, &admin, GENERAL, "tagged").await;
    let listed = server.get(settings_path, Some(&admin)).await;
    server
        .post(
            settings_path,
            json!({"settings": {"tag": "changed"}}),
            Some(&admin),
        )
        .await
        .ok();
    let live = say(&server, &admin, GENERAL, "retagged").await;

    assert_eq!(unset["status"], "invalid_settings", "{unset}");
    assert!(
        unset["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("owner"),
        "{unset}"
    );
    enable_refused.fails(400, "error-app-invalid-settings");
    let refused = wrong_type.fails(400, "error-app-invalid-settings");
    assert!(
        refused["error"].as_str().unwrap().contains("limit"),
        "{refused}"
    );
    assert!(
        refused["details"]["settings"].to_string().contains("limit"),
        "{refused}"
    );
    let refused = undeclared.fails(400, "error-app-invalid-settings");
    assert!(
        refused["error"].as_str().unwrap().contains("colour"),
        "{refused}"
    );
    let changed = changed.ok();
    assert_eq!(changed["settings"]["owner"]["value"], "ops");
    assert_eq!(enabled["app"]["status"], "enabled");
    assert_eq!(modified, "tagged [live]");
    assert_eq!(
        live, "retagged [changed]",
        "a change applies to the next message"
    );
    let text = listed.body.to_string();
    assert!(
        !text.contains("s3cr3t-value"),
        "a secret is never answered: {text}"
    );
    let settings = &listed.ok()["settings"];
    assert_eq!(settings["token"]["set"], true, "{settings}");
    assert!(
        settings["token"].get("value").is_none_or(Value::is_null),
        "{settings}"
    );
    assert_eq!(settings["limit"]["default"], 3);
    assert_eq!(settings["limit"]["set"], false, "{settings}");
    assert_eq!(settings["limit"]["type"], "number");
    let audit = audit_of(&server, &admin, "modifier").await;
    assert!(
        !Value::from(audit.clone())
            .to_string()
            .contains("s3cr3t-value"),
        "{audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trusted_keys_are_added_listed_and_removed_refusing_the_apps_they_signed() {
    let publisher = Publisher::new("acme");
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let key_text = std::fs::read_to_string(&publisher.public_key_file).unwrap();

    let untrusted = upload(&server, Some(&admin), signed(&publisher, "modifier"), None).await;
    let added = server
        .post(
            "/api/apps/trusted-keys",
            json!({"key": key_text}),
            Some(&admin),
        )
        .await
        .ok();
    let listed = server
        .get("/api/apps/trusted-keys", Some(&admin))
        .await
        .ok();
    install(&server, &admin, signed(&publisher, "modifier")).await;
    let modified = say(&server, &admin, GENERAL, "trusted").await;
    let bad_key = server
        .post(
            "/api/apps/trusted-keys",
            json!({"key": "not a key"}),
            Some(&admin),
        )
        .await;
    let key_id = publisher.key.key_id().to_owned();
    let removed = delete(
        &server,
        &format!("/api/apps/trusted-keys/{key_id}"),
        Some(&admin),
    )
    .await
    .ok();
    let refused = app(&server, &admin, "modifier").await;
    let unmodified = say(&server, &admin, GENERAL, "no longer trusted").await;
    let after = server
        .get("/api/apps/trusted-keys", Some(&admin))
        .await
        .ok();

    let error = untrusted.fails(400, "error-app-refused");
    assert!(
        error["error"].as_str().unwrap().contains(&key_id),
        "{error}"
    );
    assert_eq!(added["key"]["keyId"], key_id, "{added}");
    assert!(
        listed["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["keyId"] == key_id),
        "{listed}"
    );
    assert_eq!(modified, "trusted [mod]");
    bad_key.fails(400, "error-app-invalid-key");
    assert_eq!(removed["refused"], json!(["modifier"]));
    assert_eq!(refused["status"], "refused", "{refused}");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or_default()
            .contains(&key_id),
        "the reason names the key: {refused}"
    );
    assert_eq!(
        unmodified, "no longer trusted",
        "a refused app does not run"
    );
    assert!(
        !after["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["keyId"] == key_id),
        "{after}"
    );
    let audit = server.get("/api/apps/audit", Some(&admin)).await.ok();
    let all = actions(audit["entries"].as_array().unwrap());
    assert!(all.contains(&"trusted-key.add".to_owned()), "{all:?}");
    assert!(all.contains(&"trusted-key.remove".to_owned()), "{all:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_file_is_trusted_as_it_is_sent_as_the_body_uploaded_or_under_key() {
    let [as_body, uploaded, as_object] = ["acme", "globex", "initech"].map(Publisher::new);
    let file_of = |publisher: &Publisher| std::fs::read(&publisher.public_key_file).unwrap();
    let server = TestServer::start().await;
    let admin = server.admin().await;

    let by_body = trust_file_as_body(&server, &admin, &file_of(&as_body)).await;
    let by_upload = trust_file_uploaded(&server, &admin, "key", &file_of(&uploaded)).await;
    let object: Value = serde_json::from_slice(&file_of(&as_object)).unwrap();
    let by_object = server
        .post(
            "/api/apps/trusted-keys",
            json!({"key": object}),
            Some(&admin),
        )
        .await;
    let listed = server
        .get("/api/apps/trusted-keys", Some(&admin))
        .await
        .ok();
    let wrong_field = trust_file_uploaded(&server, &admin, "file", &file_of(&as_body)).await;
    let secret = trust_file_as_body(&server, &admin, as_body.key.to_json().as_bytes()).await;
    let not_a_file = server
        .post("/api/apps/trusted-keys", json!({"key": 7}), Some(&admin))
        .await;

    for (answer, publisher) in [
        (by_body, &as_body),
        (by_upload, &uploaded),
        (by_object, &as_object),
    ] {
        let answer = answer.ok();
        assert_eq!(answer["key"]["keyId"], publisher.key.key_id(), "{answer}");
    }
    let trusted: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["publisher"].as_str())
        .collect();
    assert_eq!(trusted.len(), 3, "{listed}");
    for name in ["acme", "globex", "initech"] {
        assert!(trusted.contains(&name), "{listed}");
    }
    let refused = wrong_field.fails(400, "error-invalid-params");
    assert!(
        refused["error"].as_str().unwrap().contains("`file`"),
        "{refused}"
    );
    let refused = secret.fails(400, "error-app-invalid-key");
    assert!(
        refused["error"].as_str().unwrap().contains("SECRET"),
        "{refused}"
    );
    let refused = not_a_file.fails(400, "error-invalid-params");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("public key file"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_key_stays_and_an_unknown_key_is_named() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let key_id = publisher.key.key_id().to_owned();

    let listed = server
        .get("/api/apps/trusted-keys", Some(&admin))
        .await
        .ok();
    let configured = delete(
        &server,
        &format!("/api/apps/trusted-keys/{key_id}"),
        Some(&admin),
    )
    .await;
    let unknown = delete(
        &server,
        "/api/apps/trusted-keys/0123456789abcdef",
        Some(&admin),
    )
    .await;
    let missing = server
        .post("/api/apps/trusted-keys", json!({}), Some(&admin))
        .await;

    assert_eq!(
        listed["keys"],
        json!([{"keyId": key_id, "publisher": "acme", "source": "config"}])
    );
    let refused = configured.fails(400, "error-app-invalid-key");
    assert!(
        refused["error"].as_str().unwrap().contains("configuration"),
        "{refused}"
    );
    let refused = unknown.fails(404, "error-app-key-not-found");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("0123456789abcdef"),
        "{refused}"
    );
    missing.fails(400, "error-invalid-params");
}

#[tokio::test(flavor = "multi_thread")]
async fn development_mode_decides_whether_unsigned_packages_are_accepted() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let unsigned = || unsigned_zip(&files_of(guest("modifier")));

    let initially = server.get("/api/apps/development", Some(&admin)).await.ok();
    let refused = upload(&server, Some(&admin), unsigned(), None).await;
    let switched_on = server
        .post(
            "/api/apps/development",
            json!({"enabled": true}),
            Some(&admin),
        )
        .await
        .ok();
    let accepted = upload(&server, Some(&admin), unsigned(), None).await.ok();
    let switched_off = server
        .post(
            "/api/apps/development",
            json!({"enabled": false}),
            Some(&admin),
        )
        .await
        .ok();
    let refused_again = upload(
        &server,
        Some(&admin),
        unsigned_zip(&edited("everything", |_| {})),
        None,
    )
    .await;
    let missing_field = server
        .post("/api/apps/development", json!({}), Some(&admin))
        .await;

    assert_eq!(initially["enabled"], false);
    let error = refused.fails(400, "error-app-refused");
    assert!(
        error["error"].as_str().unwrap().contains("not signed"),
        "{error}"
    );
    assert_eq!(switched_on["enabled"], true);
    assert_eq!(accepted["app"]["signature"]["kind"], "unsigned");
    assert_eq!(switched_off["enabled"], false);
    refused_again.fails(400, "error-app-refused");
    missing_field.fails(400, "error-invalid-params");
    let audit = server.get("/api/apps/audit", Some(&admin)).await.ok();
    let development: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "development.set")
        .collect();
    assert_eq!(development.len(), 2, "{audit}");
    assert!(
        development
            .iter()
            .all(|e| e["actor"]["username"] == "admin")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_that_are_not_packages_are_refused_naming_the_problem() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;

    let garbage = upload(&server, Some(&admin), b"not a zip".to_vec(), None).await;
    let json_body = server
        .post(
            "/api/apps",
            json!({"url": "http://127.0.0.1:1/app.zip"}),
            Some(&admin),
        )
        .await;
    let bad_grant = upload(
        &server,
        Some(&admin),
        signed(&publisher, "modifier"),
        Some("some of it"),
    )
    .await;
    let reserved = upload(
        &server,
        Some(&admin),
        signed_zip(
            &publisher,
            &edited("modifier", |m| m["id"] = json!("audit")),
        ),
        None,
    )
    .await;
    let waiting = upload(&server, Some(&admin), signed(&publisher, "modifier"), None)
        .await
        .ok();
    let replaced = upload(
        &server,
        Some(&admin),
        signed(&publisher, "modifier"),
        Some("all"),
    )
    .await
    .ok();
    let twice = upload(&server, Some(&admin), signed(&publisher, "modifier"), None).await;
    let unknown = server.get("/api/apps/nosuch", Some(&admin)).await;
    let update_unknown = update(
        &server,
        Some(&admin),
        "nosuch",
        signed(&publisher, "modifier"),
        None,
    )
    .await;

    garbage.fails(400, "error-app-invalid-package");
    let error = json_body.fails(400, "error-invalid-params");
    assert!(
        error["error"].as_str().unwrap().contains("`app`"),
        "{error}"
    );
    let error = bad_grant.fails(400, "error-invalid-params");
    assert!(
        error["error"].as_str().unwrap().contains("permissions"),
        "{error}"
    );
    reserved.fails(400, "error-app-reserved-id");
    assert_eq!(waiting["app"]["status"], "awaiting_grant");
    assert_eq!(
        replaced["app"]["status"], "enabled",
        "a new upload replaces a waiting one"
    );
    twice.fails(400, "error-app-already-installed");
    unknown.fails(404, "error-app-not-found");
    update_unknown.fails(404, "error-app-not-found");
}

/// `len` bytes that do not compress (xorshift), so a zip holding them is
/// as large.
fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_larger_than_the_json_body_limit_is_accepted() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let json_limit =
        Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), server.dir.path()).max_body_bytes;
    let mut files = files_of(guest("modifier"));
    files.insert("assets/blob.bin".to_owned(), incompressible(json_limit * 3));
    let package = signed_zip(&publisher, &files);
    let json_too_large = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "text": "x".repeat(json_limit * 2)}),
            Some(&admin),
        )
        .await;

    let uploaded = upload(&server, Some(&admin), package.clone(), Some("all")).await;

    assert!(package.len() > json_limit * 2, "{} bytes", package.len());
    json_too_large.fails(413, "error-payload-too-large");
    assert_eq!(uploaded.ok()["app"]["status"], "enabled");
}

/// One admin route called as `session`: its method, a concrete path, and
/// a body of the kind it takes.
async fn call(server: &TestServer, method: &str, path: &str, session: Option<&Session>) -> Answer {
    match method {
        "GET" => server.get(path, session).await,
        "DELETE" => delete(server, path, session).await,
        "POST" if path == "/api/apps" => upload(server, session, b"x".to_vec(), None).await,
        _ => server.post(path, json!({}), session).await,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_apps_admin_route_refuses_anyone_but_an_admin() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let plain = server.signed_in("plain").await;
    install(&server, &admin, signed(&publisher, "modifier")).await;
    let routes: Vec<_> = endpoints()
        .into_iter()
        .filter(|e| e.path.starts_with("/api/apps") && e.path != "/api/apps/ui.interaction/{appId}")
        .collect();

    for endpoint in &routes {
        let path = endpoint
            .path
            .replace("{id}", "modifier")
            .replace("{keyId}", publisher.key.key_id());
        assert_eq!(endpoint.access, Access::Admin, "{} {path}", endpoint.method);
        let anonymous = call(&server, endpoint.method, &path, None).await;
        let user = call(&server, endpoint.method, &path, Some(&plain)).await;
        assert_eq!(
            anonymous.status, 401,
            "{} {path}: {}",
            endpoint.method, anonymous.body
        );
        assert_eq!(
            user.status, 403,
            "{} {path}: {}",
            endpoint.method, user.body
        );
        assert_eq!(
            user.body["errorType"], "error-unauthorized",
            "{}",
            user.body
        );
    }

    assert_eq!(routes.len(), 16, "every route of the brief is checked");
    let still = app(&server, &admin, "modifier").await;
    assert_eq!(still["status"], "enabled", "nothing was changed: {still}");
    assert_eq!(say(&server, &plain, GENERAL, "hi").await, "hi [mod]");
}
