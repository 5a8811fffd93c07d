//! The words the bridge shows in the room: who a contact is, and how a
//! reply's delivery is going.

use crate::webhook::State;

/// The name a contact's messages are shown under: `Name (+number)`, or the
/// number alone.
pub fn alias(name: Option<&str>, wa_id: &str) -> String {
    match name {
        Some(name) => format!("{name} (+{wa_id})"),
        None => format!("+{wa_id}"),
    }
}

/// The first message of a contact's thread says what the thread is for.
pub fn thread_intro(text: &str) -> String {
    format!("{text}\n\n_Reply in this thread to answer on WhatsApp._")
}

/// The delivery line under a reply, for its newest `state`.
pub fn delivery(state: State, to: &str, error: Option<&str>) -> String {
    match state {
        State::Sent => format!(":white_check_mark: sent to +{to}"),
        State::Delivered => format!(":white_check_mark::white_check_mark: delivered to +{to}"),
        State::Read => format!(":eyes: read by +{to}"),
        State::Failed => format!(
            ":x: not delivered to +{to}: {}",
            error.unwrap_or("WhatsApp gave no reason")
        ),
    }
}

/// The line shown when the API took the reply, before any status.
pub fn accepted(to: &str) -> String {
    format!(":outbox_tray: sending to +{to}…")
}

/// The line shown when a reply could not be sent at all.
pub fn not_sent(why: &str) -> String {
    format!(":warning: not sent to WhatsApp: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_lines_name_the_number() {
        assert_eq!(
            alias(Some("Sheena"), "16505551234"),
            "Sheena (+16505551234)"
        );
        assert_eq!(alias(None, "16505551234"), "+16505551234");
        assert_eq!(
            delivery(State::Read, "16505551234", None),
            ":eyes: read by +16505551234"
        );
        assert_eq!(
            delivery(
                State::Failed,
                "1555",
                Some("Message undeliverable (code 131026)")
            ),
            ":x: not delivered to +1555: Message undeliverable (code 131026)"
        );
        assert!(delivery(State::Failed, "1555", None).ends_with("WhatsApp gave no reason"));
        assert!(not_sent("bad token").ends_with("not sent to WhatsApp: bad token"));
    }
}
