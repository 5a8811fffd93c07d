//! The ranges of start-up configuration values: a value out of range is a
//! start-up error naming the setting, its source's key and the range,
//! rather than a server that refuses every request.

use super::{Config, ConfigError};

/// The largest request body limit: a gibibyte (bodies are held in memory).
const MAX_BODY_BYTES: usize = 1 << 30;
/// The longest real-time queue per connection, in frames.
const MAX_QUEUE_FRAMES: usize = 1_000_000;

/// Checks every ranged value of `config`.
pub(super) fn check(config: &Config) -> Result<(), ConfigError> {
    within("max_body_bytes", config.max_body_bytes, 1, MAX_BODY_BYTES)?;
    within(
        "realtime_queue_frames",
        config.realtime_queue_frames,
        1,
        MAX_QUEUE_FRAMES,
    )
}

fn within(key: &'static str, value: usize, min: usize, max: usize) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            key,
            value,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_body_limit_is_refused_naming_the_key_and_the_range() {
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), "d".as_ref());
        assert!(check(&config).is_ok());
        config.max_body_bytes = 0;

        let error = check(&config).unwrap_err().to_string();

        assert!(
            error.contains("max_body_bytes") && error.contains("from 1 to 1073741824"),
            "{error}"
        );
    }
}
