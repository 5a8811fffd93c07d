//! Modifier app: a pre-send-modify hook that appends ` [TAG]`, TAG being
//! the text setting `tag`. Installed several times with different tags it
//! shows the order in which the host chains modify hooks.

use capsule_sdk::prelude::*;
use capsule_sdk::settings;

struct Modifier;

impl App for Modifier {
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        // A missing or unreadable tag still marks the message, so a test
        // sees that the hook ran even when the setting is wrong.
        let tag = settings::text("tag")
            .ok()
            .flatten()
            .unwrap_or_else(|| "?".to_owned());
        Some(capsule_sdk::messages::edit_text(format!(
            "{} [{tag}]",
            msg.text
        )))
    }
}

capsule_sdk::export_app!(Modifier);
