//! A member's state of a room's messages: what they have read, what they
//! want to see as unread again, and whose messages they ignore. It lives on
//! their subscription.

use super::super::{Chat, ChatError};
use crate::model::{MessageId, RoomId, Subscription, Timestamp, User, UserId};
use crate::store::{HistoryQuery, Page, RoomFilter};

/// How many of the newest messages `subscriptions.unread` looks through
/// for one by someone else to mark unread from.
const UNREAD_LOOKBACK: u64 = 100;

/// Where `subscriptions.unread` starts the unread part of a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnreadFrom {
    /// The room's newest message by someone else.
    Room(RoomId),
    /// This message (`firstUnreadMessage`), which someone else wrote.
    Message(MessageId),
}

impl Chat {
    /// The actor's memberships changed after `since` (all of them with
    /// `None`), with their unread and mention counts. The counts are worked
    /// out when read, so a new message changes no membership record: a
    /// membership whose room got a message after `since` counts as changed
    /// too, or a client syncing with `updatedSince` would never see its
    /// unread badges move.
    pub async fn my_subscriptions(
        &self,
        actor: &User,
        since: Option<Timestamp>,
    ) -> Result<Vec<Subscription>, ChatError> {
        let mut subscriptions = self.store.subscriptions_of(&actor.id, since).await?;
        let Some(since) = since else {
            return Ok(subscriptions);
        };
        let mine = RoomFilter {
            member: Some(actor.id.clone()),
            ..RoomFilter::default()
        };
        let rooms = self.store.list_rooms(&mine, &Page::all()).await?.items;
        for room in rooms.iter().filter(|r| r.lm.is_some_and(|lm| lm > since)) {
            if subscriptions.iter().any(|s| s.rid == room.id) {
                continue;
            }
            if let Some(sub) = self.store.subscription(&room.id, &actor.id).await? {
                subscriptions.push(sub);
            }
        }
        Ok(subscriptions)
    }

    /// The actor's membership of `room`, if they have one.
    pub async fn my_subscription(
        &self,
        actor: &User,
        room: &RoomId,
    ) -> Result<Option<Subscription>, ChatError> {
        Ok(self.store.subscription(room, &actor.id).await?)
    }

    /// Marks everything in `room` as read for the actor.
    pub async fn mark_read(&self, actor: &User, room: &RoomId) -> Result<(), ChatError> {
        self.membership_of(actor, room).await?;
        self.store
            .mark_read(room, &actor.id, Timestamp::now())
            .await?;
        Ok(())
    }

    /// Moves the actor's last-seen mark back so the room shows unread from
    /// `from` on. A mark already before it stays where it is.
    pub async fn mark_unread(&self, actor: &User, from: UnreadFrom) -> Result<(), ChatError> {
        let (mut sub, ts) = match from {
            UnreadFrom::Room(room) => {
                let sub = self.membership_of(actor, &room).await?;
                (sub, self.newest_by_others(actor, &room).await?)
            }
            UnreadFrom::Message(id) => {
                let (message, _) = self.read_message(actor, &id).await?;
                if message.sender.id == actor.id {
                    return Err(ChatError::invalid(
                        "error-action-not-allowed",
                        "your own messages cannot be marked unread",
                    ));
                }
                (self.membership_of(actor, &message.rid).await?, message.ts)
            }
        };
        // Unread means sent after `ls`: one millisecond before the message
        // makes the message itself the first unread one.
        let ls = Timestamp(ts.millis() - 1);
        if ls >= sub.ls {
            return Ok(());
        }
        sub.ls = ls;
        sub.alert = true;
        sub.open = true;
        sub.updated_at = Timestamp::now();
        self.store.update_subscription(&sub).await?;
        Ok(())
    }

    /// Starts (`ignore`) or stops ignoring `user`'s messages in `room`,
    /// kept in the actor's subscription (`ignored`). Both must be members.
    pub async fn ignore_user(
        &self,
        actor: &User,
        room: &RoomId,
        user: &UserId,
        ignore: bool,
    ) -> Result<Subscription, ChatError> {
        let mut sub = self
            .store
            .subscription(room, &actor.id)
            .await?
            .ok_or_else(|| {
                ChatError::invalid(
                    "error-invalid-subscription",
                    "You must be part of a room to ignore users",
                )
            })?;
        if *user == actor.id {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "you cannot ignore yourself",
            ));
        }
        if self.store.subscription(room, user).await?.is_none() {
            return Err(ChatError::invalid(
                "error-invalid-subscription",
                "The user to be ignored must be part of this room",
            ));
        }
        sub.ignored.retain(|id| id != user.as_str());
        if ignore {
            sub.ignored.push(user.to_string());
        }
        sub.updated_at = Timestamp::now();
        self.store.update_subscription(&sub).await?;
        Ok(sub)
    }

    /// The actor's membership of `room`, or `error-invalid-subscription`
    /// (the same for a room that does not exist, so nothing leaks).
    async fn membership_of(&self, actor: &User, room: &RoomId) -> Result<Subscription, ChatError> {
        self.store
            .subscription(room, &actor.id)
            .await?
            .ok_or_else(|| ChatError::invalid("error-invalid-subscription", "Invalid subscription"))
    }

    /// When the newest message by someone else in `room` was sent.
    async fn newest_by_others(&self, actor: &User, room: &RoomId) -> Result<Timestamp, ChatError> {
        let query = HistoryQuery {
            count: UNREAD_LOOKBACK,
            ..HistoryQuery::default()
        };
        self.store
            .history(room, &query)
            .await?
            .into_iter()
            .find(|m| m.is_user_message() && m.tmid.is_none() && m.sender.id != actor.id)
            .map(|m| m.ts)
            .ok_or_else(|| {
                ChatError::invalid(
                    "error-no-message-for-unread",
                    "There are no messages to mark unread",
                )
            })
    }
}
