//! Finding `@user`, `@all`, `@here` and `#channel` in a message's text.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Mention, RoomMention};
use crate::store::Store;

static USER_MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w@])@([0-9A-Za-z._-]+)").expect("valid regex"));
static ROOM_MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w#])#([0-9A-Za-z._-]+)").expect("valid regex"));
/// Fenced blocks and inline spans of code: what they hold is quoted, not
/// said, so `@all` in a code sample alerts nobody.
static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)```.*?```|`[^`\n]*`").expect("valid regex"));

/// `text` with its code blanked out (replaced by a space, so words on
/// either side stay apart).
fn without_code(text: &str) -> std::borrow::Cow<'_, str> {
    CODE.replace_all(text, " ")
}

/// Names after `@` in `text`, without duplicates, trailing dots trimmed.
fn mentioned_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for capture in USER_MENTION.captures_iter(&without_code(text)) {
        let name = capture[1].trim_end_matches('.').to_owned();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The users (that exist) and groups mentioned in `text`.
pub(super) async fn user_mentions(store: &dyn Store, text: &str) -> Vec<Mention> {
    let mut mentions = Vec::new();
    for name in mentioned_names(text) {
        if name == "all" || name == "here" {
            mentions.push(Mention {
                id: name.clone(),
                username: name,
                name: None,
                kind: "user".into(),
            });
            continue;
        }
        if let Ok(Some(user)) = store.user_by_username(&name).await
            // `@Ada` and `@ada` are one user, mentioned once.
            && !mentions.iter().any(|m: &Mention| m.id == user.id.as_str())
        {
            mentions.push(Mention {
                id: user.id.0.clone(),
                username: user.username.clone(),
                name: Some(user.name.clone()).filter(|n| !n.is_empty()),
                kind: "user".into(),
            });
        }
    }
    mentions
}

/// The channels (that exist) mentioned in `text`.
pub(super) async fn room_mentions(store: &dyn Store, text: &str) -> Vec<RoomMention> {
    let mut rooms: Vec<RoomMention> = Vec::new();
    for capture in ROOM_MENTION.captures_iter(&without_code(text)) {
        let name = capture[1].trim_end_matches('.');
        if name.is_empty() || rooms.iter().any(|r| r.name == name) {
            continue;
        }
        if let Ok(Some(room)) = store.room_by_name(name).await
            && room.kind == crate::model::RoomKind::Channel
        {
            rooms.push(RoomMention {
                id: room.id.clone(),
                name: name.to_owned(),
            });
        }
    }
    rooms
}

#[cfg(test)]
mod tests {
    use super::mentioned_names;

    #[test]
    fn finds_names_after_at_signs() {
        assert_eq!(
            mentioned_names("hi @ada and @grace.hopper. cc @all, mail@example.com @ada"),
            vec!["ada", "grace.hopper", "all"]
        );
    }

    #[test]
    fn ignores_names_inside_code() {
        assert_eq!(
            mentioned_names("run `notify @all` or\n```\n@here\n```\nask @ada"),
            vec!["ada"]
        );
    }

    #[test]
    fn an_at_sign_alone_or_in_an_address_mentions_nobody() {
        assert!(mentioned_names("@ and me@host.org and @.").is_empty());
    }
}
