//! Rooms: creating, finding, joining, leaving, membership and settings.
//!
//! The submodules hold what the room endpoints read and the per-member
//! state: [`listing`] (which rooms a user sees in lists), [`reading`]
//! (history, messages, members, roles, counters) and [`membership`]
//! (open, favourite, direct messages, pruning).
//!
//! Requests that set a value a room already has, or act on an archived
//! room, are refused the way Rocket.Chat refuses them. Where Rocket.Chat
//! answers such a refusal without an `errorType`, Capsule names one:
//! `error-room-setting-unchanged`, `error-room-not-archived`.

mod listing;
mod membership;
mod reading;
mod roles;
mod settings;

pub use membership::Prune;
pub use reading::{Counters, MemberQuery};

use std::sync::LazyLock;

use regex::Regex;

use super::{Access, Chat, ChatError};
use crate::model::{
    Message, MessageKind, Room, RoomId, RoomKind, RoomRole, Subscription, Timestamp, User,
    direct_room_id,
};
use crate::store::StoreError;

static ROOM_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z._-]{1,64}$").expect("valid regex"));

/// How a request names a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomRef {
    Id(RoomId),
    Name(String),
}

/// A room as one user sees it.
#[derive(Clone, Debug)]
pub struct RoomView {
    pub room: Room,
    /// The viewer's membership, without unread and mention counts (they
    /// cost a count per read; `SubscriptionStore::subscription` has them).
    pub subscription: Option<Subscription>,
    pub access: Access,
}

/// What it takes to create a channel or group.
#[derive(Clone, Debug)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    /// Usernames to add beside the creator.
    pub members: Vec<String>,
    pub read_only: bool,
}

/// A change to a room's settings.
#[derive(Clone, Debug)]
pub enum RoomChange {
    Name(String),
    Topic(String),
    Description(String),
    Announcement(String),
    Kind(RoomKind),
    ReadOnly(bool),
    Archived(bool),
    Default(bool),
}

pub(super) fn check_room_name(name: &str) -> Result<(), ChatError> {
    if ROOM_NAME.is_match(name) {
        Ok(())
    } else {
        Err(ChatError::invalid(
            "error-invalid-room-name",
            format!(
                "`{name}` is not a valid room name: use 1 to 64 letters, digits, `.`, `_` or `-`"
            ),
        ))
    }
}

impl Chat {
    /// The room `room` as `actor` sees it. A room the actor may not read is
    /// reported as not found, so its existence does not leak.
    pub async fn view_room(&self, actor: &User, room: &RoomRef) -> Result<RoomView, ChatError> {
        let view = self.room_and_access(actor, room).await?;
        if !view.access.read {
            return Err(ChatError::RoomNotFound);
        }
        Ok(view)
    }

    /// The room, the actor's membership and what they may do, without
    /// refusing anything yet.
    async fn room_and_access(&self, actor: &User, room: &RoomRef) -> Result<RoomView, ChatError> {
        let room = self.find_room(room).await?;
        // The count-free read: this runs on every request that names a room.
        let subscription = self.store.membership(&room.id, &actor.id).await?;
        let access = Access::of(actor, &room, subscription.as_ref());
        Ok(RoomView {
            room,
            subscription,
            access,
        })
    }

    /// The room as `actor` sees it, if it is of `kind`. A room of another
    /// kind is not found, exactly like a missing room, so `channels.*`
    /// cannot be used to probe for private groups.
    pub async fn view_room_kind(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: RoomKind,
    ) -> Result<RoomView, ChatError> {
        let not_found = || match kind {
            RoomKind::PrivateGroup => ChatError::GroupNotFound,
            _ => ChatError::RoomNotFound,
        };
        let view = self.view_room(actor, room).await.map_err(|e| match e {
            ChatError::RoomNotFound => not_found(),
            other => other,
        })?;
        if view.room.kind != kind {
            return Err(not_found());
        }
        Ok(view)
    }

