//! Settings, per-app key-value data and app records.

use serde_json::{Value, json};

use super::error_of;
use crate::store::{AppRecord, Store, StoreError};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        settings_round_trip_and_overwrite,
        app_values_round_trip_per_app,
        deleting_an_app_value_removes_only_that_key,
        a_new_key_past_the_quota_is_refused_but_overwrites_are_not,
        compare_and_set_writes_only_over_the_expected_value,
        concurrent_compare_and_sets_on_one_key_let_exactly_one_win,
        app_keys_list_a_prefix_in_byte_order,
        app_keys_page_with_start_after_and_limit,
        clearing_app_data_touches_only_that_app,
        app_records_are_put_overwritten_listed_and_deleted,
    );
}

/// The stored settings whose ids start with `prefix`, sorted by id.
async fn settings_with<S: Store>(store: &S, prefix: &str) -> Vec<(String, Value)> {
    let mut settings: Vec<(String, Value)> = store
        .settings()
        .await
        .unwrap()
        .into_iter()
        .filter(|(id, _)| id.starts_with(prefix))
        .collect();
    settings.sort_by(|a, b| a.0.cmp(&b.0));
    settings
}

async fn settings_round_trip_and_overwrite<S: Store>(store: &S) {
    let document = json!({"nested": [1, 2.5, "three", null], "flag": true});
    store
        .set_setting("a-set-text", &json!("hello"))
        .await
        .unwrap();
    store.set_setting("a-set-number", &json!(42)).await.unwrap();
    store
        .set_setting("a-set-document", &document)
        .await
        .unwrap();

    store
        .set_setting("a-set-number", &json!(false))
        .await
        .unwrap();

    assert_eq!(
        settings_with(store, "a-set-").await,
        vec![
            ("a-set-document".into(), document),
            ("a-set-number".into(), json!(false)),
            ("a-set-text".into(), json!("hello")),
        ]
    );
}

async fn app_values_round_trip_per_app<S: Store>(store: &S) {
    let binary = [0u8, 255, 1, 0, 128];
    store
        .set_app_value("a-val-one", "key", &binary, 10)
        .await
        .unwrap();
    store
        .set_app_value("a-val-two", "key", b"other app", 10)
        .await
        .unwrap();
    store
        .set_app_value("a-val-one", "empty", b"", 10)
        .await
        .unwrap();

    store
        .set_app_value("a-val-two", "key", b"overwritten", 10)
        .await
        .unwrap();

    let value = async |app, key| store.app_value(app, key).await.unwrap();
    assert_eq!(value("a-val-one", "key").await, Some(binary.to_vec()));
    assert_eq!(
        value("a-val-two", "key").await,
        Some(b"overwritten".to_vec())
    );
    assert_eq!(value("a-val-one", "empty").await, Some(Vec::new()));
    assert_eq!(value("a-val-one", "KEY").await, None, "keys have case");
    assert_eq!(value("a-val-three", "key").await, None);
}

async fn deleting_an_app_value_removes_only_that_key<S: Store>(store: &S) {
    for (app, key) in [
        ("a-del", "gone"),
        ("a-del", "kept"),
        ("a-del-other", "gone"),
    ] {
        store.set_app_value(app, key, b"v", 10).await.unwrap();
    }

    assert!(store.delete_app_value("a-del", "gone").await.unwrap());

    assert_eq!(store.app_value("a-del", "gone").await.unwrap(), None);
    assert_eq!(
        store.app_value("a-del", "kept").await.unwrap(),
        Some(b"v".to_vec())
    );
    assert_eq!(
        store.app_value("a-del-other", "gone").await.unwrap(),
        Some(b"v".to_vec())
    );
    assert!(
        !store.delete_app_value("a-del", "gone").await.unwrap(),
        "deleted twice"
    );
}

