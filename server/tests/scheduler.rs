//! Scheduled app jobs end to end: a real server loads the signed
//! `scheduler` test app, whose slash commands schedule one-off, interval
//! and cron jobs (and a job that fails on purpose) and whose job handler
//! records every run in its key-value data (`run:<tag>:<n>`, see
//! tests/apps/scheduler). The jobs live in the server's store, run through
//! the runtime, are retried with backoff, and outlive a restart.
//!
//! Tests shorten the scheduler's waits (`Config::scheduler`) so that they
//! take seconds; the shortest interval stays the runtime's 1 s.

mod apps_support;
use capsule_server_harness as common;

use std::time::Duration;

use apps_support::{Publisher, eventually, kv_text, wait_for_kv};
use capsule_server::apps::scheduler::{Backoff, Tuning};
use capsule_server::config::Config;
use capsule_server::model::Timestamp;
use capsule_server::store::AppDataStore;
use capsule_server::store::embedded::{Durability, EmbeddedStore};
use common::{Session, TestServer};
use serde_json::{Value, json};

const APP: &str = "scheduler";

/// The scheduler's knobs in these tests: retries 100 ms, 200 ms, 400 ms.
fn tuning() -> Tuning {
    Tuning {
        backoff: Backoff {
            base: Duration::from_millis(100),
            retries: 3,
        },
        ..Tuning::default()
    }
}

/// A configuration step loading the `scheduler` app signed by
/// `publisher`, with `tuning`.
fn configure(publisher: &Publisher, tuning: Tuning) -> impl FnOnce(&mut Config) + use<> {
    let apps = publisher.configure(&[APP]);
    move |config: &mut Config| {
        apps(config);
        config.scheduler = tuning;
    }
}

async fn start_with(tuning: Tuning) -> (TestServer, Publisher, Session) {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(configure(&publisher, tuning)).await;
    let alice = server.signed_in("alice").await;
    (server, publisher, alice)
}

/// Runs a slash command of the app in GENERAL.
async fn command(server: &TestServer, who: &Session, text: &str) {
    server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": "GENERAL", "text": text}),
            Some(who),
        )
        .await
        .ok();
}

/// Runs a scheduling command; answers the id of the job it scheduled.
async fn schedule(server: &TestServer, who: &Session, text: &str, tag: &str) -> String {
    command(server, who, text).await;
    let chat = server.chat_domain();
    eventually(&format!("`{text}` to be answered"), || async move {
        if let Some(error) = kv_text(chat, APP, &format!("error:{tag}")).await {
            panic!("`{text}` was refused: {error}");
        }
        kv_text(chat, APP, &format!("scheduled:{tag}")).await
    })
    .await
}

/// Runs a scheduling command the host must refuse; answers why.
async fn refused(server: &TestServer, who: &Session, text: &str, tag: &str) -> String {
    command(server, who, text).await;
    let error = wait_for_kv(server.chat_domain(), APP, &format!("error:{tag}")).await;
    assert_eq!(
        kv_text(server.chat_domain(), APP, &format!("scheduled:{tag}")).await,
        None,
        "`{text}` scheduled nothing"
    );
    error
}

/// The `n`th run recorded for `tag`, once it happened.
async fn run(server: &TestServer, tag: &str, n: u32) -> Value {
    let text = wait_for_kv(server.chat_domain(), APP, &format!("run:{tag}:{n}")).await;
    serde_json::from_str(&text).expect("a run is recorded as JSON")
}

/// How many runs were recorded for `tag`.
async fn runs(server: &TestServer, tag: &str) -> u32 {
    kv_text(server.chat_domain(), APP, &format!("runs:{tag}"))
        .await
        .map_or(0, |n| n.parse().expect("a count"))
}

/// The app's jobs in the store, as (id, name).
async fn stored_jobs(server: &TestServer) -> Vec<(String, String)> {
    server
        .chat_domain()
        .store()
        .jobs_of(APP)
        .await
        .expect("the store answers")
        .into_iter()
        .map(|job| (job.id, job.name))
        .collect()
}

async fn wait_until_no_jobs(server: &TestServer) {
    eventually("the app's jobs to be gone from the store", || async {
        stored_jobs(server).await.is_empty().then_some(())
    })
    .await;
}

