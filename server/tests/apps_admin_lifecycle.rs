//! The apps admin API end to end, part two: what happens to an installed
//! app over time. Updates (one asking for more waits for a grant while
//! the old version keeps running), downgrades refused, uninstalling with
//! and without its data, everything an admin set kept over a restart, and
//! a hostile app disabled with its reason while chatting goes on.

mod apps_admin_support;
mod apps_support;
use capsule_server_harness as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use apps_admin_support::{
    actions, app, audit_of, delete, edited, install, say, set_enabled, signed, signed_version,
    signed_zip, trusting, update,
};
use apps_support::{Publisher, eventually, kv_text};
use common::{Session, TestServer};
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

/// `modifier` at `version`, its tag defaulting to `tag`, asking for
/// `permissions`.
fn modifier(publisher: &Publisher, version: &str, tag: &str, permissions: Value) -> Vec<u8> {
    signed_zip(
        publisher,
        &edited("modifier", |m| {
            m["version"] = json!(version);
            m["permissions"] = permissions;
            m["settings"][0]["default"] = json!(tag);
        }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_asking_for_a_new_permission_waits_for_its_grant_and_then_runs() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    install(
        &server,
        &admin,
        modifier(&publisher, "0.1.0", "v1", json!([{"name": "settings"}])),
    )
    .await;

    let waiting = update(
        &server,
        Some(&admin),
        "modifier",
        modifier(
            &publisher,
            "0.2.0",
            "v2",
            json!([{"name": "settings"}, {"name": "kv"}]),
        ),
        None,
    )
    .await
    .ok();
    let meanwhile = say(&server, &admin, GENERAL, "during the review").await;
    let granted = server
        .post(
            "/api/apps/modifier/grants",
            json!({"permissions": "all"}),
            Some(&admin),
        )
        .await
        .ok();
    let after = say(&server, &admin, GENERAL, "after the grant").await;
    let same_asks = update(
        &server,
        Some(&admin),
        "modifier",
        modifier(
            &publisher,
            "0.3.0",
            "v3",
            json!([{"name": "settings"}, {"name": "kv"}]),
        ),
        None,
    )
    .await
    .ok();
    let straight = say(&server, &admin, GENERAL, "no new asks").await;

    let app_waiting = &waiting["app"];
    assert_eq!(app_waiting["version"], "0.1.0", "{app_waiting}");
    assert_eq!(app_waiting["status"], "enabled");
    assert_eq!(
        app_waiting["pendingUpdate"]["version"], "0.2.0",
        "{app_waiting}"
    );
    let asked = app_waiting["pendingUpdate"]["permissions"].to_string();
    assert!(asked.contains("\"kv\""), "{app_waiting}");
    assert_eq!(
        meanwhile, "during the review [v1]",
        "the old version keeps running"
    );
    assert_eq!(granted["app"]["version"], "0.2.0", "{granted}");
    assert!(granted["app"]["pendingUpdate"].is_null(), "{granted}");
    assert_eq!(granted["app"]["status"], "enabled");
    assert_eq!(after, "after the grant [v2]");
    assert_eq!(
        same_asks["app"]["version"], "0.3.0",
        "nothing new to grant: {same_asks}"
    );
    assert_eq!(straight, "no new asks [v3]");
    let entries = audit_of(&server, &admin, "modifier").await;
    let done = actions(&entries);
    assert!(
        done.iter().filter(|a| a.starts_with("app.update")).count() >= 2,
        "{done:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_waiting_update_uploaded_again_can_still_be_granted() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    install(
        &server,
        &admin,
        modifier(&publisher, "0.1.0", "v1", json!([{"name": "settings"}])),
    )
    .await;
    let v2 = modifier(
        &publisher,
        "0.2.0",
        "v2",
        json!([{"name": "settings"}, {"name": "kv"}]),
    );

    // The retry after a refused grant: the very same package again.
    update(&server, Some(&admin), "modifier", v2.clone(), None)
        .await
        .ok();
    let again = update(&server, Some(&admin), "modifier", v2, None)
        .await
        .ok();
    let granted = server
        .post(
            "/api/apps/modifier/grants",
            json!({"permissions": "all"}),
            Some(&admin),
        )
        .await
        .ok();
    let after = say(&server, &admin, GENERAL, "after the retry").await;

    assert_eq!(again["app"]["pendingUpdate"]["version"], "0.2.0", "{again}");
    assert_eq!(granted["app"]["version"], "0.2.0", "{granted}");
    assert_eq!(granted["app"]["status"], "enabled", "{granted}");
    assert_eq!(after, "after the retry [v2]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_downgrade_or_the_same_version_is_refused() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    install(
        &server,
        &admin,
        signed_version(&publisher, "modifier", "0.2.0"),
    )
    .await;

    let older = update(
        &server,
        Some(&admin),
        "modifier",
        signed_version(&publisher, "modifier", "0.1.0"),
        None,
    )
    .await;
    let same = update(
        &server,
        Some(&admin),
        "modifier",
        signed_version(&publisher, "modifier", "0.2.0"),
        None,
    )
    .await;
    let other_app = update(
        &server,
        Some(&admin),
        "modifier",
        signed_version(&publisher, "everything", "0.9.0"),
        None,
    )
    .await;
    let still = app(&server, &admin, "modifier").await;

    let refused = older.fails(400, "error-app-downgrade");
    assert_eq!(refused["details"]["installed"], "0.2.0", "{refused}");
    assert_eq!(refused["details"]["uploaded"], "0.1.0", "{refused}");
    let refused = same.fails(400, "error-app-already-installed");
    assert!(
        refused["error"].as_str().unwrap().contains("0.2.0"),
        "{refused}"
    );
    let refused = other_app.fails(400, "error-app-invalid-package");
    assert!(
        refused["error"].as_str().unwrap().contains("everything"),
        "{refused}"
    );
    assert_eq!(still["version"], "0.2.0");
    assert_eq!(still["status"], "enabled");
}

/// Has `fetcher` run one key-value operation.
async fn kv(server: &TestServer, operation: Value) -> Value {
    let answer = server
        .post("/api/apps/public/fetcher/kv", operation, None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[tokio::test(flavor = "multi_thread")]
async fn uninstalling_removes_the_apps_data_unless_the_admin_keeps_it() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let chat = server.chat_domain();
    install(&server, &admin, signed(&publisher, "fetcher")).await;
    kv(
        &server,
        json!({"op": "set", "key": "colour", "value": "teal"}),
    )
    .await;

    let kept = delete(&server, "/api/apps/fetcher?keepData=true", Some(&admin))
        .await
        .ok();
    let kept_value = kv_text(chat, "fetcher", "colour").await;
    let gone = server.get("/api/apps/fetcher", Some(&admin)).await;
    let endpoint_gone = server
        .post(
            "/api/apps/public/fetcher/kv",
            json!({"op": "get", "key": "colour"}),
            None,
        )
        .await;
    install(&server, &admin, signed(&publisher, "fetcher")).await;
    let read_again = kv(&server, json!({"op": "get", "key": "colour"})).await;
    let removed = delete(&server, "/api/apps/fetcher", Some(&admin))
        .await
        .ok();
    let removed_value = kv_text(chat, "fetcher", "colour").await;
    let listed = server.get("/api/apps", Some(&admin)).await.ok();
    let again = delete(&server, "/api/apps/fetcher", Some(&admin)).await;

    assert_eq!(kept["keptData"], true);
    assert_eq!(kept_value.as_deref(), Some("teal"), "keepData keeps it");
    gone.fails(404, "error-app-not-found");
    assert_eq!(endpoint_gone.status, 404, "{}", endpoint_gone.body);
    assert_eq!(read_again["value"], "teal", "{read_again}");
    assert_eq!(removed["keptData"], false);
    assert_eq!(removed_value, None, "uninstalling deletes the data");
    assert_eq!(listed["apps"], json!([]));
    again.fails(404, "error-app-not-found");
    let done = actions(&audit_of(&server, &admin, "fetcher").await);
    assert_eq!(
        done.iter().filter(|a| *a == "app.uninstall").count(),
        2,
        "{done:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_keeps_every_app_its_grants_settings_state_data_and_trust() {
    let publisher = Publisher::new("acme");
    let second = Publisher::new("second publisher");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    install(&server, &admin, signed(&publisher, "modifier")).await;
    install(&server, &admin, signed(&publisher, "fetcher")).await;
    server
        .post(
            "/api/apps/trusted-keys",
            json!({"key": std::fs::read_to_string(&second.public_key_file).unwrap()}),
            Some(&admin),
        )
        .await
        .ok();
    install(&server, &admin, signed(&second, "everything")).await;
    server
        .post(
            "/api/apps/modifier/settings",
            json!({"settings": {"tag": "kept"}}),
            Some(&admin),
        )
        .await
        .ok();
    set_enabled(&server, &admin, "everything", false).await.ok();
    kv(
        &server,
        json!({"op": "set", "key": "colour", "value": "teal"}),
    )
    .await;
    server
        .post(
            "/api/apps/development",
            json!({"enabled": true}),
            Some(&admin),
        )
        .await
        .ok();
    let before: Vec<Value> = server.get("/api/apps", Some(&admin)).await.ok()["apps"]
        .as_array()
        .unwrap()
        .clone();

    let dir = server.stop().await;
    let key = publisher.public_key_file.clone();
    let server =
        TestServer::start_configured_in(dir, move |config| config.trusted_keys = vec![key]).await;
    let admin = server.admin().await;

    let after: Vec<Value> = server.get("/api/apps", Some(&admin)).await.ok()["apps"]
        .as_array()
        .unwrap()
        .clone();
    let modified = say(&server, &admin, GENERAL, "after the restart").await;
    let data = kv(&server, json!({"op": "get", "key": "colour"})).await;
    let disabled_command = server
        .post(
            "/api/v1/commands.run",
            json!({"command": "echo", "params": "x", "roomId": GENERAL}),
            Some(&admin),
        )
        .await;
    let development = server.get("/api/apps/development", Some(&admin)).await.ok();
    let settings = server
        .get("/api/apps/modifier/settings", Some(&admin))
        .await
        .ok();

    let status = |apps: &[Value], id: &str| {
        apps.iter().find(|a| a["id"] == id).map(|a| {
            (
                a["status"].clone(),
                a["grantedPermissions"].clone(),
                a["version"].clone(),
            )
        })
    };
    for id in ["modifier", "fetcher", "everything"] {
        assert!(status(&after, id).is_some(), "{id} is still installed");
        assert_eq!(status(&before, id), status(&after, id), "{id}");
    }
    assert_eq!(status(&after, "everything").unwrap().0, "disabled");
    assert_eq!(modified, "after the restart [kept]");
    assert_eq!(settings["settings"]["tag"]["value"], "kept");
    assert_eq!(data["value"], "teal", "{data}");
    let ran = disabled_command.ok();
    assert_eq!(ran["result"]["outcome"], "failed", "{ran}");
    assert!(
        ran["result"]["text"]
            .as_str()
            .unwrap()
            .contains("is disabled by an admin"),
        "a disabled app stays disabled: {ran}"
    );
    assert_eq!(development["enabled"], true, "development mode is kept");
}

/// Reads GENERAL's history as `reader` over and over until `stop`;
/// answers how many reads succeeded.
fn keep_reading(
    server: &TestServer,
    reader: &Session,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<u32> {
    let http = server.http.clone();
    let url = format!(
        "{}/api/v1/channels.history?roomId=GENERAL&count=10",
        server.base
    );
    let reader = reader.clone();
    tokio::spawn(async move {
        let mut reads = 0;
        while !stop.load(Ordering::Relaxed) {
            let response = http
                .get(&url)
                .header("X-Auth-Token", &reader.token)
                .header("X-User-Id", &reader.user_id)
                .send()
                .await
                .expect("the server answers");
            if response.status() == 200 {
                reads += 1;
            }
        }
        reads
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_app_is_disabled_with_its_reason_while_chatting_goes_on() {
    let publisher = Publisher::new("acme");
    let server = trusting(&publisher).await;
    let admin = server.admin().await;
    let alice = server.signed_in("alice").await;
    install(&server, &admin, signed(&publisher, "hostile")).await;
    let stop = Arc::new(AtomicBool::new(false));
    let reader = keep_reading(&server, &alice, stop.clone());

    let before = say(&server, &alice, GENERAL, "alice before").await;
    // A write flood past the rate limit: its refused writes are the app's
    // to handle, not faults. Then five faults in a row (the runtime's
    // default limit): a panic, memory bombs, endless loops.
    let mut sent = Vec::new();
    for misbehaviour in ["flood", "panic", "bomb", "loop", "bomb", "loop"] {
        sent.push(say(&server, &admin, GENERAL, misbehaviour).await);
    }
    let disabled = eventually("hostile to be disabled after its faults", || {
        let server = &server;
        let admin = &admin;
        async move {
            let app = app(server, admin, "hostile").await;
            (app["status"] == "disabled_after_faults").then_some(app)
        }
    })
    .await;
    let after = say(&server, &alice, GENERAL, "loop once more").await;
    stop.store(true, Ordering::Relaxed);
    let reads = reader.await.expect("the reader ran");
    let history = server
        .get(
            "/api/v1/channels.history?roomId=GENERAL&count=100",
            Some(&alice),
        )
        .await
        .ok();
    let logs = server
        .get("/api/apps/hostile/logs", Some(&admin))
        .await
        .ok();

    assert_eq!(before, "alice before");
    assert!(
        sent[0].starts_with("flood ok="),
        "a flood is cut off by the rate limit: {sent:?}"
    );
    assert!(sent[0].contains("limited="), "{sent:?}");
    assert_eq!(
        sent[1..],
        ["panic", "bomb", "loop", "bomb", "loop"],
        "each message is sent as written although its hook faulted"
    );
    assert!(reads > 0, "reading went on meanwhile");
    let reason = disabled["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("CPU deadline"),
        "the last fault is the reason: {disabled}"
    );
    assert_eq!(
        after, "loop once more",
        "a disabled app's hook does not run"
    );
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["msg"].as_str())
        .collect();
    for text in ["alice before", "bomb", "loop", "loop once more"] {
        assert!(texts.contains(&text), "{text} is in the history: {texts:?}");
    }
    assert!(
        logs["lastFault"]
            .as_str()
            .unwrap_or_default()
            .contains("CPU deadline"),
        "{logs}"
    );
    assert!(
        logs["health"]["faults"].as_u64().unwrap_or(0) >= 5,
        "{logs}"
    );
    assert!(
        logs["health"]["refusals"].as_u64().unwrap_or(0) > 0,
        "the flood's refused writes are counted apart: {logs}"
    );
    assert!(
        logs["lastRefusal"]
            .as_str()
            .unwrap_or_default()
            .contains("rate limit"),
        "{logs}"
    );
    let entries = audit_of(&server, &admin, "hostile").await;
    let log_times = logs["logs"].as_array().unwrap().iter().map(|e| &e["at"]);
    let audit_times = entries.iter().map(|e| &e["ts"]);
    for at in log_times.chain(audit_times) {
        let text = at.as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "log and audit times are ISO 8601, as the rest of the API's: {at}"
        );
    }
    assert!(!logs["logs"].as_array().unwrap().is_empty(), "{logs}");
    let by_system = entries
        .iter()
        .find(|e| e["actor"]["username"] == "system")
        .unwrap_or_else(|| panic!("the runtime's disabling is audited: {entries:?}"));
    assert!(
        by_system["detail"].to_string().contains("CPU deadline"),
        "{by_system}"
    );
    let again = set_enabled(&server, &admin, "hostile", true).await.ok();
    assert_eq!(
        again["app"]["status"], "enabled",
        "an admin may enable it again"
    );
    assert_eq!(say(&server, &admin, GENERAL, "loop").await, "loop");
}
