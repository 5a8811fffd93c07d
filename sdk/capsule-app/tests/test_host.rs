//! The test kit's two sides over a real pipe: `RemoteApp` in this test
//! process, and this crate's `capsule-app test-host` running the app, as
//! an app's own tests use them.

use capsule_testkit::{
    Capability, GrantSet, RemoteApp, RemoteAppBuilder, TestkitError, example_apps, test_apps,
};

const CLI: &str = env!("CARGO_BIN_EXE_capsule-app");

fn hosted(builder: RemoteAppBuilder) -> RemoteAppBuilder {
    builder.test_host(CLI)
}

async fn hello() -> RemoteApp {
    hosted(RemoteApp::from_guest(example_apps().app("hello")).unwrap())
        .start()
        .await
        .expect("hello starts in the test host")
}

#[tokio::test]
async fn a_hosted_app_posts_answers_and_logs_as_in_process() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app.post(&alice, &general, "hi :wave:").await.unwrap();
    let answer = app.command(&alice, &general, "/hello Bob").await;
    let unknown = app.command(&alice, &general, "/bye").await;

    assert_eq!(stored.text, "hi 👋");
    assert_eq!(app.texts(&general), ["hi 👋"]);
    assert_eq!(answer, Ok(Some("Hello, Bob!".into())));
    assert_eq!(unknown, Err("unknown command `bye`".into()));
    assert_eq!(
        app.log_lines(),
        [
            format!("waving in message {}", stored.id),
            "alice said hello to Bob".to_owned()
        ]
    );
    assert!(app.faults().is_empty(), "{:?}", app.faults());
    assert_eq!(app.id(), "hello");
}

#[tokio::test]
async fn settings_endpoints_jobs_buttons_and_joins_cross_the_pipe() {
    let mut everything = test_apps().app("everything").clone();
    everything.manifest["settings"][0]["default"] = "Howdy".into();
    let app = hosted(RemoteApp::from_guest(&everything).unwrap())
        .start()
        .await
        .unwrap();
    let (alice, bob) = (app.user("alice"), app.user("bob"));
    let general = app.room("general", &[&alice]);

    assert_eq!(app.kv_text("installed").as_deref(), Some("yes"));
    assert_eq!(
        app.command(&alice, &general, "/greet").await,
        Ok(Some("Howdy alice".into()))
    );
    app.set_setting("greeting", "Ahoy");
    assert_eq!(
        app.command(&alice, &general, "/greet").await,
        Ok(Some("Ahoy alice".into()))
    );
    let response = app.endpoint("post", "/echo?x=1", "12345").await;
    assert_eq!(response.status, 200);
    assert_eq!(app.run_job("nightly", "data").await, Ok(()));
    assert_eq!(app.kv("job:nightly"), Some(b"data".to_vec()));
    assert_eq!(
        app.press("approve", Some("42"), &alice, &general).await,
        Ok(Some("pressed approve".into()))
    );
    app.join(&bob, &general).await;
    assert_eq!(app.texts(&general), ["welcome @bob"]);
}

#[tokio::test]
async fn the_host_refuses_a_set_up_the_in_process_kit_refuses() {
    let err = hosted(RemoteApp::from_guest(test_apps().app("everything")).unwrap())
        .setting("greting", "typo")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, TestkitError::Host(_)), "{err}");
    assert!(err.to_string().contains("declared: greeting"), "{err}");

    // Everything imports five capabilities; without `kv` it cannot load.
    let grants = GrantSet::none().with(Capability::Settings);
    let err = hosted(RemoteApp::from_guest(test_apps().app("everything")).unwrap())
        .grant_only(grants)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("kv"), "{err}");
}

#[tokio::test]
#[should_panic(expected = "does not implement `endpoint`")]
async fn a_call_the_app_cannot_answer_panics_in_the_test_with_the_hosts_reason() {
    let app = hello().await;
    app.endpoint("GET", "/status", "").await;
}

#[tokio::test]
async fn a_missing_host_is_named_with_how_to_install_it() {
    let err = RemoteApp::from_guest(example_apps().app("hello"))
        .unwrap()
        .test_host("/nonexistent/capsule-app")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, TestkitError::HostUnavailable { .. }), "{err}");
    assert!(err.to_string().contains("cargo install"), "{err}");
}
