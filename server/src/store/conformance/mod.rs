//! The conformance suite: behaviour every [`Store`] must have, written
//! against the trait only. Each backend's tests call [`run_all`] on a fresh,
//! empty store.
//!
//! Each check is a small function named for the behaviour it specifies.
//! The checks share one store, so each names its records with a prefix of
//! its own (`u-dup-`, `r-sort-`, ...) and filters listings down to them;
//! none relies on the store holding nothing else. Times are fixed points
//! ([`at`]) so orderings and `ls` comparisons are exact.

mod apps;
mod audit;
mod jobs;
mod messages;
mod rooms;
mod subscriptions;
mod users;

use std::fmt::Debug;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::model::{Message, Room, RoomKind, Subscription, Timestamp, User, UserKind};
use crate::store::{Store, StoreError};

/// Runs every check against `store`, which must be empty. Panics on the
/// first failure, naming it.
pub async fn run_all<S: Store>(store: &S) {
    users::run(store).await;
    rooms::run(store).await;
    subscriptions::run(store).await;
    messages::run(store).await;
    apps::run(store).await;
    jobs::run(store).await;
    audit::run(store).await;
}

/// Runs checks in order, each under its own name (see [`named`]).
macro_rules! checks {
    ($store:expr => $($check:ident),* $(,)?) => {
        $( $crate::store::conformance::named(stringify!($check), $check($store)).await; )*
    };
}
use checks;

/// Runs one check; if it panics, panics again naming the check, so a
/// failure says which behaviour broke (the first panic says why).
async fn named(name: &'static str, check: impl Future<Output = ()>) {
    let mut check = std::pin::pin!(check);
    std::future::poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| check.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => panic!("conformance check `{name}` failed (the panic above says why)"),
        },
    )
    .await
}

/// A fixed point in time (September 2020) plus `ms` milliseconds. Records
/// placed with it sort exactly, and all lie well before "now".
pub(super) fn at(ms: i64) -> Timestamp {
    Timestamp(1_600_000_000_000 + ms)
}

/// The error of a call that must fail.
#[track_caller]
pub(super) fn error_of<T: Debug>(result: Result<T, StoreError>) -> StoreError {
    match result {
        Ok(value) => panic!("expected an error, got Ok({value:?})"),
        Err(error) => error,
    }
}

/// A user `username` (no name, role `user`), inserted.
pub(super) async fn new_user<S: Store>(store: &S, username: &str) -> User {
    let user = User::new(username, "", &["user"], UserKind::User);
    store.insert_user(&user, None).await.unwrap();
    user
}

/// A room of `kind` called `name` created at `at(ts)`, inserted.
pub(super) async fn new_room<S: Store>(store: &S, kind: RoomKind, name: &str, ts: i64) -> Room {
    let mut room = Room::new(kind, name, None);
    room.ts = at(ts);
    room.updated_at = at(ts);
    store.insert_room(&room).await.unwrap();
    room
}

/// A public channel called `name`, inserted.
pub(super) async fn new_channel<S: Store>(store: &S, name: &str) -> Room {
    new_room(store, RoomKind::Channel, name, 0).await
}

/// A membership of `user` in `room` that joined, last saw and last changed
/// at `at(0)`, so everything placed later is unread.
pub(super) fn membership(room: &Room, user: &User) -> Subscription {
    let mut sub = Subscription::new(&room.id, room.kind, &room.display_name(), user.to_ref());
    sub.ts = at(0);
    sub.ls = at(0);
    sub.updated_at = at(0);
    sub
}

/// Adds `user` to `room` (see [`membership`]).
pub(super) async fn join<S: Store>(store: &S, room: &Room, user: &User) -> Subscription {
    let sub = membership(room, user);
    assert!(store.add_member(&sub).await.unwrap(), "a fresh membership");
    sub
}

/// A message by `sender` in `room` sent (and last changed) at `at(ts)`.
pub(super) fn message(room: &Room, sender: &User, text: &str, ts: i64) -> Message {
    let mut message = Message::new(&room.id, sender.to_ref(), text);
    message.ts = at(ts);
    message.updated_at = at(ts);
    message
}

/// Sends [`message`] and returns it.
pub(super) async fn post<S: Store>(
    store: &S,
    room: &Room,
    sender: &User,
    text: &str,
    ts: i64,
) -> Message {
    let message = message(room, sender, text, ts);
    store.insert_message(&message).await.unwrap();
    message
}

/// The room as the store has it now.
pub(super) async fn reread_room<S: Store>(store: &S, room: &Room) -> Room {
    store
        .room(&room.id)
        .await
        .unwrap()
        .expect("the room exists")
}

/// The message as the store has it now.
pub(super) async fn reread_message<S: Store>(store: &S, message: &Message) -> Message {
    store
        .message(&message.id)
        .await
        .unwrap()
        .expect("the message exists")
}

/// The texts of messages, in their order.
pub(super) fn texts(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.msg.as_str()).collect()
}