fn at(run: &Value) -> u64 {
    run["at"].as_u64().expect("the run's time")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_off_job_fires_once_after_its_delay_with_its_payload() {
    let (server, _publisher, alice) = start_with(tuning()).await;
    let before = Timestamp::now().millis() as u64;

    let id = schedule(&server, &alice, "/sched-once 300 one", "one").await;
    let first = run(&server, "one", 1).await;
    wait_until_no_jobs(&server).await;

    assert_eq!(first["job"], id.as_str());
    assert_eq!(first["name"], "once");
    assert_eq!(first["payload"], r#"{"tag":"one"}"#);
    assert_eq!(first["attempt"], 1);
    assert!(
        at(&first) >= before + 300,
        "ran {} ms after it was scheduled",
        at(&first) - before
    );
    assert_eq!(runs(&server, "one").await, 1, "a one-off runs once");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interval_job_fires_repeatedly_until_it_is_cancelled() {
    let (server, _publisher, alice) = start_with(tuning()).await;

    let id = schedule(&server, &alice, "/sched-every 1000 tick", "tick").await;
    let first = run(&server, "tick", 1).await;
    let second = run(&server, "tick", 2).await;
    command(&server, &alice, "/sched-cancel tick").await;
    let cancelled = wait_for_kv(server.chat_domain(), APP, "cancelled:tick").await;
    let runs_at_cancel = runs(&server, "tick").await;
    // Nothing announces a run that does not happen: give it more than an
    // interval to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(first["job"], id.as_str());
    assert_eq!(second["job"], id.as_str(), "the same job again");
    assert_eq!(second["attempt"], 1, "each run starts at attempt 1");
    let gap = at(&second) - at(&first);
    assert!((950..3000).contains(&gap), "runs {gap} ms apart");
    assert_eq!(cancelled, "true");
    assert!(
        stored_jobs(&server).await.is_empty(),
        "cancelled jobs are deleted"
    );
    assert_eq!(
        runs(&server, "tick").await,
        runs_at_cancel,
        "no run after the cancel"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_job_is_retried_with_backoff_and_given_up_after_the_bound() {
    let (server, _publisher, alice) = start_with(tuning()).await;

    schedule(&server, &alice, "/sched-fail 1000 doomed", "doomed").await;
    let mut tries = Vec::new();
    for n in 1..=4 {
        tries.push(run(&server, "doomed", n).await);
    }
    wait_until_no_jobs(&server).await;

    let attempts: Vec<_> = tries.iter().map(|t| t["attempt"].clone()).collect();
    assert_eq!(attempts, [1, 2, 3, 4], "the first try and three retries");
    let gaps: Vec<u64> = tries.windows(2).map(|w| at(&w[1]) - at(&w[0])).collect();
    for (gap, backoff) in gaps.iter().zip([100, 200, 400]) {
        assert!(
            *gap >= backoff - 10,
            "waits {gaps:?}: each at least {backoff} ms"
        );
    }
    assert!(gaps[2] > gaps[0], "the waits grow: {gaps:?}");
    assert_eq!(runs(&server, "doomed").await, 4, "no try after the bound");
    let given_up = server
        .metric(r#"capsule_app_jobs_run_total{app="scheduler",outcome="failed"}"#)
        .await;
    assert_eq!(given_up, Some(1.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_that_fails_twice_succeeds_on_its_third_attempt() {
    let (server, _publisher, alice) = start_with(tuning()).await;

    schedule(&server, &alice, "/sched-fail 2 flaky", "flaky").await;
    let third = run(&server, "flaky", 3).await;
    wait_until_no_jobs(&server).await;

    assert_eq!(third["attempt"], 3);
    assert_eq!(third["payload"], r#"{"failures":2,"tag":"flaky"}"#);
    assert_eq!(runs(&server, "flaky").await, 3, "done once it succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_that_came_due_while_the_server_was_down_fires_after_the_restart() {
    let (server, publisher, alice) = start_with(tuning()).await;
    schedule(&server, &alice, "/sched-once 500 later", "later").await;
    let dir = server.stop().await;
    // Past the time it was due, with the server stopped: nothing of the
    // stopped server may still be running it.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let while_down = {
        let store = EmbeddedStore::open(dir.path(), Durability::Normal).expect("the store opens");
        store
            .app_value(APP, "run:later:1")
            .await
            .expect("the store answers")
    };

    let server = TestServer::start_configured_in(dir, configure(&publisher, tuning())).await;
    let fired = run(&server, "later", 1).await;

    assert_eq!(while_down, None, "it did not run while the server was down");
    assert_eq!(fired["name"], "once");
    assert_eq!(fired["payload"], r#"{"tag":"later"}"#);
    assert_eq!(fired["attempt"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_apps_job_waits_and_runs_once_the_app_is_enabled() {
    let (server, _publisher, alice) = start_with(tuning()).await;
    let runtime = server
        .server
        .as_ref()
        .expect("the server is running")
        .app_manager()
        .runtime()
        .clone();

    schedule(&server, &alice, "/sched-once 200 paused", "paused").await;
    runtime.disable(APP).expect("the app is loaded");
    // Past the time it was due: it must not run while the app is disabled.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let while_disabled = runs(&server, "paused").await;
    let kept = stored_jobs(&server).await;
    runtime.enable(APP).expect("the app can be enabled");
    let after = run(&server, "paused", 1).await;

    assert_eq!(while_disabled, 0, "no run while disabled");
    assert_eq!(kept.len(), 1, "the job waits in the store: {kept:?}");
    assert_eq!(after["attempt"], 1, "waiting is not a failed attempt");
    let skipped = server
        .metric(r#"capsule_app_jobs_run_total{app="scheduler",outcome="skipped"}"#)
        .await
        .unwrap_or(0.0);
    assert!(
        skipped <= 1.0,
        "the disabled app is not called over and over: {skipped} calls skipped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_may_keep_only_its_quota_of_jobs() {
    let tuning = Tuning {
        max_jobs_per_app: 2,
        ..tuning()
    };
    let (server, _publisher, alice) = start_with(tuning).await;

    schedule(&server, &alice, "/sched-every 60000 q1", "q1").await;
    schedule(&server, &alice, "/sched-every 60000 q2", "q2").await;
    let over = refused(&server, &alice, "/sched-once 60000 q3", "q3").await;
    command(&server, &alice, "/sched-cancel q1").await;
    wait_for_kv(server.chat_domain(), APP, "cancelled:q1").await;
    schedule(&server, &alice, "/sched-once 60000 q4", "q4").await;

    assert!(
        over.contains("already has 2 scheduled jobs"),
        "the refusal names the quota: {over}"
    );
    assert_eq!(stored_jobs(&server).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_schedules_are_refused_naming_the_problem_and_cron_jobs_are_due_on_their_next_match() {
    let (server, _publisher, alice) = start_with(tuning()).await;

    let bad_cron = refused(&server, &alice, "/sched-cron 61 * * * * c1", "c1").await;
    let too_few = refused(&server, &alice, "/sched-cron * * * c2", "c2").await;
    let too_often = refused(&server, &alice, "/sched-every 10 fast", "fast").await;
    let before = Timestamp::now().millis();
    let id = schedule(&server, &alice, "/sched-cron */5 * * * * c3", "c3").await;

    assert!(
        bad_cron.contains("bad cron expression `61 * * * *`"),
        "{bad_cron}"
    );
    assert!(too_few.contains("five"), "{too_few}");
    assert!(too_often.contains("1000 ms"), "{too_often}");
    let jobs = server
        .chat_domain()
        .store()
        .jobs_of(APP)
        .await
        .expect("the store answers");
    let job = jobs
        .iter()
        .find(|j| j.id == id)
        .expect("the cron job is stored");
    let next = job.next_run.millis();
    assert_eq!(
        next % 300_000,
        0,
        "on a five-minute mark: {}",
        job.next_run.to_iso()
    );
    assert!(
        next > before && next <= before + 300_000,
        "{}",
        job.next_run.to_iso()
    );
    assert_eq!(job.schedule, json!({"cron": "*/5 * * * *"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_disabling_the_app_holds_its_jobs_and_enabling_it_runs_them_at_once() {
    // The scheduler would look again only after a minute: the prompt run
    // after enabling comes from the manager waking it.
    let tuning = Tuning {
        recheck: Duration::from_secs(60),
        ..tuning()
    };
    let (server, _publisher, alice) = start_with(tuning).await;
    let admin = server.admin().await;
    let set_status = |status: &'static str| {
        let (server, admin) = (&server, &admin);
        async move {
            server
                .post(
                    &format!("/api/apps/{APP}/status"),
                    json!({ "status": status }),
                    Some(admin),
                )
                .await
                .ok()
        }
    };

    schedule(&server, &alice, "/sched-once 200 held", "held").await;
    set_status("manually_disabled").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let while_disabled = runs(&server, "held").await;
    let enabled_at = std::time::Instant::now();
    set_status("manually_enabled").await;
    run(&server, "held", 1).await;
    let waited = enabled_at.elapsed();

    assert_eq!(while_disabled, 0, "no run while disabled");
    assert!(
        waited < Duration::from_secs(5),
        "ran {waited:?} after the app was enabled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uninstalling_the_app_deletes_its_jobs() {
    let (server, _publisher, alice) = start_with(tuning()).await;
    let admin = server.admin().await;
    schedule(&server, &alice, "/sched-every 60000 gone", "gone").await;
    schedule(&server, &alice, "/sched-once 60000 gone-too", "gone-too").await;
    let before = stored_jobs(&server).await.len();

    let answer = server
        .http
        .delete(format!("{}/api/apps/{APP}", server.base))
        .header("X-Auth-Token", &admin.token)
        .header("X-User-Id", &admin.user_id)
        .send()
        .await
        .expect("the server answers");
    let status = answer.status();
    let body = answer.text().await.expect("a body");

    assert_eq!(status, 200, "{body}");
    assert_eq!(before, 2);
    assert!(
        stored_jobs(&server).await.is_empty(),
        "its jobs are deleted"
    );
}
