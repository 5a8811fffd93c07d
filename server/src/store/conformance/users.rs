//! Users, password hashes and tokens.

use super::{at, error_of, join, new_channel, new_user, post, reread_room};
use crate::model::{Email, Presence, User, UserId, UserKind};
use crate::store::{Page, RoomFilter, Sort, Store, StoreError, Token, TokenKind, UserFilter};

pub(super) async fn run<S: Store>(store: &S) {
    super::checks!(store =>
        a_user_round_trips_with_their_password_hash,
        users_are_found_by_username_and_email_without_case,
        several_users_are_read_at_once_skipping_missing_ones,
        a_password_hash_can_be_changed_and_cleared,
        usernames_are_unique_without_case,
        email_addresses_are_unique_without_case,
        a_taken_user_id_conflicts,
        updating_a_user_replaces_their_document,
        updating_a_user_to_a_taken_username_or_email_conflicts,
        updating_a_missing_user_is_not_found,
        deleting_a_user_removes_their_tokens_and_credentials,
        deleting_a_user_removes_their_memberships,
        deleting_a_user_keeps_their_messages,
        users_are_counted_bots_included,
        listing_users_filters_by_text_in_username_or_name_without_case,
        listing_users_filters_by_role_and_activity,
        listing_users_pages_with_a_total,
        listing_users_sorts_by_each_documented_field,
        listing_users_by_an_unknown_field_is_invalid,
        tokens_round_trip_and_list_oldest_first,
        personal_token_names_are_unique_per_user,
        deleting_a_token_revokes_only_that_token,
    );
}

fn email(address: &str) -> Email {
    Email {
        address: address.to_owned(),
        verified: false,
    }
}

fn token(digest: &str, user: &User, kind: TokenKind, created: i64) -> Token {
    Token {
        digest: digest.to_owned(),
        user: user.id.clone(),
        kind,
        created_at: at(created),
    }
}

fn personal(name: &str) -> TokenKind {
    TokenKind::Personal {
        name: name.to_owned(),
        last_part: format!("{name}-end"),
    }
}

fn usernames(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

fn text(text: &str) -> UserFilter {
    UserFilter {
        text: Some(text.to_owned()),
        ..UserFilter::default()
    }
}

fn sorted_by(fields: &[(&str, bool)]) -> Page {
    Page {
        offset: 0,
        count: 0,
        sort: fields
            .iter()
            .map(|(field, descending)| Sort {
                field: (*field).to_owned(),
                descending: *descending,
            })
            .collect(),
    }
}

async fn a_user_round_trips_with_their_password_hash<S: Store>(store: &S) {
    let mut user = User::new(
        "u-trip-ada",
        "Ada Lovelace",
        &["user", "admin"],
        UserKind::User,
    );
    user.emails = vec![email("u-trip-ada@example.com")];
    user.status = Presence::Away;
    user.status_text = "computing".into();
    user.last_login = Some(at(5));
    user.utc_offset = Some(1.5);

    store.insert_user(&user, Some("hash".into())).await.unwrap();

    assert_eq!(store.user(&user.id).await.unwrap(), Some(user.clone()));
    assert_eq!(
        store.password_hash(&user.id).await.unwrap().as_deref(),
        Some("hash")
    );
    assert_eq!(
        store.user(&UserId::from("u-trip-nobody")).await.unwrap(),
        None
    );
}

async fn users_are_found_by_username_and_email_without_case<S: Store>(store: &S) {
    let mut user = User::new("u-find-Grace", "Grace", &["user"], UserKind::User);
    user.emails = vec![
        email("u-find-grace@example.com"),
        email("Grace@U-Find.example"),
    ];
    store.insert_user(&user, None).await.unwrap();

    let by_name = store.user_by_username("U-FIND-grace").await.unwrap();
    let by_first = store
        .user_by_email("U-FIND-GRACE@example.com")
        .await
        .unwrap();
    let by_second = store.user_by_email("grace@u-find.example").await.unwrap();

    assert_eq!(by_name.as_ref(), Some(&user));
    assert_eq!(by_first.as_ref(), Some(&user));
    assert_eq!(by_second.as_ref(), Some(&user));
    assert_eq!(store.user_by_username("u-find-grac").await.unwrap(), None);
    assert_eq!(
        store
            .user_by_email("u-find-nobody@example.com")
            .await
            .unwrap(),
        None
    );
}

async fn several_users_are_read_at_once_skipping_missing_ones<S: Store>(store: &S) {
    let first = new_user(store, "u-many-1").await;
    let second = new_user(store, "u-many-2").await;
    new_user(store, "u-many-3").await;

    let ids = [
        second.id.clone(),
        UserId::from("u-many-missing"),
        first.id.clone(),
    ];
    let mut found = store.users(&ids).await.unwrap();

    found.sort_by(|a, b| a.username.cmp(&b.username));
    assert_eq!(found, vec![first, second]);
    assert_eq!(store.users(&[]).await.unwrap(), vec![]);
}

async fn a_password_hash_can_be_changed_and_cleared<S: Store>(store: &S) {
    let user = new_user(store, "u-pass").await;
    assert_eq!(store.password_hash(&user.id).await.unwrap(), None);

    store
        .set_password_hash(&user.id, Some("first".into()))
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(&user.id).await.unwrap().as_deref(),
        Some("first")
    );

    store
        .set_password_hash(&user.id, Some("second".into()))
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(&user.id).await.unwrap().as_deref(),
        Some("second")
    );

    store.set_password_hash(&user.id, None).await.unwrap();
    assert_eq!(store.password_hash(&user.id).await.unwrap(), None);
    // The hash lives apart from the document.
    assert_eq!(store.user(&user.id).await.unwrap(), Some(user));
}

