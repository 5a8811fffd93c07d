//! Hello: the smallest useful Capsule app.
//!
//! * Its pre-send-modify hook replaces `:wave:` with 👋 in every message.
//! * The command `/hello [name]` answers `Hello, <name>!` privately, the
//!   name defaulting to the caller's username.
//!
//! Both log what they do through the `logging` capability, the only one
//! the app asks for in `manifest.json`.

use capsule_sdk::prelude::*;
use capsule_sdk::{log, messages};

/// The shortcode the hook replaces, and what it becomes.
const WAVE: (&str, &str) = (":wave:", "👋");

/// The app. Public so that a host build (for `cargo test`), which does not
/// export it, does not flag it as unused.
pub struct Hello;

impl App for Hello {
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        // `None` leaves the message untouched, which is cheaper for the
        // host than an edit that changes nothing.
        if !msg.text.contains(WAVE.0) {
            return None;
        }
        log::info(&format!("waving in message {}", msg.id));
        Some(messages::edit_text(msg.text.replace(WAVE.0, WAVE.1)))
    }

    fn execute_command(call: Invocation) -> CommandResult {
        match call.command.as_str() {
            "hello" => {
                let name = call.args.first().unwrap_or(&call.user.username);
                log::info(&format!("{} said hello to {name}", call.user.username));
                Ok(Some(format!("Hello, {name}!")))
            }
            other => Err(format!("unknown command `{other}`")),
        }
    }
}

capsule_sdk::export_app!(Hello);
