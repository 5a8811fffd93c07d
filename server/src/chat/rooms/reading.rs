//! What members (and, for channels, anyone) read about a room: its
//! history and messages, its members and their roles, and one user's
//! counters. Every read goes through [`Chat::view_room`], so a room the
//! reader may not see is not found.

use super::super::{Chat, ChatError};
use super::{RoomRef, RoomView};
use crate::model::{Message, Presence, RoomKind, RoomRole, Subscription, Timestamp, User, UserId};
use crate::store::{HistoryQuery, MessageFilter, Page, Paged};

/// Which members a member list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberQuery {
    /// Case-insensitive substring of the username or name.
    pub text: Option<String>,
    /// Only members with one of these presences; empty means any.
    pub statuses: Vec<Presence>,
    /// Usernames from Z to A.
    pub descending: bool,
}

impl MemberQuery {
    /// Whether the query needs every member read (to filter or reverse)
    /// rather than one page from the store.
    fn needs_all(&self) -> bool {
        self.text.is_some() || !self.statuses.is_empty() || self.descending
    }

    fn matches(&self, user: &User) -> bool {
        let text_ok = self.text.as_deref().is_none_or(|text| {
            let text = text.to_lowercase();
            user.username.to_lowercase().contains(&text) || user.name.to_lowercase().contains(&text)
        });
        text_ok && (self.statuses.is_empty() || self.statuses.contains(&user.status))
    }
}

/// One user's counters in a room, as `channels.counters` answers them.
/// Fields are `None` where Rocket.Chat answers `null`: the unread counts
/// of a non-member, and the room's counts for a reader who is neither a
/// member nor an admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counters {
    pub joined: bool,
    pub members: Option<u64>,
    pub unreads: Option<u64>,
    pub unreads_from: Option<Timestamp>,
    pub msgs: Option<u64>,
    pub latest: Option<Timestamp>,
    pub user_mentions: Option<u64>,
}

impl Chat {
    /// The room as `actor` sees it, checking its kind when one is given.
    pub(super) async fn view_room_as(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
    ) -> Result<RoomView, ChatError> {
        match kind {
            Some(kind) => self.view_room_kind(actor, room, kind).await,
            None => self.view_room(actor, room).await,
        }
    }

    /// A slice of a room's history, newest first.
    pub async fn room_history(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        query: &HistoryQuery,
    ) -> Result<Vec<Message>, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        Ok(self.store.history(&view.room.id, query).await?)
    }

    /// A filtered page of a room's messages, newest first.
    pub async fn room_messages(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        filter: &MessageFilter,
        page: &Page,
    ) -> Result<Paged<Message>, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        Ok(self
            .store
            .find_messages(&view.room.id, filter, page)
            .await?)
    }

    /// A page of a room's members with their accounts, sorted by username.
    pub async fn room_members(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        query: &MemberQuery,
        page: &Page,
    ) -> Result<Paged<(Subscription, User)>, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        if !query.needs_all() {
            let subs = self.store.members(&view.room.id, page).await?;
            let total = subs.total;
            let items = self.with_accounts(subs.items).await?;
            return Ok(Paged { items, total });
        }
        let subs = self.store.members(&view.room.id, &Page::all()).await?.items;
        let mut items: Vec<_> = self
            .with_accounts(subs)
            .await?
            .into_iter()
            .filter(|(_, user)| query.matches(user))
            .collect();
        if query.descending {
            items.reverse();
        }
        let total = items.len() as u64;
        let limit = if page.count == 0 {
            usize::MAX
        } else {
            page.count as usize
        };
        let items = items
            .into_iter()
            .skip(page.offset as usize)
            .take(limit)
            .collect();
        Ok(Paged { items, total })
    }

    /// Pairs memberships with their accounts, in the memberships' order;
    /// memberships of deleted accounts are left out.
    async fn with_accounts(
        &self,
        subs: Vec<Subscription>,
    ) -> Result<Vec<(Subscription, User)>, ChatError> {
        let ids: Vec<UserId> = subs.iter().map(|s| s.user.id.clone()).collect();
        let users = self.store.users(&ids).await?;
        Ok(subs
            .into_iter()
            .filter_map(|sub| {
                let user = users.iter().find(|u| u.id == sub.user.id)?.clone();
                Some((sub, user))
            })
            .collect())
    }

    /// The members holding a room role, with their roles.
    pub async fn room_roles(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
    ) -> Result<Vec<Subscription>, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        Ok(self.store.members_with_roles(&view.room.id).await?)
    }

    /// The members holding `role`.
    pub async fn room_members_with_role(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        role: RoomRole,
    ) -> Result<Vec<Subscription>, ChatError> {
        let subs = self.room_roles(actor, room, kind).await?;
        Ok(subs.into_iter().filter(|s| s.has_role(role)).collect())
    }

    /// The members who are not offline.
    pub async fn online_members(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
    ) -> Result<Vec<User>, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        let subs = self.store.members(&view.room.id, &Page::all()).await?.items;
        Ok(self
            .with_accounts(subs)
            .await?
            .into_iter()
            .map(|(_, user)| user)
            .filter(|user| user.status != Presence::Offline)
            .collect())
    }

    /// The counters of `of` (the actor when `None`) in a room. Only admins
    /// may ask about someone else; a room the actor may not read is not
    /// found, whoever they ask about.
    pub async fn room_counters(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: Option<RoomKind>,
        of: Option<&UserId>,
    ) -> Result<Counters, ChatError> {
        let view = self.view_room_as(actor, room, kind).await?;
        let subscription = match of {
            Some(other) if *other != actor.id => {
                if !actor.is_admin() {
                    return Err(ChatError::not_allowed(
                        "only admins may read another user's counters",
                    ));
                }
                self.user(other).await?;
                self.store.subscription(&view.room.id, other).await?
            }
            // The view's membership has no counts; read them.
            _ => self.store.subscription(&view.room.id, &actor.id).await?,
        };
        let joined = subscription.is_some();
        let room_counts = joined || actor.is_admin();
        let room = &view.room;
        Ok(Counters {
            joined,
            members: room_counts.then_some(room.users_count),
            unreads: subscription.as_ref().map(|s| s.unread),
            unreads_from: subscription.as_ref().map(|s| s.ls),
            msgs: room_counts.then_some(room.msgs),
            latest: room_counts.then_some(room.lm.unwrap_or(room.updated_at)),
            user_mentions: subscription.as_ref().map(|s| s.user_mentions),
        })
    }
}
