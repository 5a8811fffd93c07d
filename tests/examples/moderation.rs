//! End-to-end tests of the example app `apps-examples/moderation`: the real
//! server, the app built, signed with a test key and installed through the
//! apps admin API, messages sent over REST as a client would.

mod support;

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use support::{Chat, GENERAL, Session, eventually};

/// `chat.postMessage` of `text` to [`GENERAL`] as `who`, the answer as it is
/// (for a refusal, which [`Chat::say`] would fail the test on).
async fn try_say(chat: &Chat, who: &Session, text: &str) -> support::Answer {
    chat.server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "text": text}),
            Some(who),
        )
        .await
}

/// The texts `username` has in [`GENERAL`], oldest first.
async fn texts_of(chat: &Chat, who: &Session, username: &str) -> Vec<String> {
    let mut texts: Vec<String> = chat
        .history(who, GENERAL)
        .await
        .iter()
        .filter(|m| m["u"]["username"] == username)
        .map(|m| m["msg"].as_str().expect("a text").to_owned())
        .collect();
    texts.reverse();
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_words_are_masked_before_storing_and_a_changed_list_applies_at_once() {
    let chat = Chat::start().await;
    // Flood control off, so that only the word list is tested here.
    chat.install(
        "moderation",
        json!({"words": "darn, Heck\ngood grief", "max-messages": 0}),
    )
    .await;
    let alice = chat.user("alice").await;

    // Masked in the answer, keeping length, case-insensitive, whole words.
    let masked = chat
        .say(&alice, GENERAL, "Oh DARN, good  grief! darned heck.")
        .await;
    assert_eq!(masked["msg"], "Oh ****, ****  *****! darned ****.");
    // Untouched when nothing is listed.
    let clean = chat.say(&alice, GENERAL, "all fine here, darling").await;
    assert_eq!(clean["msg"], "all fine here, darling");
    // Attachments' text too.
    let with_attachment = chat
        .server
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": GENERAL, "text": "see", "attachments": [
                {"title": "Heck", "text": "what the heck", "fields": [{"title": "darn", "value": "ok"}]}
            ]}),
            Some(&alice),
        )
        .await
        .ok();
    let attachment = &with_attachment["message"]["attachments"][0];
    assert_eq!(attachment["title"], "****", "{attachment}");
    assert_eq!(attachment["text"], "what the ****", "{attachment}");
    assert_eq!(attachment["fields"][0]["title"], "****", "{attachment}");
    assert_eq!(attachment["fields"][0]["value"], "ok", "{attachment}");

    // What is stored is what was answered.
    assert_eq!(
        texts_of(&chat, &alice, "alice").await,
        [
            "Oh ****, ****  *****! darned ****.",
            "all fine here, darling",
            "see"
        ]
    );

    // The admin changes the list and the mask: the next message follows them.
    chat.server
        .post(
            "/api/apps/moderation/settings",
            json!({"settings": {"words": "gosh", "mask": "#"}}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let next = chat.say(&alice, GENERAL, "darn, gosh").await;
    assert_eq!(next["msg"], "darn, ####");

    // A message of the largest size (Message_MaxAllowedSize, 5000) against
    // a long list is masked in full: a hook past its deadline would be
    // skipped and the text stored as it was sent.
    let mut list: Vec<String> = (0..2000).map(|i| format!("word{i}")).collect();
    list.push("gosh".into());
    chat.server
        .post(
            "/api/apps/moderation/settings",
            json!({"settings": {"words": list.join("\n"), "mask": "*"}}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let long = "gosh ".repeat(1000);
    let long = long.trim_end();
    let masked = chat.say(&alice, GENERAL, long).await;
    assert_eq!(masked["msg"], long.replace("gosh", "****"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_user_is_stopped_until_the_window_ends_and_others_are_not() {
    let chat = Chat::start().await;
    chat.install(
        "moderation",
        json!({"max-messages": 3, "window-seconds": 2}),
    )
    .await;
    let alice = chat.user("alice").await;
    let bob = chat.user("bob").await;

    // Alice's window opens with her first message, after `start`.
    let start = Instant::now();
    for n in 1..=3 {
        chat.say(&alice, GENERAL, &format!("alice {n}")).await;
    }
    let refused = try_say(&chat, &alice, "alice 4").await;
    let body = refused.fails(400, "error-app-prevented");
    let error = body["error"].as_str().expect("an error text");
    assert!(error.contains("`moderation`"), "names the app: {error}");
    assert!(
        error.contains("too fast (at most 3 messages every 2 seconds); slow down"),
        "says why: {error}"
    );
    assert!(
        error.contains("you can post again in 1 second")
            || error.contains("you can post again in 2 seconds"),
        "says when, within the 2 s window: {error}"
    );

    // Someone else is not affected.
    assert_eq!(chat.say(&bob, GENERAL, "bob 1").await["msg"], "bob 1");

    // Alice gets through again once her window has ended, not before.
    let (chat_ref, alice_ref) = (&chat, &alice);
    let accepted: Value = eventually("alice to be let through again", || async move {
        let answer = try_say(chat_ref, alice_ref, "alice again").await;
        if answer.status.is_success() {
            return Some(answer.ok());
        }
        answer.fails(400, "error-app-prevented");
        tokio::time::sleep(Duration::from_millis(50)).await;
        None
    })
    .await;
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1_900),
        "let through after {waited:?}"
    );
    assert_eq!(accepted["message"]["msg"], "alice again");

    // Nothing refused was stored.
    assert_eq!(
        texts_of(&chat, &alice, "alice").await,
        ["alice 1", "alice 2", "alice 3", "alice again"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_sent_at_once_is_counted_message_by_message() {
    // The window outlasts the test, so every message of the burst falls
    // in the one window the first opens.
    const LIMIT: usize = 5;
    const EXTRA: usize = 4;
    let chat = Chat::start().await;
    chat.install(
        "moderation",
        json!({"max-messages": LIMIT, "window-seconds": 600}),
    )
    .await;
    let alice = chat.user("alice").await;

    // All at once, each on its own connection. The app's kv writes stay
    // under the server's write burst (50): a compare-and-set per try, and
    // a message retries only when another one was counted first, so at
    // most 9 + 8 + 7 + 6 + 5 = 35 writes; refusals write nothing. The
    // server has no per-user message rate limit of its own.
    let texts: Vec<String> = (1..=LIMIT + EXTRA).map(|n| format!("burst {n}")).collect();
    let answers = join_all(texts.iter().map(|text| try_say(&chat, &alice, text))).await;

    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for (text, answer) in texts.iter().zip(&answers) {
        if answer.status.is_success() {
            accepted.push(text.clone());
        } else {
            refused.push(answer.body.clone());
        }
    }
    let logs = chat
        .server
        .get("/api/apps/moderation/logs", Some(&chat.admin))
        .await
        .body;
    assert_eq!(
        (accepted.len(), refused.len()),
        (LIMIT, EXTRA),
        "accepted {accepted:?}, refused {refused:#?}; the app's logs: {logs:#}"
    );
    for body in &refused {
        assert_eq!(body["errorType"], "error-app-prevented", "{body}");
        let error = body["error"].as_str().expect("an error text");
        assert!(
            error.contains("too fast (at most 5 messages every 600 seconds)"),
            "refused for flooding: {error}"
        );
    }

    // Stored are exactly the accepted, and the window is full: the next
    // message is refused too.
    let mut stored = texts_of(&chat, &alice, "alice").await;
    stored.sort();
    accepted.sort();
    assert_eq!(stored, accepted);
    try_say(&chat, &alice, "one more")
        .await
        .fails(400, "error-app-prevented");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exempt_admins_may_post_past_the_limit_and_users_may_not() {
    let chat = Chat::start().await;
    chat.install(
        "moderation",
        json!({"max-messages": 1, "window-seconds": 600, "exempt-admins": true}),
    )
    .await;
    let alice = chat.user("alice").await;

    for n in 1..=3 {
        let text = format!("admin {n}");
        assert_eq!(chat.say(&chat.admin, GENERAL, &text).await["msg"], text);
    }
    chat.say(&alice, GENERAL, "alice 1").await;
    let body = try_say(&chat, &alice, "alice 2")
        .await
        .fails(400, "error-app-prevented");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("at most 1 message every 600 seconds")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_refuses_to_be_enabled_with_settings_out_of_range() {
    let chat = Chat::start().await;
    let uploaded = chat
        .upload(chat.package("moderation", |_| {}), Some("all"))
        .await
        .ok();
    assert_eq!(uploaded["app"]["id"], "moderation", "{uploaded}");
    chat.server
        .post(
            "/api/apps/moderation/status",
            json!({"status": "manually_disabled"}),
            Some(&chat.admin),
        )
        .await
        .ok();
    // A number the manifest's type allows but the app does not.
    chat.server
        .post(
            "/api/apps/moderation/settings",
            json!({"settings": {"window-seconds": 0}}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let answer = chat
        .server
        .post(
            "/api/apps/moderation/status",
            json!({"status": "manually_enabled"}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let app = &answer["app"];
    assert_eq!(app["status"], "disabled", "{answer}");
    assert_eq!(
        app["reason"],
        "the app refused to be enabled: setting `window-seconds` must be a whole number from 1 to 86400, not 0",
        "{answer}"
    );
}
