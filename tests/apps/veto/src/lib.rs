//! Veto app: stops messages containing the text setting `word` (default
//! `forbidden`) and remembers the id of the last message it saw posted.

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, settings};

/// The word vetoed when the `word` setting is not declared.
const DEFAULT_WORD: &str = "forbidden";

struct Veto;

impl App for Veto {
    fn pre_send_prevent(msg: Message) -> Verdict {
        let word = settings::text("word")
            .ok()
            .flatten()
            .unwrap_or_else(|| DEFAULT_WORD.to_owned());
        if !word.is_empty() && msg.text.contains(&word) {
            Verdict::Veto(format!("contains a forbidden word: {word}"))
        } else {
            Verdict::Allow
        }
    }

    fn post_send(msg: Message) {
        // A post hook has no one to report to; a failed write shows up in
        // tests as a missing key.
        let _ = kv::set_text("last-post", &msg.id);
    }
}

capsule_sdk::export_app!(Veto);
