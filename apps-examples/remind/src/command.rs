//! What `/remind` takes, parsed against the current time:
//!
//! ```text
//! /remind me in 10 minutes to water the plants
//! /remind me in 1 hour 30 minutes stand-up      (units: s, sec, second(s), m, min, minute(s), h, hour(s), d, day(s), w, week(s); "a"/"an" is 1)
//! /remind me tomorrow 9:00 call the bank        (tomorrow alone is tomorrow 9:00)
//! /remind me tomorrow at 5pm call the bank
//! /remind me at 15:30 to leave                  (today, or tomorrow when 15:30 has passed)
//! /remind list
//! /remind cancel 3                              (the number `list` shows; `#3` works too)
//! ```
//!
//! `me` and the `to` before the text may be left out. Clock times are read
//! in the UTC offset given: the user's own when their client reported one,
//! else the configured one (UTC by default).

use crate::time::{DAY, HOUR, MINUTE, Offset, SECOND};

/// The longest a reminder may wait: a year.
pub const MAX_DELAY: u64 = 366 * DAY;
/// The longest reminder text, in characters.
pub const MAX_TEXT: usize = 1_000;
/// When `tomorrow` comes without a time.
pub const TOMORROW_DEFAULT: (u64, u64) = (9, 0);

pub const USAGE: &str = "usage: /remind me in 10 minutes to <text> | /remind me tomorrow 9:00 <text> | /remind me at 15:30 <text> | /remind list | /remind cancel <n>";

/// One `/remind` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Set { due_ms: u64, text: String },
    List,
    Cancel(u64),
    Help,
}

/// Parses `raw` (everything after `/remind`) at `now_ms` (UTC).
pub fn parse(raw: &str, now_ms: u64, offset: Offset) -> Result<Request, String> {
    let mut words = Words::new(raw);
    let Some(first) = words.next() else {
        return Ok(Request::Help);
    };
    match first.to_lowercase().as_str() {
        "help" => return Ok(Request::Help),
        "list" if words.rest().is_empty() => return Ok(Request::List),
        "cancel" => {
            let n = words.next().unwrap_or_default();
            let number = n.strip_prefix('#').unwrap_or(n);
            return match number.parse::<u64>() {
                Ok(n) if words.rest().is_empty() => Ok(Request::Cancel(n)),
                _ => Err("`/remind cancel` takes the number of a reminder, as `/remind list` shows it (e.g. `/remind cancel 2`)".to_owned()),
            };
        }
        "me" => {}
        _ => words = Words::new(raw),
    }
    let due_ms = when(&mut words, now_ms, offset)?;
    let mut text = words.rest();
    if let Some(after_to) = strip_word(text, "to") {
        text = after_to;
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(format!(
            "what should I remind you of? Add it after the time ({USAGE})"
        ));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(format!(
            "a reminder may be at most {MAX_TEXT} characters long"
        ));
    }
    Ok(Request::Set {
        due_ms,
        text: text.to_owned(),
    })
}

/// The time words at the start of `words`, consumed; the due time (UTC ms).
fn when(words: &mut Words, now_ms: u64, offset: Offset) -> Result<u64, String> {
    let Some(word) = words.next() else {
        return Err(format!("when? ({USAGE})"));
    };
    let due = match word.to_lowercase().as_str() {
        "in" => now_ms + delay(words)?,
        "tomorrow" => {
            if words.peek().is_some_and(|w| w.eq_ignore_ascii_case("at")) {
                words.next();
            }
            let (h, m) = match words.peek().and_then(|w| clock(w).map(|c| (w, c))) {
                Some((word, c)) => {
                    words.next();
                    words.time_of(c, word)?
                }
                None => TOMORROW_DEFAULT,
            };
            let local = offset.local(now_ms);
            offset.utc((local / DAY + 1) * DAY + h * HOUR + m * MINUTE)
        }
        "at" => {
            let Some(token) = words.next() else {
                return Err("at what time? e.g. `/remind me at 15:30 to leave`".to_owned());
            };
            let hm = match clock(token) {
                Some(c) => words.time_of(c, token)?,
                None => {
                    return Err(format!(
                        "`{token}` is not a time of day such as 15:30 or 3pm"
                    ));
                }
            };
            let local = offset.local(now_ms);
            let today = local / DAY * DAY + hm.0 * HOUR + hm.1 * MINUTE;
            let local_due = if today > local { today } else { today + DAY };
            offset.utc(local_due)
        }
        other => {
            return Err(format!(
                "I do not understand the time `{other}`: start with `in`, `tomorrow` or `at` ({USAGE})"
            ));
        }
    };
    Ok(due)
}

