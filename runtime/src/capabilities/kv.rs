//! `kv`: the app's own key-value store. The namespace is the app id, set
//! by the host, so an app can never reach another app's keys.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::kv::Host;
use crate::bindings::v0_1::types::Error;
use crate::bridge::BridgeError;
use crate::capabilities::check_len;
use capsule_contract::Capability;

/// Most keys one listing returns.
const MAX_LIST: u32 = 1000;

/// How often `increment` retries when other writers keep changing the
/// counter between its read and its write; each try is one store round
/// trip, and a counter that contended is best reported, not spun on.
const INCREMENT_TRIES: usize = 32;

/// What `kv` needs from the chat: each app's key-value data. The runtime
/// supplies the app id, so an app reaches only its own keys; the chat
/// enforces the key-count quota.
#[async_trait]
pub trait KvBridge: Send + Sync {
    /// A value from the app's key-value store.
    async fn kv_get(&self, app_id: &str, key: &str) -> Result<Option<Vec<u8>>, BridgeError>;
    /// Stores a value; the server enforces the key-count quota.
    async fn kv_set(&self, app_id: &str, key: &str, value: Vec<u8>) -> Result<(), BridgeError>;
    /// Deletes a key; returns whether it existed.
    async fn kv_delete(&self, app_id: &str, key: &str) -> Result<bool, BridgeError>;
    /// Writes `new` (`None` deletes) only if the key now holds `expected`
    /// (`None`: does not exist), atomically; whether it wrote. The server
    /// enforces the key-count quota for a key it creates.
    async fn kv_compare_and_set(
        &self,
        app_id: &str,
        key: &str,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, BridgeError>;
    /// Keys with a prefix, in byte order, after `start_after`.
    async fn kv_list(
        &self,
        app_id: &str,
        prefix: &str,
        start_after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, BridgeError>;
}

impl Host for HostState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        let (bridge, app) = self.kv_bridge();
        Ok(self.host_wait(bridge.kv_get(&app, &key)).await?)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        self.check_value(&value)?;
        self.write_permit(Capability::Kv)?;
        let (bridge, app) = self.kv_bridge();
        Ok(self.host_wait(bridge.kv_set(&app, &key, value)).await?)
    }

    async fn delete(&mut self, key: String) -> Result<bool, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        self.write_permit(Capability::Kv)?;
        let (bridge, app) = self.kv_bridge();
        Ok(self.host_wait(bridge.kv_delete(&app, &key)).await?)
    }

    async fn compare_and_set(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        if let Some(value) = &new {
            self.check_value(value)?;
        }
        self.write_permit(Capability::Kv)?;
        let (bridge, app) = self.kv_bridge();
        Ok(self
            .host_wait(bridge.kv_compare_and_set(&app, &key, expected, new))
            .await?)
    }

    async fn increment(&mut self, key: String, delta: i64) -> Result<i64, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        self.write_permit(Capability::Kv)?;
        let (bridge, app) = self.kv_bridge();
        // A compare-and-set loop rather than a store primitive of its own:
        // every store that can compare-and-set can count, and the counter
        // stays the decimal text `get` shows.
        for _ in 0..INCREMENT_TRIES {
            let current = self.host_wait(bridge.kv_get(&app, &key)).await?;
            let sum = counter(&key, current.as_deref())?
                .checked_add(delta)
                .ok_or_else(|| Error::Invalid(format!("the counter `{key}` would overflow")))?;
            let new = Some(sum.to_string().into_bytes());
            if self
                .host_wait(bridge.kv_compare_and_set(&app, &key, current, new))
                .await?
            {
                return Ok(sum);
            }
        }
        Err(Error::Unavailable(format!(
            "the counter `{key}` changed under {INCREMENT_TRIES} tries in a row; try again"
        )))
    }

    async fn list_keys(
        &mut self,
        prefix: String,
        start_after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, Error> {
        self.grant(Capability::Kv)?;
        let (bridge, app) = self.kv_bridge();
        Ok(self
            .host_wait(bridge.kv_list(&app, &prefix, start_after.as_deref(), limit.min(MAX_LIST)))
            .await?)
    }
}

impl HostState {
    /// The bridge kv calls go to, and the app whose keys they reach.
    fn kv_bridge(&self) -> (Arc<dyn KvBridge>, Arc<str>) {
        (self.app.bridge.clone(), self.app.id.clone())
    }

    /// Refuses a value over the app's size limit.
    fn check_value(&self, value: &[u8]) -> Result<(), Error> {
        let max = self.app.limits.kv_max_value_bytes;
        if value.len() > max {
            return Err(Error::QuotaExceeded(format!(
                "the value is {} bytes; the limit is {max}",
                value.len()
            )));
        }
        Ok(())
    }
}

/// The counter a value holds: 0 for none, else its decimal text.
fn counter(key: &str, value: Option<&[u8]>) -> Result<i64, Error> {
    let Some(bytes) = value else { return Ok(0) };
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "the key `{key}` holds something other than a counter"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::counter;

    #[test]
    fn counters_are_decimal_text_and_missing_ones_are_zero() {
        assert!(matches!(counter("k", None), Ok(0)));
        assert!(matches!(counter("k", Some(b"-42")), Ok(-42)));
        assert!(counter("k", Some(b"4 2")).is_err());
        assert!(counter("k", Some(&[0xff])).is_err());
    }
}
