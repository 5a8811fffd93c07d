//! Messages: counters, threads, tombstones, optimistic concurrency,
//! history and filtered listings.

use serde_json::json;

use super::{
    at, error_of, join, message, new_channel, new_user, post, reread_message, reread_room, texts,
};
use crate::model::{
    Mention, Message, MessageId, Reaction, Room, RoomMention, Star, Timestamp, User,
};
use crate::store::{HistoryQuery, MessageFilter, Page, Paged, Store, StoreError};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        a_message_bumps_its_room,
        a_message_round_trips,
        a_taken_message_id_conflicts,
        a_thread_reply_bumps_its_parent,
        a_thread_reply_makes_an_earlier_read_of_its_parent_stale,
        deleting_a_thread_reply_decrements_its_parent,
        deleting_a_message_records_a_tombstone,
        deleting_a_message_decrements_its_room_count,
        replacing_a_message_needs_the_updated_at_it_was_read_with,
        a_replaced_message_moves_updated_at_strictly_forward,
        concurrent_replacements_from_one_read_let_exactly_one_win,
        replacing_a_missing_message_is_not_found,
        history_is_newest_first_and_of_one_room,
        history_bounds_are_exclusive_unless_inclusive,
        history_pages_with_offset_and_count,
        finding_thread_replies,
        finding_thread_starters,
        finding_mentions_of_a_user,
        finding_messages_starred_by_a_user,
        finding_pinned_messages,
        finding_messages_by_text_without_case_and_literal_wildcards,
        finding_messages_pages_with_a_total,
        changes_since_lists_changed_and_deleted_messages,
        cleaning_history_deletes_a_time_range,
        cleaning_history_can_keep_other_users_messages,
    );
}

/// A channel called `name` with two members, `{name}-ann` and `{name}-bob`.
async fn chat<S: Store>(store: &S, name: &str) -> (Room, User, User) {
    let room = new_channel(store, name).await;
    let ann = new_user(store, &format!("{name}-ann")).await;
    let bob = new_user(store, &format!("{name}-bob")).await;
    join(store, &room, &ann).await;
    join(store, &room, &bob).await;
    (room, ann, bob)
}

/// Sends a reply in the thread `parent` starts.
async fn reply<S: Store>(store: &S, parent: &Message, sender: &User, ts: i64) -> Message {
    let room_id = parent.rid.clone();
    let mut reply = Message::new(&room_id, sender.to_ref(), &format!("reply at {ts}"));
    reply.ts = at(ts);
    reply.updated_at = at(ts);
    reply.tmid = Some(parent.id.clone());
    store.insert_message(&reply).await.unwrap();
    reply
}

/// Reads a message, changes it with `change` and replaces it, as an
/// edit does; returns it as stored afterwards.
async fn edit<S: Store>(
    store: &S,
    message: &Message,
    change: impl FnOnce(&mut Message),
) -> Message {
    let mut current = reread_message(store, message).await;
    let read_at = current.updated_at;
    change(&mut current);
    store.replace_message(&current, read_at).await.unwrap();
    reread_message(store, message).await
}

fn mention(user: &User) -> Mention {
    Mention {
        id: user.id.to_string(),
        username: user.username.clone(),
        name: None,
        kind: "user".into(),
    }
}

/// The texts of a page, newest first, and its total.
fn found(paged: Paged<Message>) -> (Vec<String>, u64) {
    (
        paged.items.into_iter().map(|m| m.msg).collect(),
        paged.total,
    )
}

async fn find<S: Store>(store: &S, room: &Room, filter: MessageFilter) -> (Vec<String>, u64) {
    found(
        store
            .find_messages(&room.id, &filter, &Page::all())
            .await
            .unwrap(),
    )
}

fn sorted_ids(messages: &[&Message]) -> Vec<MessageId> {
    let mut ids: Vec<MessageId> = messages.iter().map(|m| m.id.clone()).collect();
    ids.sort();
    ids
}

