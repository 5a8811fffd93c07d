//! Memberships: counts of members, unread and mentions, renames, listings.

use super::{at, join, membership, message, new_channel, new_user, post, reread_room};
use crate::model::{Mention, MessageKind, Room, RoomId, RoomRole, Subscription, Timestamp, User};
use crate::store::{Page, Store};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        a_membership_round_trips,
        adding_a_member_twice_counts_them_once,
        removing_a_member_updates_the_count,
        unread_counts_messages_by_others_after_last_seen,
        own_system_and_thread_messages_are_not_unread,
        mentions_count_messages_by_others_naming_the_user_or_everyone,
        deleted_messages_are_no_longer_unread_or_mentions,
        marking_read_resets_the_counts,
        updating_a_subscription_replaces_its_document,
        renaming_subscriptions_renames_every_membership_of_the_room,
        subscriptions_of_lists_a_users_memberships_changed_since,
        subscriptions_of_fills_in_the_counts,
        members_are_paged_and_sorted_by_username,
        members_with_roles_lists_only_members_holding_a_room_role,
        membership_is_the_subscription_without_counts,
        unread_counts_stop_at_the_cap,
    );
}

fn mention(user: &User) -> Mention {
    Mention {
        id: user.id.to_string(),
        username: user.username.clone(),
        name: None,
        kind: "user".into(),
    }
}

fn everyone(id: &str) -> Mention {
    Mention {
        id: id.into(),
        username: id.into(),
        name: None,
        kind: "user".into(),
    }
}

/// Sends a message by `sender` at `at(ts)` with these mentions.
async fn post_mentioning<S: Store>(
    store: &S,
    room: &Room,
    sender: &User,
    ts: i64,
    mentions: Vec<Mention>,
) {
    let mut sent = message(room, sender, "hey", ts);
    sent.mentions = mentions;
    store.insert_message(&sent).await.unwrap();
}

/// A member of `room` who last saw it at `at(seen)`.
async fn reader<S: Store>(store: &S, room: &Room, username: &str, seen: i64) -> User {
    let user = new_user(store, username).await;
    let mut sub = membership(room, &user);
    sub.ls = at(seen);
    assert!(store.add_member(&sub).await.unwrap());
    user
}

async fn counts<S: Store>(store: &S, room: &Room, user: &User) -> (u64, u64, u64, bool) {
    let sub = store
        .subscription(&room.id, &user.id)
        .await
        .unwrap()
        .unwrap();
    (sub.unread, sub.user_mentions, sub.group_mentions, sub.alert)
}

fn rooms_of(subs: &[Subscription]) -> Vec<RoomId> {
    let mut rooms: Vec<RoomId> = subs.iter().map(|s| s.rid.clone()).collect();
    rooms.sort();
    rooms
}

fn usernames(subs: &[Subscription]) -> Vec<&str> {
    subs.iter().map(|s| s.user.username.as_str()).collect()
}

async fn a_membership_round_trips<S: Store>(store: &S) {
    let user = new_user(store, "s-trip-user").await;
    let room = new_channel(store, "s-trip").await;
    let mut sub = membership(&room, &user);
    sub.roles = vec![RoomRole::Owner];
    sub.f = true;
    sub.ignored = vec!["s-trip-troll".into()];

    assert!(store.add_member(&sub).await.unwrap());

    assert_eq!(
        store.subscription(&room.id, &user.id).await.unwrap(),
        Some(sub)
    );
    let stranger = new_user(store, "s-trip-stranger").await;
    assert_eq!(
        store.subscription(&room.id, &stranger.id).await.unwrap(),
        None
    );
}

async fn adding_a_member_twice_counts_them_once<S: Store>(store: &S) {
    let user = new_user(store, "s-twice-user").await;
    let room = new_channel(store, "s-twice").await;
    let first = join(store, &room, &user).await;
    let mut again = membership(&room, &user);
    again.f = true;

    assert!(!store.add_member(&again).await.unwrap(), "added twice");

    assert_eq!(reread_room(store, &room).await.users_count, 1);
    // The second call changed nothing.
    assert_eq!(
        store.subscription(&room.id, &user.id).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.members(&room.id, &Page::all()).await.unwrap().total,
        1
    );
}

