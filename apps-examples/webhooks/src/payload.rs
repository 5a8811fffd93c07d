//! Rocket.Chat's webhook message shape: what an incoming webhook receives
//! and what an outgoing webhook's service answers.
//!
//! ```json
//! {"text": "Deployed *v1.2*", "alias": "CI", "emoji": ":rocket:",
//!  "avatar": "https://ci.example.com/logo.png", "channel": "#deploys",
//!  "attachments": [{"title": "build 42", "title_link": "https://…",
//!                   "text": "all green", "color": "#00ff00",
//!                   "image_url": "https://…",
//!                   "fields": [{"title": "branch", "value": "main", "short": true}]}]}
//! ```
//!
//! Everything here is pure: parsing and validation, and the translation to
//! the SDK's [`OutgoingMessage`]. Unknown fields are ignored, as Rocket.Chat
//! ignores them; wrong types and values out of bounds are refused with an
//! error that says which field is wrong.

use capsule_sdk::http;
use capsule_sdk::prelude::{Attachment, AttachmentField, OutgoingMessage};
use capsule_sdk::serde_json;
use serde::Deserialize;

/// At most this many attachments per message.
pub const MAX_ATTACHMENTS: usize = 20;
/// At most this many fields per attachment.
pub const MAX_FIELDS: usize = 50;
/// At most this many characters of alias.
pub const MAX_ALIAS: usize = 100;

/// A webhook message as sent by the caller (incoming) or the service's
/// reply (outgoing), validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookMessage {
    pub text: String,
    /// The name shown instead of the bot's.
    pub alias: Option<String>,
    /// An emoji shortcode (`:rocket:`) shown as the avatar.
    pub emoji: Option<String>,
    /// An `http(s)` URL of an image shown as the avatar.
    pub avatar: Option<String>,
    /// Where to post: `#name` or a room id; `None` for the default room.
    pub channel: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// The JSON as sent; [`parse`] validates it into a [`WebhookMessage`].
#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    text: Option<String>,
    /// Rocket.Chat accepts `msg` as another name for `text`.
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
    /// Slack's name for `emoji`, which Rocket.Chat accepts too.
    #[serde(default)]
    icon_emoji: Option<String>,
    #[serde(default)]
    avatar: Option<String>,
    /// Slack's name for `avatar`.
    #[serde(default)]
    icon_url: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    attachments: Option<Vec<RawAttachment>>,
}

#[derive(Deserialize)]
struct RawAttachment {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    title_link: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    fields: Option<Vec<RawField>>,
}

#[derive(Deserialize)]
struct RawField {
    title: String,
    value: String,
    #[serde(default)]
    short: bool,
}

/// Parses and validates a webhook message from a JSON body.
///
/// The error is meant for the caller: it names what is wrong (`the body
/// is not valid JSON: …`, ```avatar` must be an http or https URL``).
pub fn parse(body: &[u8]) -> Result<WebhookMessage, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("the body must be a JSON object".to_owned());
    }
    let raw: RawMessage = serde_json::from_value(value)
        .map_err(|e| format!("the body is not a webhook message: {e}"))?;
    validate(raw)
}

fn validate(raw: RawMessage) -> Result<WebhookMessage, String> {
    let text = raw.text.or(raw.msg).unwrap_or_default();
    let alias = non_empty(raw.alias);
    if alias
        .as_ref()
        .is_some_and(|a| a.chars().count() > MAX_ALIAS)
    {
        return Err(format!("`alias` is longer than {MAX_ALIAS} characters"));
    }
    let emoji = non_empty(raw.emoji.or(raw.icon_emoji));
    if let Some(emoji) = emoji.as_ref().filter(|e| !is_shortcode(e)) {
        return Err(format!(
            "`emoji` must be a shortcode such as `:rocket:`, not `{emoji}`"
        ));
    }
    let avatar = non_empty(raw.avatar.or(raw.icon_url));
    if let Some(avatar) = &avatar {
        check_url("avatar", avatar)?;
    }
    let raw_attachments = raw.attachments.unwrap_or_default();
    if raw_attachments.len() > MAX_ATTACHMENTS {
        return Err(format!(
            "at most {MAX_ATTACHMENTS} attachments, not {}",
            raw_attachments.len()
        ));
    }
    let attachments = raw_attachments
        .into_iter()
        .enumerate()
        .map(|(i, a)| attachment(i, a))
        .collect::<Result<Vec<_>, _>>()?;
    if text.trim().is_empty() && attachments.is_empty() {
        return Err("the message needs a `text` or `attachments`".to_owned());
    }
    Ok(WebhookMessage {
        text,
        alias,
        emoji,
        avatar,
        channel: non_empty(raw.channel).map(|c| c.trim().to_owned()),
        attachments,
    })
}

