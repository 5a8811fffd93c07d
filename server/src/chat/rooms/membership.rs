//! A member's own state of a room (shown in their list, favourite), direct
//! messages by username, and pruning a room's history.

use super::super::{Chat, ChatError};
use super::{RoomRef, RoomView, kind_noun};
use crate::model::{Room, RoomKind, Timestamp, User, direct_room_id};

/// Which messages `rooms.cleanHistory` deletes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prune {
    pub oldest: Timestamp,
    pub latest: Timestamp,
    /// Also the messages sent exactly at `oldest` or `latest`.
    pub inclusive: bool,
    /// Only messages by these usernames; empty means everyone's.
    pub users: Vec<String>,
}

impl Chat {
    /// Shows (`open`) or hides a room in `actor`'s room list. Returns the
    /// room and whether anything changed (Rocket.Chat's `channels.open`
    /// refuses a room that is open already, `im.open` does not, so the
    /// caller decides).
    pub async fn set_room_open(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        open: bool,
    ) -> Result<(Room, bool), ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        let Some(mut sub) = view.subscription else {
            return Err(ChatError::invalid(
                "error-user-not-in-room",
                format!(
                    "The user/callee is not in the {} \"{}\".",
                    kind_noun(view.room.kind),
                    view.room.display_name()
                ),
            ));
        };
        if sub.open == open {
            return Ok((view.room, false));
        }
        sub.open = open;
        sub.updated_at = Timestamp::now();
        self.store.update_subscription(&sub).await?;
        Ok((view.room, true))
    }

    /// Marks a room as one of `actor`'s favourites (the membership's `f`),
    /// or not.
    pub async fn set_favorite(
        &self,
        actor: &User,
        room: &RoomRef,
        favorite: bool,
    ) -> Result<Room, ChatError> {
        let view = self.view_room(actor, room).await?;
        let Some(mut sub) = view.subscription else {
            return Err(ChatError::invalid(
                "error-invalid-subscription",
                "You must be part of a room to favorite it",
            ));
        };
        if sub.f != favorite {
            sub.f = favorite;
            sub.updated_at = Timestamp::now();
            self.store.update_subscription(&sub).await?;
        }
        Ok(view.room)
    }

    /// Opens the direct-message room of `actor` and `usernames` (several
    /// for a group conversation, none or only themself for their own
    /// notes) and shows it in the actor's list.
    pub async fn create_direct(
        &self,
        actor: &User,
        usernames: &[String],
    ) -> Result<Room, ChatError> {
        let room = self.open_direct(actor, usernames).await?;
        if let Some(mut sub) = self.store.subscription(&room.id, &actor.id).await?
            && !sub.open
        {
            sub.open = true;
            sub.updated_at = Timestamp::now();
            self.store.update_subscription(&sub).await?;
        }
        Ok(room)
    }

    /// The direct-message room of `actor` and `username`, without opening
    /// it: `im.*` calls may name a conversation by the other's username.
    /// An unknown user means an unknown room.
    pub async fn direct_room_with(
        &self,
        actor: &User,
        username: &str,
    ) -> Result<RoomRef, ChatError> {
        let other = self.user_named(username).await.map_err(|e| match e {
            ChatError::UserNotFound => ChatError::RoomNotFound,
            other => other,
        })?;
        Ok(RoomRef::Id(direct_room_id(&[&actor.id, &other.id])))
    }

    /// Deletes the messages of a room in a time range; returns the room
    /// and how many were deleted.
    ///
    /// Pruning destroys what members wrote, so it is owner-level: the
    /// room's owners and admins may prune a channel or group. A direct
    /// message has no owners, so only an admin may prune it, and, as for
    /// deleting it, the admin finds it without being able to read it.
    /// (Rocket.Chat leaves this to the `clean-channel-history`
    /// permission, which only admins hold by default.)
    pub async fn clean_history(
        &self,
        actor: &User,
        room: &RoomRef,
        prune: &Prune,
    ) -> Result<(Room, u64), ChatError> {
        let view = self.moderated_room(actor, room).await?;
        if !may_prune(actor, &view) {
            return Err(ChatError::not_allowed(
                "only the room's owners and admins can clean its history",
            ));
        }
        if prune.oldest > prune.latest {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "`oldest` must not be after `latest`",
            ));
        }
        let count = self
            .store
            .clean_history(
                &view.room.id,
                prune.oldest,
                prune.latest,
                prune.inclusive,
                &prune.users,
            )
            .await?;
        tracing::info!(room = %view.room.id, by = %actor.username, count, "history cleaned");
        Ok((view.room, count))
    }
}

fn may_prune(actor: &User, view: &RoomView) -> bool {
    match view.room.kind {
        RoomKind::Direct => actor.is_admin(),
        _ => view.access.own,
    }
}
