//! The conformance suite: behaviour every [`Store`] must have, written
//! against the trait only. Each backend's tests call [`run_all`] on a fresh,
//! empty store.

use crate::model::{Message, Room, RoomKind, Subscription, User, UserKind};
use crate::store::{Page, Store, StoreError};

/// Runs every check against `store`, which must be empty. Panics on the
/// first failure, naming it.
pub async fn run_all<S: Store>(store: &S) {
    users_round_trip(store).await;
    usernames_are_unique_without_case(store).await;
    a_message_bumps_its_room(store).await;
}

async fn users_round_trip<S: Store>(store: &S) {
    let user = User::new("conf-ada", "Ada", &["user"], UserKind::User);
    store.insert_user(&user, Some("hash".into())).await.unwrap();
    assert_eq!(store.user(&user.id).await.unwrap().as_ref(), Some(&user));
    assert_eq!(
        store.password_hash(&user.id).await.unwrap().as_deref(),
        Some("hash")
    );
}

async fn usernames_are_unique_without_case<S: Store>(store: &S) {
    let first = User::new("conf-Unique", "", &["user"], UserKind::User);
    store.insert_user(&first, None).await.unwrap();
    let second = User::new("conf-unique", "", &["user"], UserKind::User);
    let error = store.insert_user(&second, None).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
}

async fn a_message_bumps_its_room<S: Store>(store: &S) {
    let user = User::new("conf-poster", "", &["user"], UserKind::User);
    store.insert_user(&user, None).await.unwrap();
    let room = Room::new(RoomKind::Channel, "conf-room", Some(user.to_ref()));
    store.insert_room(&room).await.unwrap();
    store
        .add_member(&Subscription::new(&room.id, room.kind, "conf-room", user.to_ref()))
        .await
        .unwrap();
    let message = Message::new(&room.id, user.to_ref(), "hello");
    store.insert_message(&message).await.unwrap();
    let room = store.room(&room.id).await.unwrap().unwrap();
    assert_eq!((room.msgs, room.users_count), (1, 1));
    assert_eq!(room.lm, Some(message.ts));
    let page = store
        .history(&room.id, &Default::default())
        .await
        .unwrap();
    assert_eq!(page, vec![message]);
    let _ = Page::all();
}