async fn a_message_bumps_its_room<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-bump").await;

    post(store, &room, &ann, "first", 10).await;
    let last = post(store, &room, &ann, "second", 20).await;

    let room = reread_room(store, &room).await;
    assert_eq!((room.msgs, room.lm), (2, Some(last.ts)));
    assert_eq!(room.users_count, 2);
}

async fn a_message_round_trips<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-trip").await;
    let mut sent = message(&room, &ann, "every field", 10);
    sent.alias = Some("Alias".into());
    sent.emoji = Some(":smile:".into());
    sent.avatar = Some("https://example.com/a.png".into());
    sent.groupable = false;
    sent.attachments = vec![json!({"title": "t", "fields": [{"short": true, "value": "v"}]})];
    sent.reactions.insert(
        ":+1:".into(),
        Reaction {
            usernames: vec![bob.username.clone()],
        },
    );
    sent.mentions = vec![mention(&bob)];
    sent.channels = vec![RoomMention {
        id: room.id.clone(),
        name: "m-trip".into(),
    }];
    sent.urls = vec![json!({"url": "https://example.com"})];
    sent.edited_at = Some(at(11));
    sent.edited_by = Some(ann.to_ref());

    store.insert_message(&sent).await.unwrap();

    assert_eq!(store.message(&sent.id).await.unwrap(), Some(sent));
    assert_eq!(
        store
            .message(&MessageId::from("m-trip-missing"))
            .await
            .unwrap(),
        None
    );
}

async fn a_taken_message_id_conflicts<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-dupid").await;
    let first = post(store, &room, &ann, "first", 10).await;
    let mut second = message(&room, &bob, "second", 20);
    second.id = first.id.clone();

    let error = error_of(store.insert_message(&second).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.message(&first.id).await.unwrap(), Some(first.clone()));
    // The refused insert bumped nothing.
    let room = reread_room(store, &room).await;
    assert_eq!((room.msgs, room.lm), (1, Some(first.ts)));
}

async fn a_thread_reply_bumps_its_parent<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-thread").await;
    let parent = post(store, &room, &ann, "parent", 10).await;

    reply(store, &parent, &bob, 20).await;
    reply(store, &parent, &bob, 30).await;
    let last = reply(store, &parent, &ann, 40).await;

    let stored = reread_message(store, &parent).await;
    assert_eq!((stored.tcount, stored.tlm), (Some(3), Some(last.ts)));
    let mut repliers = stored.replies.clone();
    repliers.sort();
    let mut expected = vec![ann.id.clone(), bob.id.clone()];
    expected.sort();
    assert_eq!(repliers, expected, "each replier once");
    assert!(stored.updated_at > parent.updated_at, "the parent changed");
    assert_eq!(reread_room(store, &room).await.msgs, 4);
}

async fn a_thread_reply_makes_an_earlier_read_of_its_parent_stale<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-stale").await;
    let parent = post(store, &room, &ann, "parent", 10).await;
    let read = reread_message(store, &parent).await;
    reply(store, &parent, &bob, 20).await;
    let mut reacted = read.clone();
    reacted
        .reactions
        .insert(":tada:".into(), Reaction::default());

    let error = error_of(store.replace_message(&reacted, read.updated_at).await);

    // Had it gone through, the reply's count would have been lost.
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    let stored = edit(store, &parent, |m| {
        m.reactions.insert(":tada:".into(), Reaction::default());
    })
    .await;
    assert_eq!(stored.tcount, Some(1));
    assert!(stored.reactions.contains_key(":tada:"));
}

async fn deleting_a_thread_reply_decrements_its_parent<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-unreply").await;
    let parent = post(store, &room, &ann, "parent", 10).await;
    let first = reply(store, &parent, &bob, 20).await;
    reply(store, &parent, &bob, 30).await;

    store.delete_message(&first.id).await.unwrap();

    assert_eq!(reread_message(store, &parent).await.tcount, Some(1));
    let thread = find(store, &room, MessageFilter::Thread(parent.id.clone())).await;
    assert_eq!(thread, (vec!["reply at 30".to_owned()], 1));
}

