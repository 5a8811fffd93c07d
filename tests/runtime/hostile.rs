//! Hostile apps are contained, each with its typed fault, while a
//! well-behaved app keeps answering and no message is lost.

use std::time::{Duration, Instant};

use capsule_runtime::{
    AppSpec, AppStatus, Capability, Deadline, Fault, GrantSet, Hook, Limits, LoadError, Refusal,
    SettingValue,
};
use capsule_tests::{Harness, fake_service};

/// A harness with the hostile app (granted everything it imports, outbound
/// HTTP only to `hosts`) and a well-behaved modifier after it.
async fn with_hostile(hosts: &[String], limits: Limits) -> Harness {
    let h = Harness::new();
    let grants = GrantSet::none()
        .with(Capability::MessageWrite)
        .with(Capability::Kv)
        .with(Capability::UserRead)
        .with_http_hosts(hosts)
        .unwrap();
    let hostile = AppSpec::new("hostile")
        .implementing([Hook::PreSendModify])
        .granted(grants)
        .with_limits(limits);
    h.load("hostile", hostile).await.unwrap();
    h.chat
        .set_setting("good", "tag", SettingValue::Text("good".into()));
    let good = AppSpec::new("good")
        .implementing([Hook::PreSendModify])
        .granted(GrantSet::none().with(Capability::Settings))
        .with_priority(10);
    h.load("modifier", good).await.unwrap();
    h
}

fn last_fault(h: &Harness) -> Option<Fault> {
    h.runtime.last_fault("hostile").unwrap()
}

fn last_refusal(h: &Harness) -> Option<Refusal> {
    h.runtime.last_refusal("hostile").unwrap()
}

async fn assert_contained(text: &str, expect: fn(&Fault) -> bool) -> Harness {
    assert_contained_with(text, Limits::default(), expect).await
}