    /// A room by id or name, whoever asks.
    async fn find_room(&self, room: &RoomRef) -> Result<Room, ChatError> {
        let found = match room {
            RoomRef::Id(id) => self.store.room(id).await?,
            RoomRef::Name(name) => {
                self.store
                    .room_by_name(name.trim_start_matches('#'))
                    .await?
            }
        };
        found.ok_or(ChatError::RoomNotFound)
    }

    /// The room as a moderator sees it: admins find direct messages too
    /// (to delete or prune them, never to read them); everyone else sees
    /// what [`Chat::view_room`] shows.
    pub(super) async fn moderated_room(
        &self,
        actor: &User,
        room: &RoomRef,
    ) -> Result<RoomView, ChatError> {
        if !actor.is_admin() {
            return self.view_room(actor, room).await;
        }
        self.room_and_access(actor, room).await
    }

    /// Creates a channel or group owned by `actor`, with `members`.
    pub async fn create_room(&self, actor: &User, new: NewRoom) -> Result<Room, ChatError> {
        if new.kind == RoomKind::Direct {
            return Err(ChatError::invalid(
                "error-invalid-room-type",
                "direct messages are opened with im.create, not created by name",
            ));
        }
        check_room_name(&new.name)?;
        let mut members = Vec::new();
        for username in &new.members {
            members.push(self.user_named(username).await?);
        }
        let mut room = Room::new(new.kind, &new.name, Some(actor.to_ref()));
        room.ro = new.read_only;
        self.store.insert_room(&room).await.map_err(|e| match e {
            StoreError::Conflict(_) => ChatError::invalid(
                "error-duplicate-channel-name",
                format!("A channel with name '{}' exists", new.name),
            ),
            other => other.into(),
        })?;
        let mut owner = Subscription::new(&room.id, room.kind, &new.name, actor.to_ref());
        owner.roles.push(RoomRole::Owner);
        self.store.add_member(&owner).await?;
        for member in members.iter().filter(|m| m.id != actor.id) {
            let sub = Subscription::new(&room.id, room.kind, &new.name, member.to_ref());
            self.store.add_member(&sub).await?;
        }
        // The members a room is created with come with room-created (the
        // room's member count says how many), not one user-joined each.
        let room = self.store.room(&room.id).await?.unwrap_or(room);
        self.raise_room_created(&room);
        Ok(room)
    }

    /// The direct-message room of `actor` and `others` (by username),
    /// created on first use. With no others it is the actor's own notes.
    pub async fn open_direct(&self, actor: &User, others: &[String]) -> Result<Room, ChatError> {
        self.open_direct_raising(actor, others, true).await
    }

    /// [`Chat::open_direct`] for an app's bot user, raising no
    /// room-created event: the call carries no pipeline depth, so an app
    /// answering room-created with a new room could otherwise loop.
    pub async fn open_direct_for_app(
        &self,
        bot: &User,
        others: &[String],
    ) -> Result<Room, ChatError> {
        self.open_direct_raising(bot, others, false).await
    }

    async fn open_direct_raising(
        &self,
        actor: &User,
        others: &[String],
        raise: bool,
    ) -> Result<Room, ChatError> {
        let mut users = vec![actor.clone()];
        for username in others {
            let user = self.user_named(username).await?;
            if !users.iter().any(|u| u.id == user.id) {
                users.push(user);
            }
        }
        let ids: Vec<_> = users.iter().map(|u| &u.id).collect();
        let id = direct_room_id(&ids);
        if let Some(room) = self.store.room(&id).await? {
            // Someone may have left it; opening it again brings them back.
            self.add_direct_members(&room, &users, true).await?;
            return Ok(self.store.room(&room.id).await?.unwrap_or(room));
        }
        let mut room = Room::new(RoomKind::Direct, "", None);
        room.id = id;
        room.name = None;
        room.fname = None;
        room.usernames = users.iter().map(|u| u.username.clone()).collect();
        room.usernames.sort();
        room.uids = users.iter().map(|u| u.id.clone()).collect();
        let created = match self.store.insert_room(&room).await {
            Ok(()) => true,
            // Opened by the other side at the same moment.
            Err(StoreError::Conflict(_)) => false,
            Err(e) => return Err(e.into()),
        };
        self.add_direct_members(&room, &users, false).await?;
        let room = self.store.room(&room.id).await?.unwrap_or(room);
        if created && raise {
            self.raise_room_created(&room);
        }
        Ok(room)
    }