async fn deleting_a_message_records_a_tombstone<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-delete").await;
    let doomed = post(store, &room, &ann, "doomed", 10).await;
    let kept = post(store, &room, &ann, "kept", 20).await;

    let before = Timestamp::now();
    let deleted = store.delete_message(&doomed.id).await.unwrap();

    assert_eq!(deleted, Some(doomed.clone()), "returns what it deleted");
    assert_eq!(store.message(&doomed.id).await.unwrap(), None);
    let history = store.history(&room.id, &Default::default()).await.unwrap();
    assert_eq!(history, vec![kept.clone()]);
    let (changed, gone) = store.changes_since(&room.id, at(15)).await.unwrap();
    assert_eq!(changed, vec![kept]);
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].id, doomed.id);
    assert!(gone[0].at >= before, "remembers when it was deleted");
    let future = at(0).millis() + 100 * 365 * 24 * 3600 * 1000;
    let later = store
        .changes_since(&room.id, Timestamp(future))
        .await
        .unwrap();
    assert_eq!(later, (vec![], vec![]));
    assert_eq!(
        store.delete_message(&doomed.id).await.unwrap(),
        None,
        "deleted twice"
    );
}

async fn deleting_a_message_decrements_its_room_count<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-uncount").await;
    let doomed = post(store, &room, &ann, "doomed", 10).await;
    post(store, &room, &ann, "kept", 20).await;
    assert_eq!(reread_room(store, &room).await.msgs, 2);

    store.delete_message(&doomed.id).await.unwrap();

    // `msgs` counts the room's messages, so it follows deletions too.
    assert_eq!(reread_room(store, &room).await.msgs, 1);
}

async fn replacing_a_message_needs_the_updated_at_it_was_read_with<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-occ").await;
    let original = post(store, &room, &ann, "original", 10).await;
    let read = reread_message(store, &original).await;
    let mut first = read.clone();
    first.msg = "first writer".into();
    first.updated_at = at(20);
    let mut second = read.clone();
    second.msg = "second writer".into();
    second.updated_at = at(21);

    store
        .replace_message(&first, read.updated_at)
        .await
        .unwrap();
    let late = error_of(store.replace_message(&second, read.updated_at).await);
    let stale = error_of(store.replace_message(&second, at(5)).await);

    assert!(matches!(late, StoreError::Conflict(_)), "{late:?}");
    assert!(matches!(stale, StoreError::Conflict(_)), "{stale:?}");
    let stored = reread_message(store, &original).await;
    assert_eq!(
        stored.msg, "first writer",
        "the second writer did not overwrite"
    );
    assert!(stored.updated_at > read.updated_at);
    // Read again, the second writer gets through.
    let mut retried = stored.clone();
    retried.msg = "second writer".into();
    store
        .replace_message(&retried, stored.updated_at)
        .await
        .unwrap();
    assert_eq!(reread_message(store, &original).await.msg, "second writer");
}

async fn a_replaced_message_moves_updated_at_strictly_forward<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-forward").await;
    let original = post(store, &room, &ann, "v0", 10).await;
    let mut previous = reread_message(store, &original).await;

    // A writer that leaves `_updatedAt` as read, then one whose clock is
    // behind: the store still moves it forward, so the old value is stale.
    for (text, stamp) in [("v1", None), ("v2", Some(at(0)))] {
        let mut next = previous.clone();
        next.msg = text.into();
        if let Some(stamp) = stamp {
            next.updated_at = stamp;
        }
        store
            .replace_message(&next, previous.updated_at)
            .await
            .unwrap();
        let stored = reread_message(store, &original).await;
        assert_eq!(stored.msg, text);
        assert!(
            stored.updated_at > previous.updated_at,
            "{text}: {stored:?}"
        );
        let replay = error_of(store.replace_message(&previous, previous.updated_at).await);
        assert!(
            matches!(replay, StoreError::Conflict(_)),
            "{text}: {replay:?}"
        );
        previous = stored;
    }
}