/// `10 minutes`, `1 hour 30 minutes`, `2h`, `an hour and 5 minutes`.
fn delay(words: &mut Words) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut any = false;
    while let Some(word) = words.peek() {
        let lower = word.to_lowercase();
        if any && lower == "and" {
            words.next();
            continue;
        }
        // `10m`, `90s`: the number and the unit in one word.
        let split = lower
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(lower.len());
        let (amount, unit) = if split > 0 && split < lower.len() {
            (lower[..split].to_owned(), Some(lower[split..].to_owned()))
        } else {
            (lower.clone(), None)
        };
        let n: u64 = match amount.as_str() {
            "a" | "an" | "one" => 1,
            digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse()
                .map_err(|_| format!("`{word}` is too large"))?,
            _ if any => break,
            _ => {
                return Err(format!(
                    "`in` takes an amount of time, e.g. `in 10 minutes`, not `{word}`"
                ));
            }
        };
        words.next();
        let unit = match unit {
            Some(unit) => unit,
            None => match words.next() {
                Some(unit) => unit.to_lowercase(),
                None => return Err(format!("{n} what? e.g. `in {n} minutes`")),
            },
        };
        let size = match unit.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => SECOND,
            "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
            "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
            "d" | "day" | "days" => DAY,
            "w" | "week" | "weeks" => 7 * DAY,
            other => {
                return Err(format!(
                    "`{other}` is not a unit of time: use seconds, minutes, hours, days or weeks"
                ));
            }
        };
        total = n
            .checked_mul(size)
            .and_then(|ms| total.checked_add(ms))
            .filter(|&t| t <= MAX_DELAY)
            .ok_or("a reminder may be at most a year away")?;
        any = true;
    }
    if total == 0 {
        return Err("remind you in no time? Give a delay of at least a second".to_owned());
    }
    Ok(total)
}

/// A clock time as typed, `H:MM`, `HH:MM`, `5`, `5pm`, `5:30pm`: `None`
/// when `word` does not look like one. Checked by [`Words::time_of`].
fn clock(word: &str) -> Option<Clock> {
    let lower = word.to_ascii_lowercase();
    let (body, pm) = if let Some(b) = lower.strip_suffix("am") {
        (b, Some(false))
    } else if let Some(b) = lower.strip_suffix("pm") {
        (b, Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.is_some_and(|m| m.len() != 2 || !digits(m)) {
        return None;
    }
    Some(Clock {
        hour: h.parse().ok()?,
        minute: m.map_or(Some(0), |m| m.parse().ok())?,
        has_minutes: m.is_some(),
        pm,
    })
}

/// A clock time as typed; `pm` is `Some(true)` for pm, `Some(false)` for
/// am, `None` for a 24-hour time.
#[derive(Debug, Clone, Copy)]
struct Clock {
    hour: u64,
    minute: u64,
    has_minutes: bool,
    pm: Option<bool>,
}

/// The words of the arguments, keeping where each starts so the text after
/// the time is kept exactly as typed.
struct Words<'a> {
    raw: &'a str,
    at: usize,
}

impl<'a> Words<'a> {
    fn new(raw: &'a str) -> Self {
        Words { raw, at: 0 }
    }

    fn peek(&self) -> Option<&'a str> {
        let rest = self.raw[self.at..].trim_start();
        let word = rest.split(char::is_whitespace).next().unwrap_or("");
        (!word.is_empty()).then_some(word)
    }

    fn next(&mut self) -> Option<&'a str> {
        let word = self.peek()?;
        let start = self.raw.len() - self.raw[self.at..].trim_start().len();
        self.at = start + word.len();
        Some(word)
    }

    /// Everything not consumed, without the space before it.
    fn rest(&self) -> &'a str {
        self.raw[self.at..].trim_start()
    }

    /// The hour and minute of `clock`, taking an `am`/`pm` that follows as
    /// its own word (`5 pm`). A bare hour without am/pm is refused, as
    /// `at 5` could be 5:00 or 17:00.
    fn time_of(&mut self, mut clock: Clock, word: &str) -> Result<(u64, u64), String> {
        if clock.pm.is_none() {
            match self.peek().map(str::to_ascii_lowercase).as_deref() {
                Some("am") => clock.pm = Some(false),
                Some("pm") => clock.pm = Some(true),
                _ => {}
            }
            if clock.pm.is_some() {
                self.next();
            }
        }
        let bad = || {
            Err(format!(
                "`{word}` is not a time of day such as 15:30 or 3pm"
            ))
        };
        if clock.minute > 59 {
            return bad();
        }
        match clock.pm {
            Some(pm) if (1..=12).contains(&clock.hour) => {
                Ok((clock.hour % 12 + if pm { 12 } else { 0 }, clock.minute))
            }
            Some(_) => bad(),
            None if clock.hour > 23 => bad(),
            None if !clock.has_minutes => Err(format!(
                "`{word}` is ambiguous: write `{h}:00`, `{h}am` or `{h}pm`",
                h = clock.hour
            )),
            None => Ok((clock.hour, clock.minute)),
        }
    }
}

