//! Apps' key-value data, end to end: a real server loads the signed
//! `fetcher` package (and the same component under a second id,
//! `fetcher-two`), whose public endpoint `kv` sets, gets, deletes and lists
//! keys as the test asks, answering the outcome or the host's refusal as
//! JSON. The data lives in the server's store, per app, and outlives a
//! restart.

mod apps_support;
use capsule_server_harness as common;

use std::path::PathBuf;

use apps_support::{Publisher, files_of, guest, write_zip};
use capsule_package::{self as package, MANIFEST_FILE};
use capsule_runtime::KvBridge;
use capsule_server::apps::ChatBridge;
use capsule_server::apps::bridge::KV_MAX_KEYS;
use capsule_server::config::Config;
use common::TestServer;
use serde_json::{Value, json};

/// The `fetcher` package signed by `publisher`, under the app id `id`.
fn fetcher_as(publisher: &Publisher, id: &str) -> PathBuf {
    let mut files = files_of(guest("fetcher"));
    let mut manifest: Value =
        serde_json::from_slice(&files[MANIFEST_FILE]).expect("the manifest is JSON");
    manifest["id"] = json!(id);
    files.insert(
        MANIFEST_FILE.to_owned(),
        serde_json::to_vec(&manifest).expect("JSON"),
    );
    let signed = package::sign(&files, &publisher.key);
    write_zip(publisher.dir.path(), &format!("{id}.zip"), &signed)
}

/// A configuration step loading `fetcher` and `fetcher-two`, signed by
/// `publisher`; reusable, so a restart loads the same packages.
fn configure(publisher: &Publisher) -> impl Fn(&mut Config) + use<> {
    let packages = vec![
        fetcher_as(publisher, "fetcher"),
        fetcher_as(publisher, "fetcher-two"),
    ];
    let key = publisher.public_key_file.clone();
    move |config: &mut Config| {
        config.apps = packages.clone();
        config.trusted_keys = vec![key.clone()];
    }
}

async fn start() -> (TestServer, Publisher) {
    let publisher = Publisher::new("acme");
    let server = TestServer::start_configured(configure(&publisher)).await;
    (server, publisher)
}

