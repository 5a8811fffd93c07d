//! The few fields of an app's `manifest.json` the kit needs: its id, the
//! hooks it implements, the permissions it asks for and its settings'
//! defaults. Any other field is ignored, so the kit keeps working as the
//! package format grows; the package format's own parser is the one that
//! checks a manifest in full.

use std::collections::BTreeSet;
use std::path::Path;

use capsule_runtime::{Capability, GrantSet, Hook, SettingValue};
use serde::Deserialize;
use serde_json::Value;

use crate::error::TestkitError;

/// What the kit takes from a manifest.
#[derive(Clone, Debug)]
pub(crate) struct Manifest {
    /// The app id the app is loaded under.
    pub id: String,
    /// The hooks the runtime will call.
    pub implements: BTreeSet<Hook>,
    /// Everything the permissions ask for, except the room limit.
    pub grants: GrantSet,
    /// The rooms the room-scoped permissions are limited to, when any
    /// permission lists rooms. One set for all of them, because that is
    /// what a [`GrantSet`] holds.
    pub rooms: Option<BTreeSet<String>>,
    /// Every declared setting with its default, if it has one.
    pub settings: Vec<(String, Option<SettingValue>)>,
}

/// The manifest as written; unknown fields are ignored.
#[derive(Deserialize)]
struct Raw {
    id: String,
    #[serde(default)]
    implements: Vec<String>,
    #[serde(default)]
    permissions: Vec<RawPermission>,
    #[serde(default)]
    settings: Vec<RawSetting>,
}

#[derive(Deserialize)]
struct RawPermission {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    rooms: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawSetting {
    id: String,
    #[serde(default)]
    default: Value,
}

/// The capabilities whose reach a grant's room list limits.
const ROOM_SCOPED: [Capability; 3] = [
    Capability::MessageRead,
    Capability::MessageWrite,
    Capability::RoomRead,
];

impl Manifest {
    /// Reads `manifest`, the parsed `manifest.json` at `path` (`path` only
    /// names it in errors).
    pub fn parse(manifest: &Value, path: &Path) -> Result<Manifest, TestkitError> {
        let error = |reason: String| TestkitError::Manifest {
            path: path.to_owned(),
            reason,
        };
        let raw = Raw::deserialize(manifest).map_err(|e| {
            error(format!(
                "{e}; a manifest needs at least an `id`, and `implements`, `permissions` and `settings` must be lists"
            ))
        })?;

        let implements = raw
            .implements
            .iter()
            .map(|name| name.parse::<Hook>())
            .collect::<Result<_, _>>()
            .map_err(|e| error(format!("`implements`: {e}")))?;

        let mut grants = GrantSet::none();
        let mut rooms: Option<BTreeSet<String>> = None;
        for permission in &raw.permissions {
            let capability: Capability = permission.name.parse().map_err(|_| {
                let known: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
                error(format!(
                    "unknown permission `{}`; known permissions: {}",
                    permission.name,
                    known.join(", ")
                ))
            })?;
            grants = match capability {
                Capability::HttpOutbound => grants
                    .with_http_hosts(&permission.hosts)
                    .map_err(|e| error(format!("permission `http-outbound`: {e}")))?,
                other => grants.with(other),
            };
            if let Some(listed) = &permission.rooms {
                if !ROOM_SCOPED.contains(&capability) {
                    return Err(error(format!(
                        "permission `{capability}` lists rooms, but only message-read, message-write and room-read are limited to rooms"
                    )));
                }
                rooms.get_or_insert_default().extend(listed.iter().cloned());
            }
        }

        let settings = raw
            .settings
            .into_iter()
            .map(|setting| {
                let default = setting_value(&setting.default).map_err(|kind| {
                    error(format!(
                        "setting `{}` has a default of type {kind}; give text, a number, true or false",
                        setting.id
                    ))
                })?;
                Ok((setting.id, default))
            })
            .collect::<Result<_, TestkitError>>()?;

        Ok(Manifest {
            id: raw.id,
            implements,
            grants,
            rooms,
            settings,
        })
    }

