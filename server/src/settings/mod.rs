//! Server settings: their definitions, defaults and current values.
//!
//! The definitions are code; what an admin changed is kept in the store and
//! loaded at start. Ids follow Rocket.Chat's where it has the same setting,
//! so clients that read `settings.public` find what they expect.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use serde_json::{Value, json};

use crate::store::{SettingStore, StoreError};

mod definitions;

use definitions::DEFINITIONS;

/// The type a setting's value must have, with the range it must be in.
/// Each definition declares its own beside its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingType {
    Boolean,
    /// An integer from `min` to `max`; `off`, when given, is accepted too
    /// and switches the setting off (Rocket.Chat's `-1`: no limit).
    Int {
        min: i64,
        max: i64,
        off: Option<i64>,
    },
    /// Text of at most `max_chars` characters.
    String {
        max_chars: usize,
    },
    /// One of fixed string values.
    Select(&'static [&'static str]),
    /// A release number, `major.minor.patch` (`7.10.0`).
    Release,
}

impl SettingType {
    /// The name Rocket.Chat's settings API reports.
    pub fn name(self) -> &'static str {
        match self {
            SettingType::Boolean => "boolean",
            SettingType::Int { .. } => "int",
            SettingType::String { .. } | SettingType::Release => "string",
            SettingType::Select(_) => "select",
        }
    }

    /// Whether `value` is of this type and in its range.
    fn fits(self, value: &Value) -> bool {
        match self {
            SettingType::Boolean => value.is_boolean(),
            SettingType::Int { min, max, off } => value
                .as_i64()
                .is_some_and(|v| (min..=max).contains(&v) || Some(v) == off),
            SettingType::String { max_chars } => value
                .as_str()
                .is_some_and(|v| v.chars().take(max_chars + 1).count() <= max_chars),
            SettingType::Select(options) => value.as_str().is_some_and(|v| options.contains(&v)),
            SettingType::Release => value.as_str().and_then(release_line).is_some(),
        }
    }

    /// What a value must be, in words, for refusals.
    pub fn expected(self) -> String {
        match self {
            SettingType::Boolean => "a boolean".to_owned(),
            SettingType::Int {
                min,
                max,
                off: Some(off),
            } => format!("an integer from {min} to {max}, or {off} for none"),
            SettingType::Int {
                min,
                max,
                off: None,
            } => {
                format!("an integer from {min} to {max}")
            }
            SettingType::String { max_chars } => {
                format!("a string of at most {max_chars} characters")
            }
            SettingType::Select(options) => format!("one of {}", options.join(", ")),
            SettingType::Release => {
                "a release number (`major.minor.patch`, such as 7.10.0)".to_owned()
            }
        }
    }
}

/// A value as a refusal quotes it: long text is shortened, so that a
/// refused megabyte is not sent back.
fn quoted(value: &Value) -> String {
    const SHOWN: usize = 40;
    match value {
        Value::String(text) if text.chars().count() > SHOWN => {
            let head: String = text.chars().take(SHOWN).collect();
            format!("\"{head}...\" ({} characters)", text.chars().count())
        }
        Value::Array(_) | Value::Object(_) => {
            let text = value.to_string();
            if text.chars().count() > SHOWN {
                format!(
                    "a {} of {} characters",
                    json_kind(value),
                    text.chars().count()
                )
            } else {
                text
            }
        }
        other => other.to_string(),
    }
}

fn json_kind(value: &Value) -> &'static str {
    if value.is_array() { "list" } else { "object" }
}

/// The `major.minor` line of a `major.minor.patch` release number.
pub fn release_line(release: &str) -> Option<String> {
    let parts: Vec<&str> = release.split('.').collect();
    let numbers = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.parse::<u64>().is_ok());
    numbers.then(|| format!("{}.{}", parts[0], parts[1]))
}

