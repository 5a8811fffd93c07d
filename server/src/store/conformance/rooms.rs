//! Rooms: names, counters, cascades and listings.

use super::{at, error_of, join, new_channel, new_room, new_user, post, reread_room};
use crate::model::{Room, RoomId, RoomKind, User, direct_room_id};
use crate::store::{Page, RoomFilter, Sort, Store, StoreError};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        a_room_round_trips,
        rooms_are_found_by_name_without_case,
        room_names_are_unique_without_case_across_channels_and_groups,
        a_taken_room_id_conflicts,
        direct_rooms_need_no_name,
        updating_a_room_leaves_its_counters,
        renaming_a_room_frees_the_old_name,
        renaming_a_room_to_a_taken_name_conflicts,
        deleting_a_room_removes_its_messages_and_memberships,
        listing_rooms_filters_by_kind,
        listing_rooms_filters_by_text_without_case,
        listing_rooms_filters_by_member,
        listing_rooms_filters_default_rooms,
        listing_rooms_pages_with_a_total,
        listing_rooms_sorts_by_each_documented_field,
        listing_rooms_by_an_unknown_field_is_invalid,
    );
}

fn direct_room(first: &User, second: &User) -> Room {
    let mut room = Room::new(RoomKind::Direct, "", None);
    room.id = direct_room_id(&[&first.id, &second.id]);
    room.name = None;
    room.fname = None;
    room.usernames = vec![first.username.clone(), second.username.clone()];
    room.uids = vec![first.id.clone(), second.id.clone()];
    room
}

fn names(rooms: &[Room]) -> Vec<&str> {
    rooms
        .iter()
        .map(|r| r.name.as_deref().unwrap_or(""))
        .collect()
}

fn sorted_ids<'a>(rooms: impl IntoIterator<Item = &'a Room>) -> Vec<RoomId> {
    let mut ids: Vec<RoomId> = rooms.into_iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids
}

fn text(text: &str) -> RoomFilter {
    RoomFilter {
        text: Some(text.to_owned()),
        ..RoomFilter::default()
    }
}

fn sorted_by(field: &str, descending: bool) -> Page {
    Page {
        offset: 0,
        count: 0,
        sort: vec![Sort {
            field: field.to_owned(),
            descending,
        }],
    }
}

async fn a_room_round_trips<S: Store>(store: &S) {
    let creator = new_user(store, "r-trip-creator").await;
    let mut room = Room::new(RoomKind::PrivateGroup, "r-trip", Some(creator.to_ref()));
    room.topic = Some("topic".into());
    room.description = Some("description".into());
    room.announcement = Some("announcement".into());
    room.ro = true;
    room.sys_mes = false;

    store.insert_room(&room).await.unwrap();

    assert_eq!(store.room(&room.id).await.unwrap(), Some(room));
    assert_eq!(
        store.room(&RoomId::from("r-trip-missing")).await.unwrap(),
        None
    );
}

async fn rooms_are_found_by_name_without_case<S: Store>(store: &S) {
    let channel = new_room(store, RoomKind::Channel, "r-find-Channel", 0).await;
    let group = new_room(store, RoomKind::PrivateGroup, "r-find-group", 0).await;

    assert_eq!(
        store.room_by_name("R-FIND-channel").await.unwrap(),
        Some(channel)
    );
    assert_eq!(
        store.room_by_name("r-find-GROUP").await.unwrap(),
        Some(group)
    );
    assert_eq!(store.room_by_name("r-find-chan").await.unwrap(), None);
}

async fn room_names_are_unique_without_case_across_channels_and_groups<S: Store>(store: &S) {
    new_room(store, RoomKind::Channel, "r-dup-Name", 0).await;
    let group = Room::new(RoomKind::PrivateGroup, "R-DUP-name", None);

    let error = error_of(store.insert_room(&group).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.room(&group.id).await.unwrap(), None);
}

async fn a_taken_room_id_conflicts<S: Store>(store: &S) {
    let first = new_channel(store, "r-id-first").await;
    let mut second = Room::new(RoomKind::Channel, "r-id-second", None);
    second.id = first.id.clone();

    let error = error_of(store.insert_room(&second).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.room(&first.id).await.unwrap(), Some(first));
    assert_eq!(store.room_by_name("r-id-second").await.unwrap(), None);
}

