//! The kit as an app developer uses it: the example app built from its
//! folder, and Capsule's test apps, driven through `TestApp` on the
//! in-memory chat with recorded outbound HTTP.

use capsule_testkit::{
    Capability, GrantSet, GuestApp, RecordedRequest, TestApp, TestkitError, example_apps,
    repo_root, test_apps,
};

/// `apps-examples/hello`, built by the kit the way its own tests build it.
async fn hello() -> TestApp {
    TestApp::build(repo_root().join("apps-examples/hello"))
        .expect("hello builds")
        .start()
        .await
        .expect("hello starts")
}

/// A copy of the test app `name` whose manifest `edit` changed.
fn with_manifest(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> GuestApp {
    let mut app = test_apps().app(name).clone();
    edit(&mut app.manifest);
    app
}

#[tokio::test]
async fn hello_waves_through_the_whole_pipeline() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app.post(&alice, &general, "hi :wave:").await.unwrap();

    assert_eq!(stored.text, "hi 👋");
    assert_eq!(app.texts(&general), ["hi 👋"]);
    assert_eq!(
        app.log_lines(),
        [format!("waving in message {}", stored.id)]
    );
    assert!(app.faults().is_empty(), "{:?}", app.faults());
}

#[tokio::test]
async fn hello_answers_its_command_and_logs_it() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    assert_eq!(
        app.command(&alice, &general, "/hello").await,
        Ok(Some("Hello, alice!".into()))
    );
    assert_eq!(
        app.command(&alice, &general, "hello  Bob").await,
        Ok(Some("Hello, Bob!".into()))
    );
    assert_eq!(
        app.command(&alice, &general, "/bye").await,
        Err("unknown command `bye`".into())
    );
    assert_eq!(
        app.log_lines(),
        ["alice said hello to alice", "alice said hello to Bob"]
    );
    assert!(
        app.texts(&general).is_empty(),
        "command answers are private"
    );
}

#[tokio::test]
async fn outbound_http_is_recorded_and_answered_from_stubs() {
    let app = TestApp::from_guest(test_apps().app("hostile"))
        .unwrap()
        .http_response("GET", "http://api.example.test/x", 200, "ok")
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app
        .post(&alice, &general, "fetch http://api.example.test/x")
        .await
        .unwrap();

    assert!(stored.text.contains("Ok(200"), "{}", stored.text);
    let requests = app.http_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let RecordedRequest {
        method, url, body, ..
    } = &requests[0];
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "http://api.example.test/x")
    );
    assert!(body.is_empty());
}

#[tokio::test]
async fn an_unstubbed_request_fails_and_says_which_stub_is_missing() {
    let app = TestApp::from_guest(test_apps().app("hostile"))
        .unwrap()
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app
        .post(&alice, &general, "fetch http://api.example.test/nothing")
        .await
        .unwrap();

    assert!(stored.text.contains("Err("), "{}", stored.text);
    assert!(
        stored
            .text
            .contains("no stub for GET http://api.example.test/nothing"),
        "{}",
        stored.text
    );
    assert_eq!(app.http_requests().len(), 1, "the attempt is recorded");
}