    /// Subscribes `users` to a direct-message room, each named after the
    /// others. With `missing_only`, reads first and writes only for those
    /// not subscribed, so reopening an existing conversation costs reads.
    async fn add_direct_members(
        &self,
        room: &Room,
        users: &[User],
        missing_only: bool,
    ) -> Result<(), ChatError> {
        for user in users {
            if missing_only && self.store.subscription(&room.id, &user.id).await?.is_some() {
                continue;
            }
            let others: Vec<&str> = users
                .iter()
                .filter(|u| u.id != user.id || users.len() == 1)
                .map(|u| u.username.as_str())
                .collect();
            let name = others.join(", ");
            let sub = Subscription::new(&room.id, RoomKind::Direct, &name, user.to_ref());
            self.store.add_member(&sub).await?;
        }
        Ok(())
    }

    /// `actor` joins a public channel.
    pub async fn join(&self, actor: &User, room: &RoomRef) -> Result<Room, ChatError> {
        let view = self.view_room(actor, room).await?;
        if view.room.kind != RoomKind::Channel && !view.access.member {
            return Err(ChatError::not_allowed("only public channels can be joined"));
        }
        if view.room.archived {
            return Err(ChatError::invalid(
                "error-room-archived",
                "the room is archived",
            ));
        }
        if self
            .add_subscription(&view.room, actor, actor, MessageKind::UserJoined)
            .await?
        {
            self.raise_joined(&view.room.id, actor).await?;
        }
        Ok(self.store.room(&view.room.id).await?.unwrap_or(view.room))
    }

    /// `actor` adds `user` to a room they manage.
    pub async fn invite(
        &self,
        actor: &User,
        room: &RoomRef,
        user: &User,
    ) -> Result<Room, ChatError> {
        let view = self.view_room(actor, room).await?;
        if view.room.kind == RoomKind::Direct {
            return Err(ChatError::not_allowed(
                "members cannot be added to direct messages",
            ));
        }
        if !view.access.manage {
            return Err(ChatError::not_allowed(
                "only owners, moderators and admins can add members",
            ));
        }
        refuse_archived(&view.room)?;
        if self
            .add_subscription(&view.room, user, actor, MessageKind::UserAdded)
            .await?
        {
            self.raise_joined(&view.room.id, user).await?;
        }
        Ok(self.store.room(&view.room.id).await?.unwrap_or(view.room))
    }

    /// Makes `user` a member with a system message of `kind`; returns
    /// whether they were not one already.
    async fn add_subscription(
        &self,
        room: &Room,
        user: &User,
        actor: &User,
        kind: MessageKind,
    ) -> Result<bool, ChatError> {
        let sub = Subscription::new(&room.id, room.kind, &room.display_name(), user.to_ref());
        let added = self.store.add_member(&sub).await?;
        if added && room.sys_mes {
            self.system_message(room, actor, kind, &user.username)
                .await?;
        }
        Ok(added)
    }

    /// `actor` leaves a room. The last owner must hand over first.
    pub async fn leave(&self, actor: &User, room: &RoomRef) -> Result<(), ChatError> {
        let view = self.view_room(actor, room).await?;
        let Some(sub) = &view.subscription else {
            return Err(ChatError::invalid(
                "error-user-not-in-room",
                "You are not in this room",
            ));
        };
        if view.room.kind != RoomKind::Direct && sub.has_role(RoomRole::Owner) {
            let owners = self.owner_count(&view.room.id).await?;
            if owners == 1 && view.room.users_count > 1 {
                return Err(ChatError::invalid(
                    "error-you-are-last-owner",
                    "You are the last owner. Please set new owner before leaving the room.",
                ));
            }
        }
        let removed = self.store.remove_member(&view.room.id, &actor.id).await?;
        if view.room.sys_mes && view.room.kind != RoomKind::Direct {
            self.system_message(&view.room, actor, MessageKind::UserLeft, &actor.username)
                .await?;
        }
        if removed {
            self.raise_membership(&view.room.id, &actor.to_ref(), false)
                .await?;
        }
        Ok(())
    }

