//! [`IntoSetting`]: plain Rust values as setting values, so a test writes
//! `.setting("city", "Lisbon")` rather than spelling out the enum.

use capsule_runtime_types::model::SettingValue;

/// A value a setting can hold: text, a number or a flag.
///
/// A trait of the kit's own because the runtime's [`SettingValue`] has no
/// `From` conversions, and the kit cannot add them to a type it does not own.
pub trait IntoSetting {
    /// The value as the runtime stores it.
    fn into_setting(self) -> SettingValue;
}

impl IntoSetting for SettingValue {
    fn into_setting(self) -> SettingValue {
        self
    }
}

impl IntoSetting for &str {
    fn into_setting(self) -> SettingValue {
        SettingValue::Text(self.to_owned())
    }
}

impl IntoSetting for String {
    fn into_setting(self) -> SettingValue {
        SettingValue::Text(self)
    }
}

impl IntoSetting for &String {
    fn into_setting(self) -> SettingValue {
        SettingValue::Text(self.clone())
    }
}

impl IntoSetting for bool {
    fn into_setting(self) -> SettingValue {
        SettingValue::Boolean(self)
    }
}

/// Numbers become the `f64` settings hold; integers that large are exact
/// up to 2^53.
macro_rules! number_setting {
    ($($ty:ty),*) => {$(
        impl IntoSetting for $ty {
            fn into_setting(self) -> SettingValue {
                SettingValue::Number(self as f64)
            }
        }
    )*};
}

number_setting!(f64, f32, i32, i64, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_become_setting_values() {
        assert_eq!("a".into_setting(), SettingValue::Text("a".into()));
        assert_eq!(
            String::from("b").into_setting(),
            SettingValue::Text("b".into())
        );
        assert_eq!(true.into_setting(), SettingValue::Boolean(true));
        assert_eq!(3.into_setting(), SettingValue::Number(3.0));
        assert_eq!(2.5.into_setting(), SettingValue::Number(2.5));
    }
}
