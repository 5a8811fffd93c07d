//! Slash commands: running the owning app's command for a user in a room,
//! its previews, and the private answers. A message whose first word is a
//! command comes here from the message pipeline and is never stored; the
//! command APIs (`commands.run`, `slashCommand`, `commands.preview`) come
//! here directly.
//!
//! Whatever the outcome (the app's answer, the app's error, a fault or a
//! missed deadline) the user is told privately: a `Change::Ephemeral` on
//! the bus, which the real-time API delivers on `stream-notify-user`
//! `<uid>/message`. Running a command needs what posting needs.

mod registry;

use std::sync::Arc;

pub use registry::{CommandRegistry, CommandText, SlashCommand, parse};

use super::apps::{AppAnswer, Apps, CommandInvocation, PreviewItem};
use super::bots;
use super::messages::post_refusal;
use super::rooms::{RoomRef, RoomView};
use super::{AppOutcome, BOT_USERNAME, Chat, ChatError};
use crate::model::{Message, MessageId, User, UserId, UserRef, random_id};

/// `errorType` of a command no app declares (Rocket.Chat's).
pub const INVALID_COMMAND: &str = "error-invalid-command";
/// `errorType` of a preview asked of a command that has none.
pub const NO_PREVIEW: &str = "error-command-without-preview";
/// `errorType` of a preview the app could not give.
pub const PREVIEW_FAILED: &str = "error-command-preview-failed";

/// A slash command a user runs (or previews).
#[derive(Clone, Debug)]
pub struct CommandCall {
    /// The name, without its slash.
    pub command: String,
    /// Everything after the name.
    pub params: String,
    pub room: RoomRef,
    /// The thread the command was typed in.
    pub tmid: Option<MessageId>,
    /// The client's id for this run (UI interactions refer to it); a fresh
    /// one when `None`.
    pub trigger_id: Option<String>,
}

/// The preview items of a command being typed.
#[derive(Clone, Debug)]
pub struct CommandPreview {
    /// What the client titles the list with: the command's description.
    pub title: String,
    pub items: Vec<PreviewItem>,
}

/// A command ready to run: what it is, where, and its invocation.
struct Prepared {
    command: SlashCommand,
    view: RoomView,
    invocation: CommandInvocation,
}

impl Chat {
    /// The slash commands of the apps here, as they are now (a cheap
    /// snapshot: keep it for the length of one request).
    pub fn commands(&self) -> CommandRegistry {
        self.apps
            .as_ref()
            .map(|apps| apps.commands())
            .unwrap_or_default()
    }

    /// Runs `call`'s command for `actor`. A command no app declares, a
    /// room the actor may not post in, or a bad thread is an error;
    /// anything the app does is an outcome, told to the actor privately.
    pub async fn run_command(
        &self,
        actor: &User,
        call: CommandCall,
    ) -> Result<AppOutcome, ChatError> {
        let view = self.command_room(actor, &call.room).await?;
        let command = self.known_command(&call.command)?;
        self.run_prepared(actor, self.prepare(actor, command, view, &call).await?)
            .await
    }

    /// The preview items of `call`'s command, from its app.
    pub async fn command_preview(
        &self,
        actor: &User,
        call: CommandCall,
    ) -> Result<CommandPreview, ChatError> {
        let view = self.command_room(actor, &call.room).await?;
        let command = self.previewing_command(&call.command)?;
        let prepared = self.prepare(actor, command, view, &call).await?;
        let apps = self.apps_for(&prepared.command)?;
        let failed = |reason: String| {
            ChatError::invalid(
                PREVIEW_FAILED,
                format!("/{} gave no preview: {reason}", prepared.command.command),
            )
        };
        match apps
            .command_preview(&prepared.command.app_id, prepared.invocation.clone())
            .await
        {
            Ok(Ok(items)) => Ok(CommandPreview {
                title: prepared.command.description.clone(),
                items,
            }),
            Ok(Err(reason)) => Err(failed(reason)),
            Err(error) => {
                tracing::warn!(app = %prepared.command.app_id, command = %prepared.command.command, "a command preview failed: {error}");
                Err(failed(error.to_string()))
            }
        }
    }

    /// Runs the preview item `item_id` the actor picked for `call`'s
    /// command; told privately, like a command.
    pub async fn execute_command_preview(
        &self,
        actor: &User,
        call: CommandCall,
        item_id: &str,
    ) -> Result<AppOutcome, ChatError> {
        let view = self.command_room(actor, &call.room).await?;
        let command = self.previewing_command(&call.command)?;
        let prepared = self.prepare(actor, command, view, &call).await?;
        let apps = self.apps_for(&prepared.command)?;
        let result = apps
            .execute_preview(
                &prepared.command.app_id,
                prepared.invocation.clone(),
                item_id,
            )
            .await;
        Ok(self.tell(actor, &prepared, result))
    }

