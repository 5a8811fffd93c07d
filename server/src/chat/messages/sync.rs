//! A room's changes a page at a time, for `chat.syncMessages` in its
//! cursor form (Rocket.Chat 7.1 and later): messages changed, or messages
//! deleted, after (`next`) or before (`previous`) a point in time, each
//! page ending where the next begins.
//!
//! A cursor is a change time in milliseconds. Changes made in the same
//! millisecond as a page's last one may fall between two pages, as in
//! Rocket.Chat.

use super::super::rooms::RoomRef;
use super::super::{Chat, ChatError};
use crate::model::{Message, Timestamp, User};
use crate::store::Deletion;

/// Which changes a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Updated,
    Deleted,
}

/// Where a page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncCursor {
    /// Changes after this time, oldest first.
    Next(Timestamp),
    /// Changes before this time, newest first.
    Previous(Timestamp),
}

/// One page of a room's changes, with the cursors around it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangePage {
    pub updated: Vec<Message>,
    pub deleted: Vec<Deletion>,
    /// Where the page after this one starts; `None` at the end.
    pub next: Option<Timestamp>,
    /// Where the page before this one starts; `None` at the start.
    pub previous: Option<Timestamp>,
}

impl Chat {
    /// Up to `count` of a room's changes of `kind` from `cursor`, for
    /// `actor` (a room they may not read is `RoomNotFound`).
    pub async fn message_change_page(
        &self,
        actor: &User,
        room: &RoomRef,
        kind: ChangeKind,
        cursor: SyncCursor,
        count: usize,
    ) -> Result<ChangePage, ChatError> {
        let from = match cursor {
            SyncCursor::Next(after) => after,
            SyncCursor::Previous(_) => Timestamp(i64::MIN),
        };
        let (updated, deleted) = self.message_changes(actor, room, from).await?;
        Ok(match kind {
            ChangeKind::Updated => {
                let (items, next, previous) = page(updated, |m| m.updated_at, cursor, count);
                ChangePage {
                    updated: items,
                    deleted: Vec::new(),
                    next,
                    previous,
                }
            }
            ChangeKind::Deleted => {
                let (items, next, previous) = page(deleted, |d| d.at, cursor, count);
                ChangePage {
                    updated: Vec::new(),
                    deleted: items,
                    next,
                    previous,
                }
            }
        })
    }
}

/// The page of `changes` (oldest first, all after a `Next` cursor) that
/// `cursor` and `count` ask for, and the cursors after and before it.
fn page<T>(
    changes: Vec<T>,
    time: impl Fn(&T) -> Timestamp,
    cursor: SyncCursor,
    count: usize,
) -> (Vec<T>, Option<Timestamp>, Option<Timestamp>) {
    let count = count.max(1);
    let mut items: Vec<T> = match cursor {
        SyncCursor::Next(_) => changes.into_iter().take(count + 1).collect(),
        SyncCursor::Previous(before) => {
            let mut earlier: Vec<T> = changes.into_iter().filter(|c| time(c) < before).collect();
            earlier.reverse();
            earlier.truncate(count + 1);
            earlier
        }
    };
    let more = items.len() > count;
    items.truncate(count);
    let first = items.first().map(&time);
    let last = items.last().map(&time);
    match cursor {
        SyncCursor::Next(_) => (items, last.filter(|_| more), first),
        SyncCursor::Previous(_) => (items, first, last.filter(|_| more)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(items: &[i64]) -> Vec<Timestamp> {
        items.iter().copied().map(Timestamp).collect()
    }

    #[test]
    fn next_pages_walk_forward_until_the_end() {
        let changes = times(&[11, 12, 13, 14, 15]);
        let (items, next, previous) =
            page(changes.clone(), |t| *t, SyncCursor::Next(Timestamp(10)), 2);
        assert_eq!(
            (items, next, previous),
            (times(&[11, 12]), Some(Timestamp(12)), Some(Timestamp(11)))
        );
        let rest: Vec<_> = changes.into_iter().filter(|t| t.0 > 14).collect();
        let (items, next, _) = page(rest, |t| *t, SyncCursor::Next(Timestamp(14)), 2);
        assert_eq!((items, next), (times(&[15]), None));
    }

    #[test]
    fn previous_pages_walk_backward_newest_first() {
        let changes = times(&[11, 12, 13, 14, 15]);
        let (items, next, previous) = page(
            changes.clone(),
            |t| *t,
            SyncCursor::Previous(Timestamp(14)),
            2,
        );
        assert_eq!(
            (items, next, previous),
            (times(&[13, 12]), Some(Timestamp(13)), Some(Timestamp(12)))
        );
        let (items, next, previous) = page(changes, |t| *t, SyncCursor::Previous(Timestamp(12)), 2);
        assert_eq!(
            (items, next, previous),
            (times(&[11]), Some(Timestamp(11)), None)
        );
    }

    #[test]
    fn an_empty_page_has_no_cursors() {
        let (items, next, previous) = page(
            Vec::<Timestamp>::new(),
            |t| *t,
            SyncCursor::Next(Timestamp(1)),
            5,
        );
        assert_eq!((items.len(), next, previous), (0, None, None));
    }
}
