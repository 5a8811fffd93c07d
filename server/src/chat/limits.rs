//! The longest text each free-text field of the chat takes.
//!
//! Every transport (REST, the real-time API, apps through their bot users)
//! reaches these fields through the chat domain, so checking them here
//! bounds them everywhere. Text over a limit is refused, never cut: a
//! client learns its text was not kept as written. Lengths are counted in
//! characters (Unicode scalar values), as Rocket.Chat's `String.length`
//! roughly counts them, after the trimming the field gets anyway.
//!
//! Message text is bounded by the setting `Message_MaxAllowedSize`
//! instead (an admin chooses it); usernames and room names by their
//! patterns (1 to 64 characters).

use super::ChatError;

/// The limit of one free-text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimit {
    /// The field as the API names it (`topic`, `statusText`).
    pub field: &'static str,
    /// The most characters the field takes.
    pub max_chars: usize,
    /// Where the limit comes from: Rocket.Chat's, or why Capsule chose it.
    pub source: &'static str,
}

/// A user's status message.
pub const STATUS_TEXT: TextLimit = TextLimit {
    field: "statusText",
    max_chars: 120,
    source: "Rocket.Chat: `setStatusText` keeps the first 120 characters",
};

/// A user's display name.
pub const USER_NAME: TextLimit = TextLimit {
    field: "name",
    max_chars: 128,
    source: "Capsule (Rocket.Chat has none): room for any real name, short enough for every list that shows it",
};

/// A user's e-mail address.
pub const EMAIL: TextLimit = TextLimit {
    field: "email",
    max_chars: 254,
    source: "RFC 5321: the longest path a mail server accepts (256 octets with its angle brackets)",
};

/// A room's topic.
pub const TOPIC: TextLimit = TextLimit {
    field: "topic",
    max_chars: 1024,
    source: "Capsule (Rocket.Chat has none): a line or a few shown in the room's header",
};

/// A room's description.
pub const DESCRIPTION: TextLimit = TextLimit {
    field: "description",
    max_chars: 1024,
    source: "Capsule (Rocket.Chat has none): a paragraph in the room's details",
};

/// A room's announcement.
pub const ANNOUNCEMENT: TextLimit = TextLimit {
    field: "announcement",
    max_chars: 5000,
    source: "Capsule (Rocket.Chat has none): the default `Message_MaxAllowedSize`, as an announcement reads like a message",
};

/// The name a bot or admin posts a message under.
pub const MESSAGE_ALIAS: TextLimit = TextLimit {
    field: "alias",
    max_chars: 128,
    source: "Capsule (Rocket.Chat has none): it stands in for a user's name, so the user name's limit",
};

/// The emoji a bot or admin shows as a message's avatar.
pub const MESSAGE_EMOJI: TextLimit = TextLimit {
    field: "emoji",
    max_chars: 64,
    source: "Capsule (Rocket.Chat has none): the longest emoji name a reaction takes",
};

/// The avatar URL a bot or admin posts a message with.
pub const MESSAGE_AVATAR: TextLimit = TextLimit {
    field: "avatar",
    max_chars: 2048,
    source: "Capsule (Rocket.Chat has none): the longest URL browsers and proxies reliably handle",
};

/// The name of a personal access token.
pub const TOKEN_NAME: TextLimit = TextLimit {
    field: "tokenName",
    max_chars: 128,
    source: "Capsule (Rocket.Chat has none): a label its owner tells tokens apart by",
};

/// Every limit above, for the documentation's table and its test.
pub const TEXT_LIMITS: &[TextLimit] = &[
    STATUS_TEXT,
    USER_NAME,
    EMAIL,
    TOPIC,
    DESCRIPTION,
    ANNOUNCEMENT,
    MESSAGE_ALIAS,
    MESSAGE_EMOJI,
    MESSAGE_AVATAR,
    TOKEN_NAME,
];

impl TextLimit {
    /// Refuses `text` when it has more than [`TextLimit::max_chars`]
    /// characters, naming the field and the limit.
    pub fn check(&self, text: &str) -> Result<(), ChatError> {
        // Counting stops one past the limit, so a megabyte costs no more
        // than a short text.
        let counted = text.chars().take(self.max_chars + 1).count();
        if counted > self.max_chars {
            return Err(ChatError::TooLong {
                field: self.field,
                max_chars: self.max_chars,
            });
        }
        Ok(())
    }

    /// [`TextLimit::check`] for a field that may be absent.
    pub fn check_some(&self, text: Option<&str>) -> Result<(), ChatError> {
        text.map_or(Ok(()), |text| self.check(text))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_field_is_listed_once_with_a_positive_limit_and_a_source() {
        let mut fields = HashSet::new();
        for limit in TEXT_LIMITS {
            assert!(
                fields.insert(limit.field),
                "{} is listed twice",
                limit.field
            );
            assert!(limit.max_chars > 0, "{} takes no text", limit.field);
            assert!(!limit.source.is_empty(), "{} has no source", limit.field);
        }
    }

    #[test]
    fn status_text_takes_rocket_chats_120_characters_and_no_more() {
        assert_eq!(STATUS_TEXT.max_chars, 120);
        assert!(STATUS_TEXT.check(&"x".repeat(120)).is_ok());
        let error = STATUS_TEXT.check(&"x".repeat(121)).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("statusText") && text.contains("120"),
            "{text}"
        );
    }

    #[test]
    fn the_api_reference_lists_every_limit() {
        let reference = include_str!("../../../docs/api.md");
        for limit in TEXT_LIMITS {
            let row = reference
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", limit.field)))
                .unwrap_or_else(|| panic!("docs/api.md has no row for `{}`", limit.field));
            assert!(
                row.contains(&format!("| {} |", limit.max_chars)),
                "docs/api.md gives `{}` another limit than {}: {row}",
                limit.field,
                limit.max_chars
            );
        }
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        let emoji = "é".repeat(STATUS_TEXT.max_chars);
        assert!(emoji.len() > STATUS_TEXT.max_chars);
        assert!(STATUS_TEXT.check(&emoji).is_ok());
    }

    #[test]
    fn a_megabyte_topic_is_refused_naming_the_field_and_the_limit() {
        let error = TOPIC.check(&"t".repeat(1_000_000)).unwrap_err();
        assert!(matches!(
            error,
            ChatError::TooLong {
                field: "topic",
                max_chars: 1024
            }
        ));
        assert!(error.to_string().contains("`topic`"), "{error}");
        assert!(TOPIC.check_some(None).is_ok());
    }
}
