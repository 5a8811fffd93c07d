//! Bad components are refused with an error naming the app and the cause,
//! and compiled components come back from the disk cache.

use capsule_runtime::{
    AppSpec, CacheOutcome, Capability, GrantSet, Hook, LoadError, RuntimeConfig,
};
use capsule_tests::{Harness, test_app};

fn spec(id: &str) -> AppSpec {
    AppSpec::new(id).implementing([Hook::PreSendModify])
}

#[tokio::test]
async fn bytes_that_are_not_webassembly_are_refused() {
    let h = Harness::new();
    let err = h
        .runtime
        .load(spec("junk"), b"PK\x03\x04 definitely a zip")
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::NotAComponent { .. }), "{err}");
    assert!(err.to_string().contains("app `junk`"), "{err}");
}

#[tokio::test]
async fn a_core_module_is_refused_with_a_hint() {
    let h = Harness::new();
    let core = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let err = h.runtime.load(spec("core"), &core).await.unwrap_err();
    assert!(err.to_string().contains("--target wasm32-wasip2"), "{err}");
}

#[tokio::test]
async fn a_component_for_another_world_is_refused() {
    let h = Harness::new();
    let other =
        wat::parse_str(r#"(component (import "acme:chat/rooms@1.0.0" (instance)))"#).unwrap();
    let err = h.runtime.load(spec("other"), &other).await.unwrap_err();
    assert!(matches!(err, LoadError::WrongWorld { .. }), "{err}");
    assert!(err.to_string().contains("acme:chat/rooms@1.0.0"), "{err}");
}

#[tokio::test]
async fn a_component_for_an_unknown_contract_version_is_refused() {
    let h = Harness::new();
    let future =
        wat::parse_str(r#"(component (import "capsule:apps/kv@9.0.0" (instance)))"#).unwrap();
    let err = h
        .runtime
        .load(
            spec("future").granted(GrantSet::none().with(Capability::Kv)),
            &future,
        )
        .await
        .unwrap_err();
    let LoadError::UnsupportedVersion { found, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(found, "9.0.0");
}

#[tokio::test]
async fn a_component_that_does_not_export_a_declared_hook_is_refused() {
    let h = Harness::new();
    let bare =
        wat::parse_str(r#"(component (import "capsule:apps/kv@0.1.0" (instance)))"#).unwrap();
    let err = h
        .runtime
        .load(
            spec("bare").granted(GrantSet::none().with(Capability::Kv)),
            &bare,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::MissingExports { .. }), "{err}");
    assert!(err.to_string().contains("message-events"), "{err}");
}

#[tokio::test]
async fn the_same_id_cannot_be_loaded_twice() {
    let h = Harness::new();
    h.load("bench", spec("b")).await.unwrap();
    let err = h.load("bench", spec("b")).await.unwrap_err();
    assert!(matches!(err, LoadError::AlreadyLoaded { .. }), "{err}");
    let err = h.load("bench", spec("../b")).await.unwrap_err();
    assert!(matches!(err, LoadError::InvalidId { .. }), "{err}");
}

#[tokio::test]
async fn a_restart_loads_compiled_code_from_the_disk_cache() {
    let dir = tempfile::tempdir().unwrap();
    let config = RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let wasm = test_app("bench");

    let first = Harness::with_config(config.clone());
    assert_eq!(
        first.runtime.load(spec("b1"), &wasm).await.unwrap().cache,
        CacheOutcome::Compiled
    );
    assert_eq!(
        first.runtime.load(spec("b2"), &wasm).await.unwrap().cache,
        CacheOutcome::Memory
    );
    drop(first);

    let restarted = Harness::with_config(config);
    assert_eq!(
        restarted
            .runtime
            .load(spec("b1"), &wasm)
            .await
            .unwrap()
            .cache,
        CacheOutcome::Disk
    );
    assert_eq!(restarted.post("cached").await.unwrap(), "cached ✓");
}

#[tokio::test]
async fn a_corrupt_cache_entry_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let config = RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let wasm = test_app("bench");
    Harness::with_config(config.clone())
        .runtime
        .load(spec("b"), &wasm)
        .await
        .unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let h = Harness::with_config(config);
    assert_eq!(
        h.runtime.load(spec("b"), &wasm).await.unwrap().cache,
        CacheOutcome::Compiled
    );
    assert_eq!(h.post("x").await.unwrap(), "x ✓");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_built_against_the_first_contract_release_still_loads_and_runs() {
    let h = Harness::new();
    let current = h.load("bench", spec("current")).await.unwrap();
    let report = h
        .load(
            "legacy",
            AppSpec::new("legacy")
                .implementing([Hook::Command])
                .granted(GrantSet::none().with(Capability::MessageWrite)),
        )
        .await
        .unwrap();

    let answer = h
        .runtime
        .execute_command(
            "legacy",
            capsule_runtime::Invocation {
                command: "legacy".into(),
                args: vec!["old".into(), "app".into()],
                raw_args: "old app".into(),
                room: h.room.clone(),
                user: h.alice.to_ref(),
                thread_id: None,
                trigger_id: "t1".into(),
            },
        )
        .await
        .unwrap();

    assert_eq!(report.shape.version, "0.1.0");
    assert_eq!(
        current.shape.version, "0.1.2",
        "apps built with the SDK today"
    );
    assert_eq!(answer, Ok(Some("0.1.0".into())), "its export is called");
    let sent = h.chat.messages(&h.room.id);
    assert_eq!(sent.len(), 1, "its import is linked");
    assert_eq!(
        sent[0].text, "old app ✓",
        "and its message went through the current app's pre-send hook"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_validation_is_a_0_1_2_export_an_older_app_cannot_claim() {
    let h = Harness::new();
    let refused = h
        .load(
            "legacy",
            AppSpec::new("legacy")
                .implementing([Hook::Command, Hook::ValidateSettings])
                .granted(GrantSet::none().with(Capability::MessageWrite)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, LoadError::MissingExports { .. })
            && refused.to_string().contains("settings-validation"),
        "{refused}"
    );

    // An SDK app of 0.1.2 exports it; the SDK's default accepts, and it
    // runs while the app is disabled (an admin sets an app up first).
    h.load(
        "bench",
        AppSpec::new("current").implementing([Hook::PreSendModify, Hook::ValidateSettings]),
    )
    .await
    .unwrap();
    h.runtime.disable("current").unwrap();
    let answer = h
        .runtime
        .validate_settings(
            "current",
            vec!["tag".into()],
            vec![(
                "tag".into(),
                capsule_runtime::SettingValue::Text("x".into()),
            )],
        )
        .await;
    assert_eq!(answer, Ok(Ok(())));
}
