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
