//! The Google Calendar API v3 calls the app makes, on the user's
//! `primary` calendar:
//!
//! * `GET {base}/calendars/primary/events?timeMin=…&timeMax=…&
//!   singleEvents=true&orderBy=startTime&maxResults=…` answers
//!   `{"kind": "calendar#events", "items": [{"id", "summary", "htmlLink",
//!   "start": {"dateTime" | "date"}, "end": {…}}, …]}`;
//! * `POST {base}/calendars/primary/events` with `{"summary", "start":
//!   {"dateTime", "timeZone"}, "end": {…}}` answers the created event.

use capsule_sdk::serde_json::{self, Value, json};
use serde::Deserialize;

use crate::oauth::encode;
use crate::time;

/// Google's API root.
pub const DEFAULT_API_BASE: &str = "https://www.googleapis.com/calendar/v3";

/// The events URL of the primary calendar.
pub fn events_url(api_base: &str) -> String {
    format!(
        "{}/calendars/primary/events",
        api_base.trim().trim_end_matches('/')
    )
}

/// The list URL for events that end after `from_ms` and start before
/// `to_ms` (`None`: no end), recurring ones expanded, by start time.
pub fn list_url(api_base: &str, from_ms: i64, to_ms: Option<i64>, max: u32) -> String {
    let mut url = format!(
        "{}?timeMin={}",
        events_url(api_base),
        encode(&time::rfc3339(from_ms))
    );
    if let Some(to) = to_ms {
        url.push_str(&format!("&timeMax={}", encode(&time::rfc3339(to))));
    }
    url.push_str(&format!(
        "&singleEvents=true&orderBy=startTime&maxResults={max}"
    ));
    url
}

/// The insert body of a new event. Its times go in UTC whatever the
/// user's offset: an instant is the same either way, and a fixed offset is
/// not a time zone Google could name (`timeZone` matters only to
/// recurring events, which the app does not create).
pub fn insert_body(event: &time::NewEvent) -> Value {
    json!({
        "summary": event.title,
        "start": {"dateTime": time::rfc3339(event.start_ms), "timeZone": "UTC"},
        "end": {"dateTime": time::rfc3339(event.end_ms), "timeZone": "UTC"},
    })
}

#[derive(Deserialize)]
struct RawTime {
    #[serde(rename = "dateTime")]
    date_time: Option<String>,
    date: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default, rename = "htmlLink")]
    html_link: Option<String>,
    #[serde(default)]
    status: Option<String>,
    start: RawTime,
    end: RawTime,
}

#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    items: Vec<RawEvent>,
}

/// One event as the app uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    /// An all-day event (`date`, no `dateTime`): no reminder.
    pub all_day: bool,
}

impl Event {
    /// One line for a listing, its times in `offset` (which the listing
    /// names once, in its heading).
    pub fn line(&self, offset: time::Offset) -> String {
        if self.all_day {
            return format!("all day: {}", self.title);
        }
        format!("{} {}", self.span(offset), self.title)
    }

    /// One line on its own, naming the offset its times are in.
    pub fn line_with_offset(&self, offset: time::Offset) -> String {
        if self.all_day {
            return self.line(offset);
        }
        format!("{} {} ({})", self.span(offset), self.title, offset.label())
    }

    /// `2026-12-01 09:00–09:30`, the end's date only when it is another
    /// day there.
    fn span(&self, offset: time::Offset) -> String {
        let end = if time::same_day(self.start_ms, self.end_ms, offset) {
            time::clock(self.end_ms, offset)
        } else {
            time::display(self.end_ms, offset)
        };
        format!("{}–{end}", time::display(self.start_ms, offset))
    }
}

fn convert(raw: RawEvent) -> Result<Event, String> {
    let read = |t: &RawTime, what: &str| -> Result<(i64, bool), String> {
        match (&t.date_time, &t.date) {
            (Some(dt), _) => time::parse_rfc3339(dt)
                .map(|ms| (ms, false))
                .ok_or_else(|| format!("event {}: bad {what} `{dt}`", raw.id)),
            (None, Some(d)) => time::parse_date(d)
                .map(|ms| (ms, true))
                .ok_or_else(|| format!("event {}: bad {what} date `{d}`", raw.id)),
            (None, None) => Err(format!("event {}: no {what}", raw.id)),
        }
    };
    let (start_ms, all_day) = read(&raw.start, "start")?;
    let (end_ms, _) = read(&raw.end, "end")?;
    let title = raw
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("(no title)")
        .chars()
        .take(200)
        .collect();
    Ok(Event {
        id: raw.id,
        title,
        link: raw.html_link,
        start_ms,
        end_ms,
        all_day,
    })
}

/// The events of a list answer, cancelled ones left out.
pub fn parse_list(body: &[u8]) -> Result<Vec<Event>, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the Calendar API's answer is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("the Calendar API's answer is not an event list".to_owned());
    }
    let list: RawList = serde_json::from_value(value)
        .map_err(|e| format!("the Calendar API's answer is not an event list: {e}"))?;
    list.items
        .into_iter()
        .filter(|e| e.status.as_deref() != Some("cancelled"))
        .map(convert)
        .collect()
}

/// The event an insert answered.
pub fn parse_event(body: &[u8]) -> Result<Event, String> {
    let raw: RawEvent = serde_json::from_slice(body)
        .map_err(|e| format!("the Calendar API's answer is not an event: {e}"))?;
    convert(raw)
}