async fn removing_a_member_updates_the_count<S: Store>(store: &S) {
    let leaver = new_user(store, "s-remove-leaver").await;
    let stayer = new_user(store, "s-remove-stayer").await;
    let room = new_channel(store, "s-remove").await;
    join(store, &room, &leaver).await;
    join(store, &room, &stayer).await;

    assert!(store.remove_member(&room.id, &leaver.id).await.unwrap());

    assert_eq!(reread_room(store, &room).await.users_count, 1);
    assert_eq!(
        store.subscription(&room.id, &leaver.id).await.unwrap(),
        None
    );
    assert!(
        !store.remove_member(&room.id, &leaver.id).await.unwrap(),
        "removed twice"
    );
    assert_eq!(reread_room(store, &room).await.users_count, 1);
    // Rejoining works and counts again.
    join(store, &room, &leaver).await;
    assert_eq!(reread_room(store, &room).await.users_count, 2);
}

async fn unread_counts_messages_by_others_after_last_seen<S: Store>(store: &S) {
    let room = new_channel(store, "s-unread").await;
    let reader = reader(store, &room, "s-unread-reader", 100).await;
    let writer = new_user(store, "s-unread-writer").await;
    join(store, &room, &writer).await;
    post(store, &room, &writer, "seen", 50).await;
    post(store, &room, &writer, "exactly when last seen", 100).await;
    post(store, &room, &writer, "new", 150).await;
    post(store, &room, &writer, "newer", 200).await;

    let (unread, user_mentions, group_mentions, alert) = counts(store, &room, &reader).await;

    assert_eq!((unread, user_mentions, group_mentions), (2, 0, 0));
    assert!(alert, "unread messages raise the alert");
    // The writer joined at `at(0)` and has read nothing, but wrote it all.
    assert_eq!(counts(store, &room, &writer).await, (0, 0, 0, false));
}

async fn own_system_and_thread_messages_are_not_unread<S: Store>(store: &S) {
    let room = new_channel(store, "s-skip").await;
    let reader = reader(store, &room, "s-skip-reader", 100).await;
    let writer = new_user(store, "s-skip-writer").await;
    let parent = post(store, &room, &writer, "thread start", 50).await;
    post(store, &room, &reader, "my own", 110).await;
    let mut joined = message(&room, &writer, "s-skip-writer", 120);
    joined.kind = Some(MessageKind::UserJoined.code().into());
    store.insert_message(&joined).await.unwrap();
    let mut reply = message(&room, &writer, "in the thread", 130);
    reply.tmid = Some(parent.id.clone());
    store.insert_message(&reply).await.unwrap();

    assert_eq!(counts(store, &room, &reader).await, (0, 0, 0, false));

    post(store, &room, &writer, "counted", 140).await;
    assert_eq!(counts(store, &room, &reader).await, (1, 0, 0, true));
}

async fn mentions_count_messages_by_others_naming_the_user_or_everyone<S: Store>(store: &S) {
    let room = new_channel(store, "s-mention").await;
    let reader = reader(store, &room, "s-mention-reader", 100).await;
    let writer = new_user(store, "s-mention-writer").await;
    let bystander = new_user(store, "s-mention-bystander").await;
    let (all, here) = (everyone("all"), everyone("here"));
    post_mentioning(store, &room, &writer, 50, vec![mention(&reader)]).await; // seen
    post_mentioning(store, &room, &writer, 110, vec![mention(&reader)]).await; // user
    post_mentioning(store, &room, &reader, 120, vec![mention(&reader)]).await; // own
    post_mentioning(store, &room, &writer, 130, vec![all.clone()]).await; // group
    post_mentioning(store, &room, &writer, 140, vec![here.clone()]).await; // group
    post_mentioning(store, &room, &writer, 150, vec![all.clone(), here]).await; // one group
    post_mentioning(store, &room, &reader, 160, vec![all]).await; // own
    post_mentioning(store, &room, &writer, 170, vec![mention(&bystander)]).await; // not us

    let (unread, user_mentions, group_mentions, _) = counts(store, &room, &reader).await;

    assert_eq!(
        user_mentions, 1,
        "mentions of the reader by others since last seen"
    );
    assert_eq!(
        group_mentions, 3,
        "messages by others mentioning @all or @here"
    );
    assert_eq!(unread, 5);
}

async fn deleted_messages_are_no_longer_unread_or_mentions<S: Store>(store: &S) {
    let room = new_channel(store, "s-deleted").await;
    let reader = reader(store, &room, "s-deleted-reader", 100).await;
    let writer = new_user(store, "s-deleted-writer").await;
    let mut named = message(&room, &writer, "hey", 110);
    named.mentions = vec![mention(&reader)];
    store.insert_message(&named).await.unwrap();
    let mut all = message(&room, &writer, "hey all", 120);
    all.mentions = vec![everyone("all")];
    store.insert_message(&all).await.unwrap();
    post(store, &room, &writer, "kept", 130).await;
    assert_eq!(counts(store, &room, &reader).await, (3, 1, 1, true));

    store.delete_message(&named.id).await.unwrap();
    store.delete_message(&all.id).await.unwrap();

    assert_eq!(counts(store, &room, &reader).await, (1, 0, 0, true));
}

