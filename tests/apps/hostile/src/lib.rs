//! Hostile app: misbehaves on purpose so tests can check that the host
//! contains it. The first word of a message's text picks the misbehaviour
//! in its pre-send-modify hook:
//!
//! | word            | does                                                     |
//! |-----------------|----------------------------------------------------------|
//! | `loop`          | spins forever                                            |
//! | `bomb`          | allocates and touches 1 MiB chunks until allocation fails |
//! | `stack`         | recurses without bound                                   |
//! | `panic`         | panics                                                   |
//! | `big`           | returns a 2 MiB text                                     |
//! | `flood`         | writes 1000 kv keys, reports `flood ok=N limited=M other=K` |
//! | `selfloop`      | sends `selfloop` to the same room, reports the result    |
//! | `badhost URL`   | GETs URL, reports `badhost: Ok(status)` or `badhost: Err(..)` |
//! | `fetch URL`     | the same, reported as `fetch: ...`                       |
//! | `unwrap URL`    | GETs URL and unwraps the result: a refusal becomes a panic |
//! | `whoami`        | reads the sender with `user-read`, reports the result    |
//!
//! Any other text is left alone.

use capsule_sdk::prelude::*;

mod abuse;
mod capabilities;

struct Hostile;

impl App for Hostile {
    fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
        let mut words = msg.text.split_whitespace();
        let text = match words.next()? {
            "loop" => abuse::spin(),
            "bomb" => abuse::bomb(),
            "stack" => abuse::stack(),
            "panic" => panic!("hostile app panicking on purpose"),
            "big" => abuse::big(),
            "flood" => capabilities::flood(),
            "selfloop" => capabilities::selfloop(&msg.room_id),
            "badhost" => capabilities::fetch("badhost", words.next().unwrap_or_default()),
            "fetch" => capabilities::fetch("fetch", words.next().unwrap_or_default()),
            "unwrap" => capabilities::fetch_unwrapped(words.next().unwrap_or_default()),
            "whoami" => capabilities::whoami(&msg.sender.id),
            _ => return None,
        };
        Some(capsule_sdk::messages::edit_text(text))
    }
}

capsule_sdk::export_app!(Hostile);