/// The message of a Google API error answer
/// (`{"error": {"code", "message", …}}`), or the status.
pub fn api_error(status: u16, body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .map_or_else(
            || format!("the Calendar API answered {status}"),
            |m| format!("the Calendar API answered {status}: {m}"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Offset;

    const UTC: Offset = Offset::UTC;

    fn offset(minutes: i32) -> Offset {
        Offset::reported(Some(minutes)).unwrap()
    }

    fn timed(start: &str, end: &str) -> Event {
        Event {
            id: "e1".into(),
            title: "Standup".into(),
            link: None,
            start_ms: time::parse_rfc3339(start).unwrap(),
            end_ms: time::parse_rfc3339(end).unwrap(),
            all_day: false,
        }
    }

    #[test]
    fn lines_show_times_in_the_users_offset() {
        let e = timed("2026-12-01T09:00:00Z", "2026-12-01T09:15:00Z");
        assert_eq!(e.line(offset(330)), "2026-12-01 14:30–14:45 Standup");
        assert_eq!(e.line(offset(-180)), "2026-12-01 06:00–06:15 Standup");
        assert_eq!(
            e.line_with_offset(offset(330)),
            "2026-12-01 14:30–14:45 Standup (UTC+05:30)"
        );
        assert_eq!(
            e.line_with_offset(UTC),
            "2026-12-01 09:00–09:15 Standup (UTC)"
        );
        // The same evening crosses midnight in India but not in Brazil.
        let late = timed("2026-12-01T18:00:00Z", "2026-12-01T19:00:00Z");
        assert_eq!(
            late.line(offset(330)),
            "2026-12-01 23:30–2026-12-02 00:30 Standup"
        );
        assert_eq!(late.line(offset(-180)), "2026-12-01 15:00–16:00 Standup");
        let all_day = Event { all_day: true, ..e };
        assert_eq!(all_day.line_with_offset(offset(330)), "all day: Standup");
    }

    #[test]
    fn the_list_url_has_the_window_and_expands_recurring_events() {
        let from = time::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
        assert_eq!(
            list_url(
                "https://www.googleapis.com/calendar/v3/",
                from,
                Some(from + time::DAY_MS),
                50
            ),
            "https://www.googleapis.com/calendar/v3/calendars/primary/events\
             ?timeMin=2026-12-01T00%3A00%3A00Z&timeMax=2026-12-02T00%3A00%3A00Z\
             &singleEvents=true&orderBy=startTime&maxResults=50"
        );
        assert!(!list_url(DEFAULT_API_BASE, from, None, 1).contains("timeMax"));
        // A user's local day goes as the UTC instants of its midnights.
        let india = time::start_of_day(from + 13 * 3_600_000, offset(330));
        let url = list_url(DEFAULT_API_BASE, india, Some(india + time::DAY_MS), 50);
        assert!(
            url.contains("?timeMin=2026-11-30T18%3A30%3A00Z&timeMax=2026-12-01T18%3A30%3A00Z&"),
            "{url}"
        );
        let brazil = time::start_of_day(from + 13 * 3_600_000, offset(-180));
        let url = list_url(DEFAULT_API_BASE, brazil, Some(brazil + time::DAY_MS), 50);
        assert!(
            url.contains("?timeMin=2026-12-01T03%3A00%3A00Z&timeMax=2026-12-02T03%3A00%3A00Z&"),
            "{url}"
        );
    }

    #[test]
    fn list_answers_are_read_with_timed_all_day_and_cancelled_events() {
        let body = br#"{"kind":"calendar#events","summary":"me","items":[
            {"id":"e1","status":"confirmed","summary":"Standup","htmlLink":"https://www.google.com/calendar/event?eid=1",
             "start":{"dateTime":"2026-12-01T10:00:00+01:00","timeZone":"Europe/Paris"},"end":{"dateTime":"2026-12-01T09:15:00Z"}},
            {"id":"e2","start":{"date":"2026-12-01"},"end":{"date":"2026-12-02"}},
            {"id":"e3","status":"cancelled","start":{"date":"2026-12-01"},"end":{"date":"2026-12-02"}}]}"#;
        let events = parse_list(body).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].line(UTC), "2026-12-01 09:00–09:15 Standup");
        assert_eq!(
            events[0].link.as_deref(),
            Some("https://www.google.com/calendar/event?eid=1")
        );
        assert!(!events[0].all_day);
        assert_eq!(events[1].line(UTC), "all day: (no title)");
        assert!(events[1].all_day);
        assert_eq!(
            parse_list(br#"{"kind":"calendar#events"}"#).unwrap(),
            vec![]
        );
        assert!(parse_list(b"[]").is_err());
        assert!(parse_list(br#"{"items":[{"id":"x","start":{},"end":{}}]}"#).is_err());
        assert!(parse_list(br#"{"items":[{"id":"x","start":{"dateTime":"soon"},"end":{"date":"2026-12-01"}}]}"#).is_err());
    }

    #[test]
    fn the_insert_body_is_the_events_resource() {
        let e = time::NewEvent {
            start_ms: time::parse_rfc3339("2026-12-02T15:00:00Z").unwrap(),
            end_ms: time::parse_rfc3339("2026-12-02T15:30:00Z").unwrap(),
            title: "Review".into(),
        };
        assert_eq!(
            insert_body(&e),
            json!({"summary": "Review",
                   "start": {"dateTime": "2026-12-02T15:00:00Z", "timeZone": "UTC"},
                   "end": {"dateTime": "2026-12-02T15:30:00Z", "timeZone": "UTC"}})
        );
    }

    #[test]
    fn api_errors_show_googles_message() {
        assert_eq!(
            api_error(
                403,
                br#"{"error":{"code":403,"message":"Insufficient Permission","errors":[]}}"#
            ),
            "the Calendar API answered 403: Insufficient Permission"
        );
        assert_eq!(api_error(500, b"oops"), "the Calendar API answered 500");
    }
}
