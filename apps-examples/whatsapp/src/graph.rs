//! The Graph API call that sends a reply: `POST {api_base}/{phone-number-id}/messages`
//! with `Authorization: Bearer <access token>` and the JSON
//!
//! ```json
//! {"messaging_product": "whatsapp", "recipient_type": "individual",
//!  "to": "16505551234", "type": "text",
//!  "text": {"preview_url": false, "body": "..."}}
//! ```
//!
//! Success is `{"messaging_product": "whatsapp", "contacts": [{"input",
//! "wa_id"}], "messages": [{"id": "wamid...."}]}`; failure a non-2xx status
//! with Graph's `{"error": {"message", "type", "code", "error_subcode",
//! "fbtrace_id"}}`.

use capsule_sdk::serde_json::{self, Value, json};

use crate::webhook;

/// The longest text one WhatsApp text message may carry.
pub const MAX_BODY_CHARS: usize = 4096;

/// The URL of the send call; `None` when `api_base` is not an http(s) URL
/// or the phone number id is not a Graph id (digits).
pub fn messages_url(api_base: &str, phone_number_id: &str) -> Option<String> {
    let base = api_base.trim().trim_end_matches('/');
    let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
    let id_ok = !phone_number_id.is_empty()
        && phone_number_id.len() <= 32
        && phone_number_id.bytes().all(|b| b.is_ascii_digit());
    (scheme_ok && id_ok && !base.contains(['?', '#']))
        .then(|| format!("{base}/{phone_number_id}/messages"))
}

/// The JSON body sending `text` to the WhatsApp id `to`; an error when
/// `to` is not a WhatsApp id or `text` is empty or too long.
pub fn text_message(to: &str, text: &str) -> Result<Vec<u8>, String> {
    if !webhook::is_wa_id(to) {
        return Err(format!("`{to}` is not a WhatsApp number"));
    }
    if text.trim().is_empty() {
        return Err("an empty message cannot be sent".to_owned());
    }
    let chars = text.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(format!(
            "the message has {chars} characters; WhatsApp takes at most {MAX_BODY_CHARS}"
        ));
    }
    let body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": false, "body": text},
    });
    serde_json::to_vec(&body).map_err(|e| e.to_string())
}

/// The outcome of a send as the API answered it: the new message's id,
/// or a description of the error fit to show people.
pub fn sent_message_id(status: u16, body: &[u8]) -> Result<String, String> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        let error = json.as_ref().and_then(|j| j.get("error"));
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(|m| m.chars().take(300).collect::<String>());
        let code = error.and_then(|e| e.get("code")).and_then(Value::as_i64);
        return Err(match (message, code) {
            (Some(m), Some(c)) => format!("{m} (code {c}, HTTP {status})"),
            (Some(m), None) => format!("{m} (HTTP {status})"),
            _ => format!("the WhatsApp API answered HTTP {status}"),
        });
    }
    let id = json
        .as_ref()
        .and_then(|j| j.get("messages"))
        .and_then(Value::as_array)
        .and_then(|m| m.first())
        .and_then(|m| m.get("id"))
        .and_then(Value::as_str)
        .ok_or("the WhatsApp API accepted the message but answered no message id")?;
    if !webhook::is_message_id(id) {
        return Err("the WhatsApp API answered an unusable message id".to_owned());
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_has_the_phone_number_id_and_no_double_slash() {
        assert_eq!(
            messages_url("https://graph.facebook.com/v21.0", "106540352242922").as_deref(),
            Some("https://graph.facebook.com/v21.0/106540352242922/messages")
        );
        assert_eq!(
            messages_url(" http://127.0.0.1:9/v21.0/ ", "1").as_deref(),
            Some("http://127.0.0.1:9/v21.0/1/messages")
        );
        for (base, id) in [
            ("https://graph.facebook.com/v21.0", ""),
            ("https://graph.facebook.com/v21.0", "12/../34"),
            ("https://graph.facebook.com/v21.0", "1?x=2"),
            ("graph.facebook.com/v21.0", "1"),
            ("ftp://graph.facebook.com", "1"),
            ("https://graph.facebook.com/v21.0?x=", "1"),
            ("", "1"),
        ] {
            assert_eq!(messages_url(base, id), None, "{base} {id}");
        }
    }

    #[test]
    fn the_body_is_the_documented_text_message() {
        let body = text_message("16505551234", "Yes, in \"blue\" too\n– and red").unwrap();
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "text",
                "text": {"preview_url": false, "body": "Yes, in \"blue\" too\n– and red"}
            })
        );
    }

    #[test]
    fn bad_recipients_and_texts_are_refused() {
        assert!(text_message("+1 650", "hi").is_err());
        assert!(text_message("16505551234", "  ").is_err());
        assert!(text_message("16505551234", &"a".repeat(MAX_BODY_CHARS)).is_ok());
        let long = text_message("16505551234", &"a".repeat(MAX_BODY_CHARS + 1)).unwrap_err();
        assert!(long.contains("4097"), "{long}");
    }

    #[test]
    fn the_answer_gives_the_id_or_the_apis_error() {
        let ok = br#"{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}"#;
        assert_eq!(
            sent_message_id(200, ok).as_deref(),
            Ok("wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA")
        );
        let error = br#"{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}"#;
        assert_eq!(
            sent_message_id(400, error).unwrap_err(),
            "(#131030) Recipient phone number not in allowed list (code 131030, HTTP 400)"
        );
        assert_eq!(
            sent_message_id(502, b"<html>bad gateway</html>").unwrap_err(),
            "the WhatsApp API answered HTTP 502"
        );
        assert!(sent_message_id(200, b"{}").is_err());
        assert!(sent_message_id(200, br#"{"messages":[{"id":"a b"}]}"#).is_err());
        assert!(sent_message_id(200, b"").is_err());
    }
}
