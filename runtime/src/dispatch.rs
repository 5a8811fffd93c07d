//! Event dispatch: the order in which apps see an event, and what their
//! answers do.
//!
//! A message goes through **prevent** hooks first (any veto stops it), then
//! **modify** hooks chained one after the other, each seeing the previous
//! one's result; both in chain order (ascending priority, then app id). The
//! caller then stores the message and calls [`Runtime::post_send`], which
//! runs every post-send hook concurrently, off the caller's path. A faulting
//! hook is skipped, not obeyed, unless the app is marked fail-closed.

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::app::health::AppStatus;
use crate::app::{CallError, CallFuture, LoadedApp};
use crate::bindings::v0_1::types as wit;
use crate::fault::Fault;
use crate::limits::CallKind;
use crate::model::{
    HttpRequest, HttpResponse, Interaction, Invocation, Job, Message, MessageEdit, PreviewItem,
    Room, SettingValue, User, UserRef, Verdict,
};
use crate::runtime::{NotLoaded, Runtime};
use capsule_contract::Hook;

/// The outcome of the pre-send hooks.
#[derive(Debug)]
// `Accepted` is what nearly every message gets; boxing it would cost an
// allocation per message to save stack space on the rare veto.
#[allow(clippy::large_enum_variant)]
pub enum PreSend {
    /// Store this (possibly modified) message. `skipped` lists hooks that
    /// faulted and were passed over.
    Accepted {
        message: Message,
        skipped: Vec<CallError>,
    },
    /// An app stopped the message; show `reason` to the sender.
    Vetoed { app_id: String, reason: String },
}

/// Hooks running in the background. Dropping this lets them run on;
/// [`Background::finished`] waits for them.
#[must_use = "drop it to let the hooks run on, or await `finished()`"]
pub struct Background {
    set: Option<JoinSet<()>>,
}

impl Background {
    /// Waits until every hook has returned.
    pub async fn finished(mut self) {
        if let Some(mut set) = self.set.take() {
            while set.join_next().await.is_some() {}
        }
    }

    /// How many hooks were started.
    pub fn len(&self) -> usize {
        self.set.as_ref().map_or(0, JoinSet::len)
    }

    /// Whether no hook was started.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut set) = self.set.take() {
            set.detach_all();
        }
    }
}

/// Lifecycle calls.
#[derive(Clone, Debug, PartialEq)]
pub enum LifecycleEvent {
    Install,
    Enable,
    Disable,
    SettingsChanged(Vec<String>),
    Uninstall,
}

/// Why a targeted call (command, endpoint, job, ...) did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    NotLoaded(#[from] NotLoaded),
    #[error(transparent)]
    Call(#[from] CallError),
}

fn missing<T>(hook: Hook) -> wasmtime::Result<Result<T, Fault>> {
    Ok(Err(Fault::MissingExport(hook.interface().to_string())))
}

fn nothing<R>(_: &R) -> usize {
    0
}

fn error_len(r: &Result<(), String>) -> usize {
    r.as_ref().err().map_or(0, String::len)
}

fn text_len(r: &Result<Option<String>, String>) -> usize {
    match r {
        Ok(Some(s)) | Err(s) => s.len(),
        Ok(None) => 0,
    }
}

/// Builds the boxed future of one export call, or a missing-export fault.
macro_rules! export_call {
    ($exports:expr, $iface:ident, $hook:expr, |$g:ident| $body:expr) => {
        Box::pin(async move {
            match $exports.$iface.as_ref() {
                Some($g) => Ok(Ok($body.await?)),
                None => missing($hook),
            }
        })
    };
}