/// Has `app` run one key-value operation; answers its JSON outcome.
async fn kv(server: &TestServer, app: &str, operation: Value) -> Value {
    let answer = server
        .post(&format!("/api/apps/public/{app}/kv"), operation, None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

async fn set(server: &TestServer, app: &str, key: &str, value: &str) {
    let outcome = kv(
        server,
        app,
        json!({"op": "set", "key": key, "value": value}),
    )
    .await;
    assert_eq!(outcome, json!({"ok": true}), "setting `{key}` in {app}");
}

async fn get(server: &TestServer, app: &str, key: &str) -> Value {
    kv(server, app, json!({"op": "get", "key": key})).await["value"].clone()
}

async fn list(server: &TestServer, app: &str, prefix: &str) -> Value {
    kv(server, app, json!({"op": "list", "prefix": prefix})).await["keys"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_app_sees_only_its_own_keys() {
    let (server, _publisher) = start().await;

    set(&server, "fetcher", "colour", "blue").await;
    let before = get(&server, "fetcher-two", "colour").await;
    set(&server, "fetcher-two", "colour", "red").await;
    set(&server, "fetcher-two", "only-two", "x").await;

    assert_eq!(before, Value::Null);
    assert_eq!(get(&server, "fetcher", "colour").await, "blue");
    assert_eq!(get(&server, "fetcher-two", "colour").await, "red");
    assert_eq!(list(&server, "fetcher", "").await, json!(["colour"]));
    assert_eq!(
        list(&server, "fetcher-two", "").await,
        json!(["colour", "only-two"])
    );
    let deleted = kv(
        &server,
        "fetcher-two",
        json!({"op": "delete", "key": "colour"}),
    )
    .await;
    assert_eq!(deleted, json!({"deleted": true}));
    assert_eq!(get(&server, "fetcher", "colour").await, "blue");
    // Stored under the app's id, where the host put it.
    let stored = apps_support::kv_text(server.chat_domain(), "fetcher", "colour").await;
    assert_eq!(stored.as_deref(), Some("blue"));
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_listed_by_prefix_in_byte_order() {
    let (server, _publisher) = start().await;
    for key in ["user:bob", "room:general", "user:alice", "user", "users:x"] {
        set(&server, "fetcher", key, "1").await;
    }

    assert_eq!(
        list(&server, "fetcher", "user:").await,
        json!(["user:alice", "user:bob"])
    );
    assert_eq!(
        list(&server, "fetcher", "user").await,
        json!(["user", "user:alice", "user:bob", "users:x"])
    );
    assert_eq!(list(&server, "fetcher", "nothing").await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_over_the_size_limit_is_refused_and_one_at_the_limit_is_kept() {
    let (server, _publisher) = start().await;
    // The runtime's default `kv_max_value_bytes`.
    let limit = 64 << 10;

    let at_limit = kv(
        &server,
        "fetcher",
        json!({"op": "set", "key": "big", "size": limit}),
    )
    .await;
    let over = kv(
        &server,
        "fetcher",
        json!({"op": "set", "key": "bigger", "size": limit + 1}),
    )
    .await;

    assert_eq!(at_limit, json!({"ok": true}));
    let kept = get(&server, "fetcher", "big").await;
    assert_eq!(kept.as_str().map(str::len), Some(limit));
    let error = over["error"].as_str().unwrap_or_else(|| panic!("{over}"));
    assert!(error.contains("quota exceeded"), "{error}");
    assert!(error.contains(&format!("{} bytes", limit + 1)), "{error}");
    assert!(error.contains(&format!("limit is {limit}")), "{error}");
    assert_eq!(get(&server, "fetcher", "bigger").await, Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_count_quota_refuses_a_new_key_but_not_an_overwrite() {
    let (server, _publisher) = start().await;
    // Filling 10,000 keys through the endpoint would take 10,000 calls;
    // the bridge the runtime calls fills them, the app hits the quota.
    let bridge = ChatBridge::new(server.chat_domain().clone());
    for n in 0..KV_MAX_KEYS {
        bridge
            .kv_set("fetcher", &format!("key-{n:05}"), b"v".to_vec())
            .await
            .expect("under the quota");
    }

    let refused = kv(
        &server,
        "fetcher",
        json!({"op": "set", "key": "one-too-many", "value": "x"}),
    )
    .await;
    let overwrite = kv(
        &server,
        "fetcher",
        json!({"op": "set", "key": "key-00000", "value": "new"}),
    )
    .await;

    let error = refused["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{refused}"));
    assert!(error.contains("quota exceeded"), "{error}");
    assert!(
        error.contains(&format!("at most {KV_MAX_KEYS} keys")),
        "{error}"
    );
    assert_eq!(overwrite, json!({"ok": true}));
    assert_eq!(get(&server, "fetcher", "key-00000").await, "new");
    // Another app's quota is its own.
    set(&server, "fetcher-two", "one-too-many", "x").await;
    // Deleting one makes room again.
    kv(
        &server,
        "fetcher",
        json!({"op": "delete", "key": "key-00001"}),
    )
    .await;
    set(&server, "fetcher", "one-too-many", "x").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_outlives_a_server_restart() {
    let publisher = Publisher::new("acme");
    let server = TestServer::start_configured(configure(&publisher)).await;
    set(&server, "fetcher", "kept", "yes").await;
    set(&server, "fetcher", "gone", "soon").await;
    set(&server, "fetcher-two", "kept", "two").await;
    kv(&server, "fetcher", json!({"op": "delete", "key": "gone"})).await;

    let dir = server.stop().await;
    let server = TestServer::start_configured_in(dir, configure(&publisher)).await;

    assert_eq!(get(&server, "fetcher", "kept").await, "yes");
    assert_eq!(get(&server, "fetcher", "gone").await, Value::Null);
    assert_eq!(get(&server, "fetcher-two", "kept").await, "two");
    assert_eq!(list(&server, "fetcher", "").await, json!(["kept"]));
}
