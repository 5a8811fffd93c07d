//! Misbehaviour through capabilities: write floods, self-triggering
//! messages, requests to hosts that were not granted, and calls after a
//! grant is revoked.

use capsule_sdk::prelude::*;
use capsule_sdk::{http, kv, messages, users};

/// How many keys [`flood`] writes.
const FLOOD_WRITES: u32 = 1000;

/// Writes [`FLOOD_WRITES`] different kv keys as fast as possible and
/// counts how the host answered.
pub fn flood() -> String {
    let (mut ok, mut limited, mut other) = (0u32, 0u32, 0u32);
    for i in 0..FLOOD_WRITES {
        match kv::set(&format!("flood-{i}"), b"x") {
            Ok(()) => ok += 1,
            Err(Error::RateLimited) => limited += 1,
            Err(_) => other += 1,
        }
    }
    format!("flood ok={ok} limited={limited} other={other}")
}

/// Sends `selfloop` to `room`, which runs this hook again, which sends
/// again, ... until the host's loop detection stops it.
pub fn selfloop(room: &str) -> String {
    let result = messages::send_text(room, "selfloop");
    format!("selfloop sent: {result:?}")
}

/// `GET url`; reports `<label>: Ok(<status>)` or `<label>: Err(<error>)`.
pub fn fetch(label: &str, url: &str) -> String {
    let result = http::get(url).map(|response| response.status);
    format!("{label}: {result:?}")
}

/// `GET url`, unwrapped: an app that does not handle a refusal panics.
pub fn fetch_unwrapped(url: &str) -> String {
    let status = http::get(url).unwrap().status;
    format!("unwrap: {status}")
}

/// Looks the sender up with `user-read`; reports the debug form of the
/// result, e.g. `Err(Error::Denied(..))` once the grant is revoked.
pub fn whoami(sender: &str) -> String {
    let result = users::get(sender);
    format!("whoami: {result:?}")
}
