//! Benchmark app: a pre-send-modify hook that appends ` ✓`, and nothing
//! else. It calls no capability, so it measures the cost of a hook call
//! itself (instantiation, lifting and lowering a message).

use capsule_sdk::prelude::*;

struct Bench;

impl App for Bench {
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        // Reuse the message's own buffer: the hook should cost one push.
        let mut text = msg.text;
        text.push_str(" ✓");
        Some(MessageEdit {
            text: Some(text),
            attachments: None,
        })
    }
}

capsule_sdk::export_app!(Bench);
