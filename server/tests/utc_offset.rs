//! A user's client reports its UTC offset over DDP (`userSetUtcOffset`,
//! hours east of UTC, as Rocket.Chat's clients send it); the server keeps
//! it on the user, where REST views and apps read it.

use capsule_server_harness as common;

use common::ddp::Ddp;
use common::{Session, TestServer};
use serde_json::{Value, json};

/// `who`'s `utcOffset` as they see it themselves (`/api/v1/me`).
async fn own_offset(server: &TestServer, who: &Session) -> Value {
    server.get("/api/v1/me", Some(who)).await.ok()["utcOffset"].clone()
}

/// `whose` `utcOffset` as `viewer` sees it (`users.info`).
async fn offset_seen_by(server: &TestServer, viewer: &Session, whose: &Session) -> Value {
    server
        .get(
            &format!("/api/v1/users.info?userId={}", whose.user_id),
            Some(viewer),
        )
        .await
        .ok()["user"]["utcOffset"]
        .clone()
}

#[tokio::test]
async fn a_reported_offset_is_shown_in_the_users_views() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bob = server.signed_in("bob").await;
    // Never reported: others see 0, as on Rocket.Chat.
    assert_eq!(offset_seen_by(&server, &bob, &alice).await, json!(0.0));

    let mut ddp = Ddp::resume(&server.base, &alice.token).await;
    let answer = ddp.call("userSetUtcOffset", json!([5.5])).await;

    assert_eq!(answer, Ok(Value::Null));
    assert_eq!(own_offset(&server, &alice).await, json!(5.5));
    assert_eq!(offset_seen_by(&server, &bob, &alice).await, json!(5.5));
    // A later report replaces it; whole hours west are fine too.
    ddp.call("userSetUtcOffset", json!([-3]))
        .await
        .expect("a second report is taken");
    assert_eq!(own_offset(&server, &alice).await, json!(-3.0));
    assert_eq!(
        server.account_of(&alice).await.utc_offset,
        Some(-3.0),
        "stored on the user"
    );
}

#[tokio::test]
async fn offsets_that_are_not_hours_of_a_real_zone_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let mut ddp = Ddp::resume(&server.base, &alice.token).await;
    ddp.call("userSetUtcOffset", json!([2]))
        .await
        .expect("a good offset is taken");

    for (params, says) in [
        (
            json!(["x"]),
            r#"must be a number of hours east of UTC, such as 5.5 or -3; got "x""#,
        ),
        (
            json!([]),
            "must be a number of hours east of UTC, such as 5.5 or -3; got nothing",
        ),
        (json!([null]), "got null"),
        (
            json!([20]),
            "a UTC offset of 20 hours is out of range: it must be between -12 and +14",
        ),
        (json!([-13]), "a UTC offset of -13 hours is out of range"),
    ] {
        let error = ddp
            .call("userSetUtcOffset", params.clone())
            .await
            .expect_err("a bad offset is refused");
        assert_eq!(error["error"], "error-invalid-params", "{params}: {error}");
        let reason = error["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(says), "{params}: {reason}");
    }
    assert_eq!(own_offset(&server, &alice).await, json!(2.0));
}

#[tokio::test]
async fn a_signed_out_connection_cannot_set_an_offset() {
    let server = TestServer::start().await;
    let mut ddp = Ddp::connect(&server.base).await;

    let error = ddp
        .call("userSetUtcOffset", json!([1]))
        .await
        .expect_err("only a signed-in user has an offset to set");

    assert_eq!(error["error"], "error-invalid-user", "{error}");
}
