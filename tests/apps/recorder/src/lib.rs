//! Recorder app: writes what happened to its key-value data, so the
//! server's tests can tell which events reached it and in what shape.
//!
//! | event | key | value |
//! | --- | --- | --- |
//! | post-update | `updated:<message id>` | the new text |
//! | post-delete | `deleted:<message id>` | the text |
//! | room-created | `created:<room name>` | `<kind> members=<n>` |
//! | user-joined | `joined:<room name>:<username>` | `members=<n>` |
//! | user-left | `left:<room name>:<username>` | `members=<n>` |
//!
//! A message `recorder:reply` makes its post-send hook answer `reply`,
//! edit that answer to `reply (edited)`, try to edit the sender's message,
//! and whisper `psst` to the sender, storing each result under
//! `reply:sent`, `reply:edit-own`, `reply:edit-foreign`, `reply:notify`.

use capsule_sdk::prelude::*;
use capsule_sdk::{kv, messages};

struct Recorder;

fn record(key: &str, value: &str) {
    // An event hook has no one to report to; a failed write shows up in
    // the tests as a missing key.
    let _ = kv::set_text(key, value);
}

fn kind(room: &Room) -> &'static str {
    match room.kind {
        RoomKind::Channel => "channel",
        RoomKind::PrivateGroup => "group",
        RoomKind::Direct => "direct",
    }
}

impl App for Recorder {
    fn post_send(msg: Message) {
        if msg.text != "recorder:reply" {
            return;
        }
        let sent = messages::send_text(&msg.room_id, "reply");
        record("reply:sent", &format!("{:?}", sent.as_ref().map(|_| "ok")));
        if let Ok(id) = sent {
            let own = messages::update(&id, &messages::edit_text("reply (edited)"));
            record("reply:edit-own", &format!("{own:?}"));
        }
        let foreign = messages::update(&msg.id, &messages::edit_text("hijacked"));
        record("reply:edit-foreign", &format!("{foreign:?}"));
        let notify = messages::notify_user(&msg.room_id, &msg.sender.id, "psst");
        record("reply:notify", &format!("{notify:?}"));
    }

    fn post_update(msg: Message) {
        record(&format!("updated:{}", msg.id), &msg.text);
    }

    fn post_delete(msg: Message) {
        record(&format!("deleted:{}", msg.id), &msg.text);
    }

    fn room_created(room: Room) {
        let value = format!("{} members={}", kind(&room), room.member_count);
        record(&format!("created:{}", room.name), &value);
    }

    fn user_joined(room: Room, user: UserRef) {
        let key = format!("joined:{}:{}", room.name, user.username);
        record(&key, &format!("members={}", room.member_count));
    }

    fn user_left(room: Room, user: UserRef) {
        let key = format!("left:{}:{}", room.name, user.username);
        record(&key, &format!("members={}", room.member_count));
    }
}

capsule_sdk::export_app!(Recorder);
