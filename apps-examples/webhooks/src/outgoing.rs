//! The outgoing webhook: which messages trigger it, and the payload
//! Rocket.Chat POSTs for them.
//!
//! ```json
//! {"token": "…", "bot": false, "channel_id": "GENERAL", "channel_name": "general",
//!  "message_id": "…", "timestamp": "2026-12-01T13:00:00.000Z",
//!  "user_id": "…", "user_name": "alice", "text": "!deploy now",
//!  "trigger_word": "!deploy", "siteUrl": "https://chat.example.com"}
//! ```
//!
//! The service answers `200` with a webhook message (`{"text": …}`, see
//! [`crate::payload`]), which the app posts back into the room, or with
//! an empty body for no reply.

use capsule_sdk::prelude::{Message, Room, RoomKind};
use serde::Serialize;

/// The outgoing webhook's settings, read once per message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Where payloads go; empty: the outgoing webhook is off.
    pub url: String,
    pub token: String,
    /// A message must start with one of these; none: every message.
    pub trigger_words: Vec<String>,
    /// Only this room (by name); `None`: every public channel.
    pub room: Option<String>,
}

impl Config {
    /// The configuration from the settings' raw values. The trigger words
    /// are comma-separated and trimmed; empty ones are dropped. A room may
    /// be written with or without its `#`.
    pub fn from_settings(url: &str, token: &str, trigger_words: &str, room: &str) -> Config {
        let room = room.trim().trim_start_matches('#').trim();
        Config {
            url: url.trim().to_owned(),
            token: token.to_owned(),
            trigger_words: trigger_words
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
            room: (!room.is_empty()).then(|| room.to_owned()),
        }
    }

    /// Whether the outgoing webhook is configured at all.
    pub fn enabled(&self) -> bool {
        !self.url.is_empty()
    }

    /// Whether a message in `room` is watched: the configured room, or,
    /// without one, any public channel (as Rocket.Chat's outgoing webhooks
    /// without a channel watch all public channels, never private groups
    /// or direct messages).
    pub fn watches(&self, room: &Room) -> bool {
        match &self.room {
            Some(name) => room.name.eq_ignore_ascii_case(name) || room.id == *name,
            None => room.kind == RoomKind::Channel,
        }
    }

    /// What triggers on `text`: `Some(Some(word))` for the trigger word it
    /// starts with, `Some(None)` when there are no trigger words (every
    /// message), `None` when it does not trigger.
    ///
    /// Rocket.Chat's rule: the text starts with the word. This app adds
    /// that the word must end there or at a blank, so `!deploy` does not
    /// fire on `!deployment`.
    pub fn trigger<'a>(&'a self, text: &str) -> Option<Option<&'a str>> {
        if self.trigger_words.is_empty() {
            return Some(None);
        }
        self.trigger_words
            .iter()
            .find(|word| {
                text.strip_prefix(word.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
            })
            .map(|word| Some(word.as_str()))
    }
}

/// Whether `url` may be the outgoing webhook's address, asking `allowed`
/// (the host's grant check) about it: empty (off), or an http or https
/// URL on a host the app is granted. The error is for the admin.
pub fn check_url(url: &str, allowed: impl Fn(&str) -> bool) -> Result<(), String> {
    let url = url.trim();
    if url.is_empty() || allowed(url) {
        return Ok(());
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "the outgoing webhook URL `{url}` is not an http or https URL"
        ));
    }
    Err(format!(
        "the outgoing webhook URL `{url}` is on a host this app is not granted; \
         grant its host in the app's http-outbound permission, or choose a URL on a granted host"
    ))
}

/// Rocket.Chat's outgoing payload for a sent message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payload {
    pub token: String,
    pub bot: bool,
    pub channel_id: String,
    pub channel_name: String,
    pub message_id: String,
    /// ISO 8601 UTC with milliseconds, as Rocket.Chat's JSON dates.
    pub timestamp: String,
    pub user_id: String,
    pub user_name: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_word: Option<String>,
    #[serde(rename = "siteUrl", skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(rename = "isEdited", skip_serializing_if = "Option::is_none")]
    pub is_edited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmid: Option<String>,
}

