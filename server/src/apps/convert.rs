//! Conversions between the server's records (`crate::model`, shaped like
//! Rocket.Chat's documents) and the runtime's (`capsule_runtime::model`,
//! what apps see through the WIT contract).
//!
//! Attachments are kept by the server as the JSON clients sent, with any
//! keys Rocket.Chat knows; apps see the subset the contract has (title,
//! link, text, image, colour, fields, buttons). When a modify hook hands a
//! message back, [`apply_edit`] writes only what the hook changed, so keys
//! apps cannot see survive an app that did not touch them.

use capsule_runtime::model as app;
use serde_json::{Map, Value, json};

use crate::model::{Message, Presence, Room, RoomKind, Timestamp, User, UserKind, UserRef};

/// Milliseconds as the runtime counts them (never before the epoch).
pub fn millis(time: Timestamp) -> u64 {
    time.millis().max(0) as u64
}

/// A runtime time as the server's (saturating far in the future).
pub fn timestamp(millis: u64) -> Timestamp {
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The short form of a user.
pub fn user_ref(user: &UserRef) -> app::UserRef {
    app::UserRef {
        id: user.id.0.clone(),
        username: user.username.clone(),
        name: user.name.clone().filter(|n| !n.is_empty()),
    }
}

/// A user account (the runtime's record carries no credentials or e-mail).
pub fn user(user: &User) -> app::User {
    app::User {
        id: user.id.0.clone(),
        username: user.username.clone(),
        name: Some(user.name.clone()).filter(|n| !n.is_empty()),
        roles: user.roles.clone(),
        status: match user.status {
            Presence::Online => app::UserStatus::Online,
            Presence::Away => app::UserStatus::Away,
            Presence::Busy => app::UserStatus::Busy,
            Presence::Offline => app::UserStatus::Offline,
        },
        is_bot: user.kind == UserKind::Bot || user.has_role("bot"),
    }
}

/// A room. Direct rooms have no name (the contract says empty).
pub fn room(room: &Room) -> app::Room {
    app::Room {
        id: room.id.0.clone(),
        name: room.name.clone().unwrap_or_default(),
        kind: match room.kind {
            RoomKind::Channel => app::RoomKind::Channel,
            RoomKind::PrivateGroup => app::RoomKind::PrivateGroup,
            RoomKind::Direct => app::RoomKind::Direct,
        },
        topic: room.topic.clone(),
        description: room.description.clone(),
        creator: room.creator.as_ref().map(user_ref),
        read_only: room.ro,
        archived: room.archived,
        member_count: u32::try_from(room.users_count).unwrap_or(u32::MAX),
        created_at: millis(room.ts),
    }
}

/// A message as hooks and readers see it.
pub fn message(message: &Message) -> app::Message {
    app::Message {
        id: message.id.0.clone(),
        room_id: message.rid.0.clone(),
        sender: user_ref(&message.sender),
        text: message.msg.clone(),
        thread_id: message.tmid.as_ref().map(|t| t.0.clone()),
        created_at: millis(message.ts),
        edited_at: message.edited_at.map(millis),
        attachments: message.attachments.iter().map(attachment).collect(),
        mentions: message
            .mentions
            .iter()
            .map(|m| m.username.clone())
            .collect(),
        alias: message.alias.clone(),
        app_id: message.app_id.clone(),
    }
}

fn text_of(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The part of a Rocket.Chat attachment the contract has. Anything that is
/// not an object (clients may send anything) is an empty attachment.
pub fn attachment(value: &Value) -> app::Attachment {
    let Some(object) = value.as_object() else {
        return app::Attachment::default();
    };
    let fields = object
        .get("fields")
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(Value::as_object)
                .map(|field| app::AttachmentField {
                    title: text_of(field, "title").unwrap_or_default(),
                    value: text_of(field, "value").unwrap_or_default(),
                    short: field.get("short").and_then(Value::as_bool).unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    // Rocket.Chat's buttons carry `msg` (text posted when pressed) or
    // `url`; Capsule's carry an `action_id` and a `value` for the app.
    let actions = object
        .get("actions")
        .and_then(Value::as_array)
        .map(|actions| {
            actions
                .iter()
                .filter_map(Value::as_object)
                .map(|action| app::ActionButton {
                    action_id: text_of(action, "action_id")
                        .or_else(|| text_of(action, "actionId"))
                        .unwrap_or_default(),
                    text: text_of(action, "text").unwrap_or_default(),
                    value: text_of(action, "value").or_else(|| text_of(action, "msg")),
                })
                .collect()
        })
        .unwrap_or_default();
    app::Attachment {
        title: text_of(object, "title"),
        title_link: text_of(object, "title_link"),
        text: text_of(object, "text"),
        image_url: text_of(object, "image_url"),
        color: text_of(object, "color"),
        fields,
        actions,
    }
}

/// An app's attachment in Rocket.Chat's shape (absent values left out).
pub fn attachment_json(attachment: &app::Attachment) -> Value {
    let mut object = Map::new();
    for (key, value) in [
        ("title", &attachment.title),
        ("title_link", &attachment.title_link),
        ("text", &attachment.text),
        ("image_url", &attachment.image_url),
        ("color", &attachment.color),
    ] {
        if let Some(value) = value {
            object.insert(key.to_owned(), Value::String(value.clone()));
        }
    }
    if !attachment.fields.is_empty() {
        let fields = attachment
            .fields
            .iter()
            .map(|f| json!({"title": f.title, "value": f.value, "short": f.short}))
            .collect();
        object.insert("fields".to_owned(), Value::Array(fields));
    }
    if !attachment.actions.is_empty() {
        let actions = attachment
            .actions
            .iter()
            .map(|a| {
                let mut button =
                    json!({"type": "button", "text": a.text, "action_id": a.action_id});
                if let Some(value) = &a.value {
                    button["value"] = Value::String(value.clone());
                }
                button
            })
            .collect();
        object.insert("actions".to_owned(), Value::Array(actions));
    }
    Value::Object(object)
}

/// Attachments an app gave, in Rocket.Chat's shape.
pub fn attachments_json(attachments: &[app::Attachment]) -> Vec<Value> {
    attachments.iter().map(attachment_json).collect()
}

/// Writes what the pre-send hooks changed (`after`, from `before`) back
/// onto the server's `message`: the text, and each attachment that differs
/// from what the hooks were shown. Unchanged attachments keep their
/// original JSON, keys the contract lacks included. Returns whether the
/// text changed (mentions must then be found again).
pub fn apply_edit(message: &mut Message, before: &app::Message, after: app::Message) -> bool {
    let text_changed = after.text != before.text;
    if text_changed {
        message.msg = after.text;
    }
    if after.attachments != before.attachments {
        let original = std::mem::take(&mut message.attachments);
        message.attachments = after
            .attachments
            .iter()
            .enumerate()
            .map(
                |(i, changed)| match (original.get(i), before.attachments.get(i)) {
                    (Some(json), Some(seen)) if seen == changed => json.clone(),
                    _ => attachment_json(changed),
                },
            )
            .collect();
    }
    text_changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Mention, MessageId, RoomId, UserId};

    fn alice() -> UserRef {
        UserRef {
            id: UserId::from("u1"),
            username: "alice".into(),
            name: Some("Alice".into()),
        }
    }

    fn sample() -> Message {
        let mut m = Message::new(&RoomId::from("r1"), alice(), "hello @bob");
        m.id = MessageId::from("m1");
        m.ts = Timestamp(1_700_000_000_000);
        m.tmid = Some(MessageId::from("root"));
        m.mentions = vec![Mention {
            id: "u2".into(),
            username: "bob".into(),
            name: None,
            kind: "user".into(),
        }];
        m.attachments = vec![json!({
            "title": "Build",
            "text": "green",
            "author_name": "ci",
            "fields": [{"title": "branch", "value": "main", "short": true}],
            "actions": [{"type": "button", "text": "Retry", "msg": "/retry"}],
        })];
        m
    }

    #[test]
    fn a_message_keeps_its_ids_times_mentions_and_thread() {
        let m = message(&sample());
        assert_eq!(m.id, "m1");
        assert_eq!(m.room_id, "r1");
        assert_eq!(m.sender.username, "alice");
        assert_eq!(m.thread_id.as_deref(), Some("root"));
        assert_eq!(m.created_at, 1_700_000_000_000);
        assert_eq!(m.mentions, ["bob"]);
        assert_eq!(m.app_id, None);
    }

    #[test]
    fn attachments_map_fields_and_rocket_chat_buttons() {
        let a = &message(&sample()).attachments[0];
        assert_eq!(a.title.as_deref(), Some("Build"));
        assert_eq!(a.text.as_deref(), Some("green"));
        assert_eq!(
            a.fields,
            [app::AttachmentField {
                title: "branch".into(),
                value: "main".into(),
                short: true
            }]
        );
        assert_eq!(a.actions[0].text, "Retry");
        assert_eq!(a.actions[0].value.as_deref(), Some("/retry"));
        assert_eq!(
            attachment(&json!("not an object")),
            app::Attachment::default()
        );
    }

    #[test]
    fn an_app_attachment_round_trips_through_json() {
        let original = app::Attachment {
            title: Some("t".into()),
            text: Some("x".into()),
            color: Some("#f00".into()),
            fields: vec![app::AttachmentField {
                title: "a".into(),
                value: "b".into(),
                short: false,
            }],
            actions: vec![app::ActionButton {
                action_id: "go".into(),
                text: "Go".into(),
                value: Some("1".into()),
            }],
            ..app::Attachment::default()
        };
        let json = attachment_json(&original);
        assert_eq!(json["actions"][0]["type"], "button");
        assert!(json.get("image_url").is_none());
        assert_eq!(attachment(&json), original);
    }

    #[test]
    fn a_modified_text_is_written_back_and_untouched_attachments_keep_their_keys() {
        let mut stored = sample();
        let before = message(&stored);
        let mut after = before.clone();
        after.text = "hello @bob [mod]".into();
        assert!(apply_edit(&mut stored, &before, after));
        assert_eq!(stored.msg, "hello @bob [mod]");
        assert_eq!(stored.attachments[0]["author_name"], "ci");
    }

    #[test]
    fn replaced_attachments_are_written_in_rocket_chat_shape() {
        let mut stored = sample();
        let before = message(&stored);
        let mut after = before.clone();
        after.attachments[0].text = Some("red".into());
        after.attachments.push(app::Attachment {
            title: Some("second".into()),
            ..app::Attachment::default()
        });
        assert!(!apply_edit(&mut stored, &before, after));
        assert_eq!(stored.msg, "hello @bob");
        assert_eq!(stored.attachments.len(), 2);
        assert_eq!(stored.attachments[0]["text"], "red");
        assert!(stored.attachments[0].get("author_name").is_none());
        assert_eq!(stored.attachments[1], json!({"title": "second"}));
    }

    #[test]
    fn rooms_and_users_convert_with_their_kinds() {
        let mut r = Room::new(RoomKind::PrivateGroup, "ops", Some(alice()));
        r.users_count = 3;
        r.ro = true;
        let converted = room(&r);
        assert_eq!(converted.kind, app::RoomKind::PrivateGroup);
        assert_eq!((converted.member_count, converted.read_only), (3, true));
        assert_eq!(converted.creator.unwrap().username, "alice");
        let mut dm = Room::new(RoomKind::Direct, "", None);
        dm.name = None;
        assert_eq!(room(&dm).name, "");

        let bot = User::new("x.bot", "", &["bot"], UserKind::Bot);
        let converted = user(&bot);
        assert!(converted.is_bot);
        assert_eq!(converted.name, None);
        assert_eq!(converted.status, app::UserStatus::Offline);
    }

    #[test]
    fn times_saturate_instead_of_wrapping() {
        assert_eq!(millis(Timestamp(-5)), 0);
        assert_eq!(timestamp(u64::MAX), Timestamp(i64::MAX));
    }
}
