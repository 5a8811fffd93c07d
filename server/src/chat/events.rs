//! The app events the chat raises, through its [`Apps`](super::Apps) port when apps
//! are attached.
//!
//! | what happened | hook | how |
//! | --- | --- | --- |
//! | a message is about to be stored | pre-send prevent, then modify | awaited, in the sender's request |
//! | a message was stored | post-send | background |
//! | a message was edited (by its sender or an app) | post-update | background |
//! | a message was deleted | post-delete | background |
//! | a channel, group or direct room was created | room-created | background |
//! | a user joined or was added to a room | user-joined | background |
//! | a user left or was removed from a room | user-left | background |
//!
//! Background hooks are started after the store write and never waited
//! for: the request answers at once, and the apps layer counts their
//! faults.
//!
//! System messages (joins, leaves, renames, pins) are stored directly and
//! do not go through the pre-send hooks, as in Rocket.Chat, whose apps
//! never see them either.

use super::apps::Prevented;
use crate::model::{Message, Room, RoomId, User, UserRef};

use super::{Chat, ChatError};

/// How a call a user made to an app (a slash command, a button press)
/// ended. The user has already been told privately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppOutcome {
    /// The app handled it, with its private answer if it gave one.
    Answered(Option<String>),
    /// The app refused, with its error text for the user.
    Refused(String),
    /// The call failed (fault, deadline, app disabled or busy): what the
    /// user was told.
    Failed(String),
}

/// The `errorType` of a message an app stopped (Rocket.Chat's).
pub const APP_PREVENTED: &str = "error-app-prevented";

impl Chat {
    /// Runs the apps' pre-send hooks on `message` at `depth`. A veto
    /// refuses the message with `error-app-prevented`, naming the app and
    /// its reason; a modify hook's text and attachments are written back.
    pub(super) async fn pre_send_hooks(
        &self,
        message: &mut Message,
        depth: u32,
    ) -> Result<(), ChatError> {
        let Some(apps) = self.apps.as_ref().filter(|a| a.hears_pre_send()) else {
            return Ok(());
        };
        apps.pre_send(message, depth)
            .await
            .map_err(|Prevented { app_id, reason }| {
                tracing::debug!(app = %app_id, room = %message.rid, "an app prevented a message: {reason}");
                ChatError::invalid(
                    APP_PREVENTED,
                    format!("the app `{app_id}` prevented this message: {reason}"),
                )
            })
    }

    /// Starts the post-send hooks of a stored message.
    pub(super) fn raise_post_send(&self, message: &Message, depth: u32) {
        if let Some(apps) = &self.apps {
            apps.message_sent(message, depth);
        }
    }

    /// Starts the post-update hooks of an edited message.
    pub(super) fn raise_post_update(&self, message: &Message, depth: u32) {
        if let Some(apps) = &self.apps {
            apps.message_updated(message, depth);
        }
    }

    /// Starts the post-delete hooks of a deleted message.
    pub(super) fn raise_post_delete(&self, message: &Message, depth: u32) {
        if let Some(apps) = &self.apps {
            apps.message_deleted(message, depth);
        }
    }

    /// Starts the room-created hooks.
    pub(super) fn raise_room_created(&self, room: &Room) {
        if let Some(apps) = &self.apps {
            apps.room_created(room);
        }
    }

    /// Starts the user-joined (`joined`) or user-left hooks of a
    /// membership change in `room`, with the room as it is now.
    pub(super) async fn raise_membership(
        &self,
        room: &RoomId,
        user: &UserRef,
        joined: bool,
    ) -> Result<(), ChatError> {
        let Some(apps) = self.apps.as_ref().filter(|a| a.hears_membership(joined)) else {
            return Ok(());
        };
        // Read after the change, so the member count is the new one.
        let Some(room) = self.store.room(room).await? else {
            return Ok(());
        };
        apps.membership_changed(&room, user, joined);
        Ok(())
    }

    /// [`Chat::raise_membership`] for a user who joined.
    pub(super) async fn raise_joined(&self, room: &RoomId, user: &User) -> Result<(), ChatError> {
        self.raise_membership(room, &user.to_ref(), true).await
    }
}
