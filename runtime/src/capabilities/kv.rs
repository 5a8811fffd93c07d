//! `kv`: the app's own key-value store. The namespace is the app id, set
//! by the host, so an app can never reach another app's keys.

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::kv::Host;
use crate::bindings::v0_1::types::Error;
use crate::capabilities::check_len;
use crate::grants::Capability;

/// Most keys one listing returns.
const MAX_LIST: u32 = 1000;

impl Host for HostState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        Ok(self.host_wait(bridge.kv_get(&app, &key)).await?)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        if value.len() > self.app.limits.kv_max_value_bytes {
            return Err(Error::QuotaExceeded(format!(
                "the value is {} bytes; the limit is {}",
                value.len(),
                self.app.limits.kv_max_value_bytes
            )));
        }
        self.write_permit()?;
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        Ok(self.host_wait(bridge.kv_set(&app, &key, value)).await?)
    }

    async fn delete(&mut self, key: String) -> Result<bool, Error> {
        self.grant(Capability::Kv)?;
        check_len("the key", key.len(), self.app.limits.kv_max_key_bytes)?;
        self.write_permit()?;
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        Ok(self.host_wait(bridge.kv_delete(&app, &key)).await?)
    }

    async fn list_keys(
        &mut self,
        prefix: String,
        start_after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, Error> {
        self.grant(Capability::Kv)?;
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        Ok(self
            .host_wait(bridge.kv_list(&app, &prefix, start_after.as_deref(), limit.min(MAX_LIST)))
            .await?)
    }
}
