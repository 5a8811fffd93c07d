//! Times: RFC 3339 (what the Calendar API speaks) to and from milliseconds
//! since the Unix epoch, the user's fixed UTC [`Offset`] in which days and
//! clock times are read and shown, and the `/calendar add` syntax.
//!
//! Instants are always UTC milliseconds; the offset only moves where a day
//! starts and what a clock reads, so what goes to Google (and to the
//! scheduler) does not depend on it.
//!
//! `/calendar add` takes `<day> <HH:MM> [<duration>] <title>`:
//! `<day>` is `today`, `tomorrow` or `YYYY-MM-DD`; the time is 24 h, both
//! in the user's offset; the duration is `30m`, `1h`, `1h30m` (default one
//! hour, at most a week).

pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 86_400_000;

/// The default length of an event `/calendar add` creates.
pub const DEFAULT_DURATION_MS: i64 = 60 * MINUTE_MS;

/// The widest offset a real time zone has, either way (UTC+14:00).
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// A fixed offset from UTC in minutes, east positive (`+05:30` is 330).
/// Summer time is not followed: a user's client reports the offset again
/// when it changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offset(i32);

impl Offset {
    pub const UTC: Offset = Offset(0);

    /// The offset a user's client reported, as `users::utc_offset_minutes`
    /// answers it; `None` when it reported none, or one no real zone has
    /// (the caller then falls back, to UTC for commands).
    pub fn reported(minutes: Option<i32>) -> Option<Offset> {
        minutes
            .filter(|m| m.unsigned_abs() <= MAX_OFFSET_MINUTES.unsigned_abs())
            .map(Offset)
    }

    /// Minutes east of UTC.
    pub fn minutes(self) -> i32 {
        self.0
    }

    fn ms(self) -> i64 {
        i64::from(self.0) * MINUTE_MS
    }