async fn direct_rooms_need_no_name<S: Store>(store: &S) {
    let ann = new_user(store, "r-dm-ann").await;
    let bob = new_user(store, "r-dm-bob").await;
    let cy = new_user(store, "r-dm-cy").await;
    let first = direct_room(&ann, &bob);
    let second = direct_room(&ann, &cy);

    store.insert_room(&first).await.unwrap();
    store.insert_room(&second).await.unwrap();

    assert_eq!(store.room(&first.id).await.unwrap(), Some(first));
    assert_eq!(store.room(&second.id).await.unwrap(), Some(second));
}

async fn updating_a_room_leaves_its_counters<S: Store>(store: &S) {
    let member = new_user(store, "r-counters-member").await;
    let room = new_channel(store, "r-counters").await;
    join(store, &room, &member).await;
    let sent = post(store, &room, &member, "hello", 10).await;
    let mut edited = reread_room(store, &room).await;
    edited.topic = Some("new topic".into());
    edited.default = true;
    edited.users_count = 99;
    edited.msgs = 99;
    edited.lm = None;

    store.update_room(&edited).await.unwrap();

    let stored = reread_room(store, &room).await;
    assert_eq!(stored.topic.as_deref(), Some("new topic"));
    assert!(stored.default);
    assert_eq!(
        (stored.users_count, stored.msgs, stored.lm),
        (1, 1, Some(sent.ts))
    );
}

async fn renaming_a_room_frees_the_old_name<S: Store>(store: &S) {
    let mut room = new_channel(store, "r-rename-old").await;
    room.name = Some("r-rename-new".into());
    room.fname = Some("r-rename-new".into());

    store.update_room(&room).await.unwrap();

    assert_eq!(
        store.room_by_name("r-rename-new").await.unwrap(),
        Some(room)
    );
    assert_eq!(store.room_by_name("r-rename-old").await.unwrap(), None);
    new_channel(store, "r-rename-old").await;
}

async fn renaming_a_room_to_a_taken_name_conflicts<S: Store>(store: &S) {
    new_channel(store, "r-clash-taken").await;
    let room = new_room(store, RoomKind::PrivateGroup, "r-clash-mine", 0).await;
    let mut renamed = room.clone();
    renamed.name = Some("R-Clash-Taken".into());
    renamed.topic = Some("lost".into());

    let error = error_of(store.update_room(&renamed).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.room(&room.id).await.unwrap(), Some(room.clone()));
    // A room's own name is not taken from itself.
    let mut recased = room.clone();
    recased.name = Some("R-CLASH-MINE".into());
    store.update_room(&recased).await.unwrap();
    assert_eq!(
        store.room_by_name("r-clash-mine").await.unwrap(),
        Some(recased)
    );
}