/// `text` without a leading `word` (any case) and the spaces after it;
/// `None` when it does not start with that word.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let after = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && after.starts_with(char::is_whitespace))
        .then(|| after.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 13:22:30 UTC, a Tuesday.
    const NOW: u64 = 1_796_131_350_000;
    /// 2026-12-01 00:00 UTC.
    const TODAY: u64 = NOW - 13 * HOUR - 22 * MINUTE - 30 * SECOND;
    const UTC: Offset = Offset(0);

    fn set(raw: &str) -> (u64, String) {
        set_in(raw, UTC)
    }

    fn set_in(raw: &str, offset: Offset) -> (u64, String) {
        match parse(raw, NOW, offset) {
            Ok(Request::Set { due_ms, text }) => (due_ms, text),
            other => panic!("{raw}: {other:?}"),
        }
    }

    fn refused(raw: &str) -> String {
        parse(raw, NOW, UTC).expect_err(raw)
    }

    #[test]
    fn relative_delays() {
        assert_eq!(
            set("me in 10 minutes to water the plants"),
            (NOW + 10 * MINUTE, "water the plants".into())
        );
        assert_eq!(set("me in 2 seconds to x"), (NOW + 2 * SECOND, "x".into()));
        assert_eq!(set("in 1 hour 30 minutes stand-up").0, NOW + 90 * MINUTE);
        assert_eq!(set("me in an hour and 5 min tea").0, NOW + 65 * MINUTE);
        assert_eq!(set("me in 2h call").0, NOW + 2 * HOUR);
        assert_eq!(set("ME IN 90S To  Shout  LOUD ").1, "Shout  LOUD");
        assert_eq!(set("me in 3 days renew").0, NOW + 3 * DAY);
        assert_eq!(set("me in 1 week retro").0, NOW + 7 * DAY);
        // Only the first `to` is a filler word.
        assert_eq!(set("me in 1 minute to to do").1, "to do");
        assert_eq!(set("me in 1 minute tomato").1, "tomato");
    }

    #[test]
    fn tomorrow_and_clock_times() {
        assert_eq!(
            set("me tomorrow 9:00 call the bank"),
            (TODAY + DAY + 9 * HOUR, "call the bank".into())
        );
        assert_eq!(set("me tomorrow at 5pm x").0, TODAY + DAY + 17 * HOUR);
        assert_eq!(
            set("me tomorrow at 5:30 pm x").0,
            TODAY + DAY + 17 * HOUR + 30 * MINUTE
        );
        assert_eq!(set("me tomorrow to call mom").0, TODAY + DAY + 9 * HOUR);
        // Later today, or tomorrow once it has passed.
        assert_eq!(
            set("me at 15:30 to leave").0,
            TODAY + 15 * HOUR + 30 * MINUTE
        );
        assert_eq!(
            set("me at 13:22 x").0,
            TODAY + DAY + 13 * HOUR + 22 * MINUTE
        );
        assert_eq!(set("me at 13:23 x").0, TODAY + 13 * HOUR + 23 * MINUTE);
        assert_eq!(set("me at 0:00 x").0, TODAY + DAY);
        assert_eq!(set("me at 12am x").0, TODAY + DAY);
        assert_eq!(set("me at 12pm x").0, TODAY + DAY + 12 * HOUR);
        assert_eq!(set("me at 23:59 x").0, TODAY + 23 * HOUR + 59 * MINUTE);
    }

    #[test]
    fn clock_times_are_read_in_the_offset() {
        // 13:22 UTC is 14:22 at +01:00: 15:30 there is 14:30 UTC today.
        assert_eq!(
            set_in("me at 15:30 x", Offset(60)).0,
            TODAY + 14 * HOUR + 30 * MINUTE
        );
        // At +11:00 it is already 00:22 on the 2nd: tomorrow is the 3rd.
        assert_eq!(
            set_in("me tomorrow 9:00 x", Offset(660)).0,
            TODAY + 2 * DAY + 9 * HOUR - 11 * HOUR
        );
        // Relative delays ignore the offset.
        assert_eq!(
            set_in("me in 5 minutes x", Offset(-330)).0,
            NOW + 5 * MINUTE
        );
    }

    #[test]
    fn a_users_reported_offset_is_used_before_the_configured_one() {
        let configured = Offset(60);
        let own = Offset::reported(Some(330)).unwrap_or(configured);
        // 13:22 UTC is 18:52 at +05:30: tomorrow 9:00 there is 03:30 UTC.
        assert_eq!(
            set_in("me tomorrow 9:00 call the bank", own),
            (TODAY + DAY + 3 * HOUR + 30 * MINUTE, "call the bank".into())
        );
        assert_eq!(
            crate::time::format(TODAY + DAY + 3 * HOUR + 30 * MINUTE, own),
            "2026-12-02 09:00 UTC+05:30"
        );
        // Without one, the configured offset: 9:00 at +01:00 is 08:00 UTC.
        let fallback = Offset::reported(None).unwrap_or(configured);
        assert_eq!(
            set_in("me tomorrow 9:00 x", fallback).0,
            TODAY + DAY + 8 * HOUR
        );
    }

    #[test]
    fn list_cancel_and_help() {
        assert_eq!(parse("list", NOW, UTC), Ok(Request::List));
        assert_eq!(parse(" LIST ", NOW, UTC), Ok(Request::List));
        assert_eq!(parse("cancel 3", NOW, UTC), Ok(Request::Cancel(3)));
        assert_eq!(parse("cancel #12", NOW, UTC), Ok(Request::Cancel(12)));
        assert_eq!(parse("", NOW, UTC), Ok(Request::Help));
        assert_eq!(parse("help", NOW, UTC), Ok(Request::Help));
        for bad in ["cancel", "cancel x", "cancel 3 4", "cancel -1"] {
            assert!(refused(bad).contains("number of a reminder"), "{bad}");
        }
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(refused("me").starts_with("when?"));
        assert!(refused("me next friday x").contains("`next`"));
        assert!(refused("me in ten minutes x").contains("amount of time"));
        assert!(refused("me in 10 parsecs x").contains("`parsecs` is not a unit"));
        assert!(refused("me in 10").contains("10 what?"));
        assert!(refused("me in 0 minutes x").contains("at least a second"));
        assert!(refused("me in 400 days x").contains("at most a year"));
        assert!(refused("me in 99999999999999999999 s x").contains("too large"));
        assert!(refused("me in 18446744073709551615 weeks x").contains("at most a year"));
        assert!(refused("me in 10 minutes").contains("what should I remind you of"));
        assert!(refused("me in 10 minutes to   ").contains("what should I remind you of"));
        assert!(refused("me at").contains("at what time"));
        assert!(refused("me at noon x").contains("`noon` is not a time"));
        assert!(refused("me at 24:00 x").contains("`24:00` is not a time"));
        assert!(refused("me at 9:60 x").contains("not a time"));
        assert!(refused("me at 13pm x").contains("not a time"));
        assert!(refused("me at 0am x").contains("not a time"));
        assert!(refused("me at 9:5 x").contains("not a time"));
        assert!(refused("me at 5 x").contains("ambiguous"));
        assert!(refused("me tomorrow 25:00 x").contains("not a time"));
        assert!(refused(&format!("me in 1 s {}", "x".repeat(1001))).contains("at most 1000"));
        assert_eq!(
            set(&format!("me in 1 s {}", "é".repeat(1000)))
                .1
                .chars()
                .count(),
            1000
        );
        // Hostile input does not panic.
        for raw in [
            "me at :",
            "me at 1:",
            "me in",
            "me in and",
            "me tomorrow at",
            "🙂 in 1 s",
            "me at ５:００ x",
            "me in １ s",
        ] {
            let _ = parse(raw, NOW, UTC);
        }
    }
}
