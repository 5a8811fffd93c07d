//! Host-side bindings for each released version of the WIT contract.
//!
//! Every released version of `capsule:apps` lives in its own folder under
//! `wit/` and gets its own module here, so that apps built against an older
//! contract keep loading when a newer one ships: the loader picks the module
//! from the version in the component's import and export names.

/// `capsule:apps@0.1.2` (folder `wit/0.1.2`), which also serves every
/// component built against `0.1.0` and `0.1.1`.
///
/// Within `0.1` a release only adds (as semver allows below 1.0 for the
/// patch number), and wasmtime resolves names semver-aware in both
/// directions: an import of `capsule:apps/kv@0.1.0` is satisfied by the
/// linker's `@0.1.2` definition, and the `@0.1.2` export lookup finds a
/// component's `@0.1.0` export. An interface added in a later release (an
/// export such as `settings-validation`) is simply absent from an older
/// component, which the loader treats like any export it lacks. So one
/// module serves the whole `0.1` series; a breaking `0.2` would get a
/// module of its own.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.2",
        world: "app",
        imports: { default: async },
        exports: { default: async },
    });

    pub use capsule::apps::types;
    pub use exports::capsule::apps as guest;

    /// The newest version of the series, the one these bindings define
    /// (the contract crate's [`NEWEST`](capsule_contract::version::NEWEST)).
    pub const VERSION: &str = "0.1.2";
}

// The bindings are generated from the newest contract the contract crate
// names; a release that moves one but not the other does not build.
const _: () = assert!(
    same_text(v0_1::VERSION, capsule_contract::version::NEWEST),
    "runtime/src/bindings.rs and capsule_contract::version::NEWEST name different contract versions"
);

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Conversions between the 0.1 bindings and the runtime's [`model`](crate::model).
mod convert_v0_1 {
    use super::v0_1::guest::{commands, jobs, message_events, ui};
    use super::v0_1::types as wit;
    use crate::bridge::BridgeError;
    use crate::model;