async fn concurrent_replacements_from_one_read_let_exactly_one_win<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-race").await;
    let original = post(store, &room, &ann, "original", 10).await;
    let read = reread_message(store, &original).await;
    let (mut left, mut right) = (read.clone(), read.clone());
    left.msg = "left".into();
    right.msg = "right".into();

    let (l, r) = tokio::join!(
        store.replace_message(&left, read.updated_at),
        store.replace_message(&right, read.updated_at),
    );

    let stored = reread_message(store, &original).await;
    match (l, r) {
        (Ok(()), Err(StoreError::Conflict(_))) => assert_eq!(stored.msg, "left"),
        (Err(StoreError::Conflict(_)), Ok(())) => assert_eq!(stored.msg, "right"),
        other => panic!("expected exactly one winner and one conflict, got {other:?}"),
    }
}

async fn replacing_a_missing_message_is_not_found<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-ghost").await;
    let ghost = message(&room, &ann, "never sent", 10);

    let error = error_of(store.replace_message(&ghost, ghost.updated_at).await);

    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
    assert_eq!(store.message(&ghost.id).await.unwrap(), None);
}

/// A room with messages "10" to "50" sent at those times, and a message
/// in another room among them.
async fn five_messages<S: Store>(store: &S, name: &str) -> Room {
    let (room, ann, _) = chat(store, name).await;
    for ts in [30, 10, 50, 20, 40] {
        post(store, &room, &ann, &ts.to_string(), ts).await;
    }
    let elsewhere = new_channel(store, &format!("{name}-elsewhere")).await;
    post(store, &elsewhere, &ann, "elsewhere", 35).await;
    room
}

async fn history<S: Store>(store: &S, room: &Room, query: HistoryQuery) -> Vec<String> {
    let messages = store.history(&room.id, &query).await.unwrap();
    texts(&messages).into_iter().map(str::to_owned).collect()
}

async fn history_is_newest_first_and_of_one_room<S: Store>(store: &S) {
    let room = five_messages(store, "m-history").await;

    let all = history(store, &room, HistoryQuery::default()).await;

    assert_eq!(all, ["50", "40", "30", "20", "10"]);
}

async fn history_bounds_are_exclusive_unless_inclusive<S: Store>(store: &S) {
    let room = five_messages(store, "m-bounds").await;
    let query = |latest: Option<i64>, oldest: Option<i64>, inclusive| HistoryQuery {
        latest: latest.map(at),
        oldest: oldest.map(at),
        inclusive,
        ..HistoryQuery::default()
    };

    assert_eq!(
        history(store, &room, query(Some(40), None, false)).await,
        ["30", "20", "10"]
    );
    assert_eq!(
        history(store, &room, query(Some(40), None, true)).await,
        ["40", "30", "20", "10"]
    );
    assert_eq!(
        history(store, &room, query(None, Some(20), false)).await,
        ["50", "40", "30"]
    );
    assert_eq!(
        history(store, &room, query(None, Some(20), true)).await,
        ["50", "40", "30", "20"]
    );
    assert_eq!(
        history(store, &room, query(Some(40), Some(20), false)).await,
        ["30"]
    );
    assert_eq!(
        history(store, &room, query(Some(40), Some(20), true)).await,
        ["40", "30", "20"]
    );
    assert_eq!(
        history(store, &room, query(Some(30), Some(30), true)).await,
        ["30"]
    );
    assert_eq!(
        history(store, &room, query(Some(30), Some(30), false)).await,
        Vec::<String>::new()
    );
}