async fn usernames_are_unique_without_case<S: Store>(store: &S) {
    new_user(store, "u-dup-Name").await;
    let second = User::new("U-DUP-name", "", &["user"], UserKind::User);

    let error = error_of(store.insert_user(&second, None).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.user(&second.id).await.unwrap(), None);
}

async fn email_addresses_are_unique_without_case<S: Store>(store: &S) {
    let mut first = User::new("u-mail-first", "", &["user"], UserKind::User);
    first.emails = vec![email("u-mail@example.com")];
    store.insert_user(&first, None).await.unwrap();
    let mut second = User::new("u-mail-second", "", &["user"], UserKind::User);
    second.emails = vec![
        email("u-mail-other@example.com"),
        email("U-MAIL@EXAMPLE.COM"),
    ];

    let error = error_of(store.insert_user(&second, Some("hash".into())).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    // The refused insert leaves nothing behind, not even its free address.
    assert_eq!(store.user(&second.id).await.unwrap(), None);
    assert_eq!(store.user_by_username("u-mail-second").await.unwrap(), None);
    assert_eq!(
        store
            .user_by_email("u-mail-other@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.user_by_email("u-mail@example.com").await.unwrap(),
        Some(first)
    );
}

async fn a_taken_user_id_conflicts<S: Store>(store: &S) {
    let first = new_user(store, "u-id-first").await;
    let mut second = User::new("u-id-second", "", &["user"], UserKind::User);
    second.id = first.id.clone();

    let error = error_of(store.insert_user(&second, None).await);

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.user(&first.id).await.unwrap(), Some(first));
}

async fn updating_a_user_replaces_their_document<S: Store>(store: &S) {
    let mut user = User::new("u-edit-old", "Old", &["user"], UserKind::User);
    user.emails = vec![email("u-edit-old@example.com")];
    store.insert_user(&user, Some("hash".into())).await.unwrap();

    user.username = "u-edit-new".into();
    user.name = "New".into();
    user.emails = vec![email("u-edit-new@example.com")];
    user.roles = vec!["user".into(), "admin".into()];
    user.active = false;
    user.updated_at = at(100);
    store.update_user(&user).await.unwrap();

    assert_eq!(store.user(&user.id).await.unwrap().as_ref(), Some(&user));
    assert_eq!(
        store.user_by_username("u-edit-new").await.unwrap().as_ref(),
        Some(&user)
    );
    assert_eq!(store.user_by_username("u-edit-old").await.unwrap(), None);
    assert_eq!(
        store.user_by_email("u-edit-new@example.com").await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        store.user_by_email("u-edit-old@example.com").await.unwrap(),
        None
    );
    // The password is not part of the document and stays.
    assert_eq!(
        store.password_hash(&user.id).await.unwrap().as_deref(),
        Some("hash")
    );
}

async fn updating_a_user_to_a_taken_username_or_email_conflicts<S: Store>(store: &S) {
    let mut taken = User::new("u-clash-taken", "", &["user"], UserKind::User);
    taken.emails = vec![email("u-clash-taken@example.com")];
    store.insert_user(&taken, None).await.unwrap();
    let mut user = User::new("u-clash-mine", "Mine", &["user"], UserKind::User);
    user.emails = vec![email("u-clash-mine@example.com")];
    store.insert_user(&user, None).await.unwrap();

    let mut renamed = user.clone();
    renamed.username = "U-CLASH-TAKEN".into();
    let by_name = error_of(store.update_user(&renamed).await);
    let mut readdressed = user.clone();
    readdressed.name = "Changed".into();
    readdressed.emails = vec![email("U-Clash-Taken@Example.com")];
    let by_email = error_of(store.update_user(&readdressed).await);

    assert!(matches!(by_name, StoreError::Conflict(_)), "{by_name:?}");
    assert!(matches!(by_email, StoreError::Conflict(_)), "{by_email:?}");
    assert_eq!(store.user(&user.id).await.unwrap().as_ref(), Some(&user));
    assert_eq!(
        store
            .user_by_email("u-clash-mine@example.com")
            .await
            .unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        store
            .user_by_email("u-clash-taken@example.com")
            .await
            .unwrap(),
        Some(taken)
    );

    // A user's own username and address are not taken from themselves.
    let mut recased = user.clone();
    recased.username = "U-Clash-Mine".into();
    recased.emails = vec![email("U-CLASH-MINE@example.com")];
    store.update_user(&recased).await.unwrap();
    assert_eq!(
        store.user_by_username("u-clash-mine").await.unwrap(),
        Some(recased)
    );
}

async fn updating_a_missing_user_is_not_found<S: Store>(store: &S) {
    let ghost = User::new("u-ghost", "", &["user"], UserKind::User);

    let error = error_of(store.update_user(&ghost).await);

    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
    assert_eq!(store.user(&ghost.id).await.unwrap(), None);
}

async fn deleting_a_user_removes_their_tokens_and_credentials<S: Store>(store: &S) {
    let mut user = User::new("u-gone", "", &["user"], UserKind::User);
    user.emails = vec![email("u-gone@example.com")];
    store.insert_user(&user, Some("hash".into())).await.unwrap();
    store
        .insert_token(&token("u-gone-login", &user, TokenKind::Login, 1))
        .await
        .unwrap();
    store
        .insert_token(&token("u-gone-pat", &user, personal("ci"), 2))
        .await
        .unwrap();

    assert!(store.delete_user(&user.id).await.unwrap());

    assert_eq!(store.user(&user.id).await.unwrap(), None);
    assert_eq!(store.user_by_username("u-gone").await.unwrap(), None);
    assert_eq!(
        store.user_by_email("u-gone@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.password_hash(&user.id).await.unwrap(), None);
    assert_eq!(store.token("u-gone-login").await.unwrap(), None);
    assert_eq!(store.token("u-gone-pat").await.unwrap(), None);
    assert_eq!(store.tokens_of(&user.id).await.unwrap(), vec![]);
    assert!(!store.delete_user(&user.id).await.unwrap(), "deleted twice");
    // The username and address are free again.
    let mut again = User::new("U-GONE", "", &["user"], UserKind::User);
    again.emails = vec![email("u-gone@example.com")];
    store.insert_user(&again, None).await.unwrap();
}

async fn deleting_a_user_removes_their_memberships<S: Store>(store: &S) {
    let leaver = new_user(store, "u-leaver").await;
    let stayer = new_user(store, "u-stayer").await;
    let first = new_channel(store, "u-leaver-first").await;
    let second = new_channel(store, "u-leaver-second").await;
    for room in [&first, &second] {
        join(store, room, &leaver).await;
        join(store, room, &stayer).await;
    }

    store.delete_user(&leaver.id).await.unwrap();

    for room in [&first, &second] {
        assert_eq!(
            reread_room(store, room).await.users_count,
            1,
            "{:?}",
            room.name
        );
        assert_eq!(
            store.subscription(&room.id, &leaver.id).await.unwrap(),
            None
        );
        let members = store.members(&room.id, &Page::all()).await.unwrap();
        let names: Vec<&str> = members
            .items
            .iter()
            .map(|s| s.user.username.as_str())
            .collect();
        assert_eq!((names, members.total), (vec!["u-stayer"], 1));
    }
    assert_eq!(
        store.subscriptions_of(&leaver.id, None).await.unwrap(),
        vec![]
    );
    let filter = RoomFilter {
        member: Some(leaver.id.clone()),
        ..RoomFilter::default()
    };
    assert_eq!(
        store.list_rooms(&filter, &Page::all()).await.unwrap().total,
        0
    );
    assert_eq!(
        store
            .subscriptions_of(&stayer.id, None)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn deleting_a_user_keeps_their_messages<S: Store>(store: &S) {
    let author = new_user(store, "u-author").await;
    let room = new_channel(store, "u-author-room").await;
    join(store, &room, &author).await;
    let message = post(store, &room, &author, "still here", 10).await;

    store.delete_user(&author.id).await.unwrap();

    assert_eq!(
        store.message(&message.id).await.unwrap(),
        Some(message.clone())
    );
    let history = store.history(&room.id, &Default::default()).await.unwrap();
    assert_eq!(history, vec![message]);
    assert_eq!(reread_room(store, &room).await.msgs, 1);
}

async fn users_are_counted_bots_included<S: Store>(store: &S) {
    let before = store.count_users().await.unwrap();

    new_user(store, "u-count-person").await;
    let bot = User::new("u-count-bot", "", &["bot"], UserKind::Bot);
    store.insert_user(&bot, None).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), before + 2);

    store.delete_user(&bot.id).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), before + 1);
}

async fn listing_users_filters_by_text_in_username_or_name_without_case<S: Store>(store: &S) {
    let by_name = User::new("u-text-one", "Ada Xylophonist", &["user"], UserKind::User);
    let by_username = User::new("u-text-xylophone", "Bob", &["user"], UserKind::User);
    let neither = User::new("u-text-other", "Carol", &["user"], UserKind::User);
    for user in [&by_name, &by_username, &neither] {
        store.insert_user(user, None).await.unwrap();
    }

    let found = store
        .list_users(&text("XYLOphon"), &Page::all())
        .await
        .unwrap();
    let prefixed = store
        .list_users(&text("U-TEXT-"), &Page::all())
        .await
        .unwrap();
    let wildcard = store
        .list_users(&text("u_text"), &Page::all())
        .await
        .unwrap();
    let percent = store
        .list_users(&text("u-text-%"), &Page::all())
        .await
        .unwrap();

    assert_eq!(found.total, 2);
    assert_eq!(
        usernames(&found.items),
        vec!["u-text-one", "u-text-xylophone"]
    );
    assert_eq!(
        usernames(&prefixed.items),
        vec!["u-text-one", "u-text-other", "u-text-xylophone"]
    );
    // `_` and `%` are characters, not wildcards.
    assert_eq!((wildcard.total, percent.total), (0, 0));
}

async fn listing_users_filters_by_role_and_activity<S: Store>(store: &S) {
    let active = User::new(
        "u-role-active",
        "",
        &["user", "u-role-auditor"],
        UserKind::User,
    );
    let mut inactive = User::new("u-role-inactive", "", &["u-role-auditor"], UserKind::User);
    inactive.active = false;
    let mut plain = User::new("u-role-plain", "", &["user"], UserKind::User);
    plain.active = false;
    for user in [&active, &inactive, &plain] {
        store.insert_user(user, None).await.unwrap();
    }
    let filter = |role: Option<&str>, active: Option<bool>| UserFilter {
        text: Some("u-role-".into()),
        role: role.map(str::to_owned),
        active,
    };
    let list = async |filter: UserFilter| {
        let page = store.list_users(&filter, &Page::all()).await.unwrap();
        assert_eq!(page.total, page.items.len() as u64);
        page.items
            .into_iter()
            .map(|u| u.username)
            .collect::<Vec<_>>()
    };

    assert_eq!(
        list(filter(Some("u-role-auditor"), None)).await,
        vec!["u-role-active", "u-role-inactive"]
    );
    assert_eq!(
        list(filter(Some("u-role-auditor"), Some(true))).await,
        vec!["u-role-active"]
    );
    assert_eq!(
        list(filter(Some("u-role-auditor"), Some(false))).await,
        vec!["u-role-inactive"]
    );
    assert_eq!(
        list(filter(None, Some(false))).await,
        vec!["u-role-inactive", "u-role-plain"]
    );
    assert_eq!(
        list(filter(Some("u-role-nobody"), None)).await,
        Vec::<String>::new()
    );
    let only_role = UserFilter {
        role: Some("u-role-auditor".into()),
        ..UserFilter::default()
    };
    assert_eq!(
        list(only_role).await,
        vec!["u-role-active", "u-role-inactive"]
    );
}

async fn listing_users_pages_with_a_total<S: Store>(store: &S) {
    for n in [3, 1, 5, 2, 4] {
        new_user(store, &format!("u-page-{n}")).await;
    }
    let page = async |offset, count| {
        let page = Page {
            offset,
            count,
            sort: Vec::new(),
        };
        let paged = store.list_users(&text("u-page-"), &page).await.unwrap();
        (
            paged
                .items
                .into_iter()
                .map(|u| u.username)
                .collect::<Vec<_>>(),
            paged.total,
        )
    };

    assert_eq!(
        page(0, 2).await,
        (vec!["u-page-1".into(), "u-page-2".into()], 5)
    );
    assert_eq!(
        page(2, 2).await,
        (vec!["u-page-3".into(), "u-page-4".into()], 5)
    );
    assert_eq!(page(4, 2).await, (vec!["u-page-5".into()], 5));
    assert_eq!(page(9, 2).await, (vec![], 5));
    assert_eq!(
        page(3, 0).await,
        (vec!["u-page-4".into(), "u-page-5".into()], 5)
    );
}

async fn listing_users_sorts_by_each_documented_field<S: Store>(store: &S) {
    // Each field orders the three differently.
    let specs = [
        ("u-sort-a", "zed", 2, Presence::Online),
        ("u-sort-b", "xavier", 3, Presence::Away),
        ("u-sort-c", "yves", 1, Presence::Online),
    ];
    for (username, name, created, status) in specs {
        let mut user = User::new(username, name, &["user"], UserKind::User);
        user.created_at = at(created);
        user.status = status;
        store.insert_user(&user, None).await.unwrap();
    }
    let sorted = async |fields: &[(&str, bool)]| {
        let paged = store
            .list_users(&text("u-sort-"), &sorted_by(fields))
            .await
            .unwrap();
        paged
            .items
            .into_iter()
            .map(|u| u.username)
            .collect::<Vec<_>>()
    };

    assert_eq!(
        sorted(&[("username", false)]).await,
        ["u-sort-a", "u-sort-b", "u-sort-c"]
    );
    assert_eq!(
        sorted(&[("username", true)]).await,
        ["u-sort-c", "u-sort-b", "u-sort-a"]
    );
    assert_eq!(
        sorted(&[("name", false)]).await,
        ["u-sort-b", "u-sort-c", "u-sort-a"]
    );
    assert_eq!(
        sorted(&[("createdAt", false)]).await,
        ["u-sort-c", "u-sort-a", "u-sort-b"]
    );
    assert_eq!(
        sorted(&[("createdAt", true)]).await,
        ["u-sort-b", "u-sort-a", "u-sort-c"]
    );
    assert_eq!(
        sorted(&[("status", false), ("username", true)]).await,
        ["u-sort-b", "u-sort-c", "u-sort-a"]
    );
    assert_eq!(
        sorted(&[("status", true), ("username", false)]).await,
        ["u-sort-a", "u-sort-c", "u-sort-b"]
    );
}

async fn listing_users_by_an_unknown_field_is_invalid<S: Store>(store: &S) {
    new_user(store, "u-badsort").await;

    let error = error_of(
        store
            .list_users(&text("u-badsort"), &sorted_by(&[("password", false)]))
            .await,
    );

    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
}

async fn tokens_round_trip_and_list_oldest_first<S: Store>(store: &S) {
    let user = new_user(store, "u-tokens").await;
    let other = new_user(store, "u-tokens-other").await;
    let newest = token("u-tokens-c", &user, TokenKind::Login, 30);
    let oldest = token("u-tokens-b", &user, personal("deploy"), 10);
    let middle = token("u-tokens-a", &user, TokenKind::Login, 20);
    let others = token("u-tokens-d", &other, TokenKind::Login, 5);
    for token in [&newest, &oldest, &middle, &others] {
        store.insert_token(token).await.unwrap();
    }

    assert_eq!(
        store.token("u-tokens-b").await.unwrap(),
        Some(oldest.clone())
    );
    assert_eq!(
        store.token("u-tokens-c").await.unwrap(),
        Some(newest.clone())
    );
    assert_eq!(store.token("u-tokens-missing").await.unwrap(), None);
    assert_eq!(
        store.tokens_of(&user.id).await.unwrap(),
        vec![oldest, middle, newest]
    );
    assert_eq!(store.tokens_of(&other.id).await.unwrap(), vec![others]);
}

async fn personal_token_names_are_unique_per_user<S: Store>(store: &S) {
    let user = new_user(store, "u-pat").await;
    let other = new_user(store, "u-pat-other").await;
    store
        .insert_token(&token("u-pat-1", &user, personal("ci"), 1))
        .await
        .unwrap();

    let error = error_of(
        store
            .insert_token(&token("u-pat-2", &user, personal("ci"), 2))
            .await,
    );

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.token("u-pat-2").await.unwrap(), None);
    // Another user, another name and login tokens are all fine.
    store
        .insert_token(&token("u-pat-3", &other, personal("ci"), 3))
        .await
        .unwrap();
    store
        .insert_token(&token("u-pat-4", &user, personal("cd"), 4))
        .await
        .unwrap();
    store
        .insert_token(&token("u-pat-5", &user, TokenKind::Login, 5))
        .await
        .unwrap();
    store
        .insert_token(&token("u-pat-6", &user, TokenKind::Login, 6))
        .await
        .unwrap();
    assert_eq!(store.tokens_of(&user.id).await.unwrap().len(), 4);
    // Once revoked, the name is free again.
    assert!(store.delete_token("u-pat-1").await.unwrap());
    store
        .insert_token(&token("u-pat-7", &user, personal("ci"), 7))
        .await
        .unwrap();
}

async fn deleting_a_token_revokes_only_that_token<S: Store>(store: &S) {
    let user = new_user(store, "u-revoke").await;
    let kept = token("u-revoke-kept", &user, TokenKind::Login, 1);
    let revoked = token("u-revoke-gone", &user, TokenKind::Login, 2);
    store.insert_token(&kept).await.unwrap();
    store.insert_token(&revoked).await.unwrap();

    assert!(store.delete_token("u-revoke-gone").await.unwrap());

    assert_eq!(store.token("u-revoke-gone").await.unwrap(), None);
    assert_eq!(
        store.token("u-revoke-kept").await.unwrap(),
        Some(kept.clone())
    );
    assert_eq!(store.tokens_of(&user.id).await.unwrap(), vec![kept]);
    assert!(
        !store.delete_token("u-revoke-gone").await.unwrap(),
        "revoked twice"
    );
    assert!(!store.delete_token("u-revoke-never").await.unwrap());
}