impl Runtime {
    /// Runs the pre-send hooks of every enabled app on a message that is
    /// about to be stored. `depth` is 0 for a user's message and grows by
    /// one each time an app's message re-enters the pipeline.
    pub async fn pre_send(&self, message: Message, depth: u32) -> PreSend {
        let apps = self.snapshot();
        let mut skipped = Vec::new();
        for app in apps
            .iter()
            .filter(|a| a.spec.implements(Hook::PreSendPrevent))
        {
            if !app.shared.health.is_enabled() {
                // A compliance filter that the runtime switched off after
                // faults still blocks: it must never be bypassed. One an
                // admin disabled is off on purpose.
                if let AppStatus::DisabledAfterFaults { last_fault, .. } =
                    app.shared.health.status()
                    && app.spec.fail_closed
                {
                    return PreSend::Vetoed {
                        app_id: app.id().to_string(),
                        reason: format!(
                            "blocked because the required filter `{}` is disabled after faults ({last_fault})",
                            app.id()
                        ),
                    };
                }
                continue;
            }
            let msg: wit::Message = message.clone().into();
            let verdict = app
                .call(
                    Hook::PreSendPrevent,
                    CallKind::PreSend,
                    depth,
                    verdict_len,
                    |store, ex| -> CallFuture<'_, _> {
                        export_call!(ex, message_events, Hook::PreSendPrevent, |g| g
                            .call_pre_send_prevent(store, &msg))
                    },
                )
                .await;
            match verdict.map(Verdict::from) {
                Ok(Verdict::Allow) => {}
                Ok(Verdict::Veto(reason)) => {
                    return PreSend::Vetoed {
                        app_id: app.id().to_string(),
                        reason,
                    };
                }
                Err(err) if app.spec.fail_closed => {
                    return PreSend::Vetoed {
                        app_id: app.id().to_string(),
                        reason: format!(
                            "blocked because the required filter `{}` failed: {err}",
                            app.id()
                        ),
                    };
                }
                Err(err) => skipped.push(err),
            }
        }
        let mut message = message;
        for app in apps.iter().filter(|a| a.serves(Hook::PreSendModify)) {
            let msg: wit::Message = message.clone().into();
            let edit = app
                .call(
                    Hook::PreSendModify,
                    CallKind::PreSend,
                    depth,
                    edit_len,
                    |store, ex| -> CallFuture<'_, _> {
                        // Converted here, so the output cap measures the
                        // edit with the model's own size rule.
                        export_call!(ex, message_events, Hook::PreSendModify, |g| async {
                            let edit = g.call_pre_send_modify(store, &msg).await;
                            edit.map(|edit| edit.map(MessageEdit::from))
                        })
                    },
                )
                .await;
            match edit {
                Ok(Some(edit)) => message.apply(edit),
                Ok(None) => {}
                Err(err) => skipped.push(err),
            }
        }
        PreSend::Accepted { message, skipped }
    }

    /// Runs every post-send hook concurrently, in the background.
    pub fn post_send(&self, message: Message, depth: u32) -> Background {
        self.message_event(Hook::PostSend, message, depth)
    }

    /// Runs every post-update hook in the background.
    pub fn post_update(&self, message: Message, depth: u32) -> Background {
        self.message_event(Hook::PostUpdate, message, depth)
    }

    /// Runs every post-delete hook in the background.
    pub fn post_delete(&self, message: Message, depth: u32) -> Background {
        self.message_event(Hook::PostDelete, message, depth)
    }

    fn message_event(&self, hook: Hook, message: Message, depth: u32) -> Background {
        self.fan_out(hook, move |app| {
            let msg: wit::Message = message.clone().into();
            async move {
                let _ = app
                    .call(
                        hook,
                        CallKind::Event,
                        depth,
                        nothing,
                        |store, ex| -> CallFuture<'_, ()> {
                            Box::pin(async move {
                                let Some(g) = ex.message_events.as_ref() else {
                                    return missing(hook);
                                };
                                match hook {
                                    Hook::PostUpdate => g.call_post_update(store, &msg).await?,
                                    Hook::PostDelete => g.call_post_delete(store, &msg).await?,
                                    _ => g.call_post_send(store, &msg).await?,
                                }
                                Ok(Ok(()))
                            })
                        },
                    )
                    .await;
            }
        })
    }

    /// Tells apps a room was created.
    pub fn room_created(&self, room: Room) -> Background {
        self.room_event(Hook::RoomCreated, room, None)
    }

    /// Tells apps a user joined a room.
    pub fn user_joined(&self, room: Room, user: UserRef) -> Background {
        self.room_event(Hook::UserJoined, room, Some(user))
    }

    /// Tells apps a user left a room.
    pub fn user_left(&self, room: Room, user: UserRef) -> Background {
        self.room_event(Hook::UserLeft, room, Some(user))
    }

    fn room_event(&self, hook: Hook, room: Room, user: Option<UserRef>) -> Background {
        self.fan_out(hook, move |app| {
            let room: wit::Room = room.clone().into();
            let user: Option<wit::UserRef> = user.clone().map(Into::into);
            async move {
                let _ = app
                    .call(
                        hook,
                        CallKind::Event,
                        0,
                        nothing,
                        |store, ex| -> CallFuture<'_, ()> {
                            Box::pin(async move {
                                let Some(g) = ex.room_events.as_ref() else {
                                    return missing(hook);
                                };
                                match (hook, user) {
                                    (Hook::UserJoined, Some(user)) => {
                                        g.call_user_joined(store, &room, &user).await?
                                    }
                                    (Hook::UserLeft, Some(user)) => {
                                        g.call_user_left(store, &room, &user).await?
                                    }
                                    _ => g.call_room_created(store, &room).await?,
                                }
                                Ok(Ok(()))
                            })
                        },
                    )
                    .await;
            }
        })
    }

    /// Spawns `run` for every enabled app serving `hook`, concurrently.
    fn fan_out<F, Fut>(&self, hook: Hook, run: F) -> Background
    where
        F: Fn(Arc<LoadedApp>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut set = JoinSet::new();
        for app in self.snapshot().iter().filter(|a| a.serves(hook)) {
            set.spawn(run(app.clone()));
        }
        Background { set: Some(set) }
    }

    /// Runs a slash command of `app`. `Ok(Ok(Some(text)))` is a private
    /// answer; `Ok(Err(text))` is the app's error for the user.
    pub async fn execute_command(
        &self,
        app: &str,
        call: Invocation,
    ) -> Result<Result<Option<String>, String>, TargetError> {
        let app = self.get(app)?;
        let call: crate::bindings::v0_1::guest::commands::Invocation = call.into();
        Ok(app
            .call(
                Hook::Command,
                CallKind::Command,
                0,
                text_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, commands, Hook::Command, |g| g
                        .call_execute(store, &call))
                },
            )
            .await?)
    }

    /// Asks `app` for preview items of a command being typed.
    pub async fn command_preview(
        &self,
        app: &str,
        call: Invocation,
    ) -> Result<Result<Vec<PreviewItem>, String>, TargetError> {
        let app = self.get(app)?;
        let call: crate::bindings::v0_1::guest::commands::Invocation = call.into();
        let items = app
            .call(
                Hook::CommandPreview,
                CallKind::Command,
                0,
                preview_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, commands, Hook::CommandPreview, |g| g
                        .call_preview(store, &call))
                },
            )
            .await?;
        Ok(items.map(|items| items.into_iter().map(Into::into).collect()))
    }

    /// Runs the preview item the user picked.
    pub async fn execute_preview(
        &self,
        app: &str,
        call: Invocation,
        item_id: &str,
    ) -> Result<Result<Option<String>, String>, TargetError> {
        let app = self.get(app)?;
        let call: crate::bindings::v0_1::guest::commands::Invocation = call.into();
        let item_id = item_id.to_string();
        Ok(app
            .call(
                Hook::CommandPreview,
                CallKind::Command,
                0,
                text_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, commands, Hook::CommandPreview, |g| g
                        .call_execute_preview(store, &call, &item_id))
                },
            )
            .await?)
    }

    /// Serves a request to one of `app`'s HTTP endpoints.
    pub async fn handle_endpoint(
        &self,
        app: &str,
        endpoint: &str,
        request: HttpRequest,
        user: Option<User>,
    ) -> Result<HttpResponse, TargetError> {
        let app = self.get(app)?;
        let request: wit::HttpRequest = request.into();
        let user: Option<wit::User> = user.map(Into::into);
        let endpoint = endpoint.to_string();
        Ok(app
            .call(
                Hook::Endpoint,
                CallKind::Endpoint,
                0,
                response_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, endpoints, Hook::Endpoint, |g| async {
                        let response = g
                            .call_handle(store, &endpoint, &request, user.as_ref())
                            .await;
                        response.map(HttpResponse::from)
                    })
                },
            )
            .await?)
    }

    /// Runs a job that came due. `Ok(Err(text))` asks for a retry.
    pub async fn run_job(&self, app: &str, job: Job) -> Result<Result<(), String>, TargetError> {
        let app = self.get(app)?;
        let job: crate::bindings::v0_1::guest::jobs::Job = job.into();
        Ok(app
            .call(
                Hook::Job,
                CallKind::Job,
                0,
                error_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, jobs, Hook::Job, |g| g.call_run(store, &job))
                },
            )
            .await?)
    }

    /// Delivers a button press on a message `app` posted.
    pub async fn ui_action(
        &self,
        app: &str,
        event: Interaction,
    ) -> Result<Result<Option<String>, String>, TargetError> {
        let app = self.get(app)?;
        let event: crate::bindings::v0_1::guest::ui::Interaction = event.into();
        Ok(app
            .call(
                Hook::UiAction,
                CallKind::Interaction,
                0,
                text_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, ui, Hook::UiAction, |g| g.call_on_action(store, &event))
                },
            )
            .await?)
    }

    /// Asks the app whether an admin's change to its settings may be saved:
    /// `changed` the ids set or cleared, `proposed` every setting with the
    /// value it would have. `Ok(Err(text))` is the app's refusal, for the
    /// admin to read. Runs while the app is disabled too (an admin sets an
    /// app up before enabling it), not once it is refused.
    pub async fn validate_settings(
        &self,
        app: &str,
        changed: Vec<String>,
        proposed: Vec<(String, SettingValue)>,
    ) -> Result<Result<(), String>, TargetError> {
        let app = self.get(app)?;
        let proposed: Vec<(String, wit::SettingValue)> = proposed
            .into_iter()
            .map(|(id, value)| (id, value.into()))
            .collect();
        Ok(app
            .call(
                Hook::ValidateSettings,
                CallKind::Lifecycle,
                0,
                error_len,
                |store, ex| -> CallFuture<'_, _> {
                    export_call!(ex, settings_validation, Hook::ValidateSettings, |g| g
                        .call_validate_settings(store, &changed, &proposed))
                },
            )
            .await?)
    }

    /// Runs a lifecycle call. `Ok(Err(text))` is the app's refusal (of
    /// install or enable).
    pub async fn lifecycle(
        &self,
        app: &str,
        event: LifecycleEvent,
    ) -> Result<Result<(), String>, TargetError> {
        let app = self.get(app)?;
        Ok(app
            .call(
                Hook::Lifecycle,
                CallKind::Lifecycle,
                0,
                error_len,
                |store, ex| -> CallFuture<'_, _> {
                    Box::pin(async move {
                        let Some(g) = ex.lifecycle.as_ref() else {
                            return missing(Hook::Lifecycle);
                        };
                        Ok(Ok(match event {
                            LifecycleEvent::Install => g.call_on_install(store).await?,
                            LifecycleEvent::Enable => g.call_on_enable(store).await?,
                            LifecycleEvent::Disable => Ok(g.call_on_disable(store).await?),
                            LifecycleEvent::SettingsChanged(ids) => {
                                Ok(g.call_on_settings_changed(store, &ids).await?)
                            }
                            LifecycleEvent::Uninstall => Ok(g.call_on_uninstall(store).await?),
                        }))
                    })
                },
            )
            .await?)
    }
}

fn verdict_len(v: &crate::bindings::v0_1::guest::message_events::Verdict) -> usize {
    match v {
        crate::bindings::v0_1::guest::message_events::Verdict::Veto(reason) => reason.len(),
        _ => 0,
    }
}

fn edit_len(edit: &Option<MessageEdit>) -> usize {
    edit.as_ref().map_or(0, MessageEdit::byte_len)
}

fn preview_len(
    r: &Result<Vec<crate::bindings::v0_1::guest::commands::PreviewItem>, String>,
) -> usize {
    match r {
        Ok(items) => items.iter().map(|i| i.id.len() + i.value.len()).sum(),
        Err(s) => s.len(),
    }
}

fn response_len(r: &HttpResponse) -> usize {
    r.byte_len()
}