async fn history_pages_with_offset_and_count<S: Store>(store: &S) {
    let room = five_messages(store, "m-hpage").await;
    let query = |offset, count, latest: Option<i64>| HistoryQuery {
        latest: latest.map(at),
        offset,
        count,
        ..HistoryQuery::default()
    };

    assert_eq!(history(store, &room, query(0, 2, None)).await, ["50", "40"]);
    assert_eq!(history(store, &room, query(1, 2, None)).await, ["40", "30"]);
    assert_eq!(history(store, &room, query(4, 2, None)).await, ["10"]);
    assert_eq!(
        history(store, &room, query(5, 2, None)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        history(store, &room, query(1, 0, None)).await,
        ["40", "30", "20", "10"]
    );
    assert_eq!(history(store, &room, query(1, 1, Some(40))).await, ["20"]);
}

async fn finding_thread_replies<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-replies").await;
    let parent = post(store, &room, &ann, "parent", 10).await;
    let other = post(store, &room, &ann, "other parent", 15).await;
    reply(store, &parent, &bob, 20).await;
    reply(store, &other, &bob, 25).await;
    reply(store, &parent, &ann, 30).await;
    post(store, &room, &ann, "not in a thread", 40).await;

    let thread = find(store, &room, MessageFilter::Thread(parent.id.clone())).await;

    assert_eq!(
        thread,
        (vec!["reply at 30".into(), "reply at 20".into()], 2)
    );
}

async fn finding_thread_starters<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-starters").await;
    let first = post(store, &room, &ann, "first starter", 10).await;
    post(store, &room, &ann, "no replies", 20).await;
    let second = post(store, &room, &ann, "second starter", 30).await;
    reply(store, &first, &bob, 40).await;
    reply(store, &second, &bob, 50).await;
    reply(store, &first, &bob, 60).await;
    let elsewhere = new_channel(store, "m-starters-elsewhere").await;
    let foreign = post(store, &elsewhere, &ann, "foreign starter", 35).await;
    reply(store, &foreign, &bob, 45).await;

    let starters = find(store, &room, MessageFilter::ThreadStarters).await;

    assert_eq!(
        starters,
        (vec!["second starter".into(), "first starter".into()], 2)
    );
}

async fn finding_mentions_of_a_user<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-mentions").await;
    let carol = new_user(store, "m-mentions-carol").await;
    let mut sent = Vec::new();
    for (text, ts, mentions) in [
        ("ann to bob", 10, vec![mention(&bob)]),
        ("carol to bob", 20, vec![mention(&carol), mention(&bob)]),
        ("ann to carol", 30, vec![mention(&carol)]),
    ] {
        let mut m = message(&room, &ann, text, ts);
        m.mentions = mentions;
        store.insert_message(&m).await.unwrap();
        sent.push(m);
    }
    let of_bob = || MessageFilter::MentionsOf(bob.id.clone());

    assert_eq!(
        find(store, &room, of_bob()).await,
        (vec!["carol to bob".into(), "ann to bob".into()], 2)
    );

    // Edits re-index mentions.
    edit(store, &sent[2], |m| m.mentions.push(mention(&bob))).await;
    edit(store, &sent[0], |m| m.mentions.clear()).await;
    assert_eq!(
        find(store, &room, of_bob()).await,
        (vec!["ann to carol".into(), "carol to bob".into()], 2)
    );
    let of_carol = find(store, &room, MessageFilter::MentionsOf(carol.id.clone())).await;
    assert_eq!(of_carol.1, 2);
}

async fn finding_messages_starred_by_a_user<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-stars").await;
    let one = post(store, &room, &ann, "one", 10).await;
    let two = post(store, &room, &ann, "two", 20).await;
    let three = post(store, &room, &ann, "three", 30).await;
    let star = |user: &User| Star {
        id: user.id.clone(),
    };

    let starred = edit(store, &one, |m| m.starred.push(star(&bob))).await;
    edit(store, &two, |m| m.starred.push(star(&ann))).await;
    edit(store, &three, |m| {
        m.starred.extend([star(&ann), star(&bob)])
    })
    .await;

    assert_eq!(
        starred.starred,
        vec![star(&bob)],
        "stars live in the document"
    );
    let by_bob = || MessageFilter::StarredBy(bob.id.clone());
    assert_eq!(
        find(store, &room, by_bob()).await,
        (vec!["three".into(), "one".into()], 2)
    );
    assert_eq!(
        find(store, &room, MessageFilter::StarredBy(ann.id.clone())).await,
        (vec!["three".into(), "two".into()], 2)
    );
    // Unstarring.
    edit(store, &three, |m| m.starred.retain(|s| s.id != bob.id)).await;
    assert_eq!(find(store, &room, by_bob()).await, (vec!["one".into()], 1));
}

