//! The app's settings, typed and checked. Pure: [`Config::from_settings`]
//! takes what `settings::all()` returned.

use capsule_sdk::prelude::SettingValue;

use crate::flood::FloodLimit;
use crate::words::Mask;

/// Setting ids, as `manifest.json` declares them.
pub mod ids {
    pub const WORDS: &str = "words";
    pub const MASK: &str = "mask";
    pub const MAX_MESSAGES: &str = "max-messages";
    pub const WINDOW_SECONDS: &str = "window-seconds";
    pub const EXEMPT_ADMINS: &str = "exempt-admins";
    pub const EXEMPT_BOTS: &str = "exempt-bots";
}

/// The most messages per window the setting accepts.
pub const MAX_MESSAGES_CAP: u32 = 10_000;
/// The longest window the setting accepts: a day.
pub const WINDOW_SECONDS_CAP: u32 = 86_400;

/// Everything the hooks need to know from the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The `words` setting as entered; [`crate::words::WordList::parse`]
    /// reads it.
    pub words: String,
    pub mask: Mask,
    /// `None` when flood control is off (`max-messages` is 0).
    pub flood: Option<FloodLimit>,
    /// Admins may post as fast as they like.
    pub exempt_admins: bool,
    /// Bot accounts and other apps' messages may post as fast as they like.
    pub exempt_bots: bool,
}

impl Default for Config {
    /// The manifest's defaults.
    fn default() -> Self {
        Config {
            words: String::new(),
            mask: Mask::default(),
            flood: Some(FloodLimit {
                max_messages: 5,
                window_ms: 10_000,
            }),
            exempt_admins: false,
            exempt_bots: true,
        }
    }
}

impl Config {
    /// Reads the settings; a setting that is missing keeps the default, one
    /// of the wrong type or out of range is an error naming it and saying
    /// what is allowed.
    pub fn from_settings(settings: &[(String, SettingValue)]) -> Result<Config, String> {
        let mut config = Config::default();
        let (mut max, mut window) = config
            .flood
            .map_or((0, 0), |f| (f.max_messages, (f.window_ms / 1000) as u32));
        for (id, value) in settings {
            match id.as_str() {
                ids::WORDS => config.words = text(id, value)?.to_owned(),
                ids::MASK => config.mask = Mask::parse(text(id, value)?),
                ids::MAX_MESSAGES => max = whole_number(id, value, 0, MAX_MESSAGES_CAP)?,
                ids::WINDOW_SECONDS => window = whole_number(id, value, 1, WINDOW_SECONDS_CAP)?,
                ids::EXEMPT_ADMINS => config.exempt_admins = boolean(id, value)?,
                ids::EXEMPT_BOTS => config.exempt_bots = boolean(id, value)?,
                // A setting of a newer version of the manifest: not ours to judge.
                _ => {}
            }
        }
        config.flood = (max > 0).then_some(FloodLimit {
            max_messages: max,
            window_ms: u64::from(window) * 1000,
        });
        Ok(config)
    }
}

fn text<'a>(id: &str, value: &'a SettingValue) -> Result<&'a str, String> {
    match value {
        SettingValue::Text(s) => Ok(s),
        _ => Err(format!("setting `{id}` must be text")),
    }
}

fn boolean(id: &str, value: &SettingValue) -> Result<bool, String> {
    match value {
        SettingValue::Boolean(b) => Ok(*b),
        _ => Err(format!("setting `{id}` must be true or false")),
    }
}

fn whole_number(id: &str, value: &SettingValue, min: u32, max: u32) -> Result<u32, String> {
    let range = || format!("setting `{id}` must be a whole number from {min} to {max}");
    match value {
        SettingValue::Number(n)
            if n.fract() == 0.0 && *n >= f64::from(min) && *n <= f64::from(max) =>
        {
            // In range and whole, so the cast is exact.
            Ok(*n as u32)
        }
        SettingValue::Number(n) => Err(format!("{}, not {n}", range())),
        _ => Err(range()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, SettingValue)]) -> Vec<(String, SettingValue)> {
        pairs
            .iter()
            .map(|(id, v)| (id.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn no_settings_means_the_defaults() {
        assert_eq!(Config::from_settings(&[]), Ok(Config::default()));
    }

    #[test]
    fn every_setting_is_read() {
        let config = Config::from_settings(&settings(&[
            (ids::WORDS, SettingValue::Text("darn, heck".into())),
            (ids::MASK, SettingValue::Text("#".into())),
            (ids::MAX_MESSAGES, SettingValue::Number(2.0)),
            (ids::WINDOW_SECONDS, SettingValue::Number(30.0)),
            (ids::EXEMPT_ADMINS, SettingValue::Boolean(true)),
            (ids::EXEMPT_BOTS, SettingValue::Boolean(false)),
            ("from-a-later-version", SettingValue::Number(1.0)),
        ]))
        .unwrap();
        assert_eq!(
            config,
            Config {
                words: "darn, heck".into(),
                mask: Mask::Repeat("#".into()),
                flood: Some(FloodLimit {
                    max_messages: 2,
                    window_ms: 30_000
                }),
                exempt_admins: true,
                exempt_bots: false,
            }
        );
    }

    #[test]
    fn zero_messages_turns_flood_control_off() {
        let config =
            Config::from_settings(&settings(&[(ids::MAX_MESSAGES, SettingValue::Number(0.0))]))
                .unwrap();
        assert_eq!(config.flood, None);
    }

    #[test]
    fn numbers_out_of_range_or_not_whole_are_refused_naming_the_setting() {
        for (id, n) in [
            (ids::MAX_MESSAGES, -1.0),
            (ids::MAX_MESSAGES, 2.5),
            (ids::MAX_MESSAGES, 1e12),
            (ids::MAX_MESSAGES, f64::NAN),
            (ids::WINDOW_SECONDS, 0.0),
            (ids::WINDOW_SECONDS, f64::INFINITY),
            (ids::WINDOW_SECONDS, 86_401.0),
        ] {
            let err =
                Config::from_settings(&settings(&[(id, SettingValue::Number(n))])).unwrap_err();
            assert!(
                err.starts_with(&format!("setting `{id}` must be a whole number from")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused() {
        let err = Config::from_settings(&settings(&[(ids::WORDS, SettingValue::Number(1.0))]));
        assert_eq!(err, Err("setting `words` must be text".into()));
        let err = Config::from_settings(&settings(&[(
            ids::EXEMPT_BOTS,
            SettingValue::Text("yes".into()),
        )]));
        assert_eq!(
            err,
            Err("setting `exempt-bots` must be true or false".into())
        );
    }
}