fn attachment(index: usize, raw: RawAttachment) -> Result<Attachment, String> {
    let name = |field: &str| format!("attachments[{index}].{field}");
    let title_link = non_empty(raw.title_link);
    if let Some(link) = &title_link {
        check_url(&name("title_link"), link)?;
    }
    let image_url = non_empty(raw.image_url);
    if let Some(url) = &image_url {
        check_url(&name("image_url"), url)?;
    }
    let fields = raw.fields.unwrap_or_default();
    if fields.len() > MAX_FIELDS {
        return Err(format!(
            "`{}` has more than {MAX_FIELDS} fields",
            name("fields")
        ));
    }
    Ok(Attachment {
        title: non_empty(raw.title),
        title_link,
        text: non_empty(raw.text),
        image_url,
        color: non_empty(raw.color),
        fields: fields
            .into_iter()
            .map(|f| AttachmentField {
                title: f.title,
                value: f.value,
                short: f.short,
            })
            .collect(),
        actions: Vec::new(),
    })
}

/// `Some` of a string with something other than blanks in it.
fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// `:name:` with a name of letters, digits, `_`, `+` and `-`.
fn is_shortcode(emoji: &str) -> bool {
    emoji
        .strip_prefix(':')
        .and_then(|e| e.strip_suffix(':'))
        .is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
        })
}

fn check_url(field: &str, url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(format!("`{field}` must be an http or https URL")),
    }
}

impl WebhookMessage {
    /// The message the app's bot sends to `room`.
    pub fn to_outgoing(&self, room: &str) -> OutgoingMessage {
        OutgoingMessage {
            room_id: room.to_owned(),
            text: self.text.clone(),
            thread_id: None,
            alias: self.alias.clone(),
            emoji: self.emoji.clone(),
            avatar_url: self.avatar.clone(),
            attachments: self.attachments.clone(),
        }
    }
}

/// Where a message should go, from its `channel` field.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// `#name`: a room by name.
    Name(&'a str),
    /// A bare value: a room id (or, failing that, a name).
    IdOrName(&'a str),
}

/// Reads a `channel` value. `@user` (a direct message) is refused: this
/// app does not open direct rooms (`messages::direct_room` would need its
/// `message-write` grant for all rooms, not just the ones it posts to).
pub fn target(channel: &str) -> Result<Target<'_>, String> {
    if let Some(name) = channel.strip_prefix('#') {
        if name.is_empty() {
            return Err("`channel` names no room".to_owned());
        }
        Ok(Target::Name(name))
    } else if channel.starts_with('@') {
        Err("`channel` may not be a direct message (`@user`); give `#room`".to_owned())
    } else {
        Ok(Target::IdOrName(channel))
    }
}

