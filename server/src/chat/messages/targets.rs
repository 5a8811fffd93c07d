//! Where a message goes: the room `chat.postMessage` names (`#channel`,
//! `@username`, an id or a name), or an app's room id; posting to a public
//! channel joins the poster to it first, as Rocket.Chat does.

use super::super::rooms::{RoomRef, RoomView};
use super::super::{Access, Chat, ChatError};
use super::post_refusal;
use crate::model::{RoomId, RoomKind, Subscription, User, UserId};

impl Chat {
    /// The room `chat.postMessage` sends to, from its `channel` (or
    /// `roomId`): `#name`, `@username`, or a bare room id, room name or user
    /// id, as Rocket.Chat resolves them. Like Rocket.Chat, posting to a
    /// public channel the actor is not in joins them to it first (bots post
    /// to `#channel` without joining), unless they could not post there
    /// anyway. A room that does not exist, or that the actor may not read,
    /// is `invalid-channel` either way.
    pub async fn post_target(&self, actor: &User, channel: &str) -> Result<RoomRef, ChatError> {
        let channel = channel.trim();
        let unknown = || {
            ChatError::invalid(
                "invalid-channel",
                format!("there is no room `{channel}` to post to"),
            )
        };
        let id = match channel.split_at_checked(1) {
            Some(("@", username)) => self.direct_room_of(actor, username).await?,
            Some(("#", name)) => self.store.room_by_name(name).await?.map(|r| r.id),
            _ if channel.is_empty() => None,
            _ => self.room_by_id_name_or_user(actor, channel).await?,
        }
        .ok_or_else(unknown)?;
        let view = self
            .view_room(actor, &RoomRef::Id(id))
            .await
            .map_err(|e| match e {
                ChatError::RoomNotFound => unknown(),
                other => other,
            })?;
        self.join_to_post(actor, &view).await?;
        Ok(RoomRef::Id(view.room.id))
    }

    /// The room `actor` posts to by reference (an app's message names its
    /// room by id), joined first when it is a public channel they are not
    /// in, as [`Chat::post_target`] does. A room they may not read is not
    /// found.
    pub async fn ready_to_post(&self, actor: &User, room: &RoomRef) -> Result<RoomRef, ChatError> {
        let view = self.view_room(actor, room).await?;
        self.join_to_post(actor, &view).await?;
        Ok(RoomRef::Id(view.room.id))
    }

    /// The direct-message room with `username`, opened on first use.
    async fn direct_room_of(
        &self,
        actor: &User,
        username: &str,
    ) -> Result<Option<RoomId>, ChatError> {
        match self.open_direct(actor, &[username.to_owned()]).await {
            Ok(room) => Ok(Some(room.id)),
            Err(ChatError::UserNotFound) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A room by id, else by name, else the direct messages with the user
    /// of that id.
    async fn room_by_id_name_or_user(
        &self,
        actor: &User,
        value: &str,
    ) -> Result<Option<RoomId>, ChatError> {
        if let Some(room) = self.store.room(&RoomId::from(value)).await? {
            return Ok(Some(room.id));
        }
        if let Some(room) = self.store.room_by_name(value).await? {
            return Ok(Some(room.id));
        }
        match self.store.user(&UserId::from(value)).await? {
            Some(user) => self.direct_room_of(actor, &user.username).await,
            None => Ok(None),
        }
    }

    /// Joins `actor` to the public channel of `view` when they are not a
    /// member and would be allowed to post once they were.
    async fn join_to_post(&self, actor: &User, view: &RoomView) -> Result<(), ChatError> {
        if view.access.member || view.room.kind != RoomKind::Channel {
            return Ok(());
        }
        let as_member = Subscription::new(&view.room.id, view.room.kind, "", actor.to_ref());
        let joined = RoomView {
            room: view.room.clone(),
            access: Access::of(actor, &view.room, Some(&as_member)),
            subscription: Some(as_member),
        };
        if !joined.access.post {
            return Err(post_refusal(&joined));
        }
        self.join(actor, &RoomRef::Id(view.room.id.clone())).await?;
        Ok(())
    }
}
