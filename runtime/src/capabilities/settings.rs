//! `settings`: the app's own settings, as the admin set them.

use std::sync::Arc;

use async_trait::async_trait;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::settings::{Host, Value};
use crate::bindings::v0_1::types::Error;
use crate::bridge::BridgeError;
use crate::model::SettingValue;
use capsule_contract::Capability;

/// What `settings` needs from the chat: an app's settings as the admin set
/// them. The runtime supplies the app id, so an app reads only its own.
#[async_trait]
pub trait SettingsBridge: Send + Sync {
    /// The app's settings with their current values.
    async fn settings(&self, app_id: &str) -> Result<Vec<(String, SettingValue)>, BridgeError>;
}

fn to_wit(value: SettingValue) -> Value {
    match value {
        SettingValue::Text(s) => Value::Text(s),
        SettingValue::Number(n) => Value::Number(n),
        SettingValue::Boolean(b) => Value::Boolean(b),
    }
}

impl Host for HostState {
    async fn get(&mut self, id: String) -> Result<Option<Value>, Error> {
        self.grant(Capability::Settings)?;
        let bridge: Arc<dyn SettingsBridge> = self.app.bridge.clone();
        let app = self.app.id.clone();
        let all = self.host_wait(bridge.settings(&app)).await?;
        Ok(all
            .into_iter()
            .find(|(key, _)| *key == id)
            .map(|(_, v)| to_wit(v)))
    }

    async fn all(&mut self) -> Result<Vec<(String, Value)>, Error> {
        self.grant(Capability::Settings)?;
        let bridge: Arc<dyn SettingsBridge> = self.app.bridge.clone();
        let app = self.app.id.clone();
        let all = self.host_wait(bridge.settings(&app)).await?;
        Ok(all.into_iter().map(|(k, v)| (k, to_wit(v))).collect())
    }
}