async fn deleting_a_room_removes_its_messages_and_memberships<S: Store>(store: &S) {
    let member = new_user(store, "r-gone-member").await;
    let room = new_channel(store, "r-gone").await;
    let kept = new_channel(store, "r-gone-kept").await;
    join(store, &room, &member).await;
    join(store, &kept, &member).await;
    let lost = post(store, &room, &member, "lost", 10).await;
    let survivor = post(store, &kept, &member, "kept", 10).await;

    assert!(store.delete_room(&room.id).await.unwrap());

    assert_eq!(store.room(&room.id).await.unwrap(), None);
    assert_eq!(store.room_by_name("r-gone").await.unwrap(), None);
    assert_eq!(store.message(&lost.id).await.unwrap(), None);
    assert_eq!(
        store.history(&room.id, &Default::default()).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.subscription(&room.id, &member.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.members(&room.id, &Page::all()).await.unwrap().total,
        0
    );
    let remaining = store.subscriptions_of(&member.id, None).await.unwrap();
    let rooms: Vec<&RoomId> = remaining.iter().map(|s| &s.rid).collect();
    assert_eq!(rooms, vec![&kept.id]);
    assert_eq!(store.message(&survivor.id).await.unwrap(), Some(survivor));
    assert!(!store.delete_room(&room.id).await.unwrap(), "deleted twice");
    // The name is free again.
    new_channel(store, "r-gone").await;
}

async fn listing_rooms_filters_by_kind<S: Store>(store: &S) {
    let member = new_user(store, "r-kinds-member").await;
    let peer = new_user(store, "r-kinds-peer").await;
    let channel = new_room(store, RoomKind::Channel, "r-kinds-channel", 0).await;
    let group = new_room(store, RoomKind::PrivateGroup, "r-kinds-group", 0).await;
    let direct = direct_room(&member, &peer);
    store.insert_room(&direct).await.unwrap();
    for room in [&channel, &group, &direct] {
        join(store, room, &member).await;
    }
    let list = async |kinds: &[RoomKind]| {
        let filter = RoomFilter {
            kinds: kinds.to_vec(),
            member: Some(member.id.clone()),
            ..RoomFilter::default()
        };
        let paged = store.list_rooms(&filter, &Page::all()).await.unwrap();
        assert_eq!(paged.total, paged.items.len() as u64);
        sorted_ids(&paged.items)
    };

    assert_eq!(list(&[RoomKind::Channel]).await, sorted_ids([&channel]));
    assert_eq!(list(&[RoomKind::Direct]).await, sorted_ids([&direct]));
    assert_eq!(
        list(&[RoomKind::PrivateGroup, RoomKind::Direct]).await,
        sorted_ids([&group, &direct])
    );
    assert_eq!(list(&[]).await, sorted_ids([&channel, &group, &direct]));
}

async fn listing_rooms_filters_by_text_without_case<S: Store>(store: &S) {
    new_channel(store, "r-text-Lobby").await;
    new_room(store, RoomKind::PrivateGroup, "r-text-lobby-staff", 0).await;
    new_channel(store, "r-text-market").await;
    new_channel(store, "r-textXlobby").await;

    let lobby = store
        .list_rooms(&text("TEXT-LOBBY"), &Page::all())
        .await
        .unwrap();
    let channels = RoomFilter {
        kinds: vec![RoomKind::Channel],
        ..text("r-text-")
    };
    let public = store.list_rooms(&channels, &Page::all()).await.unwrap();
    let underscore = store
        .list_rooms(&text("r_text"), &Page::all())
        .await
        .unwrap();
    let percent = store
        .list_rooms(&text("r-text%lobby"), &Page::all())
        .await
        .unwrap();

    assert_eq!(lobby.total, 2);
    assert_eq!(names(&lobby.items), ["r-text-Lobby", "r-text-lobby-staff"]);
    assert_eq!(names(&public.items), ["r-text-Lobby", "r-text-market"]);
    // `_` and `%` are characters, not wildcards.
    assert_eq!((underscore.total, percent.total), (0, 0));
}

async fn listing_rooms_filters_by_member<S: Store>(store: &S) {
    let member = new_user(store, "r-member-in").await;
    let other = new_user(store, "r-member-out").await;
    let joined = new_channel(store, "r-member-joined").await;
    let also = new_room(store, RoomKind::PrivateGroup, "r-member-also", 0).await;
    let foreign = new_channel(store, "r-member-foreign").await;
    join(store, &joined, &member).await;
    join(store, &also, &member).await;
    join(store, &foreign, &other).await;
    let filter = RoomFilter {
        member: Some(member.id.clone()),
        ..RoomFilter::default()
    };

    let listed = store.list_rooms(&filter, &Page::all()).await.unwrap();
    store.remove_member(&also.id, &member.id).await.unwrap();
    let after_leaving = store.list_rooms(&filter, &Page::all()).await.unwrap();

    assert_eq!(listed.total, 2);
    assert_eq!(names(&listed.items), ["r-member-also", "r-member-joined"]);
    assert_eq!(names(&after_leaving.items), ["r-member-joined"]);
}

async fn listing_rooms_filters_default_rooms<S: Store>(store: &S) {
    let mut lobby = Room::new(RoomKind::Channel, "r-default-lobby", None);
    lobby.default = true;
    store.insert_room(&lobby).await.unwrap();
    new_channel(store, "r-default-not").await;
    let mut promoted = new_channel(store, "r-default-promoted").await;
    promoted.default = true;
    store.update_room(&promoted).await.unwrap();
    let filter = RoomFilter {
        default_only: true,
        ..text("r-default-")
    };

    let defaults = store.list_rooms(&filter, &Page::all()).await.unwrap();

    assert_eq!(defaults.total, 2);
    assert_eq!(
        names(&defaults.items),
        ["r-default-lobby", "r-default-promoted"]
    );
}

async fn listing_rooms_pages_with_a_total<S: Store>(store: &S) {
    for n in [4, 2, 5, 1, 3] {
        new_channel(store, &format!("r-page-{n}")).await;
    }
    let page = async |offset, count| {
        let page = Page {
            offset,
            count,
            sort: Vec::new(),
        };
        let paged = store.list_rooms(&text("r-page-"), &page).await.unwrap();
        let names: Vec<String> = paged.items.into_iter().filter_map(|r| r.name).collect();
        (names, paged.total)
    };

    assert_eq!(
        page(0, 2).await,
        (vec!["r-page-1".into(), "r-page-2".into()], 5)
    );
    assert_eq!(
        page(2, 2).await,
        (vec!["r-page-3".into(), "r-page-4".into()], 5)
    );
    assert_eq!(page(4, 2).await, (vec!["r-page-5".into()], 5));
    assert_eq!(page(7, 2).await, (vec![], 5));
    assert_eq!(
        page(3, 0).await,
        (vec!["r-page-4".into(), "r-page-5".into()], 5)
    );
}

async fn listing_rooms_sorts_by_each_documented_field<S: Store>(store: &S) {
    // Each field orders the three differently from `name`:
    //          ts   members  msgs  lm
    //   a      30      1      3   100
    //   b      10      3      1   300
    //   c      20      2      2   200
    let people = [
        new_user(store, "r-sort-u1").await,
        new_user(store, "r-sort-u2").await,
        new_user(store, "r-sort-u3").await,
    ];
    let specs: [(&str, i64, usize, &[i64]); 3] = [
        ("r-sort-a", 30, 1, &[80, 90, 100]),
        ("r-sort-b", 10, 3, &[300]),
        ("r-sort-c", 20, 2, &[150, 200]),
    ];
    for (name, ts, members, sent) in specs {
        let room = new_room(store, RoomKind::Channel, name, ts).await;
        for person in &people[..members] {
            join(store, &room, person).await;
        }
        for ts in sent {
            post(store, &room, &people[0], "hi", *ts).await;
        }
    }
    let sorted = async |field: &str, descending: bool| {
        let paged = store
            .list_rooms(&text("r-sort-"), &sorted_by(field, descending))
            .await;
        paged
            .unwrap()
            .items
            .into_iter()
            .filter_map(|r| r.name)
            .collect::<Vec<_>>()
    };

    assert_eq!(
        sorted("name", false).await,
        ["r-sort-a", "r-sort-b", "r-sort-c"]
    );
    assert_eq!(
        sorted("name", true).await,
        ["r-sort-c", "r-sort-b", "r-sort-a"]
    );
    assert_eq!(
        sorted("ts", false).await,
        ["r-sort-b", "r-sort-c", "r-sort-a"]
    );
    assert_eq!(
        sorted("usersCount", true).await,
        ["r-sort-b", "r-sort-c", "r-sort-a"]
    );
    assert_eq!(
        sorted("usersCount", false).await,
        ["r-sort-a", "r-sort-c", "r-sort-b"]
    );
    assert_eq!(
        sorted("msgs", true).await,
        ["r-sort-a", "r-sort-c", "r-sort-b"]
    );
    assert_eq!(
        sorted("lm", true).await,
        ["r-sort-b", "r-sort-c", "r-sort-a"]
    );
    assert_eq!(
        sorted("lm", false).await,
        ["r-sort-a", "r-sort-c", "r-sort-b"]
    );
    let b = store.room_by_name("r-sort-b").await.unwrap().unwrap();
    assert_eq!(
        (b.ts, b.users_count, b.msgs, b.lm),
        (at(10), 3, 1, Some(at(300)))
    );
}

async fn listing_rooms_by_an_unknown_field_is_invalid<S: Store>(store: &S) {
    new_channel(store, "r-badsort").await;

    let error = error_of(
        store
            .list_rooms(&text("r-badsort"), &sorted_by("topic", false))
            .await,
    );

    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
}
