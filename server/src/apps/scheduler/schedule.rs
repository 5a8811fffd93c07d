//! When a job runs: the schedule an app asks for, checked once when it is
//! scheduled, kept as JSON in the job's record, and the next time it is
//! due (UTC).

use capsule_runtime::model as app;
use chrono::{DateTime, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde_json::{Value, json};

use super::ScheduleError;
use crate::model::Timestamp;

/// How a job recurs after its first run.
#[derive(Clone, Debug)]
pub enum Recurrence {
    /// It runs once.
    Once,
    /// It runs again this many milliseconds after each run.
    EveryMs(u64),
    /// It runs on each time a five-field cron expression matches (UTC).
    /// Boxed: a parsed expression is large.
    Cron(Box<CronExpression>),
}

/// A parsed five-field cron expression and the text it came from.
#[derive(Clone, Debug)]
pub struct CronExpression {
    text: String,
    cron: Cron,
}

impl CronExpression {
    /// Parses a five-field expression (minute, hour, day of month, month,
    /// day of week), as the WIT `schedule.cron` promises; nicknames such as
    /// `@daily` are accepted, seconds and years are not.
    pub fn parse(text: &str) -> Result<CronExpression, ScheduleError> {
        let bad = |reason: String| ScheduleError::BadCron {
            expression: text.to_owned(),
            reason,
        };
        let fields = text.split_whitespace().count();
        if !text.trim_start().starts_with('@') && fields != 5 {
            return Err(bad(format!(
                "it has {fields} fields; a cron expression has five (minute hour day-of-month \
                 month day-of-week)"
            )));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(text)
            .map_err(|e| bad(e.to_string()))?;
        let parsed = CronExpression {
            text: text.trim().to_owned(),
            cron,
        };
        // An expression no date matches (`0 0 30 2 *`) parses, but the job
        // would never run: say so now rather than store it.
        if parsed.next_after(Timestamp::now()).is_none() {
            return Err(bad("no date matches it".into()));
        }
        Ok(parsed)
    }

    /// The expression as the app wrote it (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first time after `now` the expression matches.
    pub fn next_after(&self, now: Timestamp) -> Option<Timestamp> {
        let now = DateTime::<Utc>::from_timestamp_millis(now.millis())?;
        self.cron
            .find_next_occurrence(&now, false)
            .ok()
            .map(|next| Timestamp(next.timestamp_millis()))
    }
}

/// A schedule checked against the scheduler's rules, and its first run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub recurrence: Recurrence,
    pub first_run: Timestamp,
}

/// Checks `when` and works out the first run, as of `now`. A recurring
/// job more often than every `min_interval_ms` is refused. A time in the
/// past is taken as "now": the app asked for a run, and one late by the
/// time the call took is what it meant.
pub fn plan(
    when: &app::Schedule,
    now: Timestamp,
    min_interval_ms: u64,
) -> Result<Plan, ScheduleError> {
    let (recurrence, first_run) = match when {
        app::Schedule::At(at) => {
            let at = i64::try_from(*at).map_err(|_| ScheduleError::OutOfRange {
                what: format!("the time {at} (milliseconds since 1970)"),
            })?;
            (Recurrence::Once, Timestamp(at.max(now.millis())))
        }
        app::Schedule::AfterMs(ms) => (Recurrence::Once, after(now, *ms)?),
        app::Schedule::EveryMs(ms) => {
            if *ms < min_interval_ms {
                return Err(ScheduleError::IntervalTooShort {
                    every_ms: *ms,
                    min_ms: min_interval_ms,
                });
            }
            (Recurrence::EveryMs(*ms), after(now, *ms)?)
        }
        app::Schedule::Cron(text) => {
            let cron = CronExpression::parse(text)?;
            let first = cron.next_after(now).ok_or_else(|| ScheduleError::BadCron {
                expression: text.clone(),
                reason: "no date matches it".into(),
            })?;
            (Recurrence::Cron(Box::new(cron)), first)
        }
    };
    Ok(Plan {
        recurrence,
        first_run,
    })
}

/// `now` plus `ms`, if the result is a time the store can hold.
fn after(now: Timestamp, ms: u64) -> Result<Timestamp, ScheduleError> {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| now.millis().checked_add(ms))
        .map(Timestamp)
        .ok_or_else(|| ScheduleError::OutOfRange {
            what: format!("{ms} milliseconds from now"),
        })
}

impl Recurrence {
    /// When the job is due after a run that ended at `now`; `None` for a
    /// one-off (it is done). Runs missed while the server was down are not
    /// caught up one by one: the job runs once, then keeps its rhythm.
    pub fn next_after(&self, now: Timestamp) -> Option<Timestamp> {
        match self {
            Recurrence::Once => None,
            Recurrence::EveryMs(ms) => after(now, *ms).ok(),
            Recurrence::Cron(cron) => cron.next_after(now),
        }
    }

    /// The form kept in the job record's `schedule`.
    pub fn to_json(&self) -> Value {
        match self {
            Recurrence::Once => json!({"once": true}),
            Recurrence::EveryMs(ms) => json!({"every_ms": ms}),
            Recurrence::Cron(cron) => json!({"cron": cron.text()}),
        }
    }