async fn marking_read_resets_the_counts<S: Store>(store: &S) {
    let room = new_channel(store, "s-read").await;
    let reader = reader(store, &room, "s-read-reader", 100).await;
    let writer = new_user(store, "s-read-writer").await;
    post_mentioning(store, &room, &writer, 110, vec![mention(&reader)]).await;
    post_mentioning(store, &room, &writer, 120, vec![everyone("all")]).await;
    post(store, &room, &writer, "last", 130).await;
    assert_eq!(counts(store, &room, &reader).await, (3, 1, 1, true));

    store
        .mark_read(&room.id, &reader.id, at(130))
        .await
        .unwrap();

    assert_eq!(counts(store, &room, &reader).await, (0, 0, 0, false));
    let sub = store
        .subscription(&room.id, &reader.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sub.ls, at(130));
    post(store, &room, &writer, "after reading", 140).await;
    assert_eq!(counts(store, &room, &reader).await, (1, 0, 0, true));
}

async fn updating_a_subscription_replaces_its_document<S: Store>(store: &S) {
    let user = new_user(store, "s-update-user").await;
    let room = new_channel(store, "s-update").await;
    let mut sub = join(store, &room, &user).await;
    sub.roles = vec![RoomRole::Moderator, RoomRole::Leader];
    sub.f = true;
    sub.open = false;
    sub.name = "s-update-renamed".into();
    sub.updated_at = at(50);

    store.update_subscription(&sub).await.unwrap();

    assert_eq!(
        store.subscription(&room.id, &user.id).await.unwrap(),
        Some(sub)
    );
    // Members' count is the store's: an update is no new member.
    assert_eq!(reread_room(store, &room).await.users_count, 1);
}

async fn renaming_subscriptions_renames_every_membership_of_the_room<S: Store>(store: &S) {
    let ann = new_user(store, "s-rename-ann").await;
    let bob = new_user(store, "s-rename-bob").await;
    let room = new_channel(store, "s-rename").await;
    let other = new_channel(store, "s-rename-other").await;
    join(store, &room, &ann).await;
    join(store, &room, &bob).await;
    let untouched = join(store, &other, &ann).await;

    store
        .rename_subscriptions(&room.id, "s-renamed")
        .await
        .unwrap();

    for user in [&ann, &bob] {
        let sub = store
            .subscription(&room.id, &user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (sub.name.as_str(), sub.fname.as_str()),
            ("s-renamed", "s-renamed")
        );
        assert!(sub.updated_at > at(0), "a rename is a change");
    }
    assert_eq!(
        store.subscription(&other.id, &ann.id).await.unwrap(),
        Some(untouched)
    );
    let changed = store.subscriptions_of(&ann.id, Some(at(0))).await.unwrap();
    assert_eq!(rooms_of(&changed), vec![room.id.clone()]);
}

async fn subscriptions_of_lists_a_users_memberships_changed_since<S: Store>(store: &S) {
    let user = new_user(store, "s-since-user").await;
    let neighbour = new_user(store, "s-since-neighbour").await;
    let mut rooms = Vec::new();
    for (n, changed) in [(1, 10), (2, 20), (3, 30)] {
        let room = new_channel(store, &format!("s-since-{n}")).await;
        let mut sub = membership(&room, &user);
        sub.updated_at = at(changed);
        store.add_member(&sub).await.unwrap();
        join(store, &room, &neighbour).await;
        rooms.push(room);
    }
    let since = async |since: Option<Timestamp>| {
        rooms_of(&store.subscriptions_of(&user.id, since).await.unwrap())
    };
    let ids = |rooms: &[&Room]| {
        let mut ids: Vec<RoomId> = rooms.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids
    };

    assert_eq!(since(None).await, ids(&[&rooms[0], &rooms[1], &rooms[2]]));
    assert_eq!(since(Some(at(15))).await, ids(&[&rooms[1], &rooms[2]]));
    assert_eq!(
        since(Some(at(20))).await,
        ids(&[&rooms[2]]),
        "strictly after"
    );
    assert_eq!(since(Some(at(30))).await, Vec::<RoomId>::new());
    // What the store changes counts as a change too.
    store
        .mark_read(&rooms[0].id, &user.id, at(5))
        .await
        .unwrap();
    assert_eq!(since(Some(at(30))).await, ids(&[&rooms[0]]));
}

