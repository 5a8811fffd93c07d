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

/// The type a setting's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingType {
    Boolean,
    Int,
    String,
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
            SettingType::Int => "int",
            SettingType::String | SettingType::Release => "string",
            SettingType::Select(_) => "select",
        }
    }

    /// Whether `value` is of this type.
    fn fits(self, value: &Value) -> bool {
        match self {
            SettingType::Boolean => value.is_boolean(),
            SettingType::Int => value.is_i64(),
            SettingType::String => value.is_string(),
            SettingType::Select(options) => value.as_str().is_some_and(|v| options.contains(&v)),
            SettingType::Release => value.as_str().and_then(release_line).is_some(),
        }
    }
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

macro_rules! setting {
    ($id:literal, $group:literal, $kind:expr, $default:expr, $public:literal, $desc:literal) => {
        SettingDef {
            id: $id,
            group: $group,
            kind: $kind,
            default: || json!($default),
            public: $public,
            description: $desc,
        }
    };
}

static DEFINITIONS: &[SettingDef] = &[
    setting!(
        "Site_Name",
        "General",
        SettingType::String,
        "Capsule",
        true,
        "The server's name, shown to users."
    ),
    setting!(
        "Site_Url",
        "General",
        SettingType::String,
        "",
        true,
        "The URL users reach the server at."
    ),
    setting!(
        "Language",
        "General",
        SettingType::String,
        "en",
        true,
        "Default language of the web client."
    ),
    setting!(
        "Accounts_RegistrationForm",
        "Accounts",
        SettingType::Select(&["Public", "Disabled"]),
        "Public",
        true,
        "Whether anyone may register an account (`Public`) or only admins create them (`Disabled`)."
    ),
    setting!(
        "Accounts_AllowUserProfileChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may change their name, username and e-mail."
    ),
    setting!(
        "Accounts_AllowDeleteOwnAccount",
        "Accounts",
        SettingType::Boolean,
        false,
        true,
        "Users may delete their own account."
    ),
    setting!(
        "Accounts_AllowUserStatusMessageChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may set a status message (`users.setStatus`)."
    ),
    setting!(
        "Accounts_AllowInvisibleStatusOption",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may show themselves as `offline` while signed in."
    ),
    setting!(
        "Accounts_AllowPasswordChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may change their own password."
    ),
    setting!(
        "Accounts_Password_Policy_Enabled",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Passwords set through the API must meet the length policy below."
    ),
    setting!(
        "Accounts_Password_Policy_MinLength",
        "Accounts",
        SettingType::Int,
        7,
        true,
        "Fewest characters a password may have (-1: no minimum)."
    ),
    setting!(
        "Accounts_Password_Policy_MaxLength",
        "Accounts",
        SettingType::Int,
        -1,
        true,
        "Most characters a password may have (-1: no maximum)."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Attempts_Per_User",
        "Accounts",
        SettingType::Int,
        10,
        false,
        "Failed sign-ins for one account before it is blocked for the window (read at start)."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Attempts_Per_Ip",
        "Accounts",
        SettingType::Int,
        50,
        false,
        "Failed sign-ins from one address before it is blocked for the window (read at start)."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Window_Minutes",
        "Accounts",
        SettingType::Int,
        5,
        false,
        "How long failed sign-ins are remembered, in minutes (read at start)."
    ),
    setting!(
        "API_Default_Count",
        "General",
        SettingType::Int,
        50,
        true,
        "Items in a page when a request names no `count`."
    ),
    setting!(
        "API_Upper_Count_Limit",
        "General",
        SettingType::Int,
        100,
        true,
        "Most items a page may hold."
    ),
    setting!(
        "API_Allow_Infinite_Count",
        "General",
        SettingType::Boolean,
        true,
        true,
        "`count=0` returns every item."
    ),
    setting!(
        "Message_MaxAllowedSize",
        "Message",
        SettingType::Int,
        5000,
        true,
        "Most characters in one message."
    ),
    setting!(
        "Message_AllowEditing",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Users may edit their messages."
    ),
    setting!(
        "Message_AllowDeleting",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Users may delete their messages."
    ),
    setting!(
        "Message_AllowPinning",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Messages may be pinned."
    ),
    setting!(
        "Message_AllowStarring",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Messages may be starred."
    ),
    setting!(
        "Threads_enabled",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Replies in threads."
    ),
    setting!(
        "UI_Use_Real_Name",
        "Layout",
        SettingType::Boolean,
        false,
        true,
        "Show names instead of usernames."
    ),
    setting!(
        "Capsule_Rocket_Chat_Release",
        "General",
        SettingType::Release,
        "7.10.0",
        false,
        "The Rocket.Chat release `/api/info` announces (as `major.minor`); clients pick their code paths and check their supported versions by it. Raise it when the official clients stop supporting the line."
    ),
    setting!(
        "uniqueID",
        "General",
        SettingType::String,
        "",
        true,
        "This server's random id, made at first start; clients send it when they look up supported versions."
    ),
    setting!(
        "Accounts_ShowFormLogin",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Clients show the username and password form."
    ),
    setting!(
        "Accounts_EmailOrUsernamePlaceholder",
        "Accounts",
        SettingType::String,
        "",
        true,
        "Placeholder of the sign-in form's username field (empty: the client's own)."
    ),
    setting!(
        "Accounts_PasswordPlaceholder",
        "Accounts",
        SettingType::String,
        "",
        true,
        "Placeholder of the sign-in form's password field (empty: the client's own)."
    ),
    setting!(
        "Accounts_RegistrationForm_LinkReplacementText",
        "Accounts",
        SettingType::String,
        "New user registration is currently disabled",
        true,
        "What clients show instead of the registration link when registration is disabled."
    ),
    setting!(
        "Store_Last_Message",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Rooms and memberships carry their newest message (`lastMessage`), which clients show in the room list."
    ),
    setting!(
        "Message_TimeFormat",
        "Message",
        SettingType::String,
        "LT",
        true,
        "How clients show a message's time (a moment.js format)."
    ),
    setting!(
        "Message_TimeAndDateFormat",
        "Message",
        SettingType::String,
        "LLL",
        true,
        "How clients show a message's date and time (a moment.js format)."
    ),
    setting!(
        "Message_GroupingPeriod",
        "Message",
        SettingType::Int,
        300,
        true,
        "Seconds within which clients show one sender's messages as a group."
    ),
];

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
    #[error("setting `{id}` takes a {expected} value, not `{got}`")]
    WrongType {
        id: String,
        expected: String,
        got: Value,
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
                values.insert(def.id, value);
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
            let expected = match def.kind {
                SettingType::Select(options) => format!("one of {}", options.join(", ")),
                SettingType::Release => {
                    "release number (`major.minor.patch`, such as 7.10.0)".to_owned()
                }
                other => other.name().to_owned(),
            };
            return Err(SettingError::WrongType {
                id: id.to_owned(),
                expected,
                got: value,
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
