//! `settings`: the app's own settings, as the admin set them.

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::settings::{Host, Value};
use crate::bindings::v0_1::types::Error;
use crate::model::SettingValue;
use capsule_contract::Capability;

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
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        let all = self.host_wait(bridge.settings(&app)).await?;
        Ok(all
            .into_iter()
            .find(|(key, _)| *key == id)
            .map(|(_, v)| to_wit(v)))
    }

    async fn all(&mut self) -> Result<Vec<(String, Value)>, Error> {
        self.grant(Capability::Settings)?;
        let (bridge, app) = (self.app.bridge.clone(), self.app.id.clone());
        let all = self.host_wait(bridge.settings(&app)).await?;
        Ok(all.into_iter().map(|(k, v)| (k, to_wit(v))).collect())
    }
}