/// The payload for `msg` in `room`, triggered by `trigger_word`.
pub fn payload(
    config: &Config,
    msg: &Message,
    room: &Room,
    trigger_word: Option<&str>,
    site_url: &str,
) -> Payload {
    let site_url = site_url.trim();
    Payload {
        token: config.token.clone(),
        bot: false,
        channel_id: room.id.clone(),
        channel_name: room.name.clone(),
        message_id: msg.id.clone(),
        timestamp: iso8601(msg.created_at),
        user_id: msg.sender.id.clone(),
        user_name: msg.sender.username.clone(),
        text: msg.text.clone(),
        trigger_word: trigger_word.map(str::to_owned),
        site_url: (!site_url.is_empty()).then(|| site_url.to_owned()),
        alias: msg.alias.clone(),
        is_edited: msg.edited_at.map(|_| true),
        tmid: msg.thread_id.clone(),
    }
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso8601(millis: u64) -> String {
    let secs = millis / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// The proleptic Gregorian date of day `days` after 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use capsule_sdk::prelude::UserRef;
    use capsule_sdk::serde_json;

    fn room(id: &str, name: &str, kind: RoomKind) -> Room {
        Room {
            id: id.into(),
            name: name.into(),
            kind,
            topic: None,
            description: None,
            creator: None,
            read_only: false,
            archived: false,
            member_count: 2,
            created_at: 0,
        }
    }

    fn message(text: &str) -> Message {
        Message {
            id: "M1".into(),
            room_id: "GENERAL".into(),
            sender: UserRef {
                id: "U1".into(),
                username: "alice".into(),
                name: None,
            },
            text: text.into(),
            thread_id: None,
            created_at: 1_764_594_000_123,
            edited_at: None,
            attachments: Vec::new(),
            mentions: Vec::new(),
            alias: None,
            app_id: None,
        }
    }

    #[test]
    fn an_outgoing_url_must_be_off_or_on_a_granted_host() {
        let granted = |url: &str| url.starts_with("https://hooks.example.com/");
        assert_eq!(check_url("", granted), Ok(()));
        assert_eq!(check_url("  ", granted), Ok(()));
        assert_eq!(check_url(" https://hooks.example.com/x ", granted), Ok(()));
        let elsewhere = check_url("http://127.0.0.1:9/x", granted).unwrap_err();
        assert!(
            elsewhere.contains("`http://127.0.0.1:9/x`") && elsewhere.contains("not granted"),
            "{elsewhere}"
        );
        let not_http = check_url("ftp://hooks.example.com/x", granted).unwrap_err();
        assert!(not_http.contains("not an http or https URL"), "{not_http}");
    }

    #[test]
    fn settings_are_trimmed_and_split() {
        let c = Config::from_settings(
            " http://127.0.0.1:9/x ",
            "t",
            " !deploy, ,!status ",
            " #ops ",
        );
        assert_eq!(c.url, "http://127.0.0.1:9/x");
        assert_eq!(c.trigger_words, ["!deploy", "!status"]);
        assert_eq!(c.room.as_deref(), Some("ops"));
        assert!(c.enabled());
        assert!(!Config::from_settings("", "t", "", "").enabled());
        assert_eq!(Config::from_settings("u", "t", "", "  ").room, None);
    }

    #[test]
    fn trigger_words_must_start_the_text_as_a_whole_word() {
        let c = Config::from_settings("u", "t", "!deploy,jarvis", "");
        assert_eq!(c.trigger("!deploy now"), Some(Some("!deploy")));
        assert_eq!(c.trigger("!deploy"), Some(Some("!deploy")));
        assert_eq!(c.trigger("jarvis\tstatus"), Some(Some("jarvis")));
        assert_eq!(c.trigger("!deployment"), None);
        assert_eq!(c.trigger("please !deploy"), None);
        assert_eq!(c.trigger(""), None);
        let every = Config::from_settings("u", "t", "", "");
        assert_eq!(every.trigger("anything"), Some(None));
    }

    #[test]
    fn a_room_setting_limits_the_rooms_else_public_channels_only() {
        let general = room("GENERAL", "general", RoomKind::Channel);
        let secret = room("G1", "secret", RoomKind::PrivateGroup);
        let dm = room("D1", "alice-bob", RoomKind::Direct);
        let any = Config::from_settings("u", "t", "", "");
        assert!(any.watches(&general));
        assert!(!any.watches(&secret));
        assert!(!any.watches(&dm));
        let only = Config::from_settings("u", "t", "", "secret");
        assert!(only.watches(&secret));
        assert!(!only.watches(&general));
        assert!(Config::from_settings("u", "t", "", "GENERAL").watches(&general));
    }

    #[test]
    fn the_payload_has_rocket_chats_fields() {
        let c = Config::from_settings("u", "tok", "!deploy", "");
        let mut msg = message("!deploy now");
        msg.thread_id = Some("T1".into());
        msg.edited_at = Some(1);
        let p = payload(
            &c,
            &msg,
            &room("GENERAL", "general", RoomKind::Channel),
            Some("!deploy"),
            "https://chat.example.com",
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "token": "tok", "bot": false, "channel_id": "GENERAL", "channel_name": "general",
                "message_id": "M1", "timestamp": "2025-12-01T13:00:00.123Z", "user_id": "U1",
                "user_name": "alice", "text": "!deploy now", "trigger_word": "!deploy",
                "siteUrl": "https://chat.example.com", "isEdited": true, "tmid": "T1"
            })
        );
        let plain = payload(
            &c,
            &message("x"),
            &room("GENERAL", "general", RoomKind::Channel),
            None,
            " ",
        );
        let json = serde_json::to_value(&plain).unwrap();
        for absent in ["trigger_word", "siteUrl", "alias", "isEdited", "tmid"] {
            assert!(json.get(absent).is_none(), "{absent} in {json}");
        }
    }

    #[test]
    fn timestamps_are_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
        assert_eq!(iso8601(4_102_444_800_000), "2100-01-01T00:00:00.000Z");
    }
}
