//! An app's settings as the admin reads and changes them: typed by the
//! manifest, validated (by the manifest, then by the app itself when it
//! implements `validate-settings`), stored in the record (`settings`), and
//! applied at once (the bridge serves the new values, and the app hears
//! `on-settings-changed`). A secret's value is never read back.

use capsule_package::Manifest;
use capsule_runtime::{Hook, LifecycleEvent, SettingValue, TargetError};
use serde_json::{Map, Value};

use super::record::Status;
use super::{AppManager, ManageError, SettingView};
use crate::model::User;

/// The most characters an app setting's text value takes: room for a
/// list of a few thousand entries (the moderation app's words), a long
/// token or a template, not for a document. (Capsule's choice;
/// Rocket.Chat's apps engine has no limit.)
pub const APP_SETTING_TEXT_MAX_CHARS: usize = 65_536;

/// Whether `value` is text longer than [`APP_SETTING_TEXT_MAX_CHARS`].
fn too_long(value: &Value) -> bool {
    value.as_str().is_some_and(|text| {
        text.chars().take(APP_SETTING_TEXT_MAX_CHARS + 1).count() > APP_SETTING_TEXT_MAX_CHARS
    })
}

/// The required settings of `manifest` that have neither a stored value
/// nor a default, as problems an admin reads.
pub(super) fn missing_required(manifest: &Manifest, stored: &Map<String, Value>) -> Vec<String> {
    manifest
        .settings
        .iter()
        .filter(|s| s.required)
        .filter(|s| {
            let value = stored.get(&s.id).or(s.default.as_ref());
            value.is_none_or(|v| v.is_null() || v.as_str().is_some_and(|t| t.trim().is_empty()))
        })
        .map(|s| format!("the required setting `{}` ({}) has no value", s.id, s.label))
        .collect()
}

fn views(manifest: &Manifest, stored: &Map<String, Value>) -> Vec<SettingView> {
    manifest
        .settings
        .iter()
        .map(|s| {
            let value = stored.get(&s.id).filter(|v| !v.is_null()).cloned();
            SettingView {
                id: s.id.clone(),
                kind: s.kind.name(),
                label: s.label.clone(),
                description: s.description.clone(),
                required: s.required,
                secret: s.secret,
                default: s.default.clone(),
                set: value.is_some(),
                value: if s.secret { None } else { value },
            }
        })
        .collect()
}

impl AppManager {
    /// App `id`'s settings, as its manifest declares them, with the values
    /// an admin set (a secret's only as `set`).
    pub async fn settings(&self, id: &str) -> Result<Vec<SettingView>, ManageError> {
        let record = self.app_record(id).await?;
        let manifest = record
            .manifest()
            .ok_or_else(|| ManageError::NotFound(id.to_owned()))?;
        Ok(views(manifest, &record.settings))
    }