/// The JSON of a request body: the body itself, or, for a form post
/// (`application/x-www-form-urlencoded`, which Rocket.Chat accepts too),
/// its `payload` field, decoded (leniently: a bad `%` escape stays as it
/// is, and the JSON parser then says what is wrong).
pub fn body_json(content_type: Option<&str>, body: &[u8]) -> Result<Vec<u8>, String> {
    let is_form = content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| {
            c.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Ok(body.to_vec());
    }
    // An encoded form is ASCII; raw bytes that are not even UTF-8 would be
    // decoded into U+FFFD and posted, so they are refused, saying why.
    if std::str::from_utf8(body).is_err() {
        return Err("the form body is not UTF-8".to_owned());
    }
    http::form_pairs(body)
        .into_iter()
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value.into_bytes())
        .ok_or_else(|| "the form has no `payload` field".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_rocket_chat_payload_is_read() {
        let body = br##"{"text": "Deployed", "alias": "CI", "emoji": ":rocket:",
            "avatar": "https://ci.example.com/logo.png", "channel": "#deploys",
            "unknown": 1,
            "attachments": [{"title": "build 42", "title_link": "https://ci.example.com/42",
                "text": "all green", "color": "#00ff00", "image_url": "http://ci.example.com/i.png",
                "fields": [{"title": "branch", "value": "main", "short": true}]}]}"##;
        let msg = parse(body).unwrap();
        assert_eq!(msg.text, "Deployed");
        assert_eq!(msg.alias.as_deref(), Some("CI"));
        assert_eq!(msg.emoji.as_deref(), Some(":rocket:"));
        assert_eq!(
            msg.avatar.as_deref(),
            Some("https://ci.example.com/logo.png")
        );
        assert_eq!(msg.channel.as_deref(), Some("#deploys"));
        let a = &msg.attachments[0];
        assert_eq!(a.title.as_deref(), Some("build 42"));
        assert_eq!(a.title_link.as_deref(), Some("https://ci.example.com/42"));
        assert_eq!(a.color.as_deref(), Some("#00ff00"));
        assert_eq!(a.fields[0].title, "branch");
        assert!(a.fields[0].short);

        let out = msg.to_outgoing("R1");
        assert_eq!(out.room_id, "R1");
        assert_eq!(
            out.avatar_url.as_deref(),
            Some("https://ci.example.com/logo.png")
        );
        assert_eq!(out.attachments.len(), 1);
    }

    #[test]
    fn slack_names_and_msg_are_accepted_and_blanks_are_none() {
        let msg = parse(br#"{"msg": "hi", "icon_emoji": ":ghost:", "icon_url": "https://x.example/a.png", "alias": "  "}"#).unwrap();
        assert_eq!(msg.text, "hi");
        assert_eq!(msg.emoji.as_deref(), Some(":ghost:"));
        assert_eq!(msg.avatar.as_deref(), Some("https://x.example/a.png"));
        assert_eq!(msg.alias, None);
        assert_eq!(msg.channel, None);
    }

    #[test]
    fn attachments_alone_are_a_message() {
        let msg = parse(br#"{"attachments": [{"text": "only this"}]}"#).unwrap();
        assert_eq!(msg.text, "");
        assert_eq!(msg.attachments[0].text.as_deref(), Some("only this"));
    }

    #[test]
    fn bad_bodies_are_refused_saying_why() {
        let cases: &[(&[u8], &str)] = &[
            (b"{not json", "not valid JSON"),
            (b"[1, 2]", "must be a JSON object"),
            (b"\"text\"", "must be a JSON object"),
            (br#"{"text": 5}"#, "not a webhook message"),
            (br#"{"text": "  "}"#, "needs a `text` or `attachments`"),
            (br#"{}"#, "needs a `text` or `attachments`"),
            (
                br#"{"text": "x", "emoji": "rocket"}"#,
                "`emoji` must be a shortcode",
            ),
            (
                br#"{"text": "x", "emoji": ":a b:"}"#,
                "`emoji` must be a shortcode",
            ),
            (
                br#"{"text": "x", "avatar": "javascript:alert(1)"}"#,
                "`avatar` must be an http or https URL",
            ),
            (
                br#"{"text": "x", "avatar": "https://"}"#,
                "`avatar` must be an http",
            ),
            (
                br#"{"text": "x", "attachments": [{"title_link": "ftp://x"}]}"#,
                "`attachments[0].title_link`",
            ),
            (
                br#"{"text": "x", "attachments": [{"fields": [{"title": "a"}]}]}"#,
                "not a webhook message",
            ),
            (
                br#"{"text": "x", "attachments": {"a": 1}}"#,
                "not a webhook message",
            ),
        ];
        for (body, expected) in cases {
            let err = parse(body).unwrap_err();
            assert!(
                err.contains(expected),
                "{}: {err}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn limits_are_enforced() {
        let long_alias = format!(
            r#"{{"text": "x", "alias": "{}"}}"#,
            "a".repeat(MAX_ALIAS + 1)
        );
        assert!(parse(long_alias.as_bytes()).unwrap_err().contains("alias"));
        let many = format!(
            r#"{{"attachments": [{}]}}"#,
            [r#"{"text": "a"}"#; MAX_ATTACHMENTS + 1].join(",")
        );
        assert!(parse(many.as_bytes()).unwrap_err().contains("at most"));
    }

    #[test]
    fn form_posts_carry_the_json_in_payload() {
        let form = b"a=1&payload=%7B%22text%22%3A+%22hi+there%22%7D";
        let json = body_json(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            form,
        )
        .unwrap();
        assert_eq!(parse(&json).unwrap().text, "hi there");
        assert_eq!(body_json(Some("application/json"), b"{}").unwrap(), b"{}");
        assert_eq!(body_json(None, b"x").unwrap(), b"x");
        let form = Some("application/x-www-form-urlencoded");
        assert!(
            body_json(form, b"text=hi")
                .unwrap_err()
                .contains("no `payload`")
        );
        assert!(body_json(form, &[0xff]).unwrap_err().contains("UTF-8"));
        let json = body_json(form, b"payload=%7B%22text%22%3A%22%C3%A9t%C3%A9%22%7D").unwrap();
        assert_eq!(parse(&json).unwrap().text, "été");
    }

    #[test]
    fn a_payload_with_bad_escapes_is_kept_as_sent_and_refused_as_json() {
        let form = Some("application/x-www-form-urlencoded");
        for (body, kept) in [
            (&b"payload=%7"[..], &b"%7"[..]),
            (b"payload=%zz", b"%zz"),
            (b"payload", b""),
        ] {
            let json = body_json(form, body).unwrap();
            assert_eq!(json, kept, "{}", String::from_utf8_lossy(body));
            assert!(parse(&json).unwrap_err().contains("not valid JSON"));
        }
        // A lone `%` among good escapes stays a `%`.
        let json = body_json(form, b"payload=%7B%22text%22%3A%22100%%22%7D").unwrap();
        assert_eq!(parse(&json).unwrap().text, "100%");
    }

    #[test]
    fn channels_are_names_or_ids_never_direct_messages() {
        assert_eq!(target("#general"), Ok(Target::Name("general")));
        assert_eq!(target("GENERAL"), Ok(Target::IdOrName("GENERAL")));
        assert!(target("#").is_err());
        assert!(target("@alice").unwrap_err().contains("direct message"));
    }
}
