//! The failed sign-in throttle as an attacker meets it, over real
//! connections: the client's address is the one the last trusted proxy
//! saw, whatever the client writes into `X-Forwarded-For`; an attacker's
//! wrong passwords for an account do not stop its owner's right one
//! (REST and DDP), and the attacker stays throttled.

use std::net::{IpAddr, Ipv4Addr};

use capsule_server::config::TrustedProxies;
use capsule_server_harness as common;
use common::ddp::{Ddp, digest};
use common::{ADMIN, ADMIN_PASSWORD, TestServer};
use serde_json::{Value, json};

/// Signs `user` in over REST through `http`, with `X-Forwarded-For`
/// when given: status and `errorType`.
async fn login_via(
    server: &TestServer,
    http: &reqwest::Client,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> (u16, String) {
    let mut request = http
        .post(format!("{}/api/v1/login", server.base))
        .json(&json!({"user": user, "password": password}));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    let kind = body["errorType"].as_str().unwrap_or_default().to_owned();
    (status, kind)
}

/// Signs `user` in as a client a proxy on loopback forwards for.
async fn login_from(
    server: &TestServer,
    client: &str,
    user: &str,
    password: &str,
) -> (u16, String) {
    login_via(server, &server.http, Some(client), user, password).await
}

/// Sets a server setting as the admin.
async fn set(server: &TestServer, setting: &str, value: Value) {
    let admin = server.admin().await;
    server
        .post(
            &format!("/api/v1/settings/{setting}"),
            json!({"value": value}),
            Some(&admin),
        )
        .await
        .ok();
}

/// DDP `login` with a password digest, over a connection a proxy on
/// loopback forwards for `client`.
async fn ddp_login_from(
    server: &TestServer,
    client: &str,
    user: &str,
    password: &str,
) -> Result<Value, Value> {
    let mut ddp = Ddp::connect_forwarded_for(&server.base, client).await;
    ddp.call(
        "login",
        json!([{"user": {"username": user}, "password": {"digest": digest(password), "algorithm": "sha-256"}}]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_entries_from_an_untrusted_peer_are_throttled_as_the_peer() {
    // Only 127.0.0.1 is a proxy; the client connects from 127.0.0.2.
    let server = TestServer::start_configured(|config| {
        config.trusted_proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
    })
    .await;
    set(
        &server,
        "Accounts_Block_Failed_Login_Attempts_Per_Ip",
        json!(5),
    )
    .await;
    let untrusted = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();

    let mut answers = Vec::new();
    for attempt in 0..6 {
        let forged = format!("203.0.113.{attempt}");
        let account = format!("nobody{attempt}");
        answers.push(login_via(&server, &untrusted, Some(&forged), &account, "wrong").await);
    }

    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    assert_eq!(answers[5].1, "error-login-blocked-for-ip");
    let (status, _) = login_via(&server, &server.http, None, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "another address is not blocked");
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_entries_through_a_trusted_proxy_are_throttled_as_the_address_it_saw() {
    let server = TestServer::start().await;
    set(
        &server,
        "Accounts_Block_Failed_Login_Attempts_Per_Ip",
        json!(5),
    )
    .await;

    let mut statuses = Vec::new();
    for attempt in 0..6 {
        // The client wrote the first entries; the proxy appended the last.
        let header = format!("10.9.8.{attempt}, 192.0.2.{attempt}, 198.51.100.7");
        let account = format!("nobody{attempt}");
        statuses.push(login_from(&server, &header, &account, "wrong").await);
    }
    let elsewhere = login_from(&server, "10.9.8.1, 198.51.100.8", "nobody", "wrong").await;

    let codes: Vec<u16> = statuses.iter().map(|(status, _)| *status).collect();
    assert_eq!(codes, [401, 401, 401, 401, 401, 429]);
    assert_eq!(statuses[5].1, "error-login-blocked-for-ip");
    assert_eq!(elsewhere.0, 401, "another real address is still heard");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_signs_in_over_rest_while_an_attacker_guesses_from_other_addresses() {
    let server = TestServer::start().await;
    server.user("bob").await;
    let per_account = 10; // Accounts_Block_Failed_Login_Attempts_Per_User's default
    for n in 0..per_account {
        let attacker = format!("198.51.100.{}", n % 4);
        assert_eq!(login_from(&server, &attacker, "bob", "guess").await.0, 401);
    }

    // More guesses run while the owner signs in, from home and directly.
    let attack = async {
        let mut answers = Vec::new();
        for n in 0..8 {
            let attacker = format!("198.51.100.{}", n % 4);
            answers.push(login_from(&server, &attacker, "bob", "guess").await);
        }
        answers
    };
    let owner = async {
        (
            login_from(&server, "203.0.113.5", "bob", "bob-password").await,
            login_via(&server, &server.http, None, "bob", "bob-password").await,
        )
    };
    let (attack, (from_home, direct)) = tokio::join!(attack, owner);

    assert_eq!(from_home.0, 200, "the owner from home: {from_home:?}");
    assert_eq!(direct.0, 200, "the owner without a proxy: {direct:?}");
    for answer in &attack {
        assert_eq!(answer, &(429, "error-login-blocked-for-user".to_owned()));
    }
    let fresh = login_from(&server, "198.51.100.99", "bob", "guess").await;
    let again = login_from(&server, "198.51.100.99", "bob", "bob-password").await;
    assert_eq!(fresh.0, 401, "a new address gets one guess");
    assert_eq!(again, (429, "error-login-blocked-for-user".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_signs_in_over_ddp_while_an_attacker_guesses_from_other_addresses() {
    let server = TestServer::start().await;
    server.user("bob").await;
    for n in 0..10 {
        let attacker = format!("198.51.100.{}", n % 3);
        let refused = ddp_login_from(&server, &attacker, "bob", "guess")
            .await
            .expect_err("a wrong password is refused");
        assert_eq!(refused["error"], 403, "{refused}");
    }

    let attacker = ddp_login_from(&server, "198.51.100.1", "bob", "bob-password").await;
    let owner = ddp_login_from(&server, "203.0.113.5", "bob", "bob-password").await;

    let owner = owner.expect("the owner signs in");
    assert!(owner["token"].is_string(), "{owner}");
    let refused = attacker.expect_err("the attacker's address stays throttled");
    assert_eq!(
        refused["error"], "error-login-blocked-for-user",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn guesses_count_against_the_account_however_it_is_named() {
    let server = TestServer::start().await;
    server.user("carol").await;
    let per_account = 10; // Accounts_Block_Failed_Login_Attempts_Per_User's default
    let names = ["carol", "carol@example.com", "CAROL", "Carol@Example.com"];
    for n in 0..per_account {
        let attacker = format!("198.51.100.{}", n % 2);
        let name = names[n % names.len()];
        assert_eq!(login_from(&server, &attacker, name, "guess").await.0, 401);
    }

    for name in names {
        assert_eq!(
            login_from(&server, "198.51.100.0", name, "guess").await,
            (429, "error-login-blocked-for-user".to_owned()),
            "{name} names the guarded account"
        );
    }
    let owner = login_from(
        &server,
        "203.0.113.5",
        "carol@example.com",
        "carol-password",
    )
    .await;
    assert_eq!(owner.0, 200, "the owner by e-mail from home: {owner:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn guesses_for_names_no_account_has_are_throttled_too() {
    let server = TestServer::start().await;
    let per_account = 10;
    for n in 0..per_account {
        let attacker = format!("198.51.100.{}", n % 2);
        assert_eq!(
            login_from(&server, &attacker, "nobody", "guess").await.0,
            401
        );
    }

    assert_eq!(
        login_from(&server, "198.51.100.1", "nobody", "guess").await,
        (429, "error-login-blocked-for-user".to_owned()),
        "an unknown name is answered as a known one, throttle included"
    );
}
