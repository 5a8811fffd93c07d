//! Clock arithmetic without a calendar crate: times are milliseconds since
//! the Unix epoch (UTC), shifted by a fixed UTC offset where people read
//! or write them. Days are 86,400 s (Unix time has no leap seconds).

pub const SECOND: u64 = 1_000;
pub const MINUTE: u64 = 60 * SECOND;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

/// The largest offset real time zones use, either way: 14 hours.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// A fixed offset from UTC in minutes, east positive: `+01:00` is 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset(pub i32);

impl Offset {
    /// The offset a user's client reported (minutes east, as
    /// `users::utc_offset_minutes` answers), or `None` when it reported
    /// none, or one no real zone has, so that the configured offset is
    /// used instead.
    pub fn reported(minutes: Option<i32>) -> Option<Offset> {
        minutes
            .filter(|m| m.unsigned_abs() <= MAX_OFFSET_MINUTES.unsigned_abs())
            .map(Offset)
    }

    /// Parses `+HH:MM`, `-HH:MM`, `+HH`, `UTC`, `Z` or an empty text (UTC);
    /// at most 14 hours either way, as real zones are.
    pub fn parse(text: &str) -> Result<Offset, String> {
        let t = text.trim();
        let t = t
            .strip_prefix("UTC")
            .or_else(|| t.strip_prefix("utc"))
            .or_else(|| t.strip_prefix("GMT"))
            .unwrap_or(t);
        if t.is_empty() || t == "Z" || t == "z" {
            return Ok(Offset(0));
        }
        let bad = || format!("`{text}` is not a UTC offset such as +01:00 or -05:30");
        let (sign, rest) = match t.as_bytes()[0] {
            b'+' => (1, &t[1..]),
            b'-' => (-1, &t[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(bad());
        }
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 || h * 60 + m > MAX_OFFSET_MINUTES {
            return Err(bad());
        }
        Ok(Offset(sign * (h * 60 + m)))
    }

    fn ms(self) -> i64 {
        i64::from(self.0) * MINUTE as i64
    }

    /// `now` as local milliseconds (may not go below the epoch's start).
    pub fn local(self, utc_ms: u64) -> u64 {
        (utc_ms as i64 + self.ms()).max(0) as u64
    }

    /// Local milliseconds back to UTC.
    pub fn utc(self, local_ms: u64) -> u64 {
        (local_ms as i64 - self.ms()).max(0) as u64
    }

    /// `UTC`, `UTC+01:00`, `UTC-05:30`.
    pub fn label(self) -> String {
        if self.0 == 0 {
            return "UTC".to_owned();
        }
        let sign = if self.0 < 0 { '-' } else { '+' };
        let m = self.0.unsigned_abs();
        format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

/// The calendar date of day `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
pub fn civil(days: u64) -> (u64, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// `2026-12-01 14:05 UTC` (or with the offset's label), to the minute.
pub fn format(utc_ms: u64, offset: Offset) -> String {
    let local = offset.local(utc_ms);
    let (y, mo, d) = civil(local / DAY);
    let in_day = local % DAY;
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02} {}",
        in_day / HOUR,
        in_day % HOUR / MINUTE,
        offset.label()
    )
}

/// `in 2 seconds`, `in 10 minutes`, `in 1 day 3 hours`: the two largest
/// units, rounded down; under a second is `now`.
pub fn from_now(ms: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (DAY, "day"),
        (HOUR, "hour"),
        (MINUTE, "minute"),
        (SECOND, "second"),
    ];
    let part = |n: u64, name: &str| format!("{n} {name}{}", if n == 1 { "" } else { "s" });
    let Some(first) = UNITS.iter().position(|&(size, _)| ms >= size) else {
        return "now".to_owned();
    };
    let (size, name) = UNITS[first];
    let mut text = format!("in {}", part(ms / size, name));
    if let Some(&(next, next_name)) = UNITS.get(first + 1) {
        let n = ms % size / next;
        if n > 0 {
            text = format!("{text} {}", part(n, next_name));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 13:22:30 UTC.
    const NOW: u64 = 1_796_131_350_000;

    #[test]
    fn offsets_parse_strictly() {
        assert_eq!(Offset::parse("+00:00"), Ok(Offset(0)));
        assert_eq!(Offset::parse(""), Ok(Offset(0)));
        assert_eq!(Offset::parse("UTC"), Ok(Offset(0)));
        assert_eq!(Offset::parse("+01:00"), Ok(Offset(60)));
        assert_eq!(Offset::parse("-05:30"), Ok(Offset(-330)));
        assert_eq!(Offset::parse("UTC+2"), Ok(Offset(120)));
        assert_eq!(Offset::parse("+14:00"), Ok(Offset(840)));
        for bad in [
            "+14:01",
            "+1:60",
            "01:00",
            "+",
            "+ab",
            "+001:00",
            "Europe/Paris",
            "+1:2:3",
        ] {
            assert!(Offset::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Offset(-330).label(), "UTC-05:30");
        assert_eq!(Offset(60).label(), "UTC+01:00");
        assert_eq!(Offset(0).label(), "UTC");
    }

    #[test]
    fn a_reported_offset_is_taken_when_a_real_zone_has_it() {
        assert_eq!(Offset::reported(Some(330)), Some(Offset(330)));
        assert_eq!(Offset::reported(Some(-720)), Some(Offset(-720)));
        assert_eq!(Offset::reported(Some(0)), Some(Offset(0)));
        assert_eq!(Offset::reported(None), None);
        assert_eq!(Offset::reported(Some(841)), None);
        assert_eq!(Offset::reported(Some(i32::MIN)), None);
    }

    #[test]
    fn dates_and_times_are_formatted_in_the_offset() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(11_016), (2000, 2, 29));
        assert_eq!(format(NOW, Offset(0)), "2026-12-01 13:22 UTC");
        assert_eq!(format(NOW, Offset(660)), "2026-12-02 00:22 UTC+11:00");
        assert_eq!(format(NOW, Offset(-840)), "2026-11-30 23:22 UTC-14:00");
        assert_eq!(Offset(60).utc(Offset(60).local(NOW)), NOW);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(from_now(0), "now");
        assert_eq!(from_now(999), "now");
        assert_eq!(from_now(2 * SECOND), "in 2 seconds");
        assert_eq!(from_now(MINUTE), "in 1 minute");
        assert_eq!(
            from_now(10 * MINUTE + 5 * SECOND),
            "in 10 minutes 5 seconds"
        );
        assert_eq!(from_now(DAY + 3 * HOUR + 4 * MINUTE), "in 1 day 3 hours");
        assert_eq!(from_now(DAY + 4 * MINUTE), "in 1 day");
    }
}