async fn a_new_key_past_the_quota_is_refused_but_overwrites_are_not<S: Store>(store: &S) {
    let app = "a-quota";
    store.set_app_value(app, "one", b"1", 2).await.unwrap();
    store.set_app_value(app, "two", b"2", 2).await.unwrap();
    // Another app's keys count against its own quota only.
    store
        .set_app_value("a-quota-other", "one", b"1", 1)
        .await
        .unwrap();

    let error = error_of(store.set_app_value(app, "three", b"3", 2).await);

    assert!(matches!(error, StoreError::Quota(_)), "{error:?}");
    assert_eq!(store.app_value(app, "three").await.unwrap(), None);
    store
        .set_app_value(app, "two", b"2 again", 2)
        .await
        .unwrap();
    assert_eq!(
        store.app_value(app, "two").await.unwrap(),
        Some(b"2 again".to_vec())
    );
    // Room made, the new key fits.
    store.delete_app_value(app, "one").await.unwrap();
    store.set_app_value(app, "three", b"3", 2).await.unwrap();
    assert_eq!(
        store.app_keys(app, "", None, 10).await.unwrap(),
        ["three", "two"]
    );
}

async fn compare_and_set_writes_only_over_the_expected_value<S: Store>(store: &S) {
    let app = "a-cas";
    let cas = |key: &'static str, expected: Option<&'static [u8]>, new: Option<&'static [u8]>| {
        store.compare_and_set_app_value(app, key, expected, new, 2)
    };

    let created = cas("k", None, Some(b"1")).await.unwrap();
    let exists_already = cas("k", None, Some(b"x")).await.unwrap();
    let stale = cas("k", Some(b"0"), Some(b"x")).await.unwrap();
    let swapped = cas("k", Some(b"1"), Some(b"2")).await.unwrap();
    let missing = cas("gone", Some(b"1"), None).await.unwrap();

    assert!(created && swapped, "written over the expected value");
    assert!(
        !exists_already && !stale && !missing,
        "nothing else is written"
    );
    assert_eq!(
        store.app_value(app, "k").await.unwrap(),
        Some(b"2".to_vec())
    );
    assert_eq!(store.app_value(app, "gone").await.unwrap(), None);
    // A new key counts against the quota; deleting through it frees room.
    cas("second", None, Some(b"s")).await.unwrap();
    let error = error_of(cas("third", None, Some(b"t")).await);
    assert!(matches!(error, StoreError::Quota(_)), "{error:?}");
    assert!(cas("k", Some(b"2"), None).await.unwrap());
    assert_eq!(store.app_value(app, "k").await.unwrap(), None);
    assert!(cas("third", None, Some(b"t")).await.unwrap());
}

async fn concurrent_compare_and_sets_on_one_key_let_exactly_one_win<S: Store>(store: &S) {
    let app = "a-cas-race";
    store.set_app_value(app, "k", b"0", 10).await.unwrap();

    let tries = (0..8u8).map(|n| {
        let value = [b'1' + n];
        async move {
            store
                .compare_and_set_app_value(app, "k", Some(b"0"), Some(&value), 10)
                .await
                .unwrap()
        }
    });
    let won = futures_util::future::join_all(tries).await;

    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    let stored = store.app_value(app, "k").await.unwrap().unwrap();
    let winner = won.iter().position(|w| *w).unwrap() as u8;
    assert_eq!(stored, [b'1' + winner]);
}

/// Stores `keys` (with empty values) for `app`.
async fn with_keys<S: Store>(store: &S, app: &str, keys: &[&str]) {
    for key in keys {
        store.set_app_value(app, key, b"", 100).await.unwrap();
    }
}

async fn app_keys_list_a_prefix_in_byte_order<S: Store>(store: &S) {
    let app = "a-keys";
    // In UTF-8 byte order (which is code point order): "B" < "a" < "b" <
    // "é" < U+FF61 < U+1F600. UTF-16 order would put U+1F600 first.
    let keys = [
        "p/b",
        "p/\u{1F600}",
        "p/a",
        "p/é",
        "p/B",
        "p/\u{FF61}",
        "q/a",
        "P/a",
        "p%x",
        "p_x",
    ];
    with_keys(store, app, &keys).await;
    with_keys(store, "a-keys-other", &["p/other"]).await;
    let list = async |prefix| store.app_keys(app, prefix, None, 100).await.unwrap();

    assert_eq!(
        list("p/").await,
        ["p/B", "p/a", "p/b", "p/é", "p/\u{FF61}", "p/\u{1F600}"]
    );
    let mut everything: Vec<&str> = keys.to_vec();
    everything.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(list("").await, everything);
    // A prefix is bytes: with case, and no wildcards.
    assert_eq!(list("P/").await, ["P/a"]);
    assert_eq!(list("p%").await, ["p%x"]);
    assert_eq!(list("p_").await, ["p_x"]);
    assert_eq!(list("p/\u{1F600}").await, ["p/\u{1F600}"]);
    assert_eq!(list("r").await, Vec::<String>::new());
}

