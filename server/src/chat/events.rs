//! The app events the chat raises, when an apps runtime is attached.
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
//! for: the request answers at once, and the runtime counts their faults.
//! System messages (joins, leaves, renames, pins) are stored directly and
//! do not go through the pre-send hooks, as in Rocket.Chat, whose apps
//! never see them either.

use capsule_runtime::{Hook, Runtime};

use crate::apps::convert;
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
    /// The apps runtime, if an app in it implements one of `hooks`. The
    /// runtime exists even without apps (they can be installed at run
    /// time), so this keeps a server without them from converting every
    /// message and reading rooms for hooks nobody implements.
    fn apps_with(&self, hooks: &[Hook]) -> Option<&Runtime> {
        self.apps
            .as_ref()
            .filter(|runtime| runtime.implements(hooks))
    }

    /// Runs the apps' pre-send hooks on `message` at `depth`. A veto
    /// refuses the message with `error-app-prevented`, naming the app and
    /// its reason; a modify hook's text and attachments are written back. A
    /// hook that faults is skipped (the runtime fails open) and logged, so
    /// an app's failure never loses a message.
    pub(super) async fn pre_send_hooks(
        &self,
        message: &mut Message,
        depth: u32,
    ) -> Result<(), ChatError> {
        let Some(runtime) = self.apps_with(&[Hook::PreSendPrevent, Hook::PreSendModify]) else {
            return Ok(());
        };
        let before = convert::message(message);
        match runtime.pre_send(before.clone(), depth).await {
            capsule_runtime::PreSend::Vetoed { app_id, reason } => {
                tracing::debug!(app = %app_id, room = %message.rid, "an app prevented a message: {reason}");
                Err(ChatError::invalid(
                    APP_PREVENTED,
                    format!("the app `{app_id}` prevented this message: {reason}"),
                ))
            }
            capsule_runtime::PreSend::Accepted {
                message: after,
                skipped,
            } => {
                for error in skipped {
                    tracing::warn!(message = %message.id, "an app hook failed and was skipped: {error}");
                }
                convert::apply_edit(message, &before, after);
                Ok(())
            }
        }
    }

    /// Starts the post-send hooks of a stored message.
    pub(super) fn raise_post_send(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.apps_with(&[Hook::PostSend]) {
            drop(runtime.post_send(convert::message(message), depth));
        }
    }

    /// Starts the post-update hooks of an edited message.
    pub(super) fn raise_post_update(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.apps_with(&[Hook::PostUpdate]) {
            drop(runtime.post_update(convert::message(message), depth));
        }
    }

    /// Starts the post-delete hooks of a deleted message.
    pub(super) fn raise_post_delete(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.apps_with(&[Hook::PostDelete]) {
            drop(runtime.post_delete(convert::message(message), depth));
        }
    }

    /// Starts the room-created hooks.
    pub(super) fn raise_room_created(&self, room: &Room) {
        if let Some(runtime) = self.apps_with(&[Hook::RoomCreated]) {
            drop(runtime.room_created(convert::room(room)));
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
        let hook = if joined {
            Hook::UserJoined
        } else {
            Hook::UserLeft
        };
        let Some(runtime) = self.apps_with(&[hook]) else {
            return Ok(());
        };
        // Read after the change, so the member count is the new one.
        let Some(room) = self.store.room(room).await? else {
            return Ok(());
        };
        let (room, user) = (convert::room(&room), convert::user_ref(user));
        drop(if joined {
            runtime.user_joined(room, user)
        } else {
            runtime.user_left(room, user)
        });
        Ok(())
    }

    /// [`Chat::raise_membership`] for a user who joined.
    pub(super) async fn raise_joined(&self, room: &RoomId, user: &User) -> Result<(), ChatError> {
        self.raise_membership(room, &user.to_ref(), true).await
    }
}
