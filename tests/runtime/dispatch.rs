//! Events reach well-behaved apps, their answers come back, and the hook
//! chain runs in the documented order.

use capsule_runtime::{
    AppSpec, Capability, GrantSet, Hook, HttpRequest, Interaction, Invocation, Job, LifecycleEvent,
    Limits, SettingValue,
};
use capsule_tests::Harness;

fn modifier(id: &str, priority: i32) -> AppSpec {
    AppSpec::new(id)
        .implementing([Hook::PreSendModify])
        .granted(GrantSet::none().with(Capability::Settings))
        .with_priority(priority)
}

fn everything() -> AppSpec {
    AppSpec::new("everything")
        .implementing([
            Hook::Lifecycle,
            Hook::Command,
            Hook::Endpoint,
            Hook::Job,
            Hook::UiAction,
            Hook::UserJoined,
        ])
        .granted(
            GrantSet::none()
                .with(Capability::Kv)
                .with(Capability::Settings)
                .with(Capability::MessageWrite)
                .with(Capability::UserRead)
                .with(Capability::Logging),
        )
}

fn invocation(h: &Harness, command: &str, raw_args: &str) -> Invocation {
    Invocation {
        command: command.into(),
        args: raw_args.split_whitespace().map(str::to_string).collect(),
        raw_args: raw_args.into(),
        room: h.room.clone(),
        user: h.alice.to_ref(),
        thread_id: None,
        trigger_id: "t1".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modifying_app_changes_the_message() {
    let h = Harness::new();
    h.chat
        .set_setting("tagger", "tag", SettingValue::Text("ok".into()));
    h.load("modifier", modifier("tagger", 0)).await.unwrap();

    assert_eq!(h.post("hello").await.unwrap(), "hello [ok]");
    assert_eq!(h.chat.messages(&h.room.id)[0].text, "hello [ok]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modify_hooks_chain_by_priority_then_app_id() {
    let h = Harness::new();
    for (id, priority, tag) in [("m-b", 0, "b"), ("m-a", 0, "a"), ("m-c", -5, "c")] {
        h.chat
            .set_setting(id, "tag", SettingValue::Text(tag.into()));
        h.load("modifier", modifier(id, priority)).await.unwrap();
    }

    assert_eq!(h.runtime.app_ids(), ["m-c", "m-a", "m-b"]);
    assert_eq!(h.post("x").await.unwrap(), "x [c] [a] [b]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veto_stops_the_message_before_any_modify_hook() {
    let h = Harness::new();
    let veto = AppSpec::new("veto")
        .implementing([Hook::PreSendPrevent, Hook::PostSend])
        .granted(
            GrantSet::none()
                .with(Capability::Settings)
                .with(Capability::Kv),
        )
        .with_priority(10);
    h.load("veto", veto).await.unwrap();
    h.load("modifier", modifier("tagger", 0)).await.unwrap();

    let err = h.post("this is forbidden").await.unwrap_err();
    assert!(
        err.contains("vetoed by `veto`: contains a forbidden word: forbidden"),
        "{err}"
    );
    assert!(
        h.chat.messages(&h.room.id).is_empty(),
        "a vetoed message is not stored"
    );

    h.chat
        .set_setting("veto", "word", SettingValue::Text("spoiler".into()));
    assert!(h.post("a spoiler").await.is_err());
    assert!(
        h.post("this is forbidden").await.is_ok(),
        "the setting is read at each call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_send_hooks_see_the_stored_message() {
    let h = Harness::new();
    let veto = AppSpec::new("veto")
        .implementing([Hook::PreSendPrevent, Hook::PostSend])
        .granted(
            GrantSet::none()
                .with(Capability::Settings)
                .with(Capability::Kv),
        );
    h.load("veto", veto).await.unwrap();
    let message = h.chat.post(&h.alice, &h.room, "first").await.unwrap();

    // The chat already started the hooks in the background; run them once
    // more and wait, rather than sleep.
    h.runtime.post_send(message.clone(), 0).finished().await;

    assert_eq!(
        h.chat.kv("veto", "last-post"),
        Some(message.id.into_bytes())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_answer_and_use_storage_settings_and_messages() {
    let h = Harness::new();
    h.load("everything", everything()).await.unwrap();
    h.chat
        .set_setting("everything", "greeting", SettingValue::Text("Ahoy".into()));

    let echo = h
        .runtime
        .execute_command("everything", invocation(&h, "echo", "hi  there"))
        .await
        .unwrap();
    assert_eq!(echo, Ok(Some("hi  there".into())));
    for expected in ["1", "2"] {
        let count = h
            .runtime
            .execute_command("everything", invocation(&h, "count", ""))
            .await
            .unwrap();
        assert_eq!(count, Ok(Some(expected.into())));
    }
    assert_eq!(h.chat.kv("everything", "count"), Some(b"2".to_vec()));
    let greet = h
        .runtime
        .execute_command("everything", invocation(&h, "greet", ""))
        .await
        .unwrap();
    assert_eq!(greet, Ok(Some("Ahoy alice".into())));
    let whoami = h
        .runtime
        .execute_command("everything", invocation(&h, "whoami", ""))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        whoami.contains("alice") && whoami.contains("user"),
        "{whoami}"
    );

    let said = h
        .runtime
        .execute_command("everything", invocation(&h, "say", "from the app"))
        .await
        .unwrap();
    let stored = h.chat.messages(&h.room.id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text, "from the app");
    assert_eq!(stored[0].app_id.as_deref(), Some("everything"));
    assert_eq!(said, Ok(Some(stored[0].id.clone())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_compare_and_set_are_atomic_through_the_kv_capability() {
    let h = Harness::new();
    h.load("everything", everything()).await.unwrap();
    let run = |command: &'static str, args: &'static str| {
        let runtime = h.runtime.clone();
        let call = invocation(&h, command, args);
        async move {
            runtime
                .execute_command("everything", call)
                .await
                .unwrap()
                .unwrap()
                .unwrap()
        }
    };

    // Simultaneous runs land in several instances; none loses a count.
    let counts = futures_util::future::join_all((0..24).map(|_| run("count", ""))).await;
    let created = run("swap", "- a").await;
    let stale = run("swap", "x b").await;
    let swapped = run("swap", "a b").await;
    let deleted = run("swap", "b -").await;

    let mut counts: Vec<u32> = counts.iter().map(|c| c.parse().unwrap()).collect();
    counts.sort();
    assert_eq!(
        counts,
        (1..=24).collect::<Vec<u32>>(),
        "each run saw its own count"
    );
    assert_eq!(h.chat.kv("everything", "count"), Some(b"24".to_vec()));
    assert_eq!(
        [created, stale, swapped, deleted],
        ["true a", "false a", "true b", "true -"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_room_is_opened_once_and_refused_to_a_grant_limited_to_rooms() {
    let h = Harness::new();
    h.load("everything", everything()).await.unwrap();
    let limited = Harness::new();
    let spec = everything();
    let grants = spec
        .grants
        .clone()
        .limited_to_rooms([limited.room.id.clone()]);
    limited
        .load("everything", spec.granted(grants))
        .await
        .unwrap();

    let first = h
        .runtime
        .execute_command("everything", invocation(&h, "dm", "one"))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let second = h
        .runtime
        .execute_command("everything", invocation(&h, "dm", "two"))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let refused = limited
        .runtime
        .execute_command("everything", invocation(&limited, "dm", "three"))
        .await
        .unwrap();

    assert_eq!(first, second, "one room per user");
    let texts: Vec<String> = h
        .chat
        .messages(&first)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["one", "two"]);
    let error = refused.unwrap_err();
    assert!(error.contains("limited to listed rooms"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_outside_the_granted_rooms_answers_as_a_missing_message() {
    let h = Harness::new();
    let elsewhere = h.chat.add_room("elsewhere", &[&h.alice]);
    let inside = h
        .chat
        .new_message(&h.alice, &h.room, "alice's, in the granted room");
    let outside = h
        .chat
        .new_message(&h.alice, &elsewhere, "alice's, elsewhere");
    h.chat.store(inside.clone());
    h.chat.store(outside.clone());
    let spec = everything();
    let grants = spec.grants.clone().limited_to_rooms([h.room.id.clone()]);
    h.load("everything", spec.granted(grants)).await.unwrap();
    // The action `edit` makes the app update the message it came from.
    let press = |message_id: &str| Interaction {
        action_id: "edit".into(),
        value: None,
        user: h.alice.to_ref(),
        room_id: h.room.id.clone(),
        message_id: Some(message_id.into()),
        trigger_id: "t3".into(),
    };

    let in_grant = h.runtime.ui_action("everything", press(&inside.id)).await;
    let out_of_grant = h.runtime.ui_action("everything", press(&outside.id)).await;
    let missing = h.runtime.ui_action("everything", press("m-none")).await;

    let error = in_grant.unwrap().unwrap_err();
    assert!(
        error.contains("only update its own messages"),
        "the room check passes and the chat refuses another sender's message: {error}"
    );
    for (answer, id) in [(out_of_grant, outside.id.as_str()), (missing, "m-none")] {
        assert_eq!(
            answer.unwrap().unwrap_err(),
            format!("not found: message `{id}` (in a room the app may write to)")
        );
    }
    assert_eq!(h.chat.messages(&elsewhere.id)[0].text, "alice's, elsewhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_jobs_ui_room_events_and_lifecycle_reach_the_app() {
    let h = Harness::new();
    h.load("everything", everything()).await.unwrap();

    assert_eq!(
        h.runtime
            .lifecycle("everything", LifecycleEvent::Install)
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(h.chat.kv("everything", "installed"), Some(b"yes".to_vec()));

    let request = HttpRequest {
        method: "POST".into(),
        url: "/echo?x=1".into(),
        headers: vec![],
        body: b"12345".to_vec(),
    };
    let response = h
        .runtime
        .handle_endpoint("everything", "echo", request, None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let body = String::from_utf8(response.body).unwrap();
    assert!(
        body.contains("POST") && body.contains("/echo?x=1") && body.contains('5'),
        "{body}"
    );

    let job = Job {
        id: "j1".into(),
        name: "nightly".into(),
        payload: b"data".to_vec(),
        attempt: 1,
    };
    assert_eq!(h.runtime.run_job("everything", job).await.unwrap(), Ok(()));
    assert_eq!(
        h.chat.kv("everything", "job:nightly"),
        Some(b"data".to_vec())
    );

    let press = Interaction {
        action_id: "approve".into(),
        value: None,
        user: h.alice.to_ref(),
        room_id: h.room.id.clone(),
        message_id: None,
        trigger_id: "t2".into(),
    };
    assert_eq!(
        h.runtime.ui_action("everything", press).await.unwrap(),
        Ok(Some("pressed approve".into()))
    );

    h.runtime
        .user_joined(h.room.clone(), h.alice.to_ref())
        .finished()
        .await;
    let welcome = h.chat.messages(&h.room.id);
    assert_eq!(
        welcome.last().map(|m| m.text.as_str()),
        Some("welcome @alice")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_an_app_does_not_declare_are_never_called() {
    let h = Harness::new();
    // The modifier exports message-events (the SDK exports everything) but
    // declares only pre-send-modify: commands are refused by the host.
    h.load("modifier", modifier("tagger", 0)).await.unwrap();
    let err = h
        .runtime
        .execute_command("tagger", invocation(&h, "echo", "x"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not implement `command`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_instance_is_reused_between_calls() {
    let h = Harness::new();
    h.load("modifier", modifier("tagger", 0)).await.unwrap();
    assert_eq!(h.runtime.warm_instances("tagger").unwrap(), 0);
    h.post("one").await.unwrap();
    h.post("two").await.unwrap();
    assert_eq!(h.runtime.warm_instances("tagger").unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_closed_filter_that_faults_vetoes_instead_of_being_skipped() {
    let h = Harness::new();
    // 64 KiB is far below what the component needs to start: every call faults.
    let limits = Limits {
        memory_bytes: 64 << 10,
        ..Limits::default()
    };
    let mut strict = AppSpec::new("compliance")
        .implementing([Hook::PreSendPrevent])
        .granted(
            GrantSet::none()
                .with(Capability::Settings)
                .with(Capability::Kv),
        )
        .with_limits(limits.clone());
    strict.fail_closed = true;
    h.load("veto", strict).await.unwrap();

    let err = h.post("anything").await.unwrap_err();
    assert!(err.contains("required filter `compliance` failed"), "{err}");

    h.runtime.unload("compliance").unwrap();
    let lenient = AppSpec::new("lenient")
        .implementing([Hook::PreSendPrevent])
        .granted(
            GrantSet::none()
                .with(Capability::Settings)
                .with(Capability::Kv),
        )
        .with_limits(limits);
    h.load("veto", lenient).await.unwrap();
    assert_eq!(
        h.post("anything").await.unwrap(),
        "anything",
        "a faulting filter is skipped by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_closed_filter_disabled_after_faults_still_blocks() {
    let h = Harness::new();
    let limits = Limits {
        memory_bytes: 64 << 10,
        max_faults_in_a_row: 2,
        ..Limits::default()
    };
    let mut strict = AppSpec::new("compliance")
        .implementing([Hook::PreSendPrevent])
        .granted(
            GrantSet::none()
                .with(Capability::Settings)
                .with(Capability::Kv),
        )
        .with_limits(limits);
    strict.fail_closed = true;
    h.load("veto", strict).await.unwrap();
    for _ in 0..2 {
        assert!(h.post("anything").await.is_err());
    }
    assert!(!h.runtime.health("compliance").unwrap().status.is_enabled());

    let err = h.post("anything").await.unwrap_err();
    assert!(err.contains("disabled after faults"), "{err}");

    h.runtime.disable("compliance").unwrap();
    assert!(
        h.post("anything").await.is_ok(),
        "an admin's disable switches the filter off on purpose"
    );
}
