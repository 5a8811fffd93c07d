//! Everything app: implements every kind of export except the pre-send
//! hooks, to test how the host dispatches each of them.
//!
//! * commands: `echo`, `count`, `greet`, `say`, `whoami`, `pick`, whose
//!   preview offers each argument and whose pick answers it, and `poll`,
//!   posting a message with buttons;
//! * endpoints (`echo`, `whoami`, `hooks`) echoing the request as JSON
//!   (see `endpoint.rs` for the headers that steer the answer);
//! * a job handler storing `job:<name>` = payload in kv;
//! * a UI action handler answering `pressed <action-id>`; the action
//!   `edit` (a button of `/poll`'s message) first edits the message it
//!   came from to `edited by <username> in <room-id> (<value>)`; the
//!   actions `panic` and `loop` panic and spin until the CPU deadline;
//! * `user-joined` greeting the user in the room;
//! * `on-install` storing `installed` = `yes`.

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, log, messages};

mod commands;
mod endpoint;

struct Everything;

impl App for Everything {
    fn on_install() -> Result<(), String> {
        log::info("installing");
        kv::set_text("installed", "yes").map_err(|e| describe(&e))
    }

    fn execute_command(call: Invocation) -> CommandResult {
        log::debug(&format!("/{} by {}", call.command, call.user.username));
        commands::execute(&call)
    }

    fn preview_command(call: Invocation) -> Result<Vec<PreviewItem>, String> {
        commands::preview(&call)
    }

    fn execute_preview(call: Invocation, item_id: String) -> CommandResult {
        commands::pick(&call, &item_id)
    }

    fn handle_endpoint(endpoint: String, request: HttpRequest, user: Option<User>) -> HttpResponse {
        endpoint::echo(endpoint, request, user)
    }

    fn run_job(job: Job) -> Result<(), String> {
        kv::set(&format!("job:{}", job.name), &job.payload).map_err(|e| describe(&e))
    }

    fn on_action(event: Interaction) -> CommandResult {
        match event.action_id.as_str() {
            "panic" => panic!("asked to panic by the action `panic`"),
            "loop" => endpoint::spin(),
            _ => {}
        }
        if let ("edit", Some(message)) = (event.action_id.as_str(), &event.message_id) {
            let text = format!(
                "edited by {} in {} ({})",
                event.user.username,
                event.room_id,
                event.value.as_deref().unwrap_or("no value")
            );
            messages::update(message, &messages::edit_text(text)).map_err(|e| describe(&e))?;
        }
        Ok(Some(format!("pressed {}", event.action_id)))
    }

    fn user_joined(room: Room, user: UserRef) {
        let text = format!("welcome @{}", user.username);
        if let Err(e) = messages::send_text(&room.id, &text) {
            log::warn(&format!(
                "could not welcome {}: {}",
                user.username,
                describe(&e)
            ));
        }
    }
}

capsule_sdk::export_app!(Everything);