async fn finding_pinned_messages<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-pins").await;
    let mut pinned = message(&room, &ann, "pinned when sent", 10);
    pinned.pinned = true;
    pinned.pinned_at = Some(at(10));
    pinned.pinned_by = Some(ann.to_ref());
    store.insert_message(&pinned).await.unwrap();
    let later = post(store, &room, &bob, "pinned later", 20).await;
    post(store, &room, &bob, "never pinned", 30).await;

    edit(store, &later, |m| {
        m.pinned = true;
        m.pinned_at = Some(at(25));
        m.pinned_by = Some(ann.to_ref());
    })
    .await;
    assert_eq!(
        find(store, &room, MessageFilter::Pinned).await,
        (vec!["pinned later".into(), "pinned when sent".into()], 2)
    );

    edit(store, &pinned, |m| {
        m.pinned = false;
        m.pinned_at = None;
        m.pinned_by = None;
    })
    .await;
    assert_eq!(
        find(store, &room, MessageFilter::Pinned).await,
        (vec!["pinned later".into()], 1)
    );
}

async fn finding_messages_by_text_without_case_and_literal_wildcards<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-search").await;
    let mut sent = Vec::new();
    for (ts, text) in [
        (10, "Hello World"),
        (20, "say HELLO there"),
        (30, "goodbye"),
        (40, "50% off"),
        (50, "5000 offers"),
        (60, "snake_case"),
        (70, "snakeXcase"),
    ] {
        sent.push(post(store, &room, &ann, text, ts).await);
    }
    let elsewhere = new_channel(store, "m-search-elsewhere").await;
    post(store, &elsewhere, &ann, "hello elsewhere", 15).await;
    let text = |t: &str| MessageFilter::Text(t.to_owned());

    assert_eq!(
        find(store, &room, text("hELLo")).await,
        (vec!["say HELLO there".into(), "Hello World".into()], 2)
    );
    assert_eq!(
        find(store, &room, text("50%")).await,
        (vec!["50% off".into()], 1)
    );
    assert_eq!(
        find(store, &room, text("%")).await,
        (vec!["50% off".into()], 1)
    );
    assert_eq!(
        find(store, &room, text("snake_case")).await,
        (vec!["snake_case".into()], 1)
    );
    assert_eq!(
        find(store, &room, text("_")).await,
        (vec!["snake_case".into()], 1)
    );
    assert_eq!(find(store, &room, text("absent")).await, (vec![], 0));

    // Edits re-index the text.
    edit(store, &sent[2], |m| m.msg = "hello again".into()).await;
    assert_eq!(find(store, &room, text("hello")).await.1, 3);
    assert_eq!(find(store, &room, text("goodbye")).await, (vec![], 0));
}

async fn finding_messages_pages_with_a_total<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-fpage").await;
    for n in 1..=5 {
        post(store, &room, &ann, &format!("m-fpage {n}"), n * 10).await;
    }
    let page = async |offset, count| {
        let page = Page {
            offset,
            count,
            sort: Vec::new(),
        };
        let filter = MessageFilter::Text("m-fpage".into());
        found(store.find_messages(&room.id, &filter, &page).await.unwrap())
    };

    assert_eq!(
        page(1, 2).await,
        (vec!["m-fpage 4".into(), "m-fpage 3".into()], 5)
    );
    assert_eq!(page(4, 2).await, (vec!["m-fpage 1".into()], 5));
    assert_eq!(page(6, 2).await, (vec![], 5));
    assert_eq!(page(0, 0).await.0.len(), 5);
}

