//! An app's settings as the app reads them: each setting its manifest
//! declares, with the value an admin stored, else the manifest's default.
//!
//! Stored values live in the app's record (`AppDataStore::app_records`),
//! under `settings`, as an object from setting id to JSON value:
//! `{"settings": {"tag": "prod"}}`. The app manager validates and writes
//! them (`AppManager::set_settings`) and hands the resolved values to the
//! bridge when it loads the app and on every change.

use capsule_package::Setting;
use capsule_runtime::SettingValue;
use serde_json::Value;

use crate::store::{AppDataStore, StoreError};

/// The values of `declared` settings: the stored one when it has the
/// setting's type, else the default. A setting with neither is left out
/// (the app reads it as unset). A stored value of the wrong type is
/// ignored with a warning rather than handed to an app that cannot read it.
pub fn resolve(
    app_id: &str,
    declared: &[Setting],
    stored: Option<&Value>,
) -> Vec<(String, SettingValue)> {
    declared
        .iter()
        .filter_map(|setting| {
            let stored = stored.and_then(|s| s.get(&setting.id));
            let from_store = stored.and_then(|v| SettingValue::from_json(setting.kind, v));
            if stored.is_some() && from_store.is_none() {
                tracing::warn!(
                    app = app_id,
                    setting = %setting.id,
                    "the stored value of this setting is not a {}; using the default",
                    setting.kind
                );
            }
            let value = from_store.or_else(|| {
                setting
                    .default
                    .as_ref()
                    .and_then(|d| SettingValue::from_json(setting.kind, d))
            })?;
            Some((setting.id.clone(), value))
        })
        .collect()
}

/// The stored setting values of `app_id`: the `settings` object of its
/// record, if it has a record.
pub async fn stored(store: &dyn AppDataStore, app_id: &str) -> Result<Option<Value>, StoreError> {
    Ok(store
        .app_records()
        .await?
        .into_iter()
        .find(|record| record.id == app_id)
        .and_then(|record| record.document.get("settings").cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use capsule_package::SettingType;
    use serde_json::json;

    fn setting(id: &str, kind: SettingType, default: Option<Value>) -> Setting {
        Setting {
            id: id.into(),
            kind,
            label: id.into(),
            description: None,
            default,
            required: false,
            secret: false,
        }
    }

    #[test]
    fn stored_values_win_over_defaults_and_unset_settings_are_left_out() {
        let declared = [
            setting("tag", SettingType::Text, Some(json!("mod"))),
            setting("limit", SettingType::Number, Some(json!(3))),
            setting("token", SettingType::Text, None),
        ];
        let stored = json!({"tag": "prod"});
        assert_eq!(
            resolve("a", &declared, Some(&stored)),
            [
                ("tag".to_owned(), SettingValue::Text("prod".into())),
                ("limit".to_owned(), SettingValue::Number(3.0)),
            ]
        );
    }

    #[test]
    fn a_stored_value_of_the_wrong_type_falls_back_to_the_default() {
        let declared = [setting("on", SettingType::Boolean, Some(json!(true)))];
        let stored = json!({"on": "yes", "undeclared": 1});
        assert_eq!(
            resolve("a", &declared, Some(&stored)),
            [("on".to_owned(), SettingValue::Boolean(true))]
        );
    }
}
