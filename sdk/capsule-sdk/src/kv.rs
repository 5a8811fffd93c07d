//! The app's private key-value store. Needs the `kv` permission.
//!
//! Keys are UTF-8 strings, values bytes. The host enforces quotas on the
//! number of keys and the size of values ([`Error::QuotaExceeded`]) and
//! rate-limits writes ([`Error::RateLimited`]). The `*_text` and `*_json`
//! helpers store UTF-8 text and JSON documents respectively.
//!
//! [`Error::QuotaExceeded`]: crate::Error::QuotaExceeded
//! [`Error::RateLimited`]: crate::Error::RateLimited

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::capsule::apps::kv;
use crate::error::{Result, invalid};

/// The value stored under `key`; `None` when there is none.
pub fn get(key: &str) -> Result<Option<Vec<u8>>> {
    kv::get(key)
}

/// Stores `value` under `key`, replacing what was there.
pub fn set(key: &str, value: &[u8]) -> Result<()> {
    kv::set(key, value)
}

/// Removes `key`; returns whether it existed.
pub fn delete(key: &str) -> Result<bool> {
    kv::delete(key)
}

/// Keys starting with `prefix` in byte order, after `start_after` when
/// given; at most `limit`. Pass the last key of one page as `start_after`
/// to get the next.
pub fn list_keys(prefix: &str, start_after: Option<&str>, limit: u32) -> Result<Vec<String>> {
    kv::list_keys(prefix, start_after, limit)
}

/// Writes `new` (`None` removes the key) only if `key` holds `expected`
/// now (`None`: only if it does not exist), atomically; returns whether it
/// wrote. For a read-modify-write that must not lose a concurrent change:
/// read, compute, call this, and start over on `false` (see [`update`]).
///
/// Needs a server with contract 0.1.1 or later.
pub fn compare_and_set(key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
    kv::compare_and_set(key, expected, new)
}

/// Adds `delta` to the counter at `key` atomically and returns the new
/// value; a missing key counts as 0. The counter is stored as decimal text,
/// so [`get_text`] reads it too. Two calls at the same moment both count.
///
/// Needs a server with contract 0.1.1 or later.
pub fn increment(key: &str, delta: i64) -> Result<i64> {
    kv::increment(key, delta)
}

/// Most times [`update`] recomputes before it gives up.
const UPDATE_TRIES: usize = 16;

/// Replaces the value at `key` with `change(current)` (`None`: missing, or
/// to remove it) without losing a concurrent writer's change: when the
/// value changed between the read and the write, `change` runs again on
/// the new value. Returns what was written. Gives up with
/// [`Error::Unavailable`](crate::Error::Unavailable) after a few tries
/// under constant contention.
pub fn update(
    key: &str,
    mut change: impl FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
) -> Result<Option<Vec<u8>>> {
    for _ in 0..UPDATE_TRIES {
        let current = get(key)?;
        let new = change(current.as_deref());
        if compare_and_set(key, current.as_deref(), new.as_deref())? {
            return Ok(new);
        }
    }
    Err(crate::Error::Unavailable(format!(
        "`{key}` kept changing; it was not updated"
    )))
}

/// The value under `key` as UTF-8 text. A value that is not UTF-8 is an
/// [`Error::Invalid`](crate::Error::Invalid).
pub fn get_text(key: &str) -> Result<Option<String>> {
    get(key)?
        .map(|bytes| {
            String::from_utf8(bytes).map_err(|_| invalid(format!("kv value `{key}` is not UTF-8")))
        })
        .transpose()
}

/// Stores `text` under `key`.
pub fn set_text(key: &str, text: &str) -> Result<()> {
    set(key, text.as_bytes())
}

/// The value under `key` decoded from JSON. A value that does not decode
/// as `T` is an [`Error::Invalid`](crate::Error::Invalid).
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    get(key)?
        .map(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|e| invalid(format!("kv value `{key}` is not the JSON expected: {e}")))
        })
        .transpose()
}

/// Stores `value` under `key` encoded as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| invalid(format!("cannot encode `{key}` as JSON: {e}")))?;
    set(key, &bytes)
}
