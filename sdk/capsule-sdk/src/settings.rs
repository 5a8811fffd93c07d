//! The app's settings as the admin set them. Needs the `settings`
//! permission.
//!
//! Settings are declared in the manifest; each has a typed value
//! ([`SettingValue`]). [`get`] returns `None` for an id the manifest does
//! not declare. The typed helpers [`text`], [`number`] and [`boolean`]
//! additionally turn a value of another type into [`Error::Invalid`].

use crate::bindings::capsule::apps::settings;
use crate::error::{Error, Result, invalid};
use crate::prelude::SettingValue;

/// A setting's typed value (WIT `settings.value`); the same type as
/// [`SettingValue`] in the prelude.
pub use crate::bindings::capsule::apps::settings::Value;

/// The contract passes proposed values (to
/// [`App::validate_settings`](crate::App::validate_settings)) as
/// `types.setting-value`, so that an app without this capability can take
/// them; they are the same cases.
impl From<crate::bindings::capsule::apps::types::SettingValue> for SettingValue {
    fn from(value: crate::bindings::capsule::apps::types::SettingValue) -> Self {
        use crate::bindings::capsule::apps::types::SettingValue as Proposed;
        match value {
            Proposed::Text(s) => SettingValue::Text(s),
            Proposed::Number(n) => SettingValue::Number(n),
            Proposed::Boolean(b) => SettingValue::Boolean(b),
        }
    }
}

/// The value of setting `id`, or `None` when it is not declared.
pub fn get(id: &str) -> Result<Option<SettingValue>> {
    settings::get(id)
}

/// Every setting with its value.
pub fn all() -> Result<Vec<(String, SettingValue)>> {
    settings::all()
}

/// The text setting `id`; `None` when it is not declared.
pub fn text(id: &str) -> Result<Option<String>> {
    match get(id)? {
        None => Ok(None),
        Some(SettingValue::Text(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(id, "text", &other)),
    }
}

/// The number setting `id`; `None` when it is not declared.
pub fn number(id: &str) -> Result<Option<f64>> {
    match get(id)? {
        None => Ok(None),
        Some(SettingValue::Number(n)) => Ok(Some(n)),
        Some(other) => Err(wrong_type(id, "number", &other)),
    }
}

/// The boolean setting `id`; `None` when it is not declared.
pub fn boolean(id: &str) -> Result<Option<bool>> {
    match get(id)? {
        None => Ok(None),
        Some(SettingValue::Boolean(b)) => Ok(Some(b)),
        Some(other) => Err(wrong_type(id, "boolean", &other)),
    }
}

fn wrong_type(id: &str, wanted: &str, got: &SettingValue) -> Error {
    let got = match got {
        SettingValue::Text(_) => "text",
        SettingValue::Number(_) => "number",
        SettingValue::Boolean(_) => "boolean",
    };
    invalid(format!("setting `{id}` is a {got}, not a {wanted}"))
}
