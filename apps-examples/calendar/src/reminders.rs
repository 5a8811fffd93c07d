//! Reminders: a one-off job per upcoming event, `lead` before it starts.

use serde::{Deserialize, Serialize};

use crate::gcal::Event;
use crate::time::{self, Offset};

/// The job name reminders are scheduled under.
pub const JOB: &str = "reminder";

/// What a reminder job carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    /// Who is reminded, in their direct room with the app's bot.
    pub user_id: String,
    pub title: String,
    pub start_ms: i64,
    /// The kv key that marks the reminder as scheduled.
    pub key: String,
    /// The user's UTC offset (minutes east) when it was scheduled, for
    /// when their offset cannot be read as it fires; jobs stored before
    /// the app knew offsets have none: UTC.
    #[serde(default)]
    pub offset_minutes: i32,
}

impl Reminder {
    /// The offset the user had when the reminder was scheduled.
    pub fn scheduled_offset(&self) -> Offset {
        Offset::reported(Some(self.offset_minutes)).unwrap_or(Offset::UTC)
    }

    /// The text posted when it fires, the start shown in `offset`.
    pub fn text(&self, now_ms: i64, offset: Offset) -> String {
        let minutes = ((self.start_ms - now_ms).max(0) + 59_999) / 60_000;
        let when = match minutes {
            0 => "now".to_owned(),
            1 => "in 1 minute".to_owned(),
            n => format!("in {n} minutes"),
        };
        format!(
            "Reminder: {} starts {when} ({}).",
            self.title,
            time::stamp(self.start_ms, offset)
        )
    }
}

/// The kv key marking that `user_id` has a reminder for this event at
/// this start, so listing the same day twice schedules it once; `None`
/// for an id too long for a key.
pub fn key(user_id: &str, event: &Event) -> Option<String> {
    (event.id.len() <= 256).then(|| format!("reminder:{user_id}:{}:{}", event.id, event.start_ms))
}

/// When to remind of `event`: `lead_ms` before its start, or now when
/// that is past but the event has not started; `None` for all-day events,
/// events that started, and when reminders are off (`lead_ms` negative).
pub fn due_at(event: &Event, lead_ms: i64, now_ms: i64) -> Option<i64> {
    if lead_ms < 0 || event.all_day || event.start_ms <= now_ms {
        return None;
    }
    Some((event.start_ms - lead_ms).max(now_ms))
}

/// The lead from the `reminder_minutes` setting (fractions allowed, at
/// most a week); negative or not a number turns reminders off.
pub fn lead_ms(minutes: f64) -> i64 {
    if !minutes.is_finite() || minutes < 0.0 {
        return -1;
    }
    (minutes.min(7.0 * 24.0 * 60.0) * 60_000.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(start_ms: i64, all_day: bool) -> Event {
        Event {
            id: "e1".into(),
            title: "Standup".into(),
            link: None,
            start_ms,
            end_ms: start_ms + 900_000,
            all_day,
        }
    }

    #[test]
    fn reminders_come_lead_before_the_start_or_now() {
        let now = 1_000_000_000;
        assert_eq!(
            due_at(&event(now + 3_600_000, false), 600_000, now),
            Some(now + 3_000_000)
        );
        assert_eq!(due_at(&event(now + 60_000, false), 600_000, now), Some(now));
        assert_eq!(due_at(&event(now, false), 600_000, now), None);
        assert_eq!(due_at(&event(now + 60_000, true), 0, now), None);
        assert_eq!(due_at(&event(now + 60_000, false), -1, now), None);
        assert_eq!(
            due_at(&event(now + 60_000, false), 0, now),
            Some(now + 60_000)
        );
    }

    #[test]
    fn the_lead_setting_allows_fractions_and_turns_off_below_zero() {
        assert_eq!(lead_ms(10.0), 600_000);
        assert_eq!(lead_ms(0.05), 3_000);
        assert_eq!(lead_ms(-1.0), -1);
        assert_eq!(lead_ms(f64::NAN), -1);
        assert_eq!(lead_ms(1e12), 7 * 86_400_000);
    }

    #[test]
    fn keys_and_texts() {
        let e = event(1_796_140_800_000, false);
        assert_eq!(
            key("U1", &e).as_deref(),
            Some("reminder:U1:e1:1796140800000")
        );
        let mut long = e.clone();
        long.id = "x".repeat(300);
        assert_eq!(key("U1", &long), None);
        let r = Reminder {
            user_id: "U1".into(),
            title: "Standup".into(),
            start_ms: e.start_ms,
            key: "k".into(),
            offset_minutes: 0,
        };
        assert_eq!(
            r.text(e.start_ms - 600_000, Offset::UTC),
            "Reminder: Standup starts in 10 minutes (2026-12-01 16:00 UTC)."
        );
        assert_eq!(
            r.text(e.start_ms - 30_000, Offset::UTC),
            "Reminder: Standup starts in 1 minute (2026-12-01 16:00 UTC)."
        );
        assert_eq!(
            r.text(e.start_ms + 5, Offset::UTC),
            "Reminder: Standup starts now (2026-12-01 16:00 UTC)."
        );
    }

    #[test]
    fn reminder_texts_show_the_start_in_the_users_offset() {
        let start_ms = 1_796_140_800_000; // 2026-12-01T16:00:00Z
        let r = Reminder {
            user_id: "U1".into(),
            title: "Standup".into(),
            start_ms,
            key: "k".into(),
            offset_minutes: 330,
        };
        let india = r.scheduled_offset();
        assert_eq!(
            r.text(start_ms - 600_000, india),
            "Reminder: Standup starts in 10 minutes (2026-12-01 21:30 UTC+05:30)."
        );
        let brazil = Offset::reported(Some(-180)).unwrap();
        assert_eq!(
            r.text(start_ms - 600_000, brazil),
            "Reminder: Standup starts in 10 minutes (2026-12-01 13:00 UTC-03:00)."
        );
    }

    #[test]
    fn jobs_stored_before_offsets_still_decode_as_utc() {
        let old = br#"{"user_id":"U1","title":"Standup","start_ms":1796140800000,"key":"k"}"#;
        let r: Reminder = capsule_sdk::serde_json::from_slice(old).unwrap();
        assert_eq!(r.scheduled_offset(), Offset::UTC);
        let new = capsule_sdk::serde_json::to_value(Reminder {
            offset_minutes: -180,
            ..r
        })
        .unwrap();
        assert_eq!(new["offset_minutes"], -180);
    }
}
