//! Timestamps: milliseconds since the Unix epoch, written as ISO 8601
//! (the REST API) or as EJSON dates (the real-time API, inside [`ejson`]).

use std::cell::Cell;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A point in time with millisecond precision. Serializes as Rocket.Chat's
/// REST API writes dates (`2016-09-30T13:42:25.304Z`) and reads that form,
/// an EJSON `{"$date": ms}`, or a number of milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp(Utc::now().timestamp_millis())
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses an ISO 8601 / RFC 3339 date, or a number of milliseconds.
    pub fn parse(text: &str) -> Option<Timestamp> {
        if let Ok(ms) = text.parse::<i64>() {
            return Some(Timestamp(ms));
        }
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| Timestamp(d.timestamp_millis()))
    }

    /// The ISO 8601 form with milliseconds and a `Z`.
    pub fn to_iso(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

thread_local! {
    static EJSON_DATES: Cell<bool> = const { Cell::new(false) };
}

/// Runs `write` with every [`Timestamp`] serialized as an EJSON date,
/// `{"$date": ms}`, as Rocket.Chat's real-time API (DDP) sends dates. The
/// records keep one `Serialize` impl for both APIs; serialization is
/// synchronous, so a thread-local switch cannot leak into another task.
pub fn ejson<R>(write: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            EJSON_DATES.with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(EJSON_DATES.with(|flag| flag.replace(true)));
    write()
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if EJSON_DATES.with(Cell::get) {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("$date", &self.0)?;
            return map.end();
        }
        serializer.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Millis(i64),
            Ejson {
                #[serde(rename = "$date")]
                date: i64,
            },
        }
        match Form::deserialize(deserializer)? {
            Form::Text(text) => Timestamp::parse(&text)
                .ok_or_else(|| de::Error::custom(format!("`{text}` is not an ISO 8601 date"))),
            Form::Millis(ms) | Form::Ejson { date: ms } => Ok(Timestamp(ms)),
        }
    }
}

/// The forms [`Timestamp`]'s `Deserialize` takes, for the OpenAPI document.
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A time: ISO 8601 text, milliseconds since the epoch, or EJSON `{\"$date\": milliseconds}`",
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "integer"},
                {"type": "object", "required": ["$date"], "properties": {"$date": {"type": "integer"}}},
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_iso_8601() {
        let t = Timestamp(1_475_242_945_304);
        assert_eq!(t.to_iso(), "2016-09-30T13:42:25.304Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn writes_ejson_dates_only_inside_ejson() {
        let t = Timestamp(42);
        assert_eq!(
            ejson(|| serde_json::to_string(&t).unwrap()),
            r#"{"$date":42}"#
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""1970-01-01T00:00:00.042Z""#
        );
    }

    #[test]
    fn reads_ejson_dates_and_millis() {
        let t: Timestamp = serde_json::from_str(r#"{"$date": 42}"#).unwrap();
        assert_eq!(t, Timestamp(42));
        let t: Timestamp = serde_json::from_str("42").unwrap();
        assert_eq!(t, Timestamp(42));
        assert!(serde_json::from_str::<Timestamp>(r#""yesterday""#).is_err());
    }
}
