//! The scheduler's bookkeeping over a real embedded store, without a
//! runtime (its task stops at once; what is tested needs none). Running
//! jobs is tested end to end in server/tests/scheduler.rs.

use std::sync::Arc;

use capsule_runtime::model::Schedule;
use capsule_runtime::{MemoryBridge, Runtime, RuntimeConfig};

use super::{ScheduleError, Scheduler, Tuning};
use crate::store::Store;
use crate::store::embedded::{Durability, EmbeddedStore};

/// A scheduler over a fresh store, and the folder that holds it.
fn scheduler(tuning: Tuning) -> (Scheduler, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(EmbeddedStore::open(dir.path(), Durability::Normal).unwrap());
    let runtime = Runtime::new(RuntimeConfig::default(), Arc::new(MemoryBridge::new())).unwrap();
    let scheduler = Scheduler::start(store.clone(), runtime.downgrade(), tuning);
    (scheduler, store, dir)
}

const LATER: Schedule = Schedule::AfterMs(3_600_000);

#[tokio::test]
async fn the_quota_counts_what_is_stored_and_frees_on_cancel() {
    let (scheduler, _store, _dir) = scheduler(Tuning {
        max_jobs_per_app: 2,
        ..Tuning::default()
    });
    let first = scheduler
        .schedule("a", "one", &LATER, vec![])
        .await
        .unwrap();
    scheduler
        .schedule("a", "two", &LATER, vec![])
        .await
        .unwrap();

    let over = scheduler.schedule("a", "three", &LATER, vec![]).await;
    let other_app = scheduler.schedule("b", "one", &LATER, vec![]).await;
    let cancelled = scheduler.cancel("a", &first).await.unwrap();
    let again = scheduler.schedule("a", "three", &LATER, vec![]).await;

    assert!(
        matches!(over, Err(ScheduleError::QuotaExceeded { ref app, max: 2 }) if app == "a"),
        "{over:?}"
    );
    assert!(other_app.is_ok(), "the quota is per app: {other_app:?}");
    assert!(cancelled);
    assert!(again.is_ok(), "a cancelled job frees its place: {again:?}");
}

#[tokio::test]
async fn the_quota_counts_jobs_stored_before_the_scheduler_started() {
    let tuning = Tuning {
        max_jobs_per_app: 1,
        ..Tuning::default()
    };
    let (earlier, store, _dir) = scheduler(tuning.clone());
    earlier.schedule("a", "one", &LATER, vec![]).await.unwrap();
    let runtime = Runtime::new(RuntimeConfig::default(), Arc::new(MemoryBridge::new())).unwrap();
    let restarted = Scheduler::start(store, runtime.downgrade(), tuning);

    let over = restarted.schedule("a", "two", &LATER, vec![]).await;

    assert!(
        matches!(over, Err(ScheduleError::QuotaExceeded { .. })),
        "{over:?}"
    );
}

#[tokio::test]
async fn removing_an_app_deletes_its_jobs_and_only_its_own() {
    let (scheduler, store, _dir) = scheduler(Tuning {
        max_jobs_per_app: 2,
        ..Tuning::default()
    });
    scheduler
        .schedule("a", "one", &LATER, vec![1])
        .await
        .unwrap();
    scheduler
        .schedule("a", "two", &Schedule::Cron("0 9 * * 1".into()), vec![2])
        .await
        .unwrap();
    let kept = scheduler
        .schedule("b", "one", &LATER, vec![3])
        .await
        .unwrap();

    let removed = scheduler.remove_app("a").await.unwrap();
    let reinstalled = scheduler.schedule("a", "one", &LATER, vec![]).await;

    assert_eq!(removed, 2);
    assert_eq!(
        store.jobs_of("a").await.unwrap().len(),
        1,
        "only the new one"
    );
    assert!(
        reinstalled.is_ok(),
        "the quota starts afresh: {reinstalled:?}"
    );
    let b = store.jobs_of("b").await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].id, kept);
    assert_eq!(b[0].payload, [3]);
}

#[tokio::test]
async fn a_job_is_stored_as_scheduled_and_cancelling_twice_answers_false() {
    let (scheduler, store, _dir) = scheduler(Tuning::default());

    let id = scheduler
        .schedule(
            "a",
            "report",
            &Schedule::EveryMs(60_000),
            b"payload".to_vec(),
        )
        .await
        .unwrap();
    let stored = store.job("a", &id).await.unwrap().expect("stored");
    let not_theirs = scheduler.cancel("b", &id).await.unwrap();
    let first = scheduler.cancel("a", &id).await.unwrap();
    let second = scheduler.cancel("a", &id).await.unwrap();

    assert_eq!(stored.name, "report");
    assert_eq!(stored.payload, b"payload");
    assert_eq!(stored.schedule, serde_json::json!({"every_ms": 60000}));
    assert_eq!(stored.attempt, 0);
    assert_eq!(
        stored.next_run.millis() - stored.created_at.millis(),
        60_000
    );
    assert!(!not_theirs, "an app cannot cancel another's job");
    assert!(first);
    assert!(!second);
}
