//! [`RuntimeApps`]: the chat's [`Apps`] port over the apps runtime. It
//! converts the chat's records to what apps see ([`convert`]), skips the
//! conversion when no app implements a hook, and maps the runtime's
//! failures to the chat's [`AppCallError`].
//!
//! It reaches the runtime through a weak handle, set once the runtime
//! exists (the runtime needs its bridge, and the bridge this port's chat,
//! before it can be made). The [`AppManager`](super::AppManager) holds the
//! runtime; so `Runtime -> ChatBridge -> Chat -> RuntimeApps` never leads
//! back to the runtime, and app writes go through the very chat every
//! transport uses.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use capsule_runtime::model as app;
use capsule_runtime::{Hook, PreSend, Runtime, TargetError, WeakRuntime};

pub use super::call_failure::call_error;
use super::convert;
use super::registry::AppRegistry;
use crate::chat::{
    AppAnswer, AppCallError, AppFailure, Apps, CommandInvocation, CommandRegistry, Interaction,
    Prevented, PreviewItem, PreviewKind,
};
use crate::model::{Message, Room, UserRef};

/// The apps runtime as the chat's [`Apps`].
pub struct RuntimeApps {
    runtime: OnceLock<WeakRuntime>,
    /// The commands (and endpoints) of the loaded apps, rebuilt by the
    /// app manager on every change.
    registry: Arc<AppRegistry>,
}

impl RuntimeApps {
    /// The port over the apps in `registry`; it runs nothing until
    /// [`attach`](RuntimeApps::attach)ed to a runtime.
    pub fn new(registry: Arc<AppRegistry>) -> RuntimeApps {
        RuntimeApps {
            runtime: OnceLock::new(),
            registry,
        }
    }

    /// Connects the port to `runtime`. Only the first call counts.
    pub fn attach(&self, runtime: &Runtime) {
        let _ = self.runtime.set(runtime.downgrade());
    }

    /// The runtime, while it exists.
    fn runtime(&self) -> Option<Runtime> {
        self.runtime.get().and_then(WeakRuntime::upgrade)
    }

    /// The runtime, if an app in it implements one of `hooks`. The
    /// runtime exists even without apps (they can be installed at run
    /// time), so this keeps a server without them from converting every
    /// message and room for hooks nobody implements.
    fn runtime_with(&self, hooks: &[Hook]) -> Option<Runtime> {
        self.runtime().filter(|runtime| runtime.implements(hooks))
    }

    /// The runtime for a call to an app, or the failure of a call to an
    /// app that is not there.
    fn runtime_for(&self, app: &str) -> Result<Runtime, AppCallError> {
        self.runtime().ok_or_else(|| AppCallError {
            failure: AppFailure::NotLoaded,
            message: format!("No app `{app}` is running on this server. Try again in a moment."),
        })
    }

    /// `error` in words for the person who called `app`.
    fn failed(&self, app: &str, error: &TargetError) -> AppCallError {
        call_error(error, &self.registry.display_name(app))
    }
}

fn invocation(call: CommandInvocation) -> app::Invocation {
    app::Invocation {
        command: call.command,
        args: call.args,
        raw_args: call.raw_args,
        room: convert::room(&call.room),
        user: convert::user_ref(&call.user),
        thread_id: call.thread_id.map(|id| id.0),
        trigger_id: call.trigger_id,
    }
}

fn preview_item(item: app::PreviewItem) -> PreviewItem {
    PreviewItem {
        id: item.id,
        value: item.value,
        kind: match item.kind {
            app::PreviewKind::Text => PreviewKind::Text,
            app::PreviewKind::Image => PreviewKind::Image,
        },
    }
}

#[async_trait]
impl Apps for RuntimeApps {
    async fn pre_send(&self, message: &mut Message, depth: u32) -> Result<(), Prevented> {
        let Some(runtime) = self.runtime_with(&PRE_SEND_HOOKS) else {
            return Ok(());
        };
        let before = convert::message(message);
        match runtime.pre_send(before.clone(), depth).await {
            PreSend::Vetoed { app_id, reason } => Err(Prevented { app_id, reason }),
            PreSend::Accepted {
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

    fn hears_pre_send(&self) -> bool {
        self.runtime_with(&PRE_SEND_HOOKS).is_some()
    }

    fn message_sent(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.runtime_with(&[Hook::PostSend]) {
            drop(runtime.post_send(convert::message(message), depth));
        }
    }

    fn message_updated(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.runtime_with(&[Hook::PostUpdate]) {
            drop(runtime.post_update(convert::message(message), depth));
        }
    }

    fn message_deleted(&self, message: &Message, depth: u32) {
        if let Some(runtime) = self.runtime_with(&[Hook::PostDelete]) {
            drop(runtime.post_delete(convert::message(message), depth));
        }
    }

    fn room_created(&self, room: &Room) {
        if let Some(runtime) = self.runtime_with(&[Hook::RoomCreated]) {
            drop(runtime.room_created(convert::room(room)));
        }
    }

    fn hears_membership(&self, joined: bool) -> bool {
        self.runtime_with(&[membership_hook(joined)]).is_some()
    }

    fn membership_changed(&self, room: &Room, user: &UserRef, joined: bool) {
        let Some(runtime) = self.runtime_with(&[membership_hook(joined)]) else {
            return;
        };
        let (room, user) = (convert::room(room), convert::user_ref(user));
        drop(if joined {
            runtime.user_joined(room, user)
        } else {
            runtime.user_left(room, user)
        });
    }

    fn commands(&self) -> CommandRegistry {
        self.registry.commands()
    }

    async fn run_command(&self, app: &str, call: CommandInvocation) -> AppAnswer {
        self.runtime_for(app)?
            .execute_command(app, invocation(call))
            .await
            .map_err(|e| self.failed(app, &e))
    }

    async fn command_preview(
        &self,
        app: &str,
        call: CommandInvocation,
    ) -> Result<Result<Vec<PreviewItem>, String>, AppCallError> {
        let items = self
            .runtime_for(app)?
            .command_preview(app, invocation(call))
            .await
            .map_err(|e| self.failed(app, &e))?;
        Ok(items.map(|items| items.into_iter().map(preview_item).collect()))
    }

    async fn execute_preview(
        &self,
        app: &str,
        call: CommandInvocation,
        item_id: &str,
    ) -> AppAnswer {
        self.runtime_for(app)?
            .execute_preview(app, invocation(call), item_id)
            .await
            .map_err(|e| self.failed(app, &e))
    }

    fn runs(&self, app: &str) -> bool {
        self.runtime()
            .is_some_and(|runtime| runtime.app_ids().iter().any(|id| id == app))
    }

    async fn ui_action(&self, app: &str, action: Interaction) -> AppAnswer {
        let event = app::Interaction {
            action_id: action.action_id,
            value: action.value,
            user: convert::user_ref(&action.user),
            room_id: action.room.0,
            message_id: action.message.map(|id| id.0),
            trigger_id: action.trigger_id,
        };
        self.runtime_for(app)?
            .ui_action(app, event)
            .await
            .map_err(|e| self.failed(app, &e))
    }
}

/// The hooks that run before a message is stored.
const PRE_SEND_HOOKS: [Hook; 2] = [Hook::PreSendPrevent, Hook::PreSendModify];

/// The hook a membership change raises.
fn membership_hook(joined: bool) -> Hook {
    if joined {
        Hook::UserJoined
    } else {
        Hook::UserLeft
    }
}