    /// Sets some of app `id`'s settings: each must be declared and of its
    /// type; `null` clears one; an app that validates its settings must
    /// accept the result. All or nothing. An app waiting only for a
    /// required setting is enabled once it has it.
    pub async fn set_settings(
        &self,
        actor: &User,
        id: &str,
        values: Map<String, Value>,
    ) -> Result<Vec<SettingView>, ManageError> {
        let _op = self.inner.ops.lock().await;
        let mut record = self.app_record(id).await?;
        let manifest = record
            .manifest()
            .cloned()
            .ok_or_else(|| ManageError::NotFound(id.to_owned()))?;
        let mut problems = Vec::new();
        for (key, value) in &values {
            match manifest.settings.iter().find(|s| &s.id == key) {
                None => problems.push(format!(
                    "app `{id}` has no setting `{key}`; it has {}",
                    manifest
                        .settings
                        .iter()
                        .map(|s| format!("`{}`", s.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Some(_) if value.is_null() => {}
                Some(_) if too_long(value) => problems.push(format!(
                    "the setting `{key}` is too long: it takes at most {APP_SETTING_TEXT_MAX_CHARS} characters"
                )),
                Some(setting) if !setting.kind.accepts(value) => problems.push(format!(
                    "the setting `{key}` takes a {} value, not `{value}`",
                    setting.kind
                )),
                Some(_) => {}
            }
        }
        let mut next = record.settings.clone();
        for (key, value) in &values {
            if value.is_null() {
                next.remove(key);
            } else {
                next.insert(key.clone(), value.clone());
            }
        }
        let running = record
            .installed
            .as_ref()
            .is_some_and(|i| i.status == Status::Enabled);
        if running {
            // An enabled app cannot be left without what it needs.
            problems.extend(missing_required(&manifest, &next));
        }
        if !problems.is_empty() {
            return Err(ManageError::InvalidSettings(problems));
        }
        let proposed = crate::apps::settings::resolve(
            id,
            &manifest.settings,
            Some(&Value::Object(next.clone())),
        );
        let changed: Vec<String> = values.keys().cloned().collect();
        if let Some(refusal) = self
            .app_refusal(id, &manifest, changed, proposed.clone())
            .await
        {
            return Err(ManageError::InvalidSettings(vec![refusal]));
        }
        record.settings = next;
        self.inner.bridge.set_settings(id, proposed);
        let mut now_running = false;
        if let Some(installed) = record.installed.as_mut()
            && installed.status == Status::InvalidSettings
        {
            now_running = self.apply_state(id, installed, &record.settings);
        }
        self.save(id, &record).await?;
        let detail: Map<String, Value> = values
            .iter()
            .map(|(key, value)| {
                let secret = manifest.settings.iter().any(|s| &s.id == key && s.secret);
                let shown = if secret && !value.is_null() {
                    Value::String("(secret)".into())
                } else {
                    value.clone()
                };
                (key.clone(), shown)
            })
            .collect();
        self.record_action(
            actor.into(),
            "app.settings",
            Some(id),
            Value::Object(detail),
        )
        .await?;
        if running {
            let changed: Vec<String> = values.keys().cloned().collect();
            self.lifecycle(id, LifecycleEvent::SettingsChanged(changed))
                .await;
        }
        if now_running {
            self.announce_enabled(id).await;
        }
        Ok(views(&manifest, &record.settings))
    }

    /// What app `id` says against saving `proposed`, when its manifest
    /// lists `validate-settings` and it is loaded (enabled or not). A
    /// validation that fails (a trap, a deadline) does not block the
    /// change: an admin must be able to reconfigure a broken app.
    async fn app_refusal(
        &self,
        id: &str,
        manifest: &Manifest,
        changed: Vec<String>,
        proposed: Vec<(String, SettingValue)>,
    ) -> Option<String> {
        if !manifest.hooks().any(|h| h == Hook::ValidateSettings) {
            return None;
        }
        match self
            .inner
            .runtime
            .validate_settings(id, changed, proposed)
            .await
        {
            Ok(Ok(())) | Err(TargetError::NotLoaded(_)) => None,
            Ok(Err(refusal)) => Some(refusal),
            Err(TargetError::Call(error)) => {
                tracing::warn!(
                    app = id,
                    "the app could not check its settings; saving them unchecked: {error}"
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Manifest {
        Manifest::parse(
            br#"{"id": "a", "name": "A", "version": "1.0.0", "api": "^0.1",
                 "author": {"name": "x"}, "description": "d",
                 "permissions": [{"name": "settings"}],
                 "settings": [
                   {"id": "token", "type": "text", "label": "Token", "required": true, "secret": true},
                   {"id": "limit", "type": "number", "label": "Limit", "required": true, "default": 3},
                   {"id": "tag", "type": "text", "label": "Tag"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn text_values_are_bounded_in_characters() {
        assert!(!too_long(&json!("é".repeat(APP_SETTING_TEXT_MAX_CHARS))));
        assert!(too_long(&json!("x".repeat(APP_SETTING_TEXT_MAX_CHARS + 1))));
        assert!(!too_long(&json!(3)));
    }

    #[test]
    fn a_required_setting_needs_a_value_or_a_default() {
        let mut stored = Map::new();
        let missing = missing_required(&manifest(), &stored);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(missing[0].contains("`token`"), "{missing:?}");
        stored.insert("token".into(), json!("  "));
        assert_eq!(
            missing_required(&manifest(), &stored).len(),
            1,
            "blank is no value"
        );
        stored.insert("token".into(), json!("s3cret"));
        assert!(missing_required(&manifest(), &stored).is_empty());
    }

    #[test]
    fn a_secret_is_shown_as_set_but_never_its_value() {
        let mut stored = Map::new();
        stored.insert("token".into(), json!("s3cret"));
        stored.insert("tag".into(), json!("prod"));
        let shown = views(&manifest(), &stored);
        assert_eq!((shown[0].set, shown[0].value.clone()), (true, None));
        assert_eq!(shown[2].value, Some(json!("prod")));
        assert!(!serde_json::to_string(&shown).unwrap().contains("s3cret"));
    }
}
