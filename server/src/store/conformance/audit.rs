//! The audit log of admin actions.
//!
//! Entries are never deleted, so each check lists only its own app's
//! entries, or (for the log of every app) places them after every other
//! check's, at [`later`].

use serde_json::json;

use super::{at, error_of};
use crate::model::Timestamp;
use crate::store::{AuditEntry, Page, Sort, Store, StoreError};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        entries_round_trip_newest_first_then_last_appended,
        entries_are_filtered_by_app,
        entries_page_with_offset_count_and_total,
        the_whole_log_holds_every_app_and_entries_without_one,
        an_entry_id_is_appended_once,
        the_log_cannot_be_sorted_otherwise,
    );
}

/// An entry `id` by the admin `ada`, at `at`, of `app`.
fn entry(id: &str, at: Timestamp, app: Option<&str>) -> AuditEntry {
    AuditEntry {
        id: id.into(),
        at,
        actor_id: "u-ada".into(),
        actor_username: "ada".into(),
        action: "app.install".into(),
        app: app.map(str::to_owned),
        detail: json!({"version": "1.0.0", "permissions": [{"name": "kv"}]}),
    }
}

/// Appends each of `entries`, in order.
async fn append_all<S: Store>(store: &S, entries: &[AuditEntry]) {
    for entry in entries {
        store.append_audit(entry).await.unwrap();
    }
}

fn ids(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.id.as_str()).collect()
}

/// A point after every other check's entries (2096).
fn later(ms: i64) -> Timestamp {
    Timestamp(4_000_000_000_000 + ms)
}

async fn entries_round_trip_newest_first_then_last_appended<S: Store>(store: &S) {
    let app = Some("au-order");
    let system = AuditEntry {
        actor_id: "system".into(),
        actor_username: "system".into(),
        action: "app.disable".into(),
        detail: json!({"reason": "exceeded its CPU deadline", "faults": 3}),
        ..entry("au-order-4", at(20), app)
    };
    append_all(
        store,
        &[
            entry("au-order-1", at(10), app),
            entry("au-order-2", at(30), app),
            entry("au-order-3", at(20), app),
            // Same millisecond as the one before, appended after it.
            system.clone(),
        ],
    )
    .await;

    let log = store.audit_entries(app, Page::all()).await.unwrap();

    assert_eq!(
        ids(&log.items),
        ["au-order-2", "au-order-4", "au-order-3", "au-order-1"]
    );
    assert_eq!(log.total, 4);
    assert_eq!(log.items[1], system, "whole entries");
}

async fn entries_are_filtered_by_app<S: Store>(store: &S) {
    append_all(
        store,
        &[
            entry("au-filter-a1", at(10), Some("au-filter-a")),
            entry("au-filter-b1", at(20), Some("au-filter-b")),
            entry("au-filter-none", at(30), None),
            entry("au-filter-a2", at(40), Some("au-filter-a")),
        ],
    )
    .await;

    let of_a = store
        .audit_entries(Some("au-filter-a"), Page::all())
        .await
        .unwrap();
    let of_b = store
        .audit_entries(Some("au-filter-b"), Page::all())
        .await
        .unwrap();
    let of_nobody = store
        .audit_entries(Some("au-filter-nobody"), Page::all())
        .await
        .unwrap();

    assert_eq!(
        (ids(&of_a.items), of_a.total),
        (vec!["au-filter-a2", "au-filter-a1"], 2)
    );
    assert_eq!((ids(&of_b.items), of_b.total), (vec!["au-filter-b1"], 1));
    assert_eq!((of_nobody.items, of_nobody.total), (Vec::new(), 0));
}

async fn entries_page_with_offset_count_and_total<S: Store>(store: &S) {
    let app = Some("au-page");
    for n in 1..=5 {
        store
            .append_audit(&entry(&format!("au-page-{n}"), at(n * 10), app))
            .await
            .unwrap();
    }
    let page = async |offset, count| {
        let page = Page {
            offset,
            count,
            sort: Vec::new(),
        };
        let paged = store.audit_entries(app, page).await.unwrap();
        (
            paged.items.into_iter().map(|e| e.id).collect::<Vec<_>>(),
            paged.total,
        )
    };

    assert_eq!(
        page(0, 2).await,
        (vec!["au-page-5".into(), "au-page-4".into()], 5)
    );
    assert_eq!(
        page(1, 2).await,
        (vec!["au-page-4".into(), "au-page-3".into()], 5)
    );
    assert_eq!(page(4, 2).await, (vec!["au-page-1".into()], 5));
    assert_eq!(page(10, 2).await, (Vec::<String>::new(), 5), "past the end");
    assert_eq!(
        page(3, 0).await.0,
        ["au-page-2", "au-page-1"],
        "0: no limit"
    );
}

async fn the_whole_log_holds_every_app_and_entries_without_one<S: Store>(store: &S) {
    let before = store
        .audit_entries(None, Page::first(1))
        .await
        .unwrap()
        .total;
    let keys = AuditEntry {
        action: "trusted-key.add".into(),
        detail: json!({"keyId": "k1"}),
        ..entry("au-all-key", later(10), None)
    };
    append_all(
        store,
        &[
            keys.clone(),
            entry("au-all-app", later(20), Some("au-all-app")),
        ],
    )
    .await;

    let log = store.audit_entries(None, Page::first(2)).await.unwrap();

    assert_eq!(ids(&log.items), ["au-all-app", "au-all-key"]);
    assert_eq!(log.items[1], keys, "an entry without an app keeps `None`");
    assert_eq!(log.total, before + 2);
}

async fn an_entry_id_is_appended_once<S: Store>(store: &S) {
    let app = Some("au-once");
    let first = entry("au-once-1", at(10), app);
    store.append_audit(&first).await.unwrap();

    let error = error_of(
        store
            .append_audit(&AuditEntry {
                action: "app.uninstall".into(),
                ..entry("au-once-1", at(20), app)
            })
            .await,
    );

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    let log = store.audit_entries(app, Page::all()).await.unwrap();
    assert_eq!(log.items, vec![first], "the first stays as it was");
}

async fn the_log_cannot_be_sorted_otherwise<S: Store>(store: &S) {
    let page = Page {
        offset: 0,
        count: 10,
        sort: vec![Sort {
            field: "action".into(),
            descending: false,
        }],
    };

    let error = error_of(store.audit_entries(None, page).await);

    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
}
