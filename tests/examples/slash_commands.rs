//! End-to-end tests of the slash-command example apps `apps-examples/polls`
//! and `apps-examples/remind`: the real server, both apps built, signed
//! with a test key and installed through the apps admin API; commands run
//! with `commands.run`, buttons pressed with `POST
//! /api/apps/ui.interaction/<app>` and time zones reported with the DDP
//! method `userSetUtcOffset`, as a client would.

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use support::common::ddp::Ddp;
use support::{Chat, GENERAL, Session};

/// Presses the option `value` of the poll `mid` as `who`.
async fn vote(chat: &Chat, who: &Session, mid: &str, value: &str) -> support::Answer {
    chat.server
        .post(
            "/api/apps/ui.interaction/polls",
            json!({"type": "blockAction", "actionId": "vote", "rid": GENERAL, "mid": mid, "value": value}),
            Some(who),
        )
        .await
}

/// The message `id` as `who` sees it.
async fn message(chat: &Chat, who: &Session, id: &str) -> Value {
    chat.server
        .get(&format!("/api/v1/chat.getMessage?msgId={id}"), Some(who))
        .await
        .ok()["message"]
        .clone()
}

/// The tally lines of the poll `mid` (its attachment's text).
async fn tally(chat: &Chat, who: &Session, mid: &str) -> Vec<String> {
    let poll = message(chat, who, mid).await;
    poll["attachments"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a poll has a tally: {poll}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_posts_buttons_and_counts_votes_live_one_per_user() {
    let chat = Chat::start().await;
    let app = chat.install("polls", json!({})).await;
    assert_eq!(app["id"], "polls");
    let alice = chat.user("alice").await;
    let bob = chat.user("bob").await;

    let ran = chat
        .command(
            &alice,
            GENERAL,
            "poll",
            r#""Where do we eat?" Pizza "Sushi bar" Salad"#,
        )
        .await;
    assert_eq!(ran, json!({"outcome": "answered", "text": null}));
    let poll = chat
        .wait_for_message(&alice, GENERAL, "the poll", |m| {
            m["msg"] == "📊 Where do we eat?"
        })
        .await;
    assert_eq!(poll["u"]["username"], "polls.bot");
    let buttons = &poll["attachments"][0]["actions"];
    assert_eq!(
        *buttons,
        json!([
            {"type": "button", "text": "Pizza", "action_id": "vote", "value": "0"},
            {"type": "button", "text": "Sushi bar", "action_id": "vote", "value": "1"},
            {"type": "button", "text": "Salad", "action_id": "vote", "value": "2"},
        ])
    );
    let mid = poll["_id"].as_str().expect("an id").to_owned();
    assert_eq!(
        tally(&chat, &alice, &mid).await,
        [
            "Pizza — 0 votes 0%",
            "Sushi bar — 0 votes 0%",
            "Salad — 0 votes 0%",
            "0 votes · asked by @alice · press again to withdraw your vote",
        ]
    );

    // Two users vote; each hears back privately and the tally shows both.
    let answer = vote(&chat, &alice, &mid, "0").await.ok();
    assert_eq!(answer["outcome"], "answered", "{answer}");
    assert_eq!(answer["text"], "You voted for Pizza.");
    let answer = vote(&chat, &bob, &mid, "1").await.ok();
    assert_eq!(answer["text"], "You voted for Sushi bar.");
    assert_eq!(
        tally(&chat, &bob, &mid).await,
        [
            "Pizza — 1 vote █████ 50%",
            "Sushi bar — 1 vote █████ 50%",
            "Salad — 0 votes 0%",
            "2 votes · asked by @alice · press again to withdraw your vote",
        ]
    );

    // A changed vote moves; it is still one vote.
    let answer = vote(&chat, &alice, &mid, "1").await.ok();
    assert_eq!(
        answer["text"],
        "You moved your vote from Pizza to Sushi bar."
    );
    let lines = tally(&chat, &alice, &mid).await;
    assert_eq!(lines[0], "Pizza — 0 votes 0%");
    assert_eq!(lines[1], "Sushi bar — 2 votes ██████████ 100%");
    assert_eq!(
        lines[3],
        "2 votes · asked by @alice · press again to withdraw your vote"
    );

    // The same option again withdraws it.
    let answer = vote(&chat, &bob, &mid, "1").await.ok();
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .starts_with("You withdrew your vote for Sushi bar"),
        "{answer}"
    );
    let lines = tally(&chat, &alice, &mid).await;
    assert_eq!(lines[1], "Sushi bar — 1 vote ██████████ 100%");
    assert!(lines[3].starts_with("1 vote ·"), "{lines:?}");
    // The question and the buttons stay as they were.
    let edited = message(&chat, &alice, &mid).await;
    assert_eq!(edited["msg"], "📊 Where do we eat?");
    assert_eq!(edited["attachments"][0]["actions"], *buttons);

    // A value that is none of the buttons' never reaches the app.
    vote(&chat, &bob, &mid, "7")
        .await
        .fails(400, "error-invalid-action");
    assert_eq!(tally(&chat, &alice, &mid).await, lines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_votes_all_count_and_the_last_edit_shows_them_all() {
    let chat = Chat::start().await;
    chat.install("polls", json!({})).await;
    let alice = chat.user("alice").await;
    let mut voters = Vec::new();
    for n in 0..8 {
        voters.push(chat.user(&format!("voter{n}")).await);
    }
    chat.command(&alice, GENERAL, "poll", "Tea? Yes No").await;
    let mid = chat
        .wait_for_message(&alice, GENERAL, "the poll", |m| m["msg"] == "📊 Tea?")
        .await["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Six say yes and two no, all at once; alice presses both options at
    // once, which must leave her with one vote, not two or none.
    let presses = voters
        .iter()
        .enumerate()
        .map(|(n, who)| (who, if n < 6 { "0" } else { "1" }))
        .chain([(&alice, "0"), (&alice, "1")])
        .map(|(who, value)| vote(&chat, who, &mid, value));
    let answers = futures_util::future::join_all(presses).await;

    for answer in answers {
        assert_eq!(answer.ok()["outcome"], "answered");
    }
    let lines = tally(&chat, &alice, &mid).await;
    let yes = lines[0].starts_with("Yes — 7 votes") && lines[1].starts_with("No — 2 votes");
    let no = lines[0].starts_with("Yes — 6 votes") && lines[1].starts_with("No — 3 votes");
    assert!(yes || no, "alice's vote is in one option: {lines:?}");
    assert!(lines[2].starts_with("9 votes ·"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_poll_input_gets_a_clear_private_answer_and_posts_nothing() {
    let chat = Chat::start().await;
    chat.install("polls", json!({})).await;
    let alice = chat.user("alice").await;
    let before = chat.history(&alice, GENERAL).await.len();

    for (params, says) in [
        ("", "a poll needs a question"),
        (r#""Lunch?" Pizza"#, "at least 2 options, this one has 1"),
        (r#""Lunch? Pizza Sushi"#, "a quote is not closed"),
        ("Lunch? Pizza pizza", "options 1 and 2 are the same"),
        ("Q 1 2 3 4 5 6 7 8 9 10 11", "at most 10 options"),
    ] {
        let ran = chat.command(&alice, GENERAL, "poll", params).await;
        assert_eq!(ran["outcome"], "refused", "{params}: {ran}");
        let text = ran["text"].as_str().unwrap();
        assert!(text.contains(says), "{params}: {text}");
    }
    assert_eq!(chat.history(&alice, GENERAL).await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_fires_in_the_room_and_a_cancelled_one_does_not() {
    let chat = Chat::start().await;
    chat.install("remind", json!({})).await;
    let alice = chat.user("alice").await;

    // #1 is due first and cancelled; #2 is due a second later and fires.
    // The scheduler runs the earliest due job first, so once #2 is posted
    // #1 would have been too, had it not been cancelled.
    let first = chat
        .command(
            &alice,
            GENERAL,
            "remind",
            "me in 2 seconds to never say this",
        )
        .await;
    assert_eq!(first["outcome"], "answered", "{first}");
    let text = first["text"].as_str().unwrap();
    assert!(
        text.starts_with("I will remind you in 2 seconds ("),
        "{text}"
    );
    assert!(
        text.contains(" UTC): never say this — reminder #1"),
        "{text}"
    );
    let second = chat
        .command(&alice, GENERAL, "remind", "me in 3 seconds to stretch")
        .await;
    assert!(
        second["text"].as_str().unwrap().contains("reminder #2"),
        "{second}"
    );

    let listed = chat.command(&alice, GENERAL, "remind", "list").await;
    let listed = listed["text"].as_str().unwrap().to_owned();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(
        lines[1].starts_with("#1 ") && lines[1].ends_with(": never say this"),
        "{listed}"
    );
    assert!(
        lines[2].starts_with("#2 ") && lines[2].ends_with(": stretch"),
        "{listed}"
    );
    // Another user's list is their own.
    let bob = chat.user("bob").await;
    let theirs = chat.command(&bob, GENERAL, "remind", "list").await;
    assert_eq!(theirs["text"], "You have no reminders waiting.");
    let refused = chat.command(&bob, GENERAL, "remind", "cancel 1").await;
    assert_eq!(refused["outcome"], "refused");

    let cancelled = chat.command(&alice, GENERAL, "remind", "cancel #1").await;
    assert_eq!(cancelled["text"], "Cancelled reminder #1: never say this");

    let fired = chat
        .wait_for_message(&alice, GENERAL, "the reminder", |m| {
            m["msg"] == "⏰ @alice reminder: stretch"
        })
        .await;
    assert_eq!(fired["u"]["username"], "remind.bot");
    assert!(
        fired["mentions"]
            .as_array()
            .is_some_and(|m| m.iter().any(|u| u["username"] == "alice")),
        "{fired}"
    );
    let history = chat.history(&alice, GENERAL).await;
    assert!(
        !history
            .iter()
            .any(|m| m["msg"].as_str().unwrap_or("").contains("never say this")),
        "{history:#?}"
    );
    let after = chat.command(&alice, GENERAL, "remind", "list").await;
    assert_eq!(after["text"], "You have no reminders waiting.");
    // Posted once: a second delivery finds the reminder gone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let posted = chat
        .history(&alice, GENERAL)
        .await
        .iter()
        .filter(|m| m["msg"] == "⏰ @alice reminder: stretch")
        .count();
    assert_eq!(posted, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reminders_get_a_clear_private_answer() {
    let chat = Chat::start().await;
    chat.install("remind", json!({"utc-offset": "+01:00"}))
        .await;
    let alice = chat.user("alice").await;
    let before = chat.history(&alice, GENERAL).await.len();

    for (params, says) in [
        ("me in 10 parsecs to x", "`parsecs` is not a unit of time"),
        ("me next friday x", "I do not understand the time `next`"),
        ("me at 25:00 x", "`25:00` is not a time of day"),
        ("me at 5 x", "ambiguous"),
        ("me in 10 minutes", "what should I remind you of?"),
        ("me in 400 days x", "at most a year away"),
        ("cancel 7", "you have no reminder #7 waiting"),
        ("cancel soon", "takes the number of a reminder"),
    ] {
        let ran = chat.command(&alice, GENERAL, "remind", params).await;
        assert_eq!(ran["outcome"], "refused", "{params}: {ran}");
        let text = ran["text"].as_str().unwrap();
        assert!(text.contains(says), "{params}: {text}");
    }
    let help = chat.command(&alice, GENERAL, "remind", "").await;
    assert!(
        help["text"].as_str().unwrap().starts_with("usage: /remind"),
        "{help}"
    );
    // The offset setting applies to clock times and to what is shown.
    let set = chat
        .command(&alice, GENERAL, "remind", "me tomorrow at 9:00 standup")
        .await;
    let text = set["text"].as_str().unwrap();
    assert!(text.contains(" 09:00 UTC+01:00): standup"), "{text}");
    assert_eq!(chat.history(&alice, GENERAL).await.len(), before);
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64
}

/// When `tomorrow <hour>:00` is in UTC for someone `offset_minutes` east
/// of UTC at `now_ms`.
fn tomorrow_at(now_ms: i64, offset_minutes: i64, hour: i64) -> i64 {
    let offset = offset_minutes * 60_000;
    let local_today = (now_ms + offset).div_euclid(DAY_MS) * DAY_MS;
    local_today + DAY_MS + hour * HOUR_MS - offset
}

/// When the job of `who`'s reminder `number` is due, as the scheduler
/// keeps it (ms since the epoch, UTC).
async fn reminder_due(chat: &Chat, who: &Session, number: u64) -> i64 {
    let jobs = chat
        .server
        .chat_domain()
        .store()
        .jobs_of("remind")
        .await
        .expect("the jobs are readable");
    let job = jobs
        .iter()
        .find(|job| {
            serde_json::from_slice::<Value>(&job.payload)
                .is_ok_and(|p| p["user_id"] == who.user_id.as_str() && p["number"] == number)
        })
        .unwrap_or_else(|| panic!("{} has a job for reminder #{number}", who.username));
    job.next_run.millis()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_times_are_read_in_the_offset_a_users_client_reported() {
    let chat = Chat::start().await;
    chat.install("remind", json!({"utc-offset": "+01:00"}))
        .await;
    let alice = chat.user("alice").await;
    let bob = chat.user("bob").await;
    // Alice's client reports +05:30, as Rocket.Chat's clients do; Bob's
    // never reports one.
    let mut alices_client = Ddp::resume(&chat.server.base, &alice.token).await;
    alices_client
        .call("userSetUtcOffset", json!([5.5]))
        .await
        .expect("the offset is taken");

    let before = now_ms();
    let set = chat
        .command(&alice, GENERAL, "remind", "me tomorrow 9:00 call the bank")
        .await;
    let after = now_ms();

    let text = set["text"].as_str().unwrap();
    assert!(
        text.contains(" 09:00 UTC+05:30): call the bank — reminder #1"),
        "{text}"
    );
    // 09:00 at +05:30 is 03:30 UTC, on her tomorrow.
    let due = reminder_due(&chat, &alice, 1).await;
    assert_eq!(due.rem_euclid(DAY_MS), 3 * HOUR_MS + HOUR_MS / 2);
    assert!(
        [tomorrow_at(before, 330, 9), tomorrow_at(after, 330, 9)].contains(&due),
        "due at {due}"
    );
    let listed = chat.command(&alice, GENERAL, "remind", "list").await;
    let listed = listed["text"].as_str().unwrap();
    let line = listed.lines().nth(1).unwrap_or_default();
    assert!(
        line.starts_with("#1 ")
            && line.contains(" 09:00 UTC+05:30 (")
            && line.ends_with(": call the bank"),
        "{listed}"
    );

    // Without a reported offset, the admin's setting: 09:00 at +01:00.
    let theirs = chat
        .command(&bob, GENERAL, "remind", "me tomorrow 9:00 stand-up")
        .await;
    let text = theirs["text"].as_str().unwrap();
    assert!(text.contains(" 09:00 UTC+01:00): stand-up"), "{text}");
    assert_eq!(
        reminder_due(&chat, &bob, 1).await.rem_euclid(DAY_MS),
        8 * HOUR_MS
    );

    // Alice travels to -03:00: her reminder stays due when it was, and is
    // shown in her new offset.
    alices_client
        .call("userSetUtcOffset", json!([-3]))
        .await
        .expect("the new offset is taken");
    let listed = chat.command(&alice, GENERAL, "remind", "list").await;
    let listed = listed["text"].as_str().unwrap();
    assert!(listed.contains(" 00:30 UTC-03:00 ("), "{listed}");
    assert_eq!(reminder_due(&chat, &alice, 1).await, due);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remind_refuses_to_be_enabled_with_a_bad_utc_offset() {
    let chat = Chat::start().await;
    let uploaded = chat
        .upload(chat.package("remind", |_| {}), Some("all"))
        .await
        .ok();
    assert_eq!(uploaded["app"]["id"], "remind", "{uploaded}");
    let status = |status: &str| {
        chat.server.post(
            "/api/apps/remind/status",
            json!({ "status": status }),
            Some(&chat.admin),
        )
    };
    status("manually_disabled").await.ok();
    chat.server
        .post(
            "/api/apps/remind/settings",
            json!({"settings": {"utc-offset": "Europe/Paris"}}),
            Some(&chat.admin),
        )
        .await
        .ok();
    let answer = status("manually_enabled").await.ok();
    assert_eq!(answer["app"]["status"], "disabled", "{answer}");
    let reason = answer["app"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("`Europe/Paris` is not a UTC offset such as +01:00 or -05:30"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_cast_at_the_same_moment_are_all_kept() {
    let chat = Chat::start().await;
    chat.install("polls", json!({})).await;
    let mut voters = Vec::new();
    for name in ["ann", "ben", "cat", "dan", "eve"] {
        voters.push(chat.user(name).await);
    }
    let ran = chat
        .command(&voters[0], GENERAL, "poll", "Tea? Yes No")
        .await;
    assert_eq!(ran["outcome"], "answered", "{ran}");
    let poll = chat
        .wait_for_message(&voters[0], GENERAL, "the poll", |m| m["msg"] == "📊 Tea?")
        .await;
    let mid = poll["_id"].as_str().expect("an id").to_owned();

    // Four presses at once: each writes only its voter's ballot, so none
    // overwrites another.
    let (a, b, c, d) = tokio::join!(
        vote(&chat, &voters[0], &mid, "0"),
        vote(&chat, &voters[1], &mid, "0"),
        vote(&chat, &voters[2], &mid, "1"),
        vote(&chat, &voters[3], &mid, "0"),
    );
    for answer in [a, b, c, d] {
        assert_eq!(answer.ok()["outcome"], "answered");
    }
    // The next press counts them all (the edits of simultaneous presses
    // may land in either order, so only the last one is certain).
    vote(&chat, &voters[4], &mid, "1").await.ok();
    assert_eq!(
        tally(&chat, &voters[4], &mid).await,
        [
            "Yes — 3 votes ██████ 60%",
            "No — 2 votes ████ 40%",
            "5 votes · asked by @ann · press again to withdraw your vote",
        ]
    );
}
