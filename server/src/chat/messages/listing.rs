//! Reading messages back: a room's mentions, stars, pins and threads,
//! search, and the changes a client syncs. Every read goes through
//! [`Chat::view_room`] or [`Chat::read_message`], so a room the actor may
//! not read answers exactly like one that does not exist.

use super::super::rooms::RoomRef;
use super::super::{Chat, ChatError};
use crate::model::{Message, MessageId, Timestamp, User};
use crate::store::{Deletion, MessageFilter, Page, Paged};

/// Which end of the history a listing starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// Which of a room's messages a listing holds, as the actor sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomMessages {
    /// Messages that mention the actor by name.
    MentioningMe,
    /// Messages the actor starred.
    StarredByMe,
    Pinned,
    /// Messages that start threads.
    Threads,
    /// Messages whose text contains this, without case.
    Containing(String),
}

impl RoomMessages {
    fn filter(&self, actor: &User) -> MessageFilter {
        match self {
            RoomMessages::MentioningMe => MessageFilter::MentionsOf(actor.id.clone()),
            RoomMessages::StarredByMe => MessageFilter::StarredBy(actor.id.clone()),
            RoomMessages::Pinned => MessageFilter::Pinned,
            RoomMessages::Threads => MessageFilter::ThreadStarters,
            RoomMessages::Containing(text) => MessageFilter::Text(text.clone()),
        }
    }
}

impl Chat {
    /// A page of a room's messages of one kind, for `actor`.
    pub async fn list_messages(
        &self,
        actor: &User,
        room: &RoomRef,
        which: RoomMessages,
        page: &Page,
        order: Order,
    ) -> Result<Paged<Message>, ChatError> {
        if which == RoomMessages::Threads {
            self.check_threads_enabled()?;
        }
        let view = self.view_room(actor, room).await?;
        self.find_in_order(&view.room.id, &which.filter(actor), page, order)
            .await
    }

    /// A page of the replies in the thread `tmid` starts (oldest first is
    /// how a thread reads). An unknown thread, or one in a room the actor
    /// may not read, is `MessageNotFound`.
    pub async fn thread_messages(
        &self,
        actor: &User,
        tmid: &MessageId,
        page: &Page,
        order: Order,
    ) -> Result<Paged<Message>, ChatError> {
        self.check_threads_enabled()?;
        let (root, _) = self.read_message(actor, tmid).await?;
        let filter = MessageFilter::Thread(root.id.clone());
        self.find_in_order(&root.rid, &filter, page, order).await
    }

    /// The actor reads the thread `tmid` (`readThreads`): refused when
    /// threads are off or the thread is in a room the actor may not read
    /// (`MessageNotFound`). Capsule keeps one read mark per room, not per
    /// thread, and thread replies never count as unread in the room, so
    /// there is nothing more to record.
    pub async fn read_thread(&self, actor: &User, tmid: &MessageId) -> Result<(), ChatError> {
        self.check_threads_enabled()?;
        self.read_message(actor, tmid).await?;
        Ok(())
    }

    /// Messages of a room changed after `since`, and the ids of those
    /// deleted after it, for `chat.syncMessages`.
    pub async fn message_changes(
        &self,
        actor: &User,
        room: &RoomRef,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<Deletion>), ChatError> {
        let view = self.view_room(actor, room).await?;
        Ok(self.store.changes_since(&view.room.id, since).await?)
    }

    fn check_threads_enabled(&self) -> Result<(), ChatError> {
        if self.settings.flag("Threads_enabled") {
            Ok(())
        } else {
            Err(ChatError::not_allowed("Threads Disabled"))
        }
    }

    /// A filtered page in either order. The store pages newest first; an
    /// oldest-first page is the mirror image of a newest-first one, found
    /// from the total. (A message arriving between the two reads can shift
    /// that page by one; the next read sees it.)
    async fn find_in_order(
        &self,
        room: &crate::model::RoomId,
        filter: &MessageFilter,
        page: &Page,
        order: Order,
    ) -> Result<Paged<Message>, ChatError> {
        if order == Order::NewestFirst {
            return Ok(self.store.find_messages(room, filter, page).await?);
        }
        let total = self
            .store
            .find_messages(room, filter, &Page::first(1))
            .await?
            .total;
        let Some(mirror) = mirrored(page, total) else {
            return Ok(Paged {
                items: Vec::new(),
                total,
            });
        };
        let mut paged = self.store.find_messages(room, filter, &mirror).await?;
        paged.items.reverse();
        Ok(paged)
    }
}

/// The newest-first page holding what `page` asks for oldest first, out of
/// `total` items; `None` when it is past the end.
fn mirrored(page: &Page, total: u64) -> Option<Page> {
    let remaining = total.checked_sub(page.offset).filter(|r| *r > 0)?;
    let take = if page.count == 0 {
        remaining
    } else {
        page.count.min(remaining)
    };
    Some(Page {
        offset: remaining - take,
        count: take,
        sort: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(offset: u64, count: u64) -> Page {
        Page {
            offset,
            count,
            sort: Vec::new(),
        }
    }

    #[test]
    fn an_oldest_first_page_mirrors_a_newest_first_one() {
        // Ten items, newest first at indexes 0..10: the oldest three are 7..10.
        assert_eq!(mirrored(&page(0, 3), 10), Some(page(7, 3)));
        assert_eq!(mirrored(&page(9, 3), 10), Some(page(0, 1)));
        assert_eq!(mirrored(&page(2, 0), 10), Some(page(0, 8)));
        assert_eq!(mirrored(&page(10, 3), 10), None);
        assert_eq!(mirrored(&page(0, 5), 0), None);
    }
}
