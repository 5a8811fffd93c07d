//! An app of the first contract release, `capsule:apps@0.1.0` (folder
//! `wit/0.1.0`), kept so the tests prove that a runtime serving a newer
//! 0.1 release still loads and calls apps built before it.
//!
//! `/legacy <text>` posts `<text>` to the room through `message-write` (an
//! import) and answers `0.1.0` (an export): both directions of the
//! semver-compatible name matching.

wit_bindgen::generate!({
    path: "../../../wit/0.1.0",
    world: "app",
});

use capsule::apps::message_write;
use capsule::apps::types::{Message, MessageEdit, OutgoingMessage, Room, User, UserRef};
use exports::capsule::apps::commands::{Invocation, PreviewItem};
use exports::capsule::apps::jobs::Job;
use exports::capsule::apps::message_events::Verdict;
use exports::capsule::apps::ui::Interaction;
use exports::capsule::apps::{
    commands, endpoints, jobs, lifecycle, message_events, room_events, ui,
};

struct Legacy;

impl commands::Guest for Legacy {
    fn execute(call: Invocation) -> Result<Option<String>, String> {
        message_write::send(&OutgoingMessage {
            room_id: call.room.id,
            text: call.raw_args,
            thread_id: None,
            alias: None,
            emoji: None,
            avatar_url: None,
            attachments: Vec::new(),
        })
        .map_err(|e| format!("{e:?}"))?;
        Ok(Some("0.1.0".to_owned()))
    }

    fn preview(_call: Invocation) -> Result<Vec<PreviewItem>, String> {
        Err("no preview".to_owned())
    }

    fn execute_preview(_call: Invocation, _item_id: String) -> Result<Option<String>, String> {
        Err("no preview".to_owned())
    }
}

// The rest of the world's exports, which this app does not use.

impl lifecycle::Guest for Legacy {
    fn on_install() -> Result<(), String> {
        Ok(())
    }
    fn on_enable() -> Result<(), String> {
        Ok(())
    }
    fn on_disable() {}
    fn on_settings_changed(_changed: Vec<String>) {}
    fn on_uninstall() {}
}

impl message_events::Guest for Legacy {
    fn pre_send_prevent(_msg: Message) -> Verdict {
        Verdict::Allow
    }
    fn pre_send_modify(_msg: Message) -> Option<MessageEdit> {
        None
    }
    fn post_send(_msg: Message) {}
    fn post_update(_msg: Message) {}
    fn post_delete(_msg: Message) {}
}

impl room_events::Guest for Legacy {
    fn room_created(_room: Room) {}
    fn user_joined(_room: Room, _user: UserRef) {}
    fn user_left(_room: Room, _user: UserRef) {}
}

impl endpoints::Guest for Legacy {
    fn handle(
        _endpoint: String,
        _request: capsule::apps::types::HttpRequest,
        _user: Option<User>,
    ) -> capsule::apps::types::HttpResponse {
        capsule::apps::types::HttpResponse {
            status: 404,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

impl jobs::Guest for Legacy {
    fn run(_job: Job) -> Result<(), String> {
        Err("no jobs".to_owned())
    }
}

impl ui::Guest for Legacy {
    fn on_action(_event: Interaction) -> Result<Option<String>, String> {
        Err("no buttons".to_owned())
    }
}

export!(Legacy);
