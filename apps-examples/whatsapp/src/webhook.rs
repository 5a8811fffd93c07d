//! What Meta sends to the webhook: the verification request (`GET`) and
//! notifications (`POST`, JSON).
//!
//! Verification: `GET <callback>?hub.mode=subscribe&hub.challenge=<n>&
//! hub.verify_token=<token>`; the endpoint answers the challenge as the
//! body when the token is the one configured in the app dashboard.
//!
//! Notifications (`"object": "whatsapp_business_account"`) carry a list of
//! `entry`, each with `changes`; a change with `"field": "messages"` has a
//! `value` with `metadata.phone_number_id`, `contacts` (`profile.name`,
//! `wa_id`), incoming `messages` (`from`, `id`, `timestamp`, `type`,
//! `text.body`, ...) and `statuses` of messages the business sent (`id`,
//! `status`: `sent` | `delivered` | `read` | `failed`, `recipient_id`,
//! `errors`).
//!
//! Parsing is lenient per item and strict on the envelope: a notification
//! that is not such an object is refused, while an item missing what the
//! bridge needs (or carrying nonsense) is skipped and counted, so one odd
//! message does not lose the others. Nothing here panics on any input.

use capsule_sdk::http;
use capsule_sdk::serde_json::{self, Value};

/// The most items (messages plus statuses) one notification is allowed to
/// make the bridge handle; Meta batches far fewer.
pub const MAX_ITEMS: usize = 100;
/// Longer message texts are cut (WhatsApp's own limit is 4096).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longer contact names are cut.
const MAX_NAME_CHARS: usize = 100;

/// Answers a verification request with the query `query` (the part after
/// `?`, still percent-encoded): the challenge to echo when `hub.mode` is
/// `subscribe` and `hub.verify_token` equals `verify_token`, else `None`.
/// An empty `verify_token` verifies nothing. A parameter given twice counts
/// the first time. Decoding is lenient (a bad `%` escape stays as it is),
/// which is safe here: the token is compared, never trusted for its shape.
pub fn verify_subscription(query: &str, verify_token: &str) -> Option<String> {
    let pairs = http::query_pairs(query);
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let token_ok = !verify_token.is_empty()
        && value("hub.verify_token").is_some_and(|t| crate::signature::same_text(t, verify_token));
    (value("hub.mode") == Some("subscribe") && token_ok)
        .then(|| value("hub.challenge"))
        .flatten()
        .filter(|c| !c.is_empty() && c.len() <= 256)
        .map(str::to_owned)
}

/// One incoming WhatsApp message.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The business phone number it was sent to (`metadata.phone_number_id`).
    pub phone_number_id: String,
    /// The sender's WhatsApp id (`from`), digits only.
    pub from: String,
    /// The sender's profile name, when the notification has it.
    pub name: Option<String>,
    /// WhatsApp's message id (`wamid....`).
    pub id: String,
    /// What to show: the text of a text message, or a note naming the
    /// type of one the bridge does not carry.
    pub text: String,
}

/// A delivery status of a message the business sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub phone_number_id: String,
    /// The id the send answered (`wamid....`).
    pub id: String,
    pub state: State,
    pub recipient: String,
    /// `errors[].title` (or `message`) of a failed message.
    pub error: Option<String>,
}

/// The statuses WhatsApp reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl State {
    fn parse(s: &str) -> Option<State> {
        Some(match s {
            "sent" => State::Sent,
            "delivered" => State::Delivered,
            "read" => State::Read,
            "failed" => State::Failed,
            _ => return None,
        })
    }

    /// How far along it is: a late `delivered` must not replace `read`.
    pub fn rank(self) -> u8 {
        match self {
            State::Sent => 1,
            State::Delivered => 2,
            State::Read => 3,
            State::Failed => 4,
        }
    }
}

/// What one notification holds.
#[derive(Debug, Default, PartialEq)]
pub struct Notification {
    pub messages: Vec<Incoming>,
    pub statuses: Vec<Status>,
    /// Items skipped: malformed, or past [`MAX_ITEMS`].
    pub skipped: usize,
}

/// Parses a notification body.
pub fn parse(body: &[u8]) -> Result<Notification, String> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if json.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        return Err("not a WhatsApp Business Account notification (`object`)".to_owned());
    }
    let entries = json
        .get("entry")
        .and_then(Value::as_array)
        .ok_or("`entry` is not a list")?;
    let mut out = Notification::default();
    let changes = entries
        .iter()
        .filter_map(|e| e.get("changes").and_then(Value::as_array))
        .flatten();
    for change in changes {
        if change.get("field").and_then(Value::as_str) != Some("messages") {
            continue;
        }
        let Some(value) = change.get("value") else {
            out.skipped += 1;
            continue;
        };
        parse_value(value, &mut out);
    }
    Ok(out)
}

