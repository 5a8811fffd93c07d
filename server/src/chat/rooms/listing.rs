//! Which rooms a user sees in lists: public channels, their own rooms,
//! and (for admins) every room.

use std::collections::HashMap;

use super::super::{Chat, ChatError};
use crate::model::{Message, Room, RoomId, RoomKind, Timestamp, User};
use crate::store::{HistoryQuery, Page, Paged, RoomFilter};

impl Chat {
    /// Public channels, optionally those whose name contains `text`
    /// (`channels.list`, the `directory` of channels, `spotlight`):
    /// private groups and direct messages are never listed. Anyone signed
    /// in may list them, as anyone may read them.
    pub async fn public_channels(
        &self,
        text: Option<String>,
        page: &Page,
    ) -> Result<Paged<Room>, ChatError> {
        let filter = RoomFilter {
            kinds: vec![RoomKind::Channel],
            text,
            ..RoomFilter::default()
        };
        Ok(self.store.list_rooms(&filter, page).await?)
    }

    /// The rooms of `kinds` that `actor` is a member of.
    pub async fn joined_rooms(
        &self,
        actor: &User,
        kinds: &[RoomKind],
        text: Option<String>,
        page: &Page,
    ) -> Result<Paged<Room>, ChatError> {
        let filter = RoomFilter {
            kinds: kinds.to_vec(),
            text,
            member: Some(actor.id.clone()),
            default_only: false,
        };
        Ok(self.store.list_rooms(&filter, page).await?)
    }

    /// Every room of `kinds` (all kinds when empty), for admins: their
    /// settings and counters, never their messages.
    pub async fn all_rooms(
        &self,
        actor: &User,
        kinds: &[RoomKind],
        text: Option<String>,
        page: &Page,
    ) -> Result<Paged<Room>, ChatError> {
        if !actor.is_admin() {
            return Err(ChatError::not_allowed("only admins may list every room"));
        }
        let filter = RoomFilter {
            kinds: kinds.to_vec(),
            text,
            ..RoomFilter::default()
        };
        Ok(self.store.list_rooms(&filter, page).await?)
    }

    /// The rooms `actor` is a member of, or with `since` only those that
    /// changed (settings or a new message) after it, as `rooms.get` asks.
    pub async fn rooms_of(
        &self,
        actor: &User,
        since: Option<Timestamp>,
    ) -> Result<Vec<Room>, ChatError> {
        let rooms = self
            .joined_rooms(actor, &[], None, &Page::all())
            .await?
            .items;
        Ok(rooms
            .into_iter()
            .filter(|room| since.is_none_or(|since| last_change(room) > since))
            .collect())
    }
}

impl Chat {
    /// The newest message of each of `rooms` that `actor` is a member of
    /// (Rocket.Chat's `lastMessage`, which clients show in the room
    /// list), when `Store_Last_Message` is on; nothing when it is off.
    /// Read when asked, so an edit or a deletion shows at once.
    pub async fn last_messages(
        &self,
        actor: &User,
        rooms: &[RoomId],
    ) -> Result<HashMap<RoomId, Message>, ChatError> {
        let mut last = HashMap::new();
        if !self.settings.flag("Store_Last_Message") {
            return Ok(last);
        }
        let newest = HistoryQuery {
            count: 1,
            ..HistoryQuery::default()
        };
        for room in rooms {
            if self.store.subscription(room, &actor.id).await?.is_none() {
                continue;
            }
            if let Some(message) = self.store.history(room, &newest).await?.pop() {
                last.insert(room.clone(), message);
            }
        }
        Ok(last)
    }
}

/// When a room last changed: its settings or its last message.
fn last_change(room: &Room) -> Timestamp {
    room.lm
        .map_or(room.updated_at, |lm| lm.max(room.updated_at))
}
