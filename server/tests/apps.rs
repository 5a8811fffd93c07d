//! Apps in the message path, end to end: a real server started with signed
//! app packages in its configuration, driven over REST as a client would.
//! What apps do off the request path (post hooks, room events) is observed
//! through what they write: their key-value data, and messages they post.

mod apps_support;
use capsule_server_harness as common;

use std::net::SocketAddr;

use apps_support::{Publisher, Recording, eventually, files_of, guest, kv_text, wait_for_kv};
use capsule_runtime::package;
use capsule_server::config::Config;
use capsule_server::model::RoomKind;
use capsule_server::reactivity::{Change, Topic};
use capsule_server::server;
use common::{Session, TestServer};
use serde_json::{Value, json};

const GENERAL: &str = "GENERAL";

/// Sends `text` to `room` with `chat.sendMessage`.
async fn send(server: &TestServer, who: &Session, room: &str, text: &str) -> common::Answer {
    let body = json!({"message": {"rid": room, "msg": text}});
    server
        .post("/api/v1/chat.sendMessage", body, Some(who))
        .await
}

/// The messages of a channel or group (`kind` `channels` or `groups`),
/// newest first, without system messages.
async fn history(server: &TestServer, who: &Session, kind: &str, room: &str) -> Vec<Value> {
    let answer = server
        .get(
            &format!("/api/v1/{kind}.history?roomId={room}&count=100"),
            Some(who),
        )
        .await
        .ok();
    answer["messages"]
        .as_array()
        .expect("a list of messages")
        .iter()
        .filter(|m| m.get("t").is_none())
        .cloned()
        .collect()
}

