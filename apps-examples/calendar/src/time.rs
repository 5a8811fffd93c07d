//! Times: UTC only. RFC 3339 (what the Calendar API speaks) to and from
//! milliseconds since the Unix epoch, and the `/calendar add` syntax.
//!
//! `/calendar add` takes `<day> <HH:MM> [<duration>] <title>`:
//! `<day>` is `today`, `tomorrow` or `YYYY-MM-DD`; the time is UTC, 24 h;
//! the duration is `30m`, `1h`, `1h30m` (default one hour, at most a week).

pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 86_400_000;

/// The default length of an event `/calendar add` creates.
pub const DEFAULT_DURATION_MS: i64 = 60 * MINUTE_MS;

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

/// `ms` as `YYYY-MM-DD HH:MM` UTC, for people.
pub fn display(ms: i64) -> String {
    let s = rfc3339(ms);
    format!("{} {}", &s[..10], &s[11..16])
}

/// `HH:MM` of `ms`, UTC.
pub fn clock(ms: i64) -> String {
    rfc3339(ms)[11..16].to_owned()
}

/// The start (00:00 UTC) of the day `ms` falls in.
pub fn start_of_day(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
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
pub const ADD_USAGE: &str = "usage: `/calendar add <today|tomorrow|YYYY-MM-DD> <HH:MM> [30m|1h|1h30m] <title>` (times in UTC)";

/// Parses `/calendar add`'s arguments (after `add`) at time `now_ms`.
pub fn parse_add(args: &[String], now_ms: i64) -> Result<NewEvent, String> {
    let [day, clock, rest @ ..] = args else {
        return Err(ADD_USAGE.to_owned());
    };
    let day_ms = match day.to_ascii_lowercase().as_str() {
        "today" => start_of_day(now_ms),
        "tomorrow" => start_of_day(now_ms) + DAY_MS,
        other => parse_date(other).ok_or_else(|| {
            format!("`{day}` is not a day (today, tomorrow or YYYY-MM-DD); {ADD_USAGE}")
        })?,
    };
    let at = parse_clock(clock)
        .ok_or_else(|| format!("`{clock}` is not a time (HH:MM, 24 h, UTC); {ADD_USAGE}"))?;
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
        let e = parse_add(&args("2026-12-02 15:00 30m Design review"), NOW).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T15:00:00Z");
        assert_eq!(rfc3339(e.end_ms), "2026-12-02T15:30:00Z");
        assert_eq!(e.title, "Design review");
        let e = parse_add(&args("tomorrow 9:00 Standup"), NOW).unwrap();
        assert_eq!(rfc3339(e.start_ms), "2026-12-02T09:00:00Z");
        assert_eq!(e.end_ms - e.start_ms, DEFAULT_DURATION_MS);
        let e = parse_add(&args("TODAY 23:59 1h30m Late"), NOW).unwrap();
        assert_eq!(rfc3339(e.end_ms), "2026-12-02T01:29:00Z");
        // A title that starts with a number is not a duration.
        let e = parse_add(&args("today 10:00 3 wise men"), NOW).unwrap();
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
            let err = parse_add(&args(input), NOW).unwrap_err();
            assert!(err.contains(reason), "{input}: {err}");
        }
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration("999999h"), None);
        assert_eq!(parse_duration("2h"), Some(2 * 60 * MINUTE_MS));
    }
}
