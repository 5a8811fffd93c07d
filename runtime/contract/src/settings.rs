//! The types a setting's value can have: what a manifest's `settings`
//! declare and what an app reads back.

use serde::{Deserialize, Serialize};

/// A setting's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SettingType {
    /// A string.
    Text,
    /// A JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl SettingType {
    /// The name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            SettingType::Text => "text",
            SettingType::Number => "number",
            SettingType::Boolean => "boolean",
        }
    }

    /// Whether `value` is of this type.
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        match self {
            SettingType::Text => value.is_string(),
            SettingType::Number => value.is_number(),
            SettingType::Boolean => value.is_boolean(),
        }
    }
}

impl std::fmt::Display for SettingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