/// The texts of `messages` sent by `username`.
fn texts_by(messages: &[Value], username: &str) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["u"]["username"] == username)
        .map(|m| m["msg"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The lines of the `/metrics` page for `metric` that carry every label
/// in `labels` (written `name="value"`).
async fn metric_lines(server: &TestServer, metric: &str, labels: &[&str]) -> Vec<String> {
    server
        .metrics()
        .await
        .lines()
        .filter(|line| line.starts_with(metric) && labels.iter().all(|l| line.contains(l)))
        .map(str::to_owned)
        .collect()
}

/// Starts a server with `configure` and answers why it refused to start.
async fn start_error(configure: impl FnOnce(&mut Config)) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
    configure(&mut config);
    match server::start(config, None).await {
        Ok(running) => {
            running.shutdown().await.expect("clean shutdown");
            panic!("the server started");
        }
        Err(error) => error.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_modifying_app_changes_messages_sent_with_post_message_and_send_message() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["modifier"])).await;
    let admin = server.admin().await;

    let posted = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "#general", "text": "hello"}),
            Some(&admin),
        )
        .await
        .ok();
    let sent = send(&server, &admin, GENERAL, "again").await.ok();

    assert_eq!(posted["message"]["msg"], "hello [mod]");
    assert_eq!(sent["message"]["msg"], "again [mod]");
    assert!(
        posted["message"].get("appId").is_none(),
        "a person's message names no app: {}",
        posted["message"]
    );
    let stored = server
        .get(
            &format!(
                "/api/v1/chat.getMessage?msgId={}",
                posted["message"]["_id"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        stored["message"]["msg"], "hello [mod]",
        "stored as modified"
    );
    let runtime = server
        .server
        .as_ref()
        .expect("the server is running")
        .app_manager()
        .runtime();
    let health = runtime.health("modifier").expect("modifier is loaded");
    assert!(health.calls >= 2, "{health:?}");
    assert_eq!(health.faults, 0, "{health:?}");
    let cached = std::fs::read_dir(server.dir.path().join("apps/cache"))
        .expect("the compiled-component cache exists")
        .count();
    assert!(cached >= 1, "the compiled component is cached");
    let calls = metric_lines(
        &server,
        "capsule_app_calls_total",
        &["app=\"modifier\"", "hook=\"pre-send-modify\""],
    )
    .await;
    assert!(!calls.is_empty(), "app calls are counted");
    let time = metric_lines(
        &server,
        "capsule_app_call_seconds",
        &["hook=\"pre-send-modify\""],
    )
    .await;
    assert!(!time.is_empty(), "app call time is measured");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_loaded_app_has_a_bot_user() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["modifier", "veto"])).await;
    let admin = server.admin().await;

    for app in ["modifier", "veto"] {
        let bot = server
            .get(
                &format!("/api/v1/users.info?username={app}.bot"),
                Some(&admin),
            )
            .await
            .ok();
        assert_eq!(bot["user"]["type"], "bot", "{bot}");
        assert!(
            bot["user"]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("bot")),
            "{bot}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_setting_values_override_the_manifest_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
        let storage = server::open_store(&config).expect("the store opens");
        storage
            .store
            .put_app_record(&capsule_server::store::AppRecord {
                id: "modifier".into(),
                document: json!({"settings": {"tag": "stored"}}),
            })
            .await
            .expect("the record is stored");
    }
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured_in(dir, publisher.configure(&["modifier"])).await;
    let admin = server.admin().await;

    let sent = send(&server, &admin, GENERAL, "hi").await.ok();

    assert_eq!(sent["message"]["msg"], "hi [stored]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vetoing_app_stops_a_message_and_the_sender_gets_its_reason() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["veto"])).await;
    let admin = server.admin().await;

    let allowed = send(&server, &admin, GENERAL, "fine").await.ok();
    let refused = send(&server, &admin, GENERAL, "this is forbidden").await;
    let posted = server
        .post(
            "/api/v1/chat.postMessage",
            json!({"channel": "#general", "text": "forbidden too"}),
            Some(&admin),
        )
        .await;

    for answer in [refused, posted] {
        let body = answer.fails(400, "error-app-prevented");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains("`veto`"), "names the app: {error}");
        assert!(
            error.contains("contains a forbidden word: forbidden"),
            "gives its reason: {error}"
        );
    }
    let texts = texts_by(
        &history(&server, &admin, "channels", GENERAL).await,
        "admin",
    );
    assert_eq!(texts, ["fine"], "nothing vetoed is stored");
    let last = wait_for_kv(server.chat_domain(), "veto", "last-post").await;
    assert_eq!(
        last, allowed["message"]["_id"],
        "post-send ran on the stored message"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_that_loops_or_panics_does_not_lose_the_message() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["hostile"])).await;
    let admin = server.admin().await;

    let looped = send(&server, &admin, GENERAL, "loop forever").await.ok();
    let panicked = send(&server, &admin, GENERAL, "panic now").await.ok();
    let after = send(&server, &admin, GENERAL, "still here").await.ok();

    assert_eq!(looped["message"]["msg"], "loop forever");
    assert_eq!(panicked["message"]["msg"], "panic now");
    assert_eq!(after["message"]["msg"], "still here");
    let texts = texts_by(
        &history(&server, &admin, "channels", GENERAL).await,
        "admin",
    );
    assert_eq!(texts, ["still here", "panic now", "loop forever"]);
    let runtime = server
        .server
        .as_ref()
        .expect("the server is running")
        .app_manager()
        .runtime();
    let health = runtime.health("hostile").expect("hostile is loaded");
    assert!(health.faults >= 2, "both faults are counted: {health:?}");
    for kind in ["cpu_deadline", "trap"] {
        let faults = metric_lines(
            &server,
            "capsule_app_faults_total",
            &["app=\"hostile\"", &format!("kind=\"{kind}\"")],
        )
        .await;
        assert!(!faults.is_empty(), "a {kind} fault is in the metrics");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apps_message_passes_the_same_authorization_as_a_persons() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["hostile"])).await;
    let admin = server.admin().await;
    let group = server
        .room_of(&admin, RoomKind::PrivateGroup, "secret", &[])
        .await;
    let channel = server
        .room_of(&admin, RoomKind::Channel, "loops", &[])
        .await;

    // `selfloop` makes hostile's hook send `selfloop` to the same room,
    // as its bot user, and report how that went in the message's text.
    let in_group = send(&server, &admin, &group, "selfloop").await.ok();
    let in_channel = send(&server, &admin, &channel, "selfloop").await.ok();

    let refusal = in_group["message"]["msg"].as_str().unwrap();
    assert!(
        refusal.starts_with("selfloop sent: Err(Error::NotFound(")
            && refusal.contains("may not post there"),
        "the bot may not post in a group it is not in: {refusal}"
    );
    assert!(
        texts_by(
            &history(&server, &admin, "groups", &group).await,
            "hostile.bot"
        )
        .is_empty()
    );
    assert!(
        in_channel["message"]["msg"]
            .as_str()
            .unwrap()
            .starts_with("selfloop sent: Ok("),
        "{}",
        in_channel["message"]
    );
    // In a public channel the bot joins and posts, and its own message
    // runs the hook again, one level deeper each time, until the depth
    // limit (3) refuses the next write.
    let messages = history(&server, &admin, "channels", &channel).await;
    let bot_texts = texts_by(&messages, "hostile.bot");
    assert_eq!(bot_texts.len(), 3, "{bot_texts:?}");
    // Depths 1 to 3 were sent (in no telling order: their times are taken
    // before their hooks run); the write for depth 4 was refused.
    let refused: Vec<&String> = bot_texts
        .iter()
        .filter(|t| !t.starts_with("selfloop sent: Ok("))
        .collect();
    assert_eq!(refused, ["selfloop sent: Err(Error::LoopDetected)"]);
    let by_bot: Vec<&Value> = messages
        .iter()
        .filter(|m| m["u"]["username"] == "hostile.bot")
        .collect();
    assert!(by_bot.iter().all(|m| m["appId"] == "hostile"), "{by_bot:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_deletes_room_creation_and_joins_raise_their_events() {
    let publisher = Publisher::new("Capsule tests");
    let server =
        TestServer::start_configured(publisher.configure(&["recorder", "everything"])).await;
    let chat = server.chat_domain();
    let admin = server.admin().await;
    let bob = server.user("bob").await;

    let created = server
        .post(
            "/api/v1/channels.create",
            json!({"name": "events"}),
            Some(&admin),
        )
        .await
        .ok();
    let room = created["channel"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(
        wait_for_kv(chat, "recorder", "created:events").await,
        "channel members=1"
    );
    assert_eq!(
        wait_for_kv(chat, "recorder", "joined:general:bob").await,
        "members=2",
        "joining the default channel at registration is a join"
    );

    server
        .post("/api/v1/channels.join", json!({"roomId": room}), Some(&bob))
        .await
        .ok();
    assert_eq!(
        wait_for_kv(chat, "recorder", "joined:events:bob").await,
        "members=2"
    );
    // `everything` greets whoever joins, as its bot (which joins to post).
    let greeting = eventually("the welcome message", || async {
        let messages = history(&server, &admin, "channels", &room).await;
        messages
            .into_iter()
            .find(|m| m["msg"] == "welcome @bob" && m["u"]["username"] == "everything.bot")
    })
    .await;
    assert_eq!(greeting["appId"], "everything");

    let posted = send(&server, &admin, &room, "first").await.ok();
    let id = posted["message"]["_id"].as_str().unwrap().to_owned();
    server
        .post(
            "/api/v1/chat.update",
            json!({"roomId": room, "msgId": id, "text": "first, edited"}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        wait_for_kv(chat, "recorder", &format!("updated:{id}")).await,
        "first, edited"
    );
    server
        .post(
            "/api/v1/chat.delete",
            json!({"roomId": room, "msgId": id}),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(
        wait_for_kv(chat, "recorder", &format!("deleted:{id}")).await,
        "first, edited"
    );

    server
        .post(
            "/api/v1/channels.leave",
            json!({"roomId": room}),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(
        wait_for_kv(chat, "recorder", "left:events:bob").await,
        "members=2",
        "the admin and everything's bot stay"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_edits_only_its_own_messages_and_can_whisper_to_one_user() {
    let publisher = Publisher::new("Capsule tests");
    let server = TestServer::start_configured(publisher.configure(&["recorder"])).await;
    let chat = server.chat_domain();
    let admin = server.admin().await;
    let whispers = Recording::new();
    chat.bus().listen(
        Topic::User(capsule_server::model::UserId(admin.user_id.clone())),
        whispers.clone(),
    );

    let asked = send(&server, &admin, GENERAL, "recorder:reply").await.ok();
    wait_for_kv(chat, "recorder", "reply:notify").await;

    assert_eq!(
        kv_text(chat, "recorder", "reply:sent").await.as_deref(),
        Some("Ok(\"ok\")")
    );
    assert_eq!(
        kv_text(chat, "recorder", "reply:edit-own").await.as_deref(),
        Some("Ok(())")
    );
    let foreign = kv_text(chat, "recorder", "reply:edit-foreign")
        .await
        .unwrap();
    assert!(
        foreign.starts_with("Err(Error::Denied(") && foreign.contains("messages it sent"),
        "{foreign}"
    );
    assert_eq!(
        kv_text(chat, "recorder", "reply:notify").await.as_deref(),
        Some("Ok(())")
    );
    let messages = history(&server, &admin, "channels", GENERAL).await;
    assert_eq!(texts_by(&messages, "admin"), ["recorder:reply"]);
    let reply = messages
        .iter()
        .find(|m| m["u"]["username"] == "recorder.bot")
        .expect("the app's reply is stored");
    assert_eq!(reply["msg"], "reply (edited)");
    assert_eq!(reply["appId"], "recorder");
    assert!(reply.get("editedAt").is_some(), "{reply}");
    let reply_id = reply["_id"].as_str().unwrap();
    assert_eq!(
        wait_for_kv(chat, "recorder", &format!("updated:{reply_id}")).await,
        "reply (edited)",
        "an app's edit raises post-update too"
    );
    let whispered: Vec<String> = whispers
        .changes()
        .into_iter()
        .filter_map(|change| match change {
            Change::Ephemeral { message, .. } => Some(message),
            _ => None,
        })
        .map(|m| {
            assert_eq!(m.app_id.as_deref(), Some("recorder"));
            assert_eq!(m.rid.0, GENERAL);
            m.msg
        })
        .collect();
    assert_eq!(whispered, ["psst"]);
    assert_ne!(asked["message"]["msg"], "hijacked");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_package_or_an_untrusted_signature_fails_the_start() {
    let publisher = Publisher::new("Capsule tests");
    let stranger = Publisher::new("Someone else");
    let trusted = publisher.public_key_file.clone();

    let broken = publisher.dir.path().join("broken.zip");
    std::fs::write(&broken, b"this is not a zip").unwrap();
    let untrusted = stranger.signed("modifier");
    let unsigned = publisher.unsigned("modifier");
    let mut files = package::sign(&files_of(guest("modifier")), &publisher.key);
    files.insert(
        "manifest.json".into(),
        String::from_utf8(files["manifest.json"].clone())
            .unwrap()
            .replace("Appends", "Quietly appends")
            .into_bytes(),
    );
    let tampered = apps_support::write_zip(publisher.dir.path(), "tampered.zip", &files);
    let missing = publisher.dir.path().join("missing.zip");

    let cases = [
        (broken, "broken.zip", "zip"),
        (untrusted, "modifier.zip", "not in the trust store"),
        (unsigned, "modifier-unsigned.zip", "not signed"),
        (tampered, "tampered.zip", "not the ones that were signed"),
        (missing, "missing.zip", "cannot read it"),
    ];
    for (path, file, problem) in cases {
        let key = trusted.clone();
        let error = start_error(move |config| {
            config.apps = vec![path];
            config.trusted_keys = vec![key];
        })
        .await;
        assert!(
            error.contains(file) && error.contains(problem),
            "`{file}` fails with `{problem}`: {error}"
        );
    }
    let junk = publisher.dir.path().join("junk.pub.json");
    std::fs::write(&junk, "{}").unwrap();
    let key_cases = [
        (
            publisher.dir.path().join("nobody.pub.json"),
            "cannot read it",
        ),
        (junk, "not a key file"),
    ];
    for (key, problem) in key_cases {
        let good = publisher.signed("modifier");
        let shown = key.display().to_string();
        let error = start_error(move |config| {
            config.apps = vec![good];
            config.trusted_keys = vec![key];
        })
        .await;
        assert!(
            error.contains("trusted key") && error.contains(&shown) && error.contains(problem),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn development_mode_loads_an_unsigned_package_and_says_so() {
    use tracing::instrument::WithSubscriber;

    let publisher = Publisher::new("Capsule tests");
    let unsigned = publisher.unsigned("modifier");
    let logs = apps_support::LogLines::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();

    let server = TestServer::start_configured(move |config| {
        config.apps = vec![unsigned];
        config.development = true;
    })
    .with_subscriber(subscriber)
    .await;
    let admin = server.admin().await;
    let sent = send(&server, &admin, GENERAL, "dev").await.ok();

    assert_eq!(sent["message"]["msg"], "dev [mod]");
    let text = logs.text();
    assert!(
        text.contains("DEVELOPMENT MODE") && text.contains("UNSIGNED"),
        "{text}"
    );
}