    /// The message pipeline's half: `text` (whose first word is `parsed`)
    /// sent by `actor` to `view`'s room, which they may post in. A known
    /// command runs; an unknown one gets Rocket.Chat's private "No such
    /// command". Either way nothing is stored, and the answer is the
    /// message as it would have been.
    pub(super) async fn send_as_command(
        &self,
        actor: &User,
        view: RoomView,
        parsed: CommandText<'_>,
        message: Message,
    ) -> Result<Message, ChatError> {
        match self.known_command(parsed.name) {
            Ok(command) => {
                let call = CommandCall {
                    command: command.command.clone(),
                    params: parsed.params.to_owned(),
                    room: RoomRef::Id(view.room.id.clone()),
                    tmid: message.tmid.clone(),
                    trigger_id: None,
                };
                let prepared = self.prepare(actor, command, view, &call).await?;
                self.run_prepared(actor, prepared).await?;
            }
            Err(_) => {
                let notice = format!("No such command: /{}", parsed.name);
                let mut ephemeral = Message::new(&view.room.id, server_bot(), &notice);
                ephemeral.tmid = message.tmid.clone();
                self.whisper(&actor.id, ephemeral);
            }
        }
        Ok(message)
    }

    async fn run_prepared(
        &self,
        actor: &User,
        prepared: Prepared,
    ) -> Result<AppOutcome, ChatError> {
        let apps = self.apps_for(&prepared.command)?;
        let result = apps
            .run_command(&prepared.command.app_id, prepared.invocation.clone())
            .await;
        Ok(self.tell(actor, &prepared, result))
    }

    /// The room of a command, which `actor` must be allowed to post in.
    async fn command_room(&self, actor: &User, room: &RoomRef) -> Result<RoomView, ChatError> {
        let view = self.view_room(actor, room).await?;
        if !view.access.post {
            return Err(post_refusal(&view));
        }
        Ok(view)
    }

    fn known_command(&self, name: &str) -> Result<SlashCommand, ChatError> {
        let name = name.strip_prefix('/').unwrap_or(name);
        self.commands().get(name).cloned().ok_or_else(|| {
            ChatError::invalid(
                INVALID_COMMAND,
                format!("No such command: /{name}; `commands.list` shows the commands there are"),
            )
        })
    }

    fn previewing_command(&self, name: &str) -> Result<SlashCommand, ChatError> {
        let command = self.known_command(name)?;
        if !command.preview {
            return Err(ChatError::invalid(
                NO_PREVIEW,
                format!(
                    "/{} of the app `{}` has no preview",
                    command.command, command.app_id
                ),
            ));
        }
        Ok(command)
    }

    /// The apps that run `command`; a command is only known through them,
    /// so their absence is a wiring fault, answered as unknown.
    fn apps_for(&self, command: &SlashCommand) -> Result<&Arc<dyn Apps>, ChatError> {
        self.apps.as_ref().ok_or_else(|| {
            ChatError::invalid(
                INVALID_COMMAND,
                format!("No such command: /{}: no apps run here", command.command),
            )
        })
    }

    async fn prepare(
        &self,
        actor: &User,
        command: SlashCommand,
        view: RoomView,
        call: &CommandCall,
    ) -> Result<Prepared, ChatError> {
        let thread_id = match &call.tmid {
            Some(tmid) => Some(self.thread_root(&view, tmid).await?),
            None => None,
        };
        let invocation = CommandInvocation {
            command: command.command.clone(),
            args: call.params.split_whitespace().map(str::to_owned).collect(),
            raw_args: call.params.clone(),
            room: view.room.clone(),
            user: actor.to_ref(),
            thread_id,
            trigger_id: call.trigger_id.clone().unwrap_or_else(random_id),
        };
        Ok(Prepared {
            command,
            view,
            invocation,
        })
    }

    /// Tells `actor` privately how the command went, and says it.
    fn tell(&self, actor: &User, prepared: &Prepared, result: AppAnswer) -> AppOutcome {
        let command = &prepared.command;
        let (outcome, text, from_app) = match result {
            Ok(Ok(answer)) => {
                let text = answer.clone();
                (AppOutcome::Answered(answer), text, true)
            }
            Ok(Err(reason)) => (AppOutcome::Refused(reason.clone()), Some(reason), true),
            Err(error) => {
                // The app is at fault, not the user or the server: logged
                // against it (the apps layer counted the fault), and the
                // user gets a plain account of it.
                tracing::warn!(app = %command.app_id, command = %command.command, "a slash command failed: {error}");
                let text = error.to_string();
                (AppOutcome::Failed(text.clone()), Some(text), false)
            }
        };
        if let Some(text) = text {
            let sender = if from_app {
                bots::bot_ref(&command.app_id)
            } else {
                server_bot()
            };
            let mut message = Message::new(&prepared.view.room.id, sender, &text);
            if from_app {
                message.app_id = Some(command.app_id.clone());
            }
            message.tmid = prepared.invocation.thread_id.clone();
            self.whisper(&actor.id, message);
        }
        outcome
    }
}

/// The sender of the server's own notices (unknown commands, failures).
fn server_bot() -> UserRef {
    UserRef {
        id: UserId::from(BOT_USERNAME),
        username: BOT_USERNAME.to_owned(),
        name: Some("Rocket.Cat".to_owned()),
    }
}
