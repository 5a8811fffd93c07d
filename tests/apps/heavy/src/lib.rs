//! Heavy app: masks e-mail addresses and phone numbers in messages. It
//! links a full Unicode-aware regex engine, which makes it a component of
//! about a megabyte: the benchmark loads it to measure loading a large app
//! from the compiled-component cache.

use std::sync::OnceLock;

use capsule_sdk::prelude::*;
use regex::Regex;

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            (r"(?i)\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b", "[e-mail]"),
            (r"\+?\b\d[\d \-]{7,}\d\b", "[phone]"),
            (r"\b\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+ \(private\)", "[name]"),
        ]
        .into_iter()
        .map(|(p, mask)| (Regex::new(p).expect("the patterns are valid"), mask))
        .collect()
    })
}

struct Heavy;

impl App for Heavy {
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        let mut text = msg.text.clone();
        for (pattern, mask) in patterns() {
            text = pattern.replace_all(&text, *mask).into_owned();
        }
        (text != msg.text).then(|| capsule_sdk::messages::edit_text(text))
    }
}

capsule_sdk::export_app!(Heavy);