async fn changes_since_lists_changed_and_deleted_messages<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-changes").await;
    let edited = post(store, &room, &ann, "edited", 10).await;
    let new = post(store, &room, &ann, "new", 20).await;
    let deleted = post(store, &room, &ann, "deleted", 5).await;
    let untouched = post(store, &room, &ann, "untouched", 12).await;
    let elsewhere = new_channel(store, "m-changes-elsewhere").await;
    post(store, &elsewhere, &ann, "elsewhere", 30).await;

    let mut change = reread_message(store, &edited).await;
    change.msg = "edited!".into();
    change.updated_at = at(40);
    store
        .replace_message(&change, edited.updated_at)
        .await
        .unwrap();
    store.delete_message(&deleted.id).await.unwrap();
    let (changed, gone) = store.changes_since(&room.id, at(15)).await.unwrap();

    let changed: Vec<&Message> = changed.iter().collect();
    assert_eq!(sorted_ids(&changed), sorted_ids(&[&edited, &new]));
    assert!(changed.iter().any(|m| m.msg == "edited!"));
    let gone: Vec<MessageId> = gone.into_iter().map(|d| d.id).collect();
    assert_eq!(gone, vec![deleted.id.clone()]);
    let (everything, _) = store.changes_since(&room.id, at(0)).await.unwrap();
    let everything: Vec<&Message> = everything.iter().collect();
    assert_eq!(
        sorted_ids(&everything),
        sorted_ids(&[&edited, &new, &untouched])
    );
}

async fn cleaning_history_deletes_a_time_range<S: Store>(store: &S) {
    let (room, ann, _) = chat(store, "m-clean").await;
    let mut sent = Vec::new();
    for ts in [10, 20, 30, 40] {
        sent.push(post(store, &room, &ann, &ts.to_string(), ts).await);
    }
    let elsewhere = new_channel(store, "m-clean-elsewhere").await;
    let foreign = post(store, &elsewhere, &ann, "30", 30).await;

    let exclusive = store
        .clean_history(&room.id, at(10), at(40), false, &[])
        .await
        .unwrap();
    let after_exclusive = history(store, &room, HistoryQuery::default()).await;
    let inclusive = store
        .clean_history(&room.id, at(10), at(40), true, &[])
        .await
        .unwrap();

    assert_eq!(
        (exclusive, after_exclusive),
        (2, vec!["40".into(), "10".into()])
    );
    assert_eq!(inclusive, 2);
    assert_eq!(
        history(store, &room, HistoryQuery::default()).await,
        Vec::<String>::new()
    );
    let (_, gone) = store.changes_since(&room.id, at(0)).await.unwrap();
    let mut gone: Vec<MessageId> = gone.into_iter().map(|d| d.id).collect();
    gone.sort();
    assert_eq!(
        gone,
        sorted_ids(&sent.iter().collect::<Vec<_>>()),
        "tombstones for sync"
    );
    assert_eq!(reread_room(store, &room).await.msgs, 0);
    assert_eq!(store.message(&foreign.id).await.unwrap(), Some(foreign));
}

async fn cleaning_history_can_keep_other_users_messages<S: Store>(store: &S) {
    let (room, ann, bob) = chat(store, "m-prune").await;
    for (user, ts) in [(&ann, 10), (&bob, 15), (&ann, 20), (&bob, 25), (&bob, 50)] {
        post(store, &room, user, &format!("{} {ts}", user.username), ts).await;
    }
    let bobs = [bob.username.clone()];

    let pruned = store
        .clean_history(&room.id, at(0), at(30), false, &bobs)
        .await
        .unwrap();
    let nobody = ["m-prune-nobody".to_owned()];
    let none = store
        .clean_history(&room.id, at(0), at(60), true, &nobody)
        .await
        .unwrap();

    assert_eq!((pruned, none), (2, 0));
    assert_eq!(
        history(store, &room, HistoryQuery::default()).await,
        ["m-prune-bob 50", "m-prune-ann 20", "m-prune-ann 10"]
    );
}