async fn assert_contained_with(text: &str, limits: Limits, expect: fn(&Fault) -> bool) -> Harness {
    let h = with_hostile(&[], limits).await;
    let stored = h.post(text).await.expect("the message goes through");
    assert_eq!(
        stored,
        format!("{text} [good]"),
        "the hostile hook is skipped, the good one runs"
    );
    let fault = last_fault(&h).expect("a fault was recorded");
    assert!(expect(&fault), "unexpected fault for `{text}`: {fault:?}");
    assert_eq!(
        h.post("after").await.unwrap(),
        "after [good]",
        "the server keeps serving"
    );
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_is_interrupted_at_its_cpu_deadline() {
    let started = Instant::now();
    assert_contained("loop", |f| matches!(f, Fault::CpuDeadline(_))).await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_hits_the_memory_limit() {
    // A CPU budget generous enough that the memory limit, not the
    // deadline, is what stops it.
    let limits = Limits {
        memory_bytes: 16 << 20,
        pre_send: Deadline {
            cpu: Duration::from_secs(5),
            wall: Duration::from_secs(10),
        },
        ..Limits::default()
    };
    assert_contained_with(
        "bomb",
        limits,
        |f| matches!(f, Fault::MemoryLimit { limit_bytes } if *limit_bytes == 16 << 20),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_overflow_is_a_fault() {
    assert_contained("stack", |f| {
        matches!(f, Fault::StackOverflow | Fault::Trap(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_trap_and_its_message_reaches_the_app_log() {
    let h = assert_contained("panic", |f| matches!(f, Fault::Trap(_))).await;
    let logs = h.runtime.logs("hostile", 100).unwrap();
    assert!(
        logs.iter()
            .any(|e| e.message.contains("panicking on purpose")),
        "stderr is captured: {logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_return_value_is_refused() {
    assert_contained(
        "big",
        |f| matches!(f, Fault::OutputTooLarge { size, limit } if *size > *limit),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_flood_is_rate_limited() {
    let h = with_hostile(&[], Limits::default()).await;
    let stored = h.post("flood").await.unwrap();
    let ok: usize = stored
        .split("ok=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    // The burst of 50, plus what the 20/s refill adds while the flood runs
    // (generous, for a loaded CI machine).
    assert!(
        (50..=100).contains(&ok),
        "about the burst of 50 writes pass: {stored}"
    );
    assert!(stored.contains("other=0"), "{stored}");
    assert_eq!(h.chat.kv_len("hostile"), ok);
    assert_eq!(
        last_refusal(&h),
        Some(Refusal::RateLimited {
            capability: Capability::Kv
        })
    );
    let health = h.runtime.health("hostile").unwrap();
    assert_eq!(
        (health.faults, health.refusals),
        (0, 1000 - ok as u64),
        "each refused write is counted, none as a fault"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_that_triggers_itself_stops_at_the_depth_limit() {
    let h = with_hostile(&[], Limits::default()).await;
    let stored = h.post("selfloop").await.unwrap();
    assert!(stored.starts_with("selfloop sent: Ok"), "{stored}");
    // The user's message (depth 0) and the app's at depths 1, 2 and 3; the
    // one at depth 4 is refused.
    let messages = h.chat.messages(&h.room.id);
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.text.contains("LoopDetected")),
        "{messages:#?}"
    );
    let logs = h.runtime.logs("hostile", 1000).unwrap();
    assert!(
        logs.iter()
            .any(|e| e.message.contains("`message-write` call refused")
                && e.message.contains("re-enter the pipeline")),
        "the refusal is in the app's log: {logs:?}"
    );
    assert_eq!(
        last_refusal(&h),
        Some(Refusal::LoopDetected { max_depth: 3 })
    );
    assert!(h.fault_log("hostile").is_empty(), "a refusal is no fault");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_http_reaches_only_granted_hosts() {
    let service = fake_service().await;
    let h = with_hostile(&[service.to_string()], Limits::default()).await;

    let ok = h
        .post(&format!("fetch http://{service}/hello"))
        .await
        .unwrap();
    assert!(ok.starts_with("fetch: Ok(200"), "{ok}");

    let other = h.post("badhost http://evil.example/steal").await.unwrap();
    assert!(
        other.contains("Denied") && other.contains("not on the app's allow-list"),
        "{other}"
    );
    assert!(matches!(
        last_refusal(&h),
        Some(Refusal::Denied {
            capability: Capability::HttpOutbound,
            ..
        })
    ));

    let port = service.port() + 1;
    let wrong_port = h
        .post(&format!("badhost http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert!(wrong_port.contains("Denied"), "{wrong_port}");

    let redirected = h
        .post(&format!("badhost http://{service}/redirect-out"))
        .await
        .unwrap();
    assert!(
        redirected.contains("Denied") && redirected.contains("192.0.2.1"),
        "a redirect is re-checked: {redirected}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_spent_waiting_in_host_calls_counts_against_the_wall_deadline() {
    let service = fake_service().await;
    let h = with_hostile(&[service.to_string()], Limits::default()).await;
    let started = Instant::now();
    let stored = h
        .post(&format!("fetch http://{service}/slow"))
        .await
        .unwrap();
    assert!(stored.ends_with("[good]"), "{stored}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the 200 ms pre-send wall deadline applied"
    );
    assert!(
        matches!(last_fault(&h), Some(Fault::WallDeadline(_))),
        "{:?}",
        last_fault(&h)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_an_ungranted_capability_refuses_the_load_with_the_list() {
    let h = Harness::new();
    let spec = AppSpec::new("hostile")
        .implementing([Hook::PreSendModify])
        .granted(GrantSet::none().with(Capability::Kv));
    let err = h.load("hostile", spec).await.unwrap_err();
    let LoadError::MissingGrants { app, missing } = &err else {
        panic!("{err}")
    };
    assert_eq!(app, "hostile");
    assert_eq!(
        missing,
        &[
            Capability::MessageWrite,
            Capability::UserRead,
            Capability::HttpOutbound
        ]
    );
    assert!(
        err.to_string()
            .contains("`message-write`, `user-read`, `http-outbound`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_grant_is_denied_at_the_next_call() {
    let h = with_hostile(&[], Limits::default()).await;
    assert!(h.post("whoami").await.unwrap().contains("alice"));

    let revoked = h
        .runtime
        .grants("hostile")
        .unwrap()
        .without(Capability::UserRead);
    h.runtime.set_grants("hostile", revoked).unwrap();

    let denied = h.post("whoami").await.unwrap();
    assert!(
        denied.contains("Denied") && denied.contains("user-read"),
        "{denied}"
    );
    assert!(matches!(
        last_refusal(&h),
        Some(Refusal::Denied {
            capability: Capability::UserRead,
            ..
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_host_calls_past_the_fault_limit_leave_the_app_enabled() {
    let limits = Limits {
        max_faults_in_a_row: 3,
        ..Limits::default()
    };
    let h = with_hostile(&[], limits).await;
    for _ in 0..8 {
        let answer = h.post("badhost http://evil.example/steal").await.unwrap();
        assert!(answer.contains("Denied"), "the app got the error: {answer}");
    }

    let health = h.runtime.health("hostile").unwrap();
    assert_eq!(health.status, AppStatus::Enabled);
    assert_eq!((health.faults, health.refusals), (0, 8));
    assert_eq!(last_fault(&h), None);
    let logs = h.runtime.logs("hostile", 100).unwrap();
    let warned = logs
        .iter()
        .filter(|e| {
            e.message
                == "`http-outbound` call refused: host `evil.example:80` is not on the app's allow-list"
        })
        .count();
    assert_eq!(warned, 8, "one warning per refusing call: {logs:?}");
    assert!(
        h.post("whoami").await.unwrap().contains("alice"),
        "the app still answers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_panics_on_a_refusal_faults_and_its_log_says_what_was_refused() {
    // Room for the panic to unwind on a loaded machine: the fault must be
    // the trap, not the 20 ms pre-send CPU deadline.
    let limits = Limits {
        pre_send: Deadline {
            cpu: Duration::from_secs(2),
            wall: Duration::from_secs(10),
        },
        ..Limits::default()
    };
    let h = with_hostile(&[], limits).await;

    let stored = h.post("unwrap http://evil.example/steal").await.unwrap();

    assert_eq!(stored, "unwrap http://evil.example/steal [good]");
    assert!(
        matches!(last_fault(&h), Some(Fault::Trap(_))),
        "{:?}",
        last_fault(&h)
    );
    let faults = h.fault_log("hostile");
    assert_eq!(faults.len(), 1, "{faults:?}");
    let logs = h.runtime.logs("hostile", 100).unwrap();
    assert!(
        logs.iter().any(|e| e.message
            == "the call faulted after the host refused: `http-outbound` call refused: \
                host `evil.example:80` is not on the app's allow-list"),
        "{logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_in_a_row_disable_the_app_with_a_reason() {
    let limits = Limits {
        max_faults_in_a_row: 3,
        ..Limits::default()
    };
    let h = with_hostile(&[], limits).await;
    for _ in 0..2 {
        h.post("panic").await.unwrap();
        assert_eq!(
            h.runtime.health("hostile").unwrap().status,
            AppStatus::Enabled
        );
    }
    h.post("panic").await.unwrap();

    let AppStatus::DisabledAfterFaults {
        faults_in_a_row,
        last_fault,
    } = h.runtime.health("hostile").unwrap().status
    else {
        panic!("still enabled")
    };
    assert_eq!(faults_in_a_row, 3);
    assert!(last_fault.contains("trapped"), "{last_fault}");
    assert_eq!(
        h.post("whoami").await.unwrap(),
        "whoami [good]",
        "a disabled app is not called"
    );

    h.runtime.enable("hostile").unwrap();
    assert!(
        h.post("whoami").await.unwrap().contains("alice"),
        "an admin can enable it again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_resets_the_run_of_faults() {
    let limits = Limits {
        max_faults_in_a_row: 2,
        ..Limits::default()
    };
    let h = with_hostile(&[], limits).await;
    for _ in 0..3 {
        h.post("panic").await.unwrap();
        h.post("whoami").await.unwrap();
    }
    assert_eq!(
        h.runtime.health("hostile").unwrap().status,
        AppStatus::Enabled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_gives_no_files_environment_arguments_or_sockets() {
    let h = Harness::new();
    h.load(
        "sandbox-probe",
        AppSpec::new("probe").implementing([Hook::PreSendModify]),
    )
    .await
    .unwrap();
    let report = h.post("probe").await.unwrap();
    assert_eq!(report, "fs=ERR;dir=ERR;cwd=ERR;env=0;args=0;net=ERR");
    let logs = h.runtime.logs("probe", 100).unwrap();
    assert!(
        logs.iter().any(|e| e.message == "probe stdout"),
        "stdout lands in the app log: {logs:?}"
    );
}