/// The setting holding the Rocket.Chat release Capsule announces.
pub const ANNOUNCED_RELEASE: &str = "Capsule_Rocket_Chat_Release";
/// The setting holding this server's random, stable id (Rocket.Chat's
/// `uniqueID`), made at first start.
pub const UNIQUE_ID: &str = "uniqueID";

/// One setting's definition.
#[derive(Clone, Debug)]
pub struct SettingDef {
    pub id: &'static str,
    pub group: &'static str,
    pub kind: SettingType,
    pub default: fn() -> Value,
    /// Readable without signing in (`settings.public`).
    pub public: bool,
    pub description: &'static str,
}

/// Every setting the server knows.
pub fn definitions() -> &'static [SettingDef] {
    DEFINITIONS
}

/// The definition of the setting `id`.
pub fn definition(id: &str) -> Option<&'static SettingDef> {
    DEFINITIONS.iter().find(|d| d.id == id)
}

impl SettingDef {
    /// The value the setting has until an admin changes it (Rocket.Chat's
    /// `packageValue`).
    pub fn default_value(&self) -> Value {
        (self.default)()
    }

    /// The values a `Select` setting takes; empty for other types.
    pub fn options(&self) -> &'static [&'static str] {
        match self.kind {
            SettingType::Select(options) => options,
            _ => &[],
        }
    }
}