async fn subscriptions_of_fills_in_the_counts<S: Store>(store: &S) {
    let room = new_channel(store, "s-listed").await;
    let reader = reader(store, &room, "s-listed-reader", 100).await;
    let writer = new_user(store, "s-listed-writer").await;
    post_mentioning(store, &room, &writer, 110, vec![mention(&reader)]).await;
    post_mentioning(store, &room, &writer, 120, vec![everyone("here")]).await;

    let listed = store.subscriptions_of(&reader.id, None).await.unwrap();

    assert_eq!(listed.len(), 1);
    let sub = &listed[0];
    assert_eq!(
        (sub.unread, sub.user_mentions, sub.group_mentions),
        (2, 1, 1)
    );
    assert!(sub.alert);
}

async fn members_are_paged_and_sorted_by_username<S: Store>(store: &S) {
    let room = new_channel(store, "s-members").await;
    let stranger_room = new_channel(store, "s-members-elsewhere").await;
    for name in ["c", "a", "e", "b", "d"] {
        let user = new_user(store, &format!("s-members-{name}")).await;
        join(store, &room, &user).await;
    }
    let outsider = new_user(store, "s-members-0-outsider").await;
    join(store, &stranger_room, &outsider).await;
    let page = |offset, count| Page {
        offset,
        count,
        sort: Vec::new(),
    };

    let all = store.members(&room.id, &Page::all()).await.unwrap();
    let middle = store.members(&room.id, &page(1, 2)).await.unwrap();
    let last = store.members(&room.id, &page(4, 2)).await.unwrap();

    let expected = [
        "s-members-a",
        "s-members-b",
        "s-members-c",
        "s-members-d",
        "s-members-e",
    ];
    assert_eq!((usernames(&all.items), all.total), (expected.to_vec(), 5));
    assert_eq!(
        (usernames(&middle.items), middle.total),
        (vec!["s-members-b", "s-members-c"], 5)
    );
    assert_eq!(
        (usernames(&last.items), last.total),
        (vec!["s-members-e"], 5)
    );
}

async fn members_with_roles_lists_only_members_holding_a_room_role<S: Store>(store: &S) {
    let room = new_channel(store, "s-roles").await;
    let mut holders = Vec::new();
    for (name, roles) in [
        ("s-roles-owner", vec![RoomRole::Owner]),
        ("s-roles-moderator", vec![RoomRole::Moderator]),
        ("s-roles-plain", vec![]),
    ] {
        let user = new_user(store, name).await;
        let mut sub = membership(&room, &user);
        sub.roles = roles;
        store.add_member(&sub).await.unwrap();
        holders.push(sub);
    }
    let with_roles = async || {
        let mut subs = store.members_with_roles(&room.id).await.unwrap();
        subs.sort_by(|a, b| a.user.username.cmp(&b.user.username));
        subs.into_iter()
            .map(|s| s.user.username)
            .collect::<Vec<_>>()
    };

    assert_eq!(with_roles().await, ["s-roles-moderator", "s-roles-owner"]);

    let mut demoted = holders[1].clone();
    demoted.roles.clear();
    store.update_subscription(&demoted).await.unwrap();
    let mut promoted = holders[2].clone();
    promoted.roles = vec![RoomRole::Leader];
    store.update_subscription(&promoted).await.unwrap();
    assert_eq!(with_roles().await, ["s-roles-owner", "s-roles-plain"]);
}

async fn membership_is_the_subscription_without_counts<S: Store>(store: &S) {
    let room = new_channel(store, "s-membership").await;
    let reader = reader(store, &room, "s-membership-reader", 100).await;
    let writer = new_user(store, "s-membership-writer").await;
    join(store, &room, &writer).await;
    post(store, &room, &writer, "unread", 150).await;

    let found = store
        .membership(&room.id, &reader.id)
        .await
        .unwrap()
        .unwrap();
    let counted = store
        .subscription(&room.id, &reader.id)
        .await
        .unwrap()
        .unwrap();

    assert_eq!((found.unread, counted.unread), (0, 1));
    assert_eq!(found.ls, counted.ls);
    let stranger = new_user(store, "s-membership-stranger").await;
    assert!(
        store
            .membership(&room.id, &stranger.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn unread_counts_stop_at_the_cap<S: Store>(store: &S) {
    let room = new_channel(store, "s-cap").await;
    let reader = reader(store, &room, "s-cap-reader", 0).await;
    let writer = new_user(store, "s-cap-writer").await;
    join(store, &room, &writer).await;
    let cap = crate::store::UNREAD_CAP as i64;
    for n in 1..=cap + 5 {
        post(store, &room, &writer, "flood", n).await;
    }

    let (unread, _, _, alert) = counts(store, &room, &reader).await;

    assert_eq!(unread, crate::store::UNREAD_CAP);
    assert!(alert);
}
