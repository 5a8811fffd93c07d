//! Jobs apps scheduled.
//!
//! `due_jobs` and `next_due` look at every app's jobs, so each check here
//! places its jobs in a time window of its own before [`at`](super::at)'s
//! (which the other families use) and deletes them when it is done.

use serde_json::json;

use super::{at, error_of};
use crate::model::Timestamp;
use crate::store::{JobRecord, Store, StoreError};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        jobs_are_put_read_replaced_and_deleted,
        a_job_id_of_another_app_is_not_taken_over,
        payloads_and_schedules_round_trip,
        due_jobs_are_earliest_first_up_to_until_and_limit,
        due_jobs_leave_out_the_excepted_apps,
        next_due_is_the_earliest_job_not_excepted,
        jobs_of_lists_one_apps_jobs_earliest_first,
        deleting_an_apps_jobs_counts_them_and_leaves_other_apps,
    );
}

/// A job `id` of `app` due at `next_run`, created at `at(0)`.
fn job(app: &str, id: &str, next_run: Timestamp) -> JobRecord {
    JobRecord {
        id: id.into(),
        app: app.into(),
        name: format!("{id} name"),
        schedule: json!({"every_ms": 60000}),
        payload: id.as_bytes().to_vec(),
        next_run,
        attempt: 0,
        created_at: at(0),
    }
}

/// Puts each of `jobs`.
async fn put_all<S: Store>(store: &S, jobs: &[JobRecord]) {
    for job in jobs {
        store.put_job(job).await.unwrap();
    }
}

/// Deletes every job of `apps`, so later checks do not see them.
async fn remove<S: Store>(store: &S, apps: &[&str]) {
    for app in apps {
        store.delete_jobs_of(app).await.unwrap();
    }
}

fn ids(jobs: &[JobRecord]) -> Vec<&str> {
    jobs.iter().map(|job| job.id.as_str()).collect()
}

async fn jobs_are_put_read_replaced_and_deleted<S: Store>(store: &S) {
    let app = "j-crud";
    let original = job(app, "j-crud-1", at(100));
    store.put_job(&original).await.unwrap();
    assert_eq!(
        store.job(app, "j-crud-1").await.unwrap(),
        Some(original.clone())
    );
    assert_eq!(
        store.job("j-crud-other", "j-crud-1").await.unwrap(),
        None,
        "a job is found under its own app only"
    );

    let rescheduled = JobRecord {
        name: "renamed".into(),
        schedule: json!({"cron": "0 9 * * 1"}),
        payload: b"new payload".to_vec(),
        next_run: at(200),
        attempt: 3,
        ..original.clone()
    };
    store.put_job(&rescheduled).await.unwrap();

    assert_eq!(store.job(app, "j-crud-1").await.unwrap(), Some(rescheduled));
    assert_eq!(
        store.jobs_of(app).await.unwrap().len(),
        1,
        "replaced, not added"
    );
    assert!(
        !store.delete_job("j-crud-other", "j-crud-1").await.unwrap(),
        "another app cannot delete it"
    );
    assert!(store.delete_job(app, "j-crud-1").await.unwrap());
    assert_eq!(store.job(app, "j-crud-1").await.unwrap(), None);
    assert!(
        !store.delete_job(app, "j-crud-1").await.unwrap(),
        "deleted twice"
    );
}

async fn a_job_id_of_another_app_is_not_taken_over<S: Store>(store: &S) {
    let mine = job("j-owner", "j-owner-1", at(100));
    store.put_job(&mine).await.unwrap();

    let error = error_of(
        store
            .put_job(&job("j-owner-thief", "j-owner-1", at(50)))
            .await,
    );

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.job("j-owner", "j-owner-1").await.unwrap(), Some(mine));
    assert_eq!(store.job("j-owner-thief", "j-owner-1").await.unwrap(), None);
    remove(store, &["j-owner"]).await;
}

async fn payloads_and_schedules_round_trip<S: Store>(store: &S) {
    let app = "j-bytes";
    let binary = JobRecord {
        // Not UTF-8, with zero bytes inside and at the end.
        payload: vec![0, 255, 0xC3, 0x28, 1, 0],
        schedule: json!({"once": true, "nested": [1, 2.5, "three", null]}),
        ..job(app, "j-bytes-binary", at(10))
    };
    let empty = JobRecord {
        payload: Vec::new(),
        ..job(app, "j-bytes-empty", at(20))
    };
    put_all(store, &[binary.clone(), empty.clone()]).await;

    assert_eq!(store.job(app, &binary.id).await.unwrap(), Some(binary));
    assert_eq!(store.job(app, &empty.id).await.unwrap(), Some(empty));
    remove(store, &[app]).await;
}

/// A point in the window of the `due_jobs` checks (1970).
fn due(ms: i64) -> Timestamp {
    Timestamp(1_000 + ms)
}