/// Why a setting cannot be changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("there is no setting `{0}`")]
    Unknown(String),
    /// The value is of the wrong type or out of the setting's range.
    #[error("setting `{id}` takes {expected}, not {got}")]
    Refused {
        id: String,
        expected: String,
        got: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Current values, readable without touching the store.
pub struct Settings {
    store: Arc<dyn SettingStore>,
    values: RwLock<HashMap<&'static str, Value>>,
}

impl Settings {
    /// Defaults overlaid with what the store holds.
    pub async fn load(store: Arc<dyn SettingStore>) -> Result<Settings, StoreError> {
        let mut values: HashMap<&'static str, Value> =
            DEFINITIONS.iter().map(|d| (d.id, (d.default)())).collect();
        for (id, value) in store.settings().await? {
            if let Some(def) = DEFINITIONS.iter().find(|d| d.id == id) {
                if def.kind.fits(&value) {
                    values.insert(def.id, value);
                } else {
                    // Kept by a server that did not check ranges yet: the
                    // default serves until an admin sets a valid value.
                    tracing::warn!(
                        setting = %id,
                        value = %quoted(&value),
                        expected = %def.kind.expected(),
                        "a stored setting is out of its range; using its default until it is set again"
                    );
                }
            } else {
                tracing::warn!(setting = %id, "ignoring a stored setting this server does not know");
            }
        }
        let settings = Settings {
            store,
            values: RwLock::new(values),
        };
        if settings.get(UNIQUE_ID).as_str().is_none_or(str::is_empty) {
            let id = crate::model::random_id();
            settings.store.set_setting(UNIQUE_ID, &json!(id)).await?;
            settings.values.write().insert(UNIQUE_ID, json!(id));
        }
        Ok(settings)
    }

    /// The Rocket.Chat release line announced to clients (`7.10`).
    pub fn announced_line(&self) -> String {
        self.get(ANNOUNCED_RELEASE)
            .as_str()
            .and_then(release_line)
            .unwrap_or_else(|| "7.10".to_owned())
    }

    /// The current value of a setting (`Null` for an unknown id).
    pub fn get(&self, id: &str) -> Value {
        self.values.read().get(id).cloned().unwrap_or(Value::Null)
    }

    /// A boolean setting.
    pub fn flag(&self, id: &str) -> bool {
        self.get(id).as_bool().unwrap_or(false)
    }

    /// An integer setting.
    pub fn int(&self, id: &str) -> i64 {
        self.get(id).as_i64().unwrap_or(0)
    }

    /// Every setting with its current value.
    pub fn all(&self) -> Vec<(&'static SettingDef, Value)> {
        let values = self.values.read();
        DEFINITIONS
            .iter()
            .map(|d| (d, values.get(d.id).cloned().unwrap_or(Value::Null)))
            .collect()
    }

    /// One setting with its current value; `Unknown` for an id the server
    /// does not define.
    pub fn one(&self, id: &str) -> Result<(&'static SettingDef, Value), SettingError> {
        let def = definition(id).ok_or_else(|| SettingError::Unknown(id.to_owned()))?;
        Ok((def, self.get(def.id)))
    }

    /// Checks `value` against the setting's type, stores and applies it.
    pub async fn set(&self, id: &str, value: Value) -> Result<(), SettingError> {
        let def = definition(id).ok_or_else(|| SettingError::Unknown(id.to_owned()))?;
        if !def.kind.fits(&value) {
            return Err(SettingError::Refused {
                id: id.to_owned(),
                expected: def.kind.expected(),
                got: quoted(&value),
            });
        }
        self.store.set_setting(id, &value).await?;
        self.values.write().insert(def.id, value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use async_trait::async_trait;
    use parking_lot::Mutex;

    use super::*;

    /// Settings kept in memory.
    #[derive(Default)]
    struct Memory(Mutex<Vec<(String, Value)>>);

    #[async_trait]
    impl SettingStore for Memory {
        async fn settings(&self) -> Result<Vec<(String, Value)>, StoreError> {
            Ok(self.0.lock().clone())
        }

        async fn set_setting(&self, id: &str, value: &Value) -> Result<(), StoreError> {
            self.0.lock().push((id.to_owned(), value.clone()));
            Ok(())
        }
    }

    async fn settings() -> Settings {
        Settings::load(Arc::new(Memory::default())).await.unwrap()
    }

    #[test]
    fn ids_are_unique_and_defaults_fit_their_types() {
        let mut seen = HashSet::new();
        for def in definitions() {
            assert!(seen.insert(def.id), "{} is defined twice", def.id);
            let value = def.default_value();
            assert!(
                def.kind.fits(&value),
                "the default of {} is not a {}",
                def.id,
                def.kind.name()
            );
        }
    }

    #[tokio::test]
    async fn values_of_the_wrong_type_are_refused_naming_setting_and_type() {
        let settings = settings().await;
        let error = settings
            .set("Message_MaxAllowedSize", json!("big"))
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("Message_MaxAllowedSize") && text.contains("int"),
            "{text}"
        );
        let error = settings
            .set("Accounts_RegistrationForm", json!("Open"))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("one of Public, Disabled"),
            "{error}"
        );
        assert!(matches!(
            settings.set("Nope", json!(1)).await,
            Err(SettingError::Unknown(_))
        ));
        assert_eq!(settings.int("Message_MaxAllowedSize"), 5000);
    }

    #[test]
    fn the_server_guide_lists_every_range() {
        let guide = include_str!("../../../docs/server.md");
        for def in definitions() {
            if def.kind == SettingType::Boolean {
                continue;
            }
            let row = guide
                .lines()
                .find(|line| line.starts_with('|') && line.contains(&format!("`{}`", def.id)))
                .unwrap_or_else(|| panic!("docs/server.md has no range for `{}`", def.id));
            let bound = |n: i64| {
                let plain = n.to_string();
                let grouped = if n.abs() >= 10_000 {
                    let digits = plain.trim_start_matches('-');
                    let mut out = String::new();
                    for (i, c) in digits.chars().enumerate() {
                        if i > 0 && (digits.len() - i).is_multiple_of(3) {
                            out.push(',');
                        }
                        out.push(c);
                    }
                    out
                } else {
                    plain.clone()
                };
                [plain, grouped]
                    .iter()
                    .any(|n| row.contains(&format!(" {n} ")) || row.contains(&format!(" {n},")))
            };
            let listed = match def.kind {
                SettingType::Int { min, max, .. } => bound(min) && bound(max),
                SettingType::String { max_chars } => bound(max_chars as i64),
                _ => true,
            };
            assert!(
                listed,
                "docs/server.md gives `{}` another range: {row}",
                def.id
            );
        }
    }

    #[tokio::test]
    async fn values_out_of_range_are_refused_naming_the_range() {
        let settings = settings().await;
        for (id, value, range) in [
            (
                "API_Upper_Count_Limit",
                json!(-1),
                "an integer from 1 to 1000",
            ),
            ("API_Default_Count", json!(0), "an integer from 1 to 1000"),
            (
                "Message_MaxAllowedSize",
                json!(0),
                "an integer from 1 to 1000000",
            ),
            (
                "Accounts_Block_Failed_Login_Window_Minutes",
                json!(0),
                "an integer from 1 to 10080",
            ),
            (
                "Accounts_Password_Policy_MinLength",
                json!(-2),
                "from 0 to 1024, or -1 for none",
            ),
            ("Language", json!("x".repeat(17)), "at most 16 characters"),
        ] {
            let error = settings.set(id, value).await.unwrap_err().to_string();
            assert!(error.contains(id) && error.contains(range), "{error}");
            assert_eq!(
                settings.get(id),
                settings.one(id).unwrap().0.default_value()
            );
        }
        settings
            .set("Accounts_Password_Policy_MinLength", json!(-1))
            .await
            .unwrap();
    }

    #[test]
    fn refusals_quote_long_values_shortened() {
        let quoted = quoted(&json!("q".repeat(1_000_000)));
        assert!(
            quoted.len() < 80 && quoted.contains("1000000 characters"),
            "{quoted}"
        );
        assert_eq!(super::quoted(&json!(-1)), "-1");
    }

    #[tokio::test]
    async fn a_stored_value_out_of_range_gives_way_to_the_default() {
        let store = Arc::new(Memory::default());
        store
            .set_setting("API_Upper_Count_Limit", &json!(-1))
            .await
            .unwrap();
        store
            .set_setting("API_Default_Count", &json!(20))
            .await
            .unwrap();

        let settings = Settings::load(store).await.unwrap();

        assert_eq!(settings.int("API_Upper_Count_Limit"), 100);
        assert_eq!(settings.int("API_Default_Count"), 20);
    }

    #[tokio::test]
    async fn a_unique_id_is_made_at_first_start_and_kept() {
        let store = Arc::new(Memory::default());
        let first = Settings::load(store.clone()).await.unwrap().get(UNIQUE_ID);
        assert_eq!(first.as_str().map(str::len), Some(17), "{first}");
        let again = Settings::load(store).await.unwrap().get(UNIQUE_ID);
        assert_eq!(first, again);
    }

    #[tokio::test]
    async fn the_announced_release_is_a_full_release_number() {
        let settings = settings().await;
        assert_eq!(settings.announced_line(), "7.10");
        let error = settings
            .set(ANNOUNCED_RELEASE, json!("7.12"))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("7.10.0"), "{error}");
        settings
            .set(ANNOUNCED_RELEASE, json!("7.12.1"))
            .await
            .unwrap();
        assert_eq!(settings.announced_line(), "7.12");
    }

    #[tokio::test]
    async fn changes_apply_at_once_and_are_stored() {
        let store = Arc::new(Memory::default());
        let settings = Settings::load(store.clone()).await.unwrap();
        settings.set("Site_Name", json!("Team")).await.unwrap();
        assert_eq!(settings.get("Site_Name"), "Team");
        let (def, value) = settings.one("Site_Name").unwrap();
        assert_eq!(
            (def.default_value(), value),
            (json!("Capsule"), json!("Team"))
        );
        let reloaded = Settings::load(store).await.unwrap();
        assert_eq!(reloaded.get("Site_Name"), "Team");
    }
}