    /// Whether the manifest declares a setting `id`.
    pub fn declares_setting(&self, id: &str) -> bool {
        self.settings.iter().any(|(declared, _)| declared == id)
    }

    /// The declared setting ids, comma-separated, for error messages.
    pub fn setting_ids(&self) -> String {
        let ids: Vec<&str> = self.settings.iter().map(|(id, _)| id.as_str()).collect();
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    }
}

/// A setting's default as a [`SettingValue`]: `None` for no default (absent
/// or `null`), the JSON type's name when it is not one a setting can hold.
fn setting_value(value: &Value) -> Result<Option<SettingValue>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(SettingValue::Text(text.clone()))),
        Value::Bool(flag) => Ok(Some(SettingValue::Boolean(*flag))),
        // Every JSON number fits an f64, if not always exactly.
        Value::Number(n) => Ok(Some(SettingValue::Number(n.as_f64().unwrap_or(f64::NAN)))),
        Value::Array(_) => Err("list"),
        Value::Object(_) => Err("object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<Manifest, TestkitError> {
        Manifest::parse(&value, Path::new("manifest.json"))
    }

    #[test]
    fn reads_the_fields_the_kit_needs_and_ignores_the_rest() {
        let manifest = parse(json!({
            "id": "weather",
            "name": "Weather",
            "future-field": {"anything": [1, 2]},
            "implements": ["command", "lifecycle"],
            "permissions": [
                {"name": "http-outbound", "hosts": ["api.example.test"], "why": "forecasts"},
                {"name": "message-write", "rooms": ["general"]},
                {"name": "logging"}
            ],
            "settings": [
                {"id": "city", "type": "text", "default": "Lisbon"},
                {"id": "days", "type": "number", "default": 3},
                {"id": "metric", "type": "boolean", "default": true},
                {"id": "token", "type": "text"}
            ]
        }))
        .unwrap();
        assert_eq!(manifest.id, "weather");
        assert_eq!(
            manifest.implements,
            BTreeSet::from([Hook::Command, Hook::Lifecycle])
        );
        assert!(manifest.grants.has(Capability::Logging));
        assert!(manifest.grants.allows_host("api.example.test", 443, 443));
        assert!(!manifest.grants.allows_host("other.example.test", 443, 443));
        assert_eq!(manifest.rooms, Some(BTreeSet::from(["general".to_owned()])));
        assert_eq!(
            manifest.settings,
            vec![
                ("city".to_owned(), Some(SettingValue::Text("Lisbon".into()))),
                ("days".to_owned(), Some(SettingValue::Number(3.0))),
                ("metric".to_owned(), Some(SettingValue::Boolean(true))),
                ("token".to_owned(), None),
            ]
        );
    }

    #[test]
    fn errors_name_the_field_and_the_fix() {
        let err = parse(json!({"id": "x", "implements": ["pre-send"]})).unwrap_err();
        assert!(err.to_string().contains("unknown hook `pre-send`"), "{err}");
        let err = parse(json!({"id": "x", "permissions": [{"name": "teleport"}]})).unwrap_err();
        assert!(
            err.to_string().contains("known permissions: message-read"),
            "{err}"
        );
        let err = parse(json!({"name": "no id"})).unwrap_err();
        assert!(err.to_string().contains("needs at least an `id`"), "{err}");
        let err = parse(json!({"id": "x", "settings": [{"id": "s", "default": [1]}]})).unwrap_err();
        assert!(err.to_string().contains("give text, a number"), "{err}");
        let err =
            parse(json!({"id": "x", "permissions": [{"name": "kv", "rooms": ["a"]}]})).unwrap_err();
        assert!(err.to_string().contains("only message-read"), "{err}");
    }
}