    /// `actor` removes `user` from a room they manage.
    pub async fn kick(&self, actor: &User, room: &RoomRef, user: &User) -> Result<(), ChatError> {
        let view = self.view_room(actor, room).await?;
        if !view.access.manage {
            return Err(ChatError::not_allowed(
                "only owners, moderators and admins can remove members",
            ));
        }
        refuse_archived(&view.room)?;
        let target = self.store.subscription(&view.room.id, &user.id).await?;
        if target.as_ref().is_some_and(|s| s.has_role(RoomRole::Owner))
            && self.owner_count(&view.room.id).await? == 1
        {
            return Err(ChatError::invalid(
                "error-you-are-last-owner",
                "This is the last owner. Please set a new owner before removing this one.",
            ));
        }
        if !self.store.remove_member(&view.room.id, &user.id).await? {
            return Err(ChatError::invalid(
                "error-user-not-in-room",
                format!("{} is not in this room", user.username),
            ));
        }
        if view.room.sys_mes {
            self.system_message(&view.room, actor, MessageKind::UserRemoved, &user.username)
                .await?;
        }
        self.raise_membership(&view.room.id, &user.to_ref(), false)
            .await?;
        Ok(())
    }

    /// Deletes a room with its messages. Owners and admins only; admins
    /// may delete direct messages they are not in (moderation), though
    /// they cannot read them.
    pub async fn delete_room(&self, actor: &User, room: &RoomRef) -> Result<Room, ChatError> {
        self.delete_room_of_kind(actor, room, None).await
    }

    /// [`Chat::delete_room`], if the room is of `kind` (not found if not).
    pub async fn delete_room_of_kind(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
    ) -> Result<Room, ChatError> {
        let view = self.moderated_room(actor, room).await?;
        if kind.is_some_and(|kind| kind != view.room.kind) {
            return Err(ChatError::RoomNotFound);
        }
        let allowed = view.access.own || (view.room.kind == RoomKind::Direct && actor.is_admin());
        if !allowed {
            return Err(ChatError::not_allowed(
                "only owners and admins can delete a room",
            ));
        }
        if view.room.id.as_str() == super::GENERAL_ROOM_ID {
            return Err(ChatError::not_allowed(
                "the default channel #general cannot be deleted",
            ));
        }
        self.store.delete_room(&view.room.id).await?;
        Ok(view.room)
    }

    /// How many owners a room has.
    async fn owner_count(&self, room: &RoomId) -> Result<usize, ChatError> {
        Ok(self
            .store
            .members_with_roles(room)
            .await?
            .into_iter()
            .filter(|s| s.has_role(RoomRole::Owner))
            .count())
    }

    /// Stores a system message about `text` in `room`. System messages do
    /// not go through the apps' pre-send hooks (Rocket.Chat's do not
    /// either): they record what happened, an app cannot stop that.
    pub(super) async fn system_message(
        &self,
        room: &Room,
        actor: &User,
        kind: MessageKind,
        text: &str,
    ) -> Result<Message, ChatError> {
        let message = Message::system(&room.id, actor.to_ref(), kind, text);
        self.store.insert_message(&message).await?;
        Ok(message)
    }
}

/// How Rocket.Chat's messages name a kind of room.
pub(super) fn kind_noun(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Channel => "channel",
        RoomKind::PrivateGroup => "private group",
        RoomKind::Direct => "direct message room",
    }
}

/// Refuses changes to an archived room (`error-room-archived`).
fn refuse_archived(room: &Room) -> Result<(), ChatError> {
    if room.archived {
        return Err(ChatError::invalid(
            "error-room-archived",
            format!(
                "The {}, {}, is archived",
                kind_noun(room.kind),
                room.display_name()
            ),
        ));
    }
    Ok(())
}