    /// `UTC`, `UTC+05:30`, `UTC-03:00`: how times say which offset they
    /// are in.
    pub fn label(self) -> String {
        if self.0 == 0 {
            return "UTC".to_owned();
        }
        let sign = if self.0 < 0 { '-' } else { '+' };
        let m = self.0.unsigned_abs();
        format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of day `days` after 1970-01-01 (`civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    days_from_civil(if month == 12 { year + 1 } else { year }, month % 12 + 1, 1)
        - days_from_civil(year, month, 1)
}

/// `ms` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `ms` as `YYYY-MM-DD HH:MM` in `offset`, for people (without the
/// offset: the message says it once).
pub fn display(ms: i64, offset: Offset) -> String {
    let s = rfc3339(ms + offset.ms());
    format!("{} {}", &s[..10], &s[11..16])
}

/// `HH:MM` of `ms` in `offset`.
pub fn clock(ms: i64, offset: Offset) -> String {
    rfc3339(ms + offset.ms())[11..16].to_owned()
}

/// `YYYY-MM-DD HH:MM UTC+05:30`: one time that names its offset.
pub fn stamp(ms: i64, offset: Offset) -> String {
    format!("{} {}", display(ms, offset), offset.label())
}

/// The instant of midnight, in `offset`, that starts the day `ms` falls
/// in there (a day of `offset` is always 24 h: the offset is fixed).
pub fn start_of_day(ms: i64, offset: Offset) -> i64 {
    (ms + offset.ms()).div_euclid(DAY_MS) * DAY_MS - offset.ms()
}

/// Whether `a` and `b` fall on the same day in `offset`.
pub fn same_day(a: i64, b: i64, offset: Offset) -> bool {
    start_of_day(a, offset) == start_of_day(b, offset)
}

fn number(s: &str, digits: usize) -> Option<i64> {
    (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A `YYYY-MM-DD` date as the milliseconds of its midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (y, m, d) = (number(y, 4)?, number(m, 2)?, number(d, 2)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS)
}

/// An RFC 3339 date-time (`2026-12-01T15:00:00Z`, `…T15:00:00.5+01:00`)
/// as milliseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if !s.is_ascii() || s.len() < 20 {
        return None;
    }
    let day = parse_date(&s[..10])?;
    if !matches!(&s[10..11], "T" | "t" | " ") || &s[13..14] != ":" || &s[16..17] != ":" {
        return None;
    }
    let (h, mi, sec) = (
        number(&s[11..13], 2)?,
        number(&s[14..16], 2)?,
        number(&s[17..19], 2)?,
    );
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && &rest[3..4] == ":" => {
            let sign = match &rest[..1] {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (oh, om) = (number(&rest[1..3], 2)?, number(&rest[4..6], 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    Some(day + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + millis)
}

/// `HH:MM` (or `H:MM`) as milliseconds after midnight.
pub fn parse_clock(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || !h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = (h.parse::<i64>().ok()?, number(m, 2)?);
    (h <= 23 && m <= 59).then_some((h * 60 + m) * MINUTE_MS)
}

/// `30m`, `2h`, `1h30m` as milliseconds; more than zero, at most a week.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut digits = String::new();
    let mut seen_unit = false;
    for c in s.chars() {
        match c {
            '0'..='9' if digits.len() < 6 => digits.push(c),
            'h' | 'm' if !digits.is_empty() => {
                let n: i64 = digits.parse().ok()?;
                total += n * if c == 'h' { 60 } else { 1 } * MINUTE_MS;
                digits.clear();
                seen_unit = true;
            }
            _ => return None,
        }
    }
    (seen_unit && digits.is_empty() && total > 0 && total <= 7 * DAY_MS).then_some(total)
}

/// What `/calendar add` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub start_ms: i64,
    pub end_ms: i64,
    pub title: String,
}

/// The syntax, for error messages.
pub const ADD_USAGE: &str = "usage: `/calendar add <today|tomorrow|YYYY-MM-DD> <HH:MM> [30m|1h|1h30m] <title>` (in your own time zone, UTC until your client reports one)";

/// Parses `/calendar add`'s arguments (after `add`) at time `now_ms`, the
/// day and the time read in `offset`.
pub fn parse_add(args: &[String], now_ms: i64, offset: Offset) -> Result<NewEvent, String> {
    let [day, clock, rest @ ..] = args else {
        return Err(ADD_USAGE.to_owned());
    };
    let day_ms = match day.to_ascii_lowercase().as_str() {
        "today" => start_of_day(now_ms, offset),
        "tomorrow" => start_of_day(now_ms, offset) + DAY_MS,
        // A date is its midnight UTC; moved to the user's midnight.
        other => parse_date(other)
            .map(|utc| utc - offset.ms())
            .ok_or_else(|| {
                format!("`{day}` is not a day (today, tomorrow or YYYY-MM-DD); {ADD_USAGE}")
            })?,
    };
    let at = parse_clock(clock).ok_or_else(|| {
        format!(
            "`{clock}` is not a time (HH:MM, 24 h, {}); {ADD_USAGE}",
            offset.label()
        )
    })?;
    let (duration, title) = match rest.split_first() {
        Some((first, more)) if first.starts_with(|c: char| c.is_ascii_digit()) => {
            match parse_duration(first) {
                Some(d) => (d, more),
                None => (DEFAULT_DURATION_MS, rest),
            }
        }
        _ => (DEFAULT_DURATION_MS, rest),
    };
    let title = title.join(" ");
    if title.trim().is_empty() {
        return Err(format!("the event needs a title; {ADD_USAGE}"));
    }
    if title.chars().count() > 1024 {
        return Err("the title is too long (at most 1024 characters)".to_owned());
    }
    let start_ms = day_ms + at;
    Ok(NewEvent {
        start_ms,
        end_ms: start_ms + duration,
        title,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    // 2026-12-01T13:22:00Z
    const NOW: i64 = 1_796_131_320_000;

    /// India (+05:30) and Brazil (-03:00): a half-hour offset east, a
    /// whole one west.
    const INDIA: Offset = Offset(330);
    const BRAZIL: Offset = Offset(-180);

    fn at(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn rfc3339_round_trips_and_reads_offsets_and_fractions() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(NOW), "2026-12-01T13:22:00Z");
        assert_eq!(parse_rfc3339("2026-12-01T13:22:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-12-01T14:22:00+01:00"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-12-01T08:22:00-05:00"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-12-01T13:22:00.250Z"), Some(NOW + 250));
        assert_eq!(parse_rfc3339("2026-12-01T13:22:00.5Z"), Some(NOW + 500));
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        for bad in [
            "",
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T13:22:00",
            "2026-12-01T13:22:00+1:00",
            "2026-12-01T13:22:00.Z",
            "2026-12-01T13:22:00Zjunk",
            "2026-12-01T13:22:00é",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn add_reads_day_time_duration_and_title() {
        let e = parse_add(
            &args("2026-12-02 15:00 30m Design review"),
            NOW,
            Offset::UTC,
        )
        .unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T15:00:00Z");
        assert_eq!(rfc3339(e.end_ms), "2026-12-02T15:30:00Z");
        assert_eq!(e.title, "Design review");
        let e = parse_add(&args("tomorrow 9:00 Standup"), NOW, Offset::UTC).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T09:00:00Z");
        assert_eq!(e.end_ms - e.start_ms, DEFAULT_DURATION_MS);
        let e = parse_add(&args("TODAY 23:59 1h30m Late"), NOW, Offset::UTC).unwrap();
        assert_eq!(rfc3339(e.end_ms), "2026-12-02T01:29:00Z");
        // A title that starts with a number is not a duration.
        let e = parse_add(&args("today 10:00 3 wise men"), NOW, Offset::UTC).unwrap();
        assert_eq!(e.title, "3 wise men");
    }

    #[test]
    fn add_refuses_bad_input_with_the_reason() {
        for (input, reason) in [
            ("", "usage"),
            ("today", "usage"),
            ("yesterday 10:00 x", "is not a day"),
            ("2026-02-29 10:00 x", "is not a day"),
            ("today 25:00 x", "is not a time"),
            ("today 10:5 x", "is not a time"),
            ("today 10:00", "needs a title"),
            ("today 10:00 30m", "needs a title"),
        ] {
            let err = parse_add(&args(input), NOW, Offset::UTC).unwrap_err();
            assert!(err.contains(reason), "{input}: {err}");
        }
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration("999999h"), None);
        assert_eq!(parse_duration("2h"), Some(2 * 60 * MINUTE_MS));
    }

    #[test]
    fn offsets_are_taken_when_a_real_zone_has_them_and_labelled() {
        assert_eq!(Offset::reported(Some(330)), Some(INDIA));
        assert_eq!(Offset::reported(Some(-180)), Some(BRAZIL));
        assert_eq!(Offset::reported(Some(-840)), Some(Offset(-840)));
        assert_eq!(Offset::reported(Some(0)), Some(Offset::UTC));
        assert_eq!(Offset::reported(None), None);
        assert_eq!(Offset::reported(Some(841)), None);
        assert_eq!(Offset::reported(Some(i32::MIN)), None);
        assert_eq!(INDIA.label(), "UTC+05:30");
        assert_eq!(BRAZIL.label(), "UTC-03:00");
        assert_eq!(Offset::UTC.label(), "UTC");
    }

    #[test]
    fn today_starts_at_the_users_own_midnight() {
        assert_eq!(start_of_day(NOW, Offset::UTC), at("2026-12-01T00:00:00Z"));
        assert_eq!(start_of_day(NOW, INDIA), at("2026-12-01T00:00:00+05:30"));
        assert_eq!(rfc3339(start_of_day(NOW, INDIA)), "2026-11-30T18:30:00Z");
        assert_eq!(start_of_day(NOW, BRAZIL), at("2026-12-01T03:00:00Z"));
        // At +14:00 it is already 2 December.
        assert_eq!(
            start_of_day(NOW, Offset(840)),
            at("2026-12-02T00:00:00+14:00")
        );
        // Midnight itself starts its own day.
        let midnight = start_of_day(NOW, INDIA);
        assert_eq!(start_of_day(midnight, INDIA), midnight);
        assert_eq!(start_of_day(midnight - 1, INDIA), midnight - DAY_MS);
        assert!(same_day(midnight, midnight + DAY_MS - 1, INDIA));
        assert!(!same_day(midnight, midnight + DAY_MS - 1, BRAZIL));
    }

    #[test]
    fn times_are_shown_in_the_users_offset() {
        assert_eq!(display(NOW, Offset::UTC), "2026-12-01 13:22");
        assert_eq!(display(NOW, INDIA), "2026-12-01 18:52");
        assert_eq!(clock(NOW, BRAZIL), "10:22");
        assert_eq!(stamp(NOW, INDIA), "2026-12-01 18:52 UTC+05:30");
        assert_eq!(stamp(NOW, BRAZIL), "2026-12-01 10:22 UTC-03:00");
        assert_eq!(stamp(NOW, Offset::UTC), "2026-12-01 13:22 UTC");
        assert_eq!(
            stamp(at("2026-12-01T20:00:00Z"), INDIA),
            "2026-12-02 01:30 UTC+05:30"
        );
        assert_eq!(
            stamp(at("2026-12-01T01:00:00Z"), BRAZIL),
            "2026-11-30 22:00 UTC-03:00"
        );
    }

    #[test]
    fn add_reads_the_day_and_time_in_the_users_offset() {
        let e = parse_add(&args("tomorrow 9:00 Standup"), NOW, INDIA).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T03:30:00Z");
        assert_eq!(rfc3339(e.end_ms), "2026-12-02T04:30:00Z");
        let e = parse_add(&args("tomorrow 9:00 Standup"), NOW, BRAZIL).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T12:00:00Z");
        let e = parse_add(&args("2026-12-02 15:00 30m Review"), NOW, BRAZIL).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T18:00:00Z");
        // 00:15 on 2 December in India is still 1 December in UTC.
        let e = parse_add(&args("2026-12-02 0:15 Early"), NOW, INDIA).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-01T18:45:00Z");
        // "today" is the user's today: 18:52 in India, 10:22 in Brazil.
        let e = parse_add(&args("today 8:00 x"), NOW, INDIA).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-01T02:30:00Z");
        let e = parse_add(&args("today 23:00 x"), NOW, BRAZIL).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T02:00:00Z");
        let err = parse_add(&args("today 24:00 x"), NOW, INDIA).unwrap_err();
        assert!(err.contains("HH:MM, 24 h, UTC+05:30"), "{err}");
    }
}
