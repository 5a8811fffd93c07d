//! Hello's own tests: the real component in the real runtime, on an
//! in-memory chat, with no server. `cargo test` in this folder builds the
//! component (once per run) and runs these on the host.

use capsule_testkit::TestApp;

/// Hello, built from this crate and started as its manifest says.
async fn hello() -> TestApp {
    TestApp::build(env!("CARGO_MANIFEST_DIR"))
        .expect("hello builds")
        .start()
        .await
        .expect("hello starts")
}

#[tokio::test]
async fn a_wave_becomes_a_waving_hand() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app
        .post(&alice, &general, "hi :wave: and :wave:")
        .await
        .unwrap();

    assert_eq!(stored.text, "hi 👋 and 👋");
    assert_eq!(app.texts(&general), ["hi 👋 and 👋"]);
    assert_eq!(
        app.log_lines(),
        [format!("waving in message {}", stored.id)]
    );
    assert!(app.faults().is_empty(), "{:?}", app.faults());
}

#[tokio::test]
async fn a_message_without_a_wave_is_left_alone() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let stored = app.post(&alice, &general, "hello there").await.unwrap();

    assert_eq!(stored.text, "hello there");
    assert!(
        app.log_lines().is_empty(),
        "nothing to log: {:?}",
        app.log_lines()
    );
}

#[tokio::test]
async fn hello_greets_the_caller_by_username() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let answer = app.command(&alice, &general, "/hello").await;

    assert_eq!(answer, Ok(Some("Hello, alice!".to_owned())));
    assert_eq!(app.log_lines(), ["alice said hello to alice"]);
}

#[tokio::test]
async fn hello_greets_the_name_given() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let answer = app.command(&alice, &general, "/hello Bob").await;

    assert_eq!(answer, Ok(Some("Hello, Bob!".to_owned())));
    assert_eq!(app.log_lines(), ["alice said hello to Bob"]);
    assert!(
        app.texts(&general).is_empty(),
        "the answer is private, not a message"
    );
}

#[tokio::test]
async fn other_commands_are_refused() {
    let app = hello().await;
    let alice = app.user("alice");
    let general = app.room("general", &[&alice]);

    let answer = app.command(&alice, &general, "/goodbye").await;

    assert_eq!(answer, Err("unknown command `goodbye`".to_owned()));
}
