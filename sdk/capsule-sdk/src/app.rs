//! The [`App`] trait: one associated function per event the host delivers.

use crate::http;
use crate::prelude::{
    HttpRequest, HttpResponse, Interaction, Invocation, Job, Message, MessageEdit, PreviewItem,
    Room, SettingValue, User, UserRef, Verdict,
};

/// What a command, a preview pick or a UI action returns: `Ok(Some(text))`
/// answers the user privately, `Ok(None)` answers nothing, `Err(text)` is
/// shown to the user as an error.
pub type CommandResult = Result<Option<String>, String>;

/// The error [`App::execute_command`] and its siblings return by default.
pub const NO_COMMANDS: &str = "this app implements no commands";
/// The error [`App::run_job`] returns by default.
pub const NO_JOBS: &str = "this app implements no jobs";
/// The error [`App::on_action`] returns by default.
pub const NO_UI: &str = "this app implements no UI actions";

/// A Capsule app. Implement the events you handle and pass the type to
/// [`export_app!`](crate::export_app).
///
/// The functions are associated functions without `self`: the host may
/// create a fresh instance of the component for any call, so state that
/// must survive belongs in [`kv`](crate::kv), not in a value.
///
/// Every function has a default so an app writes only what it handles. The
/// host calls only the hooks the app's manifest lists under `implements`;
/// the defaults keep the component complete and make a manifest that claims
/// more than the code does fail safely (allow, change nothing, or an error
/// the user sees).
///
/// Each function notes the WIT export it implements.
pub trait App {
    /// `lifecycle.on-install`: once, after the admin installed the app.
    /// An error is reported to the admin.
    fn on_install() -> Result<(), String> {
        Ok(())
    }

    /// `lifecycle.on-enable`: the app is being enabled; an error keeps it
    /// disabled.
    fn on_enable() -> Result<(), String> {
        Ok(())
    }

    /// `lifecycle.on-disable`: the app was disabled.
    fn on_disable() {}

    /// `lifecycle.on-settings-changed`: the admin changed the settings whose
    /// ids are in `changed`.
    fn on_settings_changed(changed: Vec<String>) {
        let _ = changed;
    }

    /// `lifecycle.on-uninstall`: the app and its data are about to be
    /// removed.
    fn on_uninstall() {}

    /// `settings-validation.validate-settings`: an admin is changing the
    /// settings whose ids are in `changed`; `proposed` holds every setting
    /// with the value it would have. `Err(text)` refuses the change (nothing
    /// is saved) and the admin reads `text`. The host calls it only when the
    /// manifest lists `validate-settings` (contract 0.1.2, `"api":
    /// "^0.1.2"`). Defaults to accepting.
    fn validate_settings(
        changed: Vec<String>,
        proposed: Vec<(String, SettingValue)>,
    ) -> Result<(), String> {
        let _ = (changed, proposed);
        Ok(())
    }

    /// `message-events.pre-send-prevent`: decide whether a message may be
    /// sent. Runs before every modify hook.
    fn pre_send_prevent(msg: Message) -> Verdict {
        let _ = msg;
        Verdict::Allow
    }

    /// `message-events.pre-send-modify`: the changes to make to a message
    /// before it is stored, or `None` to leave it alone.
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        let _ = msg;
        None
    }

    /// `message-events.post-send`: a message was stored. Runs off the
    /// sender's path.
    fn post_send(msg: Message) {
        let _ = msg;
    }

    /// `message-events.post-update`: a message was edited.
    fn post_update(msg: Message) {
        let _ = msg;
    }

    /// `message-events.post-delete`: a message was deleted.
    fn post_delete(msg: Message) {
        let _ = msg;
    }

    /// `room-events.room-created`.
    fn room_created(room: Room) {
        let _ = room;
    }

    /// `room-events.user-joined`.
    fn user_joined(room: Room, user: UserRef) {
        let _ = (room, user);
    }

    /// `room-events.user-left`.
    fn user_left(room: Room, user: UserRef) {
        let _ = (room, user);
    }

    /// `commands.execute`: run one of the slash commands the manifest
    /// declares. Defaults to the error [`NO_COMMANDS`].
    fn execute_command(call: Invocation) -> CommandResult {
        let _ = call;
        Err(NO_COMMANDS.to_owned())
    }

    /// `commands.preview`: suggestions while the user types a command.
    /// Defaults to the error [`NO_COMMANDS`].
    fn preview_command(call: Invocation) -> Result<Vec<PreviewItem>, String> {
        let _ = call;
        Err(NO_COMMANDS.to_owned())
    }

    /// `commands.execute-preview`: the user picked the preview item
    /// `item_id`. Defaults to the error [`NO_COMMANDS`].
    fn execute_preview(call: Invocation, item_id: String) -> CommandResult {
        let _ = (call, item_id);
        Err(NO_COMMANDS.to_owned())
    }

    /// `endpoints.handle`: serve a request to the endpoint named `endpoint`
    /// in the manifest; `user` is the signed-in user of a private endpoint.
    /// Defaults to a plain-text 404.
    fn handle_endpoint(endpoint: String, request: HttpRequest, user: Option<User>) -> HttpResponse {
        let _ = (endpoint, request, user);
        http::not_found()
    }

    /// `jobs.run`: a job scheduled through [`scheduler`](crate::scheduler)
    /// came due. An error is retried with backoff. Defaults to the error
    /// [`NO_JOBS`].
    fn run_job(job: Job) -> Result<(), String> {
        let _ = job;
        Err(NO_JOBS.to_owned())
    }

    /// `ui.on-action`: a button on a message the app posted was pressed.
    /// Defaults to the error [`NO_UI`].
    fn on_action(event: Interaction) -> CommandResult {
        let _ = event;
        Err(NO_UI.to_owned())
    }
}