    impl From<model::UserRef> for wit::UserRef {
        fn from(u: model::UserRef) -> Self {
            wit::UserRef {
                id: u.id,
                username: u.username,
                name: u.name,
            }
        }
    }
    impl From<wit::UserRef> for model::UserRef {
        fn from(u: wit::UserRef) -> Self {
            model::UserRef {
                id: u.id,
                username: u.username,
                name: u.name,
            }
        }
    }
    impl From<model::User> for wit::User {
        fn from(u: model::User) -> Self {
            wit::User {
                id: u.id,
                username: u.username,
                name: u.name,
                roles: u.roles,
                status: match u.status {
                    model::UserStatus::Online => wit::UserStatus::Online,
                    model::UserStatus::Away => wit::UserStatus::Away,
                    model::UserStatus::Busy => wit::UserStatus::Busy,
                    model::UserStatus::Offline => wit::UserStatus::Offline,
                },
                is_bot: u.is_bot,
            }
        }
    }
    impl From<model::Room> for wit::Room {
        fn from(r: model::Room) -> Self {
            wit::Room {
                id: r.id,
                name: r.name,
                kind: match r.kind {
                    model::RoomKind::Channel => wit::RoomKind::Channel,
                    model::RoomKind::PrivateGroup => wit::RoomKind::PrivateGroup,
                    model::RoomKind::Direct => wit::RoomKind::Direct,
                },
                topic: r.topic,
                description: r.description,
                creator: r.creator.map(Into::into),
                read_only: r.read_only,
                archived: r.archived,
                member_count: r.member_count,
                created_at: r.created_at,
            }
        }
    }
    impl From<model::Attachment> for wit::Attachment {
        fn from(a: model::Attachment) -> Self {
            wit::Attachment {
                title: a.title,
                title_link: a.title_link,
                text: a.text,
                image_url: a.image_url,
                color: a.color,
                fields: a
                    .fields
                    .into_iter()
                    .map(|f| wit::AttachmentField {
                        title: f.title,
                        value: f.value,
                        short: f.short,
                    })
                    .collect(),
                actions: a
                    .actions
                    .into_iter()
                    .map(|b| wit::ActionButton {
                        action_id: b.action_id,
                        text: b.text,
                        value: b.value,
                    })
                    .collect(),
            }
        }
    }
    impl From<wit::Attachment> for model::Attachment {
        fn from(a: wit::Attachment) -> Self {
            model::Attachment {
                title: a.title,
                title_link: a.title_link,
                text: a.text,
                image_url: a.image_url,
                color: a.color,
                fields: a
                    .fields
                    .into_iter()
                    .map(|f| model::AttachmentField {
                        title: f.title,
                        value: f.value,
                        short: f.short,
                    })
                    .collect(),
                actions: a
                    .actions
                    .into_iter()
                    .map(|b| model::ActionButton {
                        action_id: b.action_id,
                        text: b.text,
                        value: b.value,
                    })
                    .collect(),
            }
        }
    }
    impl From<model::Message> for wit::Message {
        fn from(m: model::Message) -> Self {
            wit::Message {
                id: m.id,
                room_id: m.room_id,
                sender: m.sender.into(),
                text: m.text,
                thread_id: m.thread_id,
                created_at: m.created_at,
                edited_at: m.edited_at,
                attachments: m.attachments.into_iter().map(Into::into).collect(),
                mentions: m.mentions,
                alias: m.alias,
                app_id: m.app_id,
            }
        }
    }
    impl From<wit::OutgoingMessage> for model::OutgoingMessage {
        fn from(m: wit::OutgoingMessage) -> Self {
            model::OutgoingMessage {
                room_id: m.room_id,
                text: m.text,
                thread_id: m.thread_id,
                alias: m.alias,
                emoji: m.emoji,
                avatar_url: m.avatar_url,
                attachments: m.attachments.into_iter().map(Into::into).collect(),
            }
        }
    }
    impl From<wit::MessageEdit> for model::MessageEdit {
        fn from(e: wit::MessageEdit) -> Self {
            model::MessageEdit {
                text: e.text,
                attachments: e
                    .attachments
                    .map(|a| a.into_iter().map(Into::into).collect()),
            }
        }
    }
    impl From<message_events::Verdict> for model::Verdict {
        fn from(v: message_events::Verdict) -> Self {
            match v {
                message_events::Verdict::Allow => model::Verdict::Allow,
                message_events::Verdict::Veto(reason) => model::Verdict::Veto(reason),
            }
        }
    }
    impl From<model::HttpRequest> for wit::HttpRequest {
        fn from(r: model::HttpRequest) -> Self {
            wit::HttpRequest {
                method: r.method,
                url: r.url,
                headers: r.headers,
                body: r.body,
            }
        }
    }
    impl From<wit::HttpResponse> for model::HttpResponse {
        fn from(r: wit::HttpResponse) -> Self {
            model::HttpResponse {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }
        }
    }
    impl From<model::HttpResponse> for wit::HttpResponse {
        fn from(r: model::HttpResponse) -> Self {
            wit::HttpResponse {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }
        }
    }
    impl From<model::Invocation> for commands::Invocation {
        fn from(i: model::Invocation) -> Self {
            commands::Invocation {
                command: i.command,
                args: i.args,
                raw_args: i.raw_args,
                room: i.room.into(),
                user: i.user.into(),
                thread_id: i.thread_id,
                trigger_id: i.trigger_id,
            }
        }
    }
    impl From<commands::PreviewItem> for model::PreviewItem {
        fn from(p: commands::PreviewItem) -> Self {
            model::PreviewItem {
                id: p.id,
                value: p.value,
                kind: match p.kind {
                    commands::PreviewKind::Text => model::PreviewKind::Text,
                    commands::PreviewKind::Image => model::PreviewKind::Image,
                },
            }
        }
    }
    impl From<model::Job> for jobs::Job {
        fn from(j: model::Job) -> Self {
            jobs::Job {
                id: j.id,
                name: j.name,
                payload: j.payload,
                attempt: j.attempt,
            }
        }
    }
    impl From<model::Interaction> for ui::Interaction {
        fn from(i: model::Interaction) -> Self {
            ui::Interaction {
                action_id: i.action_id,
                value: i.value,
                user: i.user.into(),
                room_id: i.room_id,
                message_id: i.message_id,
                trigger_id: i.trigger_id,
            }
        }
    }
    impl From<model::SettingValue> for wit::SettingValue {
        fn from(v: model::SettingValue) -> Self {
            match v {
                model::SettingValue::Text(s) => wit::SettingValue::Text(s),
                model::SettingValue::Number(n) => wit::SettingValue::Number(n),
                model::SettingValue::Boolean(b) => wit::SettingValue::Boolean(b),
            }
        }
    }
    impl From<BridgeError> for wit::Error {
        fn from(e: BridgeError) -> Self {
            match e {
                BridgeError::NotFound(s) => wit::Error::NotFound(s),
                BridgeError::Invalid(s) => wit::Error::Invalid(s),
                BridgeError::Denied(s) => wit::Error::Denied(s),
                BridgeError::QuotaExceeded(s) => wit::Error::QuotaExceeded(s),
                BridgeError::LoopDetected => wit::Error::LoopDetected,
                BridgeError::Unavailable(s) => wit::Error::Unavailable(s),
            }
        }
    }
}