    /// Reads the form [`to_json`](Recurrence::to_json) wrote.
    pub fn from_json(value: &Value) -> Result<Recurrence, ScheduleError> {
        if let Some(ms) = value.get("every_ms").and_then(Value::as_u64) {
            return Ok(Recurrence::EveryMs(ms));
        }
        if let Some(text) = value.get("cron").and_then(Value::as_str) {
            return CronExpression::parse(text).map(|cron| Recurrence::Cron(Box::new(cron)));
        }
        if value.get("once").and_then(Value::as_bool) == Some(true) {
            return Ok(Recurrence::Once);
        }
        Err(ScheduleError::Corrupt {
            schedule: value.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    /// 2026-12-01T12:00:00Z, a Tuesday.
    const NOON: Timestamp = Timestamp(1_796_126_400_000);

    fn iso(t: Timestamp) -> String {
        t.to_iso()
    }

    #[test]
    fn noon_is_the_tuesday_the_tests_assume() {
        assert_eq!(iso(NOON), "2026-12-01T12:00:00.000Z");
    }

    #[test]
    fn cron_next_time_is_the_next_match_in_utc() {
        let weekly = CronExpression::parse("0 9 * * 1").expect("valid");
        let quarter = CronExpression::parse("*/15 * * * *").expect("valid");
        let at_noon = CronExpression::parse("0 12 * * *").expect("valid");

        assert_eq!(
            iso(weekly.next_after(NOON).unwrap()),
            "2026-12-07T09:00:00.000Z",
            "next Monday 09:00"
        );
        assert_eq!(
            iso(quarter.next_after(Timestamp(NOON.0 + 1)).unwrap()),
            "2026-12-01T12:15:00.000Z"
        );
        assert_eq!(
            iso(at_noon.next_after(NOON).unwrap()),
            "2026-12-02T12:00:00.000Z",
            "strictly after now: the run that just happened is not due again"
        );
    }

    #[test]
    fn cron_nicknames_and_names_are_accepted() {
        let daily = CronExpression::parse("@daily").expect("valid");
        let fridays = CronExpression::parse("30 8 * JAN-DEC FRI").expect("valid");

        assert_eq!(
            iso(daily.next_after(NOON).unwrap()),
            "2026-12-02T00:00:00.000Z"
        );
        assert_eq!(
            iso(fridays.next_after(NOON).unwrap()),
            "2026-12-04T08:30:00.000Z"
        );
    }

    #[test]
    fn a_bad_cron_expression_is_refused_naming_it() {
        for (text, says) in [
            ("61 * * * *", "61 * * * *"),
            ("* * *", "3 fields"),
            ("0 0 9 * * 1", "6 fields"),
            ("every monday", "2 fields"),
            ("0 0 30 2 *", "no date matches it"),
        ] {
            let error = CronExpression::parse(text).expect_err(text).to_string();
            assert!(error.contains(says), "{text}: {error}");
            assert!(error.contains("cron"), "{text}: {error}");
        }
        assert!(
            Cron::from_str("0 0 9 * * 1").is_ok(),
            "croner alone would take a seconds field: the field count is checked for it"
        );
    }

    #[test]
    fn a_time_in_the_past_runs_now() {
        let plan = plan(&app::Schedule::At(1000), NOON, 1000).expect("valid");

        assert_eq!(plan.first_run, NOON);
        assert!(matches!(plan.recurrence, Recurrence::Once));
    }

    #[test]
    fn one_offs_and_intervals_start_where_asked() {
        let at = plan(&app::Schedule::At(NOON.0 as u64 + 5000), NOON, 1000).unwrap();
        let after = plan(&app::Schedule::AfterMs(250), NOON, 1000).unwrap();
        let every = plan(&app::Schedule::EveryMs(60_000), NOON, 1000).unwrap();

        assert_eq!(at.first_run, Timestamp(NOON.0 + 5000));
        assert_eq!(after.first_run, Timestamp(NOON.0 + 250));
        assert_eq!(every.first_run, Timestamp(NOON.0 + 60_000));
        assert_eq!(
            every.recurrence.next_after(Timestamp(NOON.0 + 61_000)),
            Some(Timestamp(NOON.0 + 121_000))
        );
        assert_eq!(after.recurrence.next_after(NOON), None, "a one-off is done");
    }

    #[test]
    fn an_interval_below_the_minimum_is_refused_naming_both() {
        let error = plan(&app::Schedule::EveryMs(500), NOON, 1000)
            .expect_err("too short")
            .to_string();

        assert!(error.contains("500") && error.contains("1000"), "{error}");
    }

    #[test]
    fn times_the_store_cannot_hold_are_refused() {
        let far = plan(&app::Schedule::AfterMs(u64::MAX), NOON, 1000);
        let at = plan(&app::Schedule::At(u64::MAX), NOON, 1000);

        assert!(
            matches!(far, Err(ScheduleError::OutOfRange { .. })),
            "{far:?}"
        );
        assert!(
            matches!(at, Err(ScheduleError::OutOfRange { .. })),
            "{at:?}"
        );
    }

    #[test]
    fn the_stored_form_reads_back() {
        for when in [
            app::Schedule::AfterMs(10),
            app::Schedule::EveryMs(5000),
            app::Schedule::Cron("0 9 * * 1".into()),
        ] {
            let plan = plan(&when, NOON, 1000).unwrap();
            let json = plan.recurrence.to_json();
            let back = Recurrence::from_json(&json).expect("reads back");

            assert_eq!(back.to_json(), json);
            assert_eq!(
                back.next_after(NOON),
                plan.recurrence.next_after(NOON),
                "{json}"
            );
        }
        assert!(matches!(
            Recurrence::from_json(&json!({"every": "day"})),
            Err(ScheduleError::Corrupt { .. })
        ));
    }
}