fn parse_value(value: &Value, out: &mut Notification) {
    let phone_number_id = text_at(value, &["metadata", "phone_number_id"])
        .unwrap_or_default()
        .to_owned();
    let contacts = list(value, "contacts");
    let name_of = |wa_id: &str| {
        contacts
            .iter()
            .find(|c| c.get("wa_id").and_then(Value::as_str) == Some(wa_id))
            .and_then(|c| text_at(c, &["profile", "name"]))
            .map(|n| clean(n, MAX_NAME_CHARS))
            .filter(|n| !n.is_empty())
    };
    for message in list(value, "messages") {
        if out.messages.len() + out.statuses.len() >= MAX_ITEMS {
            out.skipped += 1;
            continue;
        }
        match incoming(message, &phone_number_id, &name_of) {
            Some(m) => out.messages.push(m),
            None => out.skipped += 1,
        }
    }
    for status in list(value, "statuses") {
        if out.messages.len() + out.statuses.len() >= MAX_ITEMS {
            out.skipped += 1;
            continue;
        }
        match status_of(status, &phone_number_id) {
            Some(s) => out.statuses.push(s),
            None => out.skipped += 1,
        }
    }
}

fn incoming(
    message: &Value,
    phone_number_id: &str,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> Option<Incoming> {
    let from = message.get("from").and_then(Value::as_str)?;
    let id = message.get("id").and_then(Value::as_str)?;
    if !is_wa_id(from) || !is_message_id(id) {
        return None;
    }
    let kind = message.get("type").and_then(Value::as_str)?;
    let text = if kind == "text" {
        let body = text_at(message, &["text", "body"])?;
        clean(body, MAX_TEXT_CHARS)
    } else if is_word(kind) {
        format!("_(a `{kind}` message, which this bridge does not show)_")
    } else {
        return None;
    };
    if text.trim().is_empty() {
        return None;
    }
    Some(Incoming {
        phone_number_id: phone_number_id.to_owned(),
        from: from.to_owned(),
        name: name_of(from),
        id: id.to_owned(),
        text,
    })
}

fn status_of(status: &Value, phone_number_id: &str) -> Option<Status> {
    let id = status.get("id").and_then(Value::as_str)?;
    let state = State::parse(status.get("status").and_then(Value::as_str)?)?;
    let recipient = status.get("recipient_id").and_then(Value::as_str)?;
    if !is_message_id(id) || !is_wa_id(recipient) {
        return None;
    }
    let error = list(status, "errors").first().and_then(|e| {
        let title = e
            .get("title")
            .or_else(|| e.get("message"))
            .and_then(Value::as_str)?;
        let code = e.get("code").and_then(Value::as_i64);
        let title = clean(title, 300);
        Some(match code {
            Some(code) => format!("{title} (code {code})"),
            None => title,
        })
    });
    Some(Status {
        phone_number_id: phone_number_id.to_owned(),
        id: id.to_owned(),
        state,
        recipient: recipient.to_owned(),
        error,
    })
}

/// A WhatsApp id: a phone number in international form, digits only.
pub fn is_wa_id(s: &str) -> bool {
    (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// A WhatsApp message id (`wamid.` and base64): safe as part of a kv key.
pub fn is_message_id(s: &str) -> bool {
    (1..=200).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-=+/".contains(&b))
}

fn is_word(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// `text` without control characters other than line breaks and tabs,
/// at most `max` characters.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use capsule_sdk::serde_json::json;

    #[test]
    fn the_verification_request_answers_the_challenge_only_with_the_token() {
        let q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";
        assert_eq!(
            verify_subscription(q, "meatyhamhock").as_deref(),
            Some("1158201444")
        );
        // Percent-encoded parts decode; order does not matter.
        let q = "hub.verify_token=a%20b%2Bc&hub.challenge=x%2Fy&hub.mode=subscribe";
        assert_eq!(verify_subscription(q, "a b+c").as_deref(), Some("x/y"));
        for (q, token) in [
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
                "right",
            ),
            (
                "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=t",
                "t",
            ),
            ("hub.challenge=1&hub.verify_token=t", "t"),
            ("hub.mode=subscribe&hub.verify_token=t", "t"),
            ("hub.mode=subscribe&hub.challenge=&hub.verify_token=t", "t"),
            ("hub.mode=subscribe&hub.challenge=1&hub.verify_token=", ""),
            ("hub.mode=subscribe&hub.challenge=1", ""),
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=t%zz",
                "t",
            ),
            ("", "t"),
            ("&&==&%", "t"),
        ] {
            assert_eq!(verify_subscription(q, token), None, "{q}");
        }
    }

    #[test]
    fn bad_escapes_are_kept_as_text_and_only_an_equal_token_verifies() {
        // Lenient decoding: `%zz` stays `%zz`, so it matches only a token
        // that is literally `t%zz`; `%ff` (not UTF-8) becomes U+FFFD.
        let q = "hub.mode=subscribe&hub.challenge=%ff&hub.verify_token=t%zz";
        assert_eq!(verify_subscription(q, "t%zz").as_deref(), Some("\u{fffd}"));
        assert_eq!(verify_subscription(q, "t"), None);
        assert_eq!(verify_subscription(q, "t%"), None);
        // The first of a repeated parameter counts.
        let q = "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong&hub.verify_token=t";
        assert_eq!(verify_subscription(q, "t"), None);
        // A leading `?` is allowed.
        let q = "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=t";
        assert_eq!(verify_subscription(q, "t").as_deref(), Some("1"));
    }

    fn notification(value: Value) -> Vec<u8> {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_text_message_is_parsed_with_the_contacts_name() {
        let body = notification(json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
            "messages": [{
                "from": "16505551234",
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                "timestamp": "1749416383",
                "type": "text",
                "text": {"body": "Does it come in another color?"}
            }]
        }));
        let parsed = parse(&body).unwrap();
        assert_eq!(parsed.skipped, 0);
        assert!(parsed.statuses.is_empty());
        assert_eq!(
            parsed.messages,
            vec![Incoming {
                phone_number_id: "106540352242922".into(),
                from: "16505551234".into(),
                name: Some("Sheena Nelson".into()),
                id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=".into(),
                text: "Does it come in another color?".into(),
            }]
        );
    }

    #[test]
    fn statuses_are_parsed_with_a_failures_error() {
        let body = notification(json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "statuses": [
                {"id": "wamid.A", "status": "delivered", "timestamp": "1750263773", "recipient_id": "16505551234"},
                {"id": "wamid.B", "status": "failed", "timestamp": "1750263773", "recipient_id": "16505551234",
                 "errors": [{"code": 131049, "title": "This message was not delivered to maintain healthy ecosystem engagement."}]},
                {"id": "wamid.C", "status": "deleted", "recipient_id": "16505551234"}
            ]
        }));
        let parsed = parse(&body).unwrap();
        assert_eq!(parsed.statuses.len(), 2);
        assert_eq!(parsed.statuses[0].state, State::Delivered);
        assert_eq!(parsed.statuses[0].error, None);
        assert_eq!(parsed.statuses[1].state, State::Failed);
        assert_eq!(
            parsed.statuses[1].error.as_deref(),
            Some(
                "This message was not delivered to maintain healthy ecosystem engagement. (code 131049)"
            )
        );
        assert_eq!(parsed.skipped, 1, "an unknown status is skipped");
    }

    #[test]
    fn other_message_types_become_a_note_and_bad_items_are_skipped() {
        let body = notification(json!({
            "metadata": {"phone_number_id": "1"},
            "messages": [
                {"from": "16505551234", "id": "wamid.1", "type": "image", "image": {"id": "9"}},
                {"from": "16505551234", "id": "wamid.2", "type": "text"},
                {"from": "16505551234", "id": "wamid.3", "type": "text", "text": {"body": 7}},
                {"from": "+1 650", "id": "wamid.4", "type": "text", "text": {"body": "x"}},
                {"from": "16505551234", "id": "wamid/../../5 x", "type": "text", "text": {"body": "x"}},
                {"from": "16505551234", "id": "wamid.6", "type": "<b>", "text": {"body": "x"}},
                {"from": "16505551234", "id": "wamid.7", "type": "text", "text": {"body": " \u{0} "}},
                {"from": "16505551234", "id": "wamid.8", "type": "text", "text": {"body": "ok\u{7}"}},
                "not an object",
                null
            ]
        }));
        let parsed = parse(&body).unwrap();
        let texts: Vec<_> = parsed.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "_(a `image` message, which this bridge does not show)_",
                "ok"
            ]
        );
        assert_eq!(parsed.messages[0].name, None, "no contacts block");
        assert_eq!(parsed.skipped, 8);
    }

    #[test]
    fn hostile_or_partial_envelopes_are_refused_or_empty_never_a_panic() {
        for bad in [
            &b"not json"[..],
            b"",
            b"[]",
            b"{}",
            b"{\"object\":\"page\",\"entry\":[]}",
            b"{\"object\":\"whatsapp_business_account\"}",
            b"{\"object\":\"whatsapp_business_account\",\"entry\":{}}",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        for empty in [
            json!({"object": "whatsapp_business_account", "entry": []}),
            json!({"object": "whatsapp_business_account", "entry": [1, null, {"changes": "x"}, {"changes": [null, {"field": "account_update", "value": {}}]}]}),
            json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"messages": {}, "statuses": 3, "contacts": [1]}}]}]}),
        ] {
            let parsed = parse(empty.to_string().as_bytes()).unwrap();
            assert!(
                parsed.messages.is_empty() && parsed.statuses.is_empty(),
                "{empty}"
            );
        }
        let missing_value = json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]});
        assert_eq!(
            parse(missing_value.to_string().as_bytes()).unwrap().skipped,
            1
        );
    }

    #[test]
    fn a_flood_of_items_is_capped_and_long_texts_are_cut() {
        let messages: Vec<_> = (0..MAX_ITEMS + 5)
            .map(|i| json!({"from": "16505551234", "id": format!("wamid.{i}"), "type": "text", "text": {"body": "é".repeat(MAX_TEXT_CHARS + 10)}}))
            .collect();
        let parsed = parse(&notification(json!({"messages": messages}))).unwrap();
        assert_eq!(parsed.messages.len(), MAX_ITEMS);
        assert_eq!(parsed.skipped, 5);
        assert_eq!(parsed.messages[0].text.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(parsed.messages[0].phone_number_id, "", "no metadata");
    }
}