#[tokio::test]
async fn a_host_outside_the_grant_never_reaches_the_transport() {
    let app = TestApp::from_guest(test_apps().app("hostile"))
        .unwrap()
        .http_response("*", "http://", 200, "should not be reached")
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app
        .post(&alice, &general, "fetch http://elsewhere.example.test/")
        .await
        .unwrap();

    assert!(stored.text.contains("Err("), "{}", stored.text);
    assert!(app.http_requests().is_empty(), "{:?}", app.http_requests());
    assert!(app.faults().is_empty(), "a refusal is no fault");
    let refusal = app.last_refusal().expect("the refusal is recorded");
    assert!(
        refusal.to_string().contains("not on the app's allow-list"),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_setting_the_app_refuses_is_answered_with_its_reason() {
    let app = TestApp::from_guest(example_apps().app("webhooks"))
        .unwrap()
        .start()
        .await
        .unwrap();

    let refused = app
        .validate_setting("outgoing_url", "http://127.0.0.1:9/x")
        .await;
    let granted = app
        .validate_setting("outgoing_url", "https://hooks.example.com/x")
        .await;

    let reason = refused.unwrap_err();
    assert!(reason.contains("not granted"), "{reason}");
    assert_eq!(granted, Ok(()));
}

#[tokio::test]
async fn post_waits_for_post_send_hooks_and_returns_vetoes() {
    let app = TestApp::from_guest(test_apps().app("veto"))
        .unwrap()
        .setting("word", "spoiler")
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let posted = app.post(&alice, &general, "no secrets here").await.unwrap();
    // The post-send hook has already run: no sleep, no polling.
    assert_eq!(app.kv_text("last-post"), Some(posted.id.clone()));

    let err = app.post(&alice, &general, "a spoiler").await.unwrap_err();
    assert_eq!(err, "vetoed by `veto`: contains a forbidden word: spoiler");
    assert_eq!(app.texts(&general), ["no secrets here"]);
}

#[tokio::test]
async fn install_settings_endpoints_jobs_buttons_and_joins_reach_the_app() {
    let everything = with_manifest("everything", |m| {
        m["settings"][0]["default"] = "Howdy".into()
    });
    let app = TestApp::from_guest(&everything)
        .unwrap()
        .start()
        .await
        .unwrap();
    let (alice, bob) = (app.user("alice"), app.user("bob"));
    let general = app.room("general", &[&alice]);

    assert_eq!(
        app.kv_text("installed").as_deref(),
        Some("yes"),
        "on-install ran"
    );
    assert_eq!(
        app.command(&alice, &general, "/greet").await,
        Ok(Some("Howdy alice".into())),
        "the manifest's default applies"
    );
    app.set_setting("greeting", "Ahoy");
    assert_eq!(
        app.command(&alice, &general, "/greet").await,
        Ok(Some("Ahoy alice".into()))
    );

    let response = app.endpoint("post", "/echo?x=1", "12345").await;
    assert_eq!(response.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["endpoint"], "echo");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["url"], "/echo?x=1");
    assert_eq!(body["body_len"], 5);

    assert_eq!(app.run_job("nightly", "data").await, Ok(()));
    assert_eq!(app.kv("job:nightly"), Some(b"data".to_vec()));

    let pressed = app.press("approve", Some("42"), &alice, &general).await;
    assert_eq!(pressed, Ok(Some("pressed approve".into())));

    app.join(&bob, &general).await;
    assert_eq!(app.texts(&general), ["welcome @bob"]);
    let said = app
        .command(&alice, &general, "/say from the app")
        .await
        .unwrap();
    let messages = app.messages(&general);
    assert_eq!(said, Some(messages[1].id.clone()));
    assert_eq!(messages[1].app_id.as_deref(), Some("everything"));
}

#[tokio::test]
async fn test_settings_over_manifest_defaults() {
    let app = TestApp::from_guest(test_apps().app("everything"))
        .unwrap()
        .setting("greeting", "Ahoy")
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    assert_eq!(
        app.command(&alice, &general, "/greet").await,
        Ok(Some("Ahoy alice".into()))
    );
}

#[tokio::test]
async fn a_setting_the_manifest_does_not_declare_is_refused() {
    let err = TestApp::from_guest(test_apps().app("everything"))
        .unwrap()
        .setting("greting", "typo")
        .start()
        .await
        .unwrap_err();

    assert!(matches!(err, TestkitError::UnknownSetting { .. }), "{err}");
    assert!(err.to_string().contains("declared: greeting"), "{err}");
}

#[tokio::test]
async fn grant_only_replaces_the_manifest_grants() {
    // Everything imports five capabilities; without `kv` it cannot load.
    let grants = GrantSet::none()
        .with(Capability::Settings)
        .with(Capability::MessageWrite)
        .with(Capability::UserRead)
        .with(Capability::Logging);
    let err = TestApp::from_guest(test_apps().app("everything"))
        .unwrap()
        .grant_only(grants)
        .start()
        .await
        .unwrap_err();

    assert!(matches!(err, TestkitError::Load(_)), "{err}");
    assert!(err.to_string().contains("kv"), "{err}");
}

#[tokio::test]
async fn manifest_room_limits_grant_the_rooms_of_those_names() {
    let everything = with_manifest("everything", |m| {
        let permissions = m["permissions"].as_array_mut().unwrap();
        let write = permissions
            .iter_mut()
            .find(|p| p["name"] == "message-write")
            .unwrap();
        write["rooms"] = serde_json::json!(["support"]);
    });
    let app = TestApp::from_guest(&everything)
        .unwrap()
        .start()
        .await
        .unwrap();
    let alice = app.user("alice");
    let (general, support) = (
        app.room("general", &[&alice]),
        app.room("support", &[&alice]),
    );

    let inside = app.command(&alice, &support, "/say hi").await;
    assert!(matches!(&inside, Ok(Some(_))), "{inside:?}");
    let outside = app.command(&alice, &general, "/say hi").await;
    assert!(outside.is_err(), "{outside:?}");
    assert_eq!(app.texts(&support), ["hi"]);
    assert!(app.texts(&general).is_empty());
    let refusal = app.last_refusal().expect("the send was refused");
    assert!(
        refusal.to_string().contains("does not include room"),
        "{refusal}"
    );
    assert!(app.faults().is_empty(), "{:?}", app.faults());
}

#[test]
fn a_folder_without_an_app_crate_is_refused_with_a_fix() {
    let err = TestApp::build(repo_root().join("wit")).unwrap_err();
    assert!(err.to_string().contains("has no Cargo.toml"), "{err}");
}

#[tokio::test]
#[should_panic(
    expected = "endpoint `status` of app `hello` gave no answer: app `hello` does not implement `endpoint`"
)]
async fn an_event_the_app_cannot_answer_fails_the_test_with_the_reason() {
    let app = hello().await;
    app.endpoint("GET", "/status", "").await;
}

#[tokio::test]
#[should_panic(expected = "`alice` cannot join `general`: already a member")]
async fn joining_a_room_twice_is_a_mistake_in_the_test() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);
    app.join(&alice, &general).await;
}