async fn app_keys_page_with_start_after_and_limit<S: Store>(store: &S) {
    let app = "a-kpage";
    with_keys(store, app, &["k/3", "k/1", "k/5", "k/2", "k/4", "l/1"]).await;
    let page = async |after, limit| store.app_keys(app, "k/", after, limit).await.unwrap();

    assert_eq!(page(None, 2).await, ["k/1", "k/2"]);
    assert_eq!(page(Some("k/2"), 2).await, ["k/3", "k/4"]);
    assert_eq!(page(Some("k/4"), 2).await, ["k/5"]);
    assert_eq!(page(Some("k/5"), 2).await, Vec::<String>::new());
    // `start_after` need not be a stored key.
    assert_eq!(page(Some("k/25"), 10).await, ["k/3", "k/4", "k/5"]);
    assert_eq!(
        page(Some("a"), 10).await,
        ["k/1", "k/2", "k/3", "k/4", "k/5"]
    );
    // Without `start_after` nothing is skipped, not even the empty key.
    with_keys(store, "a-kpage-empty", &["", "a"]).await;
    let listed = store.app_keys("a-kpage-empty", "", None, 10).await.unwrap();
    assert_eq!(listed, ["", "a"]);
    let after_empty = store
        .app_keys("a-kpage-empty", "", Some(""), 10)
        .await
        .unwrap();
    assert_eq!(after_empty, ["a"]);
}

async fn clearing_app_data_touches_only_that_app<S: Store>(store: &S) {
    with_keys(store, "a-clear", &["one", "two", "three"]).await;
    with_keys(store, "a-clear-other", &["one"]).await;

    assert_eq!(store.clear_app_data("a-clear").await.unwrap(), 3);

    assert_eq!(
        store.app_keys("a-clear", "", None, 10).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(store.app_value("a-clear", "one").await.unwrap(), None);
    assert_eq!(
        store.app_keys("a-clear-other", "", None, 10).await.unwrap(),
        ["one"]
    );
    assert_eq!(store.clear_app_data("a-clear").await.unwrap(), 0);
}

async fn app_records_are_put_overwritten_listed_and_deleted<S: Store>(store: &S) {
    let record = |id: &str, document: Value| AppRecord {
        id: id.to_owned(),
        document,
    };
    let mine = |records: Vec<AppRecord>| {
        let mut records: Vec<AppRecord> = records
            .into_iter()
            .filter(|r| r.id.starts_with("a-rec-"))
            .collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records
    };
    let first = record(
        "a-rec-first",
        json!({"status": "enabled", "grants": ["rooms.read"]}),
    );
    let second = record("a-rec-second", json!({"status": "disabled"}));
    store.put_app_record(&first).await.unwrap();
    store.put_app_record(&second).await.unwrap();

    let updated = record(
        "a-rec-first",
        json!({"status": "disabled", "settings": {"k": 1}}),
    );
    store.put_app_record(&updated).await.unwrap();

    assert_eq!(
        mine(store.app_records().await.unwrap()),
        vec![updated.clone(), second]
    );
    assert!(store.delete_app_record("a-rec-second").await.unwrap());
    assert_eq!(mine(store.app_records().await.unwrap()), vec![updated]);
    assert!(
        !store.delete_app_record("a-rec-second").await.unwrap(),
        "deleted twice"
    );
    assert!(!store.delete_app_record("a-rec-never").await.unwrap());
}
