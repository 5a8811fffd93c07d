//! What the chat needs from the apps plugged into it, as a trait of its
//! own ([`Apps`]): hooks on the message pipeline, events after writes,
//! slash commands and their previews, and UI interactions. The chat
//! speaks its own records here; the apps layer (`crate::apps`) implements
//! the trait over the apps runtime and converts to what apps see.
//!
//! A chat without apps ([`Chat::new`](super::Chat::new)) runs no hooks,
//! knows no commands and refuses UI interactions as for an unknown app.

use async_trait::async_trait;

use super::commands::CommandRegistry;
use crate::model::{Message, MessageId, Room, RoomId, UserRef};

/// The apps in the chat's message path.
///
/// Event methods start the apps' handlers and return at once: the chat
/// never waits for them, and an app's fault there is the apps layer's to
/// count and log. Each method does nothing when no app handles its event.
#[async_trait]
pub trait Apps: Send + Sync + 'static {
    /// Runs the pre-send hooks on `message` (sent at pipeline `depth`):
    /// an app may stop it, or change its text and attachments in place.
    /// A hook that faults is passed over, so an app's failure never loses
    /// a message.
    async fn pre_send(&self, message: &mut Message, depth: u32) -> Result<(), Prevented>;

    /// Whether any app has a pre-send hook, so the chat calls
    /// [`pre_send`](Apps::pre_send) only then: its future is boxed and
    /// large, and a message no hook will see should not pay for it.
    fn hears_pre_send(&self) -> bool;

    /// `message` was stored.
    fn message_sent(&self, message: &Message, depth: u32);

    /// `message` was edited (by its sender or an app).
    fn message_updated(&self, message: &Message, depth: u32);

    /// `message` was deleted.
    fn message_deleted(&self, message: &Message, depth: u32);

    /// A channel, group or direct room was created.
    fn room_created(&self, room: &Room);

    /// Whether any app wants to hear that a user joined (`joined`) or
    /// left a room, so the chat reads the room for the event only then.
    fn hears_membership(&self, joined: bool) -> bool;

    /// `user` joined (`joined`) or left `room`, as the room is now.
    fn membership_changed(&self, room: &Room, user: &UserRef, joined: bool);

    /// The slash commands the apps declare now (a cheap snapshot).
    fn commands(&self) -> CommandRegistry;

    /// Runs `app`'s command.
    async fn run_command(&self, app: &str, call: CommandInvocation) -> AppAnswer;

    /// The preview items of `app`'s command, or the app's refusal.
    async fn command_preview(
        &self,
        app: &str,
        call: CommandInvocation,
    ) -> Result<Result<Vec<PreviewItem>, String>, AppCallError>;

    /// Runs the preview item `item_id` of `app`'s command.
    async fn execute_preview(&self, app: &str, call: CommandInvocation, item_id: &str)
    -> AppAnswer;

    /// Whether an app of this id runs here.
    fn runs(&self, app: &str) -> bool;

    /// Hands a UI action (a button press) to `app`.
    async fn ui_action(&self, app: &str, action: Interaction) -> AppAnswer;
}

/// An app's answer to a call a user made: its private text (if any) or
/// its refusal, or why it gave none.
pub type AppAnswer = Result<Result<Option<String>, String>, AppCallError>;

/// A pre-send hook stopped a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prevented {
    /// The app that stopped it.
    pub app_id: String,
    /// Why, in the app's words.
    pub reason: String,
}

/// A slash command being run (or previewed) by a user in a room.
#[derive(Clone, Debug)]
pub struct CommandInvocation {
    /// The name, without its slash.
    pub command: String,
    /// The parameters, split on whitespace.
    pub args: Vec<String>,
    /// The parameters as typed.
    pub raw_args: String,
    pub room: Room,
    pub user: UserRef,
    /// The thread (its root) the command was typed in.
    pub thread_id: Option<MessageId>,
    /// The client's id for this run (UI interactions refer to it).
    pub trigger_id: String,
}

/// One choice of a command preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewItem {
    pub id: String,
    pub value: String,
    pub kind: PreviewKind,
}

/// What a preview item shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKind {
    Text,
    Image,
}

/// A UI action as the app receives it, checked by the chat.
#[derive(Clone, Debug)]
pub struct Interaction {
    pub action_id: String,
    /// The pressed button's own value.
    pub value: Option<String>,
    pub user: UserRef,
    pub room: RoomId,
    /// The message the button is on.
    pub message: Option<MessageId>,
    pub trigger_id: String,
}

/// Why an app gave no answer to a call. Its text is the apps layer's
/// account of the failure, shown to users and callers as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AppCallError {
    pub failure: AppFailure,
    pub message: String,
}

/// The kinds of [`AppCallError`], which the transports answer with
/// different statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppFailure {
    /// No app of that id is loaded.
    NotLoaded,
    /// The app does not implement the call.
    NotImplemented,
    /// The app is disabled.
    Disabled,
    /// The app is handling as many calls as it may at once.
    Busy,
    /// The app ran past its CPU or wall-clock deadline.
    Timeout,
    /// The app faulted.
    Faulted,
}