async fn due_jobs_are_earliest_first_up_to_until_and_limit<S: Store>(store: &S) {
    let app = "j-due";
    put_all(
        store,
        &[
            job(app, "j-due-30", due(30)),
            job(app, "j-due-10", due(10)),
            job(app, "j-due-40", due(40)),
            job(app, "j-due-20", due(20)),
        ],
    )
    .await;

    let until_30 = store.due_jobs(due(30), &[], 10).await.unwrap();
    let first_two = store.due_jobs(due(30), &[], 2).await.unwrap();
    let before_all = store.due_jobs(due(9), &[], 10).await.unwrap();

    assert_eq!(
        ids(&until_30),
        ["j-due-10", "j-due-20", "j-due-30"],
        "a job due at `until` is due"
    );
    assert_eq!(ids(&first_two), ["j-due-10", "j-due-20"]);
    assert_eq!(ids(&before_all), Vec::<&str>::new());
    assert_eq!(until_30[0], job(app, "j-due-10", due(10)), "whole records");
    remove(store, &[app]).await;
}

async fn due_jobs_leave_out_the_excepted_apps<S: Store>(store: &S) {
    let (on, off, off_too) = ("j-except-on", "j-except-off", "j-except-off-too");
    put_all(
        store,
        &[
            job(on, "j-except-on-1", due(10)),
            job(off, "j-except-off-1", due(5)),
            job(on, "j-except-on-2", due(20)),
            job(off_too, "j-except-off-too-1", due(15)),
        ],
    )
    .await;
    let except = |apps: &[&str]| apps.iter().map(|app| app.to_string()).collect::<Vec<_>>();

    let none_excepted = store.due_jobs(due(30), &[], 10).await.unwrap();
    let two_excepted = store
        .due_jobs(due(30), &except(&[off, off_too]), 10)
        .await
        .unwrap();
    let all_excepted = store
        .due_jobs(due(30), &except(&[on, off, off_too]), 10)
        .await
        .unwrap();

    assert_eq!(
        ids(&none_excepted),
        [
            "j-except-off-1",
            "j-except-on-1",
            "j-except-off-too-1",
            "j-except-on-2"
        ]
    );
    assert_eq!(ids(&two_excepted), ["j-except-on-1", "j-except-on-2"]);
    assert_eq!(ids(&all_excepted), Vec::<&str>::new());
    // The limit counts the jobs returned, not those stepped over.
    let one = store.due_jobs(due(30), &except(&[off]), 1).await.unwrap();
    assert_eq!(ids(&one), ["j-except-on-1"]);
    remove(store, &[on, off, off_too]).await;
}

async fn next_due_is_the_earliest_job_not_excepted<S: Store>(store: &S) {
    let (early, late) = ("j-next-early", "j-next-late");
    put_all(
        store,
        &[
            job(late, "j-next-late-1", due(50)),
            job(early, "j-next-early-1", due(30)),
            job(late, "j-next-late-2", due(40)),
        ],
    )
    .await;

    assert_eq!(store.next_due(&[]).await.unwrap(), Some(due(30)));
    assert_eq!(
        store.next_due(&[early.to_string()]).await.unwrap(),
        Some(due(40))
    );
    let both = [early.to_string(), late.to_string()];
    // Other checks' jobs (if any are left) lie after this window.
    let rest = store.next_due(&both).await.unwrap();
    assert!(rest.is_none_or(|next| next > due(50)), "{rest:?}");

    store.delete_job(early, "j-next-early-1").await.unwrap();
    assert_eq!(
        store.next_due(&[]).await.unwrap(),
        Some(due(40)),
        "follows deletes"
    );
    remove(store, &[early, late]).await;
}

async fn jobs_of_lists_one_apps_jobs_earliest_first<S: Store>(store: &S) {
    let app = "j-of";
    put_all(
        store,
        &[
            job(app, "j-of-b", at(20)),
            job("j-of-other", "j-of-other-1", at(15)),
            job(app, "j-of-c", at(30)),
            job(app, "j-of-a", at(10)),
        ],
    )
    .await;

    assert_eq!(
        ids(&store.jobs_of(app).await.unwrap()),
        ["j-of-a", "j-of-b", "j-of-c"]
    );
    assert_eq!(store.jobs_of("j-of-nobody").await.unwrap(), Vec::new());
    remove(store, &[app, "j-of-other"]).await;
}

async fn deleting_an_apps_jobs_counts_them_and_leaves_other_apps<S: Store>(store: &S) {
    let (gone, kept) = ("j-delete-gone", "j-delete-kept");
    put_all(
        store,
        &[
            job(gone, "j-delete-gone-1", at(10)),
            job(gone, "j-delete-gone-2", at(20)),
            job(kept, "j-delete-kept-1", at(15)),
            job(gone, "j-delete-gone-3", at(30)),
        ],
    )
    .await;

    assert_eq!(store.delete_jobs_of(gone).await.unwrap(), 3);

    assert_eq!(store.jobs_of(gone).await.unwrap(), Vec::new());
    assert_eq!(store.job(gone, "j-delete-gone-1").await.unwrap(), None);
    assert_eq!(
        ids(&store.jobs_of(kept).await.unwrap()),
        ["j-delete-kept-1"]
    );
    assert_eq!(store.delete_jobs_of(gone).await.unwrap(), 0, "nothing left");
    remove(store, &[kept]).await;
}
