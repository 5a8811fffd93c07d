//! End to end: the `calendar` example app (apps-examples/calendar), signed
//! and installed through the admin API on a real server, against a local
//! fake of Google's OAuth 2.0 endpoints and the Calendar API v3 on
//! 127.0.0.1 (the only host the package is granted). The fake checks what
//! the app sends: the client credentials, the code and its redirect URI,
//! the refresh token, the bearer token, the list query and the insert
//! body; it refuses anything else as Google would.
//!
//! * `/calendar connect` answers an authorize link; following it (the
//!   fake's "consent" redirects to the app's callback with a code and the
//!   state) connects the user; a wrong or used state is refused.
//! * `/calendar today` lists the fake's events, `/calendar add` creates
//!   one, a reminder job fires a few seconds before an event and posts in
//!   the user's direct room with the app's bot, where it waits, unread,
//!   for a user who was away, and where nobody else can read it.
//! * An expired access token is refreshed before use, and one the API
//!   refuses (401) is refreshed and the call retried.
//! * A user whose client reported a UTC offset (`userSetUtcOffset` over
//!   DDP) gets their own day from `today` and their own clock in `add`,
//!   and sees times in it; Google still gets UTC instants.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use support::common::ddp::Ddp;
use support::{Chat, GENERAL, Session};
use tokio::sync::Mutex;

const CLIENT_ID: &str = "1234-test.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-test-secret";
const CODE: &str = "4/0AfakeCode";
const REFRESH_TOKEN: &str = "1//0fake-refresh";
const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

// ---- a fake Google ------------------------------------------------------------

#[derive(Default)]
struct FakeState {
    /// The redirect URI the app must use (the server's public callback).
    redirect_uri: String,
    /// `expires_in` of the token the code exchange gives.
    first_expires_in: i64,
    /// Access tokens the Calendar API accepts.
    valid_tokens: Vec<String>,
    /// Every token request (its form fields).
    token_requests: Vec<HashMap<String, String>>,
    /// Every list query.
    list_queries: Vec<HashMap<String, String>>,
    /// Every insert body.
    inserted: Vec<Value>,
    /// Every bearer token the API saw.
    bearers: Vec<String>,
    /// When "Soon" starts: 4 s after the first list request.
    soon_at: Option<i64>,
    /// The refresh token was revoked (`invalid_grant`).
    refresh_revoked: bool,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<FakeState>>);

/// Decodes `a=1&b=%20` (forms and queries).
fn decode_form(s: &str) -> HashMap<String, String> {
    fn unescape(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("a hex escape"));
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8(out).expect("UTF-8")
    }
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn google_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The instant (UTC) of the midnight that starts the day `now_ms` falls
/// in, for a user `offset_minutes` east of UTC.
fn local_midnight(now_ms: i64, offset_minutes: i64) -> i64 {
    let offset = offset_minutes * 60_000;
    (now_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset
}

fn rfc3339(ms: i64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm).
    let secs = ms.div_euclid(1000);
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `GET /o/oauth2/v2/auth`: Google's consent screen, consenting at once:
/// checks the parameters and redirects to `redirect_uri` with the code and
/// the state.
async fn authorize(State(fake): State<Fake>, RawQuery(query): RawQuery) -> Response {
    let q = decode_form(&query.unwrap_or_default());
    let expected_redirect = fake.0.lock().await.redirect_uri.clone();
    let problems: Vec<&str> = [
        (
            q.get("client_id").map(String::as_str) == Some(CLIENT_ID),
            "client_id",
        ),
        (
            q.get("redirect_uri") == Some(&expected_redirect),
            "redirect_uri",
        ),
        (
            q.get("response_type").map(String::as_str) == Some("code"),
            "response_type",
        ),
        (q.get("scope").map(String::as_str) == Some(SCOPE), "scope"),
        (
            q.get("access_type").map(String::as_str) == Some("offline"),
            "access_type",
        ),
        (q.get("state").is_some_and(|s| !s.is_empty()), "state"),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, name)| name)
    .collect();
    if !problems.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            format!("Error 400: invalid_request ({problems:?})"),
        )
            .into_response();
    }
    let location = format!(
        "{expected_redirect}?state={}&code={}&scope={}",
        q["state"],
        CODE.replace('/', "%2F"),
        SCOPE.replace(':', "%3A").replace('/', "%2F")
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `POST /token`: the code exchange and the refresh, form-encoded.
async fn token(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = decode_form(std::str::from_utf8(&body).unwrap_or_default());
    let mut state = fake.0.lock().await;
    state.token_requests.push(form.clone());
    let field = |name: &str| form.get(name).map(String::as_str);
    if !form_type
        || field("client_id") != Some(CLIENT_ID)
        || field("client_secret") != Some(CLIENT_SECRET)
    {
        return google_json(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "Unauthorized"}),
        );
    }
    match field("grant_type") {
        Some("authorization_code")
            if field("code") == Some(CODE)
                && form.get("redirect_uri") == Some(&state.redirect_uri) =>
        {
            state.valid_tokens.push("ya29.first".into());
            google_json(
                StatusCode::OK,
                json!({"access_token": "ya29.first", "expires_in": state.first_expires_in,
                       "refresh_token": REFRESH_TOKEN, "scope": SCOPE, "token_type": "Bearer"}),
            )
        }
        Some("refresh_token")
            if field("refresh_token") == Some(REFRESH_TOKEN) && !state.refresh_revoked =>
        {
            let token = format!("ya29.refreshed{}", state.token_requests.len());
            state.valid_tokens.push(token.clone());
            google_json(
                StatusCode::OK,
                json!({"access_token": token, "expires_in": 3599, "scope": SCOPE, "token_type": "Bearer"}),
            )
        }
        _ => google_json(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": "Bad Request"}),
        ),
    }
}

/// The bearer token, if the API accepts it; else Google's 401.
async fn bearer(fake: &Fake, headers: &HeaderMap) -> Result<(), Response> {
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut state = fake.0.lock().await;
    state.bearers.push(got.clone());
    let token = got.strip_prefix("Bearer ").unwrap_or_default();
    if state.valid_tokens.iter().any(|t| t == token) {
        return Ok(());
    }
    Err(google_json(
        StatusCode::UNAUTHORIZED,
        json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                         "status": "UNAUTHENTICATED"}}),
    ))
}

fn event(id: &str, summary: &str, start: i64, end: i64) -> Value {
    json!({"kind": "calendar#event", "id": id, "status": "confirmed",
           "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"),
           "summary": summary,
           "start": {"dateTime": rfc3339(start), "timeZone": "UTC"},
           "end": {"dateTime": rfc3339(end), "timeZone": "UTC"}})
}

/// `GET /calendar/v3/calendars/primary/events`: checks the query and
/// answers two events: "Soon", starting 4 s after the first list, and
/// "Planning" at 23:00 today, and a cancelled one.
async fn list_events(
    State(fake): State<Fake>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(refused) = bearer(&fake, &headers).await {
        return refused;
    }
    let q = decode_form(&query.unwrap_or_default());
    if !q
        .get("timeMin")
        .is_some_and(|t| t.ends_with('Z') && t.len() == 20)
    {
        return google_json(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": 400, "message": "Bad Request"}}),
        );
    };
    if q.get("singleEvents").map(String::as_str) != Some("true")
        || q.get("orderBy").map(String::as_str) != Some("startTime")
    {
        return google_json(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": 400, "message": "The requested ordering is not available for the particular query."}}),
        );
    }
    let now = now_ms();
    let day = now - now.rem_euclid(86_400_000);
    let planning = day + 23 * 3_600_000;
    let soon = {
        let mut state = fake.0.lock().await;
        state.list_queries.push(q.clone());
        *state.soon_at.get_or_insert(now + 4_000)
    };
    let items = vec![
        event("soon1", "Soon", soon, soon + 600_000),
        json!({"kind": "calendar#event", "id": "gone", "status": "cancelled",
               "start": {"date": rfc3339(day)[..10]}, "end": {"date": rfc3339(day + 86_400_000)[..10]}}),
        event("plan1", "Planning", planning, planning + 1_800_000),
    ];
    google_json(
        StatusCode::OK,
        json!({"kind": "calendar#events", "summary": "alice@example.com", "timeZone": "UTC", "items": items}),
    )
}

/// `POST /calendar/v3/calendars/primary/events`: checks the body is an
/// event resource and answers the created event.
async fn insert_event(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = bearer(&fake, &headers).await {
        return refused;
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let Some(resource) = parsed.filter(|v| {
        is_json
            && v["summary"].is_string()
            && v["start"]["dateTime"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
            && v["end"]["dateTime"].is_string()
    }) else {
        return google_json(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": 400, "message": "Missing end time."}}),
        );
    };
    fake.0.lock().await.inserted.push(resource.clone());
    let mut created = resource.clone();
    created["kind"] = json!("calendar#event");
    created["id"] = json!("created1");
    created["status"] = json!("confirmed");
    created["htmlLink"] = json!("https://www.google.com/calendar/event?eid=created1");
    google_json(StatusCode::OK, created)
}

async fn fake_google(first_expires_in: i64) -> (String, Fake) {
    let fake = Fake::default();
    fake.0.lock().await.first_expires_in = first_expires_in;
    let app = axum::Router::new()
        .route("/o/oauth2/v2/auth", axum::routing::get(authorize))
        .route("/token", axum::routing::post(token))
        .route(
            "/calendar/v3/calendars/primary/events",
            axum::routing::get(list_events).post(insert_event),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("127.0.0.1:{}", addr.port()), fake)
}

// ---- the chat -------------------------------------------------------------------

/// A server with the app installed, granted exactly the fake's host, its
/// URLs pointing at the fake.
async fn chat_with_calendar(host: &str, fake: &Fake, reminder_minutes: f64) -> Chat {
    let chat = Chat::start().await;
    let package = chat.package("calendar", |manifest| {
        for permission in manifest["permissions"].as_array_mut().unwrap() {
            if permission["name"] == "http-outbound" {
                permission["hosts"] = json!([host]);
            }
        }
    });
    let base = chat.server.base.clone();
    fake.0.lock().await.redirect_uri = format!("{base}/api/apps/public/calendar/oauth/callback");
    chat.install_package(
        package,
        json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_base_url": base,
            "auth_url": format!("http://{host}/o/oauth2/v2/auth"),
            "token_url": format!("http://{host}/token"),
            "api_base_url": format!("http://{host}/calendar/v3"),
            "reminder_minutes": reminder_minutes,
        }),
    )
    .await;
    chat
}

/// Runs `/calendar connect` and answers the authorize link.
async fn authorize_link(chat: &Chat, who: &Session, host: &str) -> String {
    let answer = chat.command(who, GENERAL, "calendar", "connect").await;
    assert_eq!(answer["outcome"], "answered", "{answer}");
    let text = answer["text"].as_str().unwrap();
    text.split_whitespace()
        .find(|w| w.starts_with(&format!("http://{host}/o/oauth2/v2/auth?")))
        .unwrap_or_else(|| panic!("no authorize link in {text:?}"))
        .to_owned()
}

/// Opens `url` as a browser would (following redirects); status and body.
async fn browse(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("an answer");
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn connected(chat: &Chat, who: &Session, host: &str) {
    let link = authorize_link(chat, who, host).await;
    let (status, page) = browse(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Google Calendar connected"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_list_add_and_a_reminder_fires() {
    let (host, fake) = fake_google(3599).await;
    let chat = chat_with_calendar(&host, &fake, 0.05).await;
    let alice = chat.user("alice").await;

    // Not connected yet: a clear refusal, nothing sent to Google.
    let refused = chat.command(&alice, GENERAL, "calendar", "today").await;
    assert_eq!(refused["outcome"], "refused", "{refused}");
    assert!(
        refused["text"]
            .as_str()
            .unwrap()
            .contains("/calendar connect"),
        "{refused}"
    );
    let usage = chat
        .command(&alice, GENERAL, "calendar", "frobnicate")
        .await;
    assert!(
        usage["text"].as_str().unwrap().starts_with("usage:"),
        "{usage}"
    );

    // The link: Google's parameters, a fresh state each time.
    let link = authorize_link(&chat, &alice, &host).await;
    let query = decode_form(link.split_once('?').unwrap().1);
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["scope"], SCOPE);
    assert_eq!(query["access_type"], "offline");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["redirect_uri"], fake.0.lock().await.redirect_uri);
    let state = query["state"].clone();
    assert_eq!(state.len(), 32, "{state}");
    let other = authorize_link(&chat, &alice, &host).await;
    assert_ne!(
        decode_form(other.split_once('?').unwrap().1)["state"],
        state
    );

    // A state the app did not make is refused, and no code is exchanged.
    let callback = fake.0.lock().await.redirect_uri.clone();
    for bad in [
        format!("{callback}?state={}&code=4%2Fx", "0".repeat(32)),
        format!("{callback}?code=4%2Fx"),
        format!("{callback}?state=..%2F..&code=4%2Fx"),
    ] {
        let (status, page) = browse(&bad).await;
        assert_eq!(status, 400, "{bad}: {page}");
        assert!(page.contains("invalid or has expired"), "{page}");
    }
    assert!(fake.0.lock().await.token_requests.is_empty());

    // Consent: the fake redirects to the callback, the code is exchanged.
    let (status, page) = browse(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Google Calendar connected"), "{page}");
    {
        let state = fake.0.lock().await;
        assert_eq!(state.token_requests.len(), 1);
        let exchange = &state.token_requests[0];
        assert_eq!(exchange["grant_type"], "authorization_code");
        assert_eq!(exchange["code"], CODE);
        assert_eq!(exchange["client_secret"], CLIENT_SECRET);
    }
    // The same link again: its state was used.
    let (status, page) = browse(&link).await;
    assert_eq!(status, 400, "{page}");

    // Today's events, from the fake, with the bearer token.
    let today = chat.command(&alice, GENERAL, "calendar", "today").await;
    assert_eq!(today["outcome"], "answered", "{today}");
    let text = today["text"].as_str().unwrap();
    assert!(text.starts_with("Today (UTC):"), "{text}");
    assert!(
        text.contains(" Soon") && text.contains("23:00–23:30 Planning"),
        "{text}"
    );
    assert!(
        !text.contains("gone") && !text.contains("all day"),
        "{text}"
    );
    {
        let state = fake.0.lock().await;
        assert_eq!(state.bearers.last().unwrap(), "Bearer ya29.first");
        let q = state.list_queries.last().unwrap();
        let midnight = rfc3339(now_ms() - now_ms().rem_euclid(86_400_000));
        assert_eq!(q["timeMin"], midnight, "{q:?}");
        assert_eq!(
            q["timeMax"],
            rfc3339(now_ms() - now_ms().rem_euclid(86_400_000) + 86_400_000)
        );
        assert_eq!(q["maxResults"], "50");
    }

    // A new event: the fake checks the resource; the answer shows it.
    let added = chat
        .command(
            &alice,
            GENERAL,
            "calendar",
            "add 2030-01-15 09:30 45m Design review",
        )
        .await;
    assert_eq!(added["outcome"], "answered", "{added}");
    let text = added["text"].as_str().unwrap();
    assert!(
        text.contains("Added: 2030-01-15 09:30–10:15 Design review"),
        "{text}"
    );
    assert!(text.contains("eid=created1"), "{text}");
    assert_eq!(
        fake.0.lock().await.inserted.last().unwrap(),
        &json!({"summary": "Design review",
                "start": {"dateTime": "2030-01-15T09:30:00Z", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-15T10:15:00Z", "timeZone": "UTC"}})
    );
    let bad = chat
        .command(&alice, GENERAL, "calendar", "add someday 9:00 x")
        .await;
    assert_eq!(bad["outcome"], "refused", "{bad}");
    assert!(
        bad["text"].as_str().unwrap().contains("is not a day"),
        "{bad}"
    );

    // Listed again: the reminder of each event is scheduled once.
    let next = chat.command(&alice, GENERAL, "calendar", "next").await;
    assert!(
        next["text"].as_str().unwrap().starts_with("Next: "),
        "{next}"
    );

    // "Soon" starts 4 s after it was listed; its reminder comes 3 s
    // before, in alice's direct messages with the app's bot.
    let rid = direct_room_with_bot(&chat, &alice).await;
    let reminder = wait_for_reminder(&chat, &alice, &rid).await;
    assert_eq!(reminder["u"]["username"], "calendar.bot", "{reminder}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let count = |h: &[Value]| {
        h.iter()
            .filter(|m| {
                m["msg"]
                    .as_str()
                    .is_some_and(|t| t.contains("Reminder: Soon"))
            })
            .count()
    };
    assert_eq!(count(&direct_history(&chat, &alice, &rid).await), 1);
    assert_eq!(count(&chat.history(&alice, GENERAL).await), 0);
}

/// The direct room between `who` and the app's bot, once it is in their
/// list of direct conversations (`im.list`), as their client finds it.
async fn direct_room_with_bot(chat: &Chat, who: &Session) -> String {
    support::eventually("the direct room with calendar.bot", || async {
        let list = chat.server.get("/api/v1/im.list", Some(who)).await.ok();
        list["ims"].as_array()?.iter().find_map(|room| {
            let names = room["usernames"].as_array()?;
            names
                .iter()
                .any(|u| u == "calendar.bot")
                .then(|| room["_id"].as_str().unwrap().to_owned())
        })
    })
    .await
}

/// The messages of a direct room, newest first.
async fn direct_history(chat: &Chat, who: &Session, rid: &str) -> Vec<Value> {
    chat.server
        .get(&format!("/api/v1/im.history?roomId={rid}"), Some(who))
        .await
        .ok()["messages"]
        .as_array()
        .expect("messages")
        .clone()
}

/// Waits for the reminder of "Soon" in the direct room `rid`.
async fn wait_for_reminder(chat: &Chat, who: &Session, rid: &str) -> Value {
    support::eventually("the reminder of Soon", || async {
        direct_history(chat, who, rid).await.into_iter().find(|m| {
            m["msg"]
                .as_str()
                .is_some_and(|t| t.starts_with("Reminder: Soon starts"))
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_refused_access_tokens_are_refreshed() {
    // The first token expires within the app's margin: it must be
    // refreshed before the first call, which the fake would refuse.
    let (host, fake) = fake_google(10).await;
    let chat = chat_with_calendar(&host, &fake, -1.0).await;
    let bob = chat.user("bob").await;
    connected(&chat, &bob, &host).await;
    fake.0
        .lock()
        .await
        .valid_tokens
        .retain(|t| t != "ya29.first");

    let next = chat.command(&bob, GENERAL, "calendar", "next").await;
    assert_eq!(next["outcome"], "answered", "{next}");
    assert!(
        next["text"].as_str().unwrap().starts_with("Next: "),
        "{next}"
    );
    {
        let state = fake.0.lock().await;
        let refresh = &state.token_requests[1];
        assert_eq!(refresh["grant_type"], "refresh_token");
        assert_eq!(refresh["refresh_token"], REFRESH_TOKEN);
        assert_eq!(refresh["client_id"], CLIENT_ID);
        assert_eq!(refresh["client_secret"], CLIENT_SECRET);
        assert_eq!(state.bearers, ["Bearer ya29.refreshed2"]);
        let q = state.list_queries.last().unwrap();
        assert_eq!(q["maxResults"], "1");
        assert!(!q.contains_key("timeMax"), "{q:?}");
    }

    // The API revokes the refreshed token: the app refreshes on the 401
    // and retries once, with the new token.
    fake.0.lock().await.valid_tokens.clear();
    let again = chat.command(&bob, GENERAL, "calendar", "today").await;
    assert_eq!(again["outcome"], "answered", "{again}");
    {
        let state = fake.0.lock().await;
        assert_eq!(state.token_requests.len(), 3);
        assert_eq!(
            &state.bearers[1..],
            ["Bearer ya29.refreshed2", "Bearer ya29.refreshed3"]
        );
    }

    // A refresh token Google no longer accepts: a clear error.
    {
        let mut state = fake.0.lock().await;
        state.valid_tokens.clear();
        state.refresh_revoked = true;
    }
    let stale = chat.command(&bob, GENERAL, "calendar", "today").await;
    assert_eq!(stale["outcome"], "refused", "{stale}");
    let text = stale["text"].as_str().unwrap();
    assert!(
        text.contains("invalid_grant") && text.contains("/calendar connect"),
        "{text}"
    );
    // Reminders are off (negative lead): nothing was scheduled.
    assert!(
        chat.history(&bob, GENERAL)
            .await
            .iter()
            .all(|m| m["u"]["username"] != "calendar.bot"),
        "no reminder"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_waits_unread_in_the_users_direct_messages_and_only_there() {
    let (host, fake) = fake_google(3599).await;
    let chat = chat_with_calendar(&host, &fake, 0.05).await;
    let carol = chat.user("carol").await;
    let dave = chat.user("dave").await;
    connected(&chat, &carol, &host).await;
    let today = chat.command(&carol, GENERAL, "calendar", "today").await;
    assert_eq!(today["outcome"], "answered", "{today}");

    // Carol is away (no client connected) while the job fires.
    let rid = direct_room_with_bot(&chat, &carol).await;
    let reminder = wait_for_reminder(&chat, &carol, &rid).await;

    assert_eq!(reminder["rid"], rid.as_str(), "{reminder}");
    assert_eq!(reminder["u"]["username"], "calendar.bot", "{reminder}");
    let subscription = chat
        .server
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
            Some(&carol),
        )
        .await
        .ok();
    assert!(
        subscription["subscription"]["unread"].as_u64() >= Some(1),
        "{subscription}"
    );
    let for_dave = chat
        .server
        .get(&format!("/api/v1/im.history?roomId={rid}"), Some(&dave))
        .await;
    assert!(
        matches!(for_dave.status.as_u16(), 400 | 403),
        "dave reads carol's reminders: {}",
        for_dave.body
    );
    assert!(
        chat.history(&carol, GENERAL)
            .await
            .iter()
            .all(|m| m["u"]["username"] != "calendar.bot"),
        "nothing in the room she asked in"
    );
}

/// `timeMin` and `timeMax` of the last list query the fake answered.
async fn last_list_window(fake: &Fake) -> (String, String) {
    let state = fake.0.lock().await;
    let q = state.list_queries.last().expect("a list query");
    (q["timeMin"].clone(), q["timeMax"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn days_and_times_are_the_users_own_when_their_client_reports_an_offset() {
    let (host, fake) = fake_google(3599).await;
    let chat = chat_with_calendar(&host, &fake, 0.05).await;
    let erin = chat.user("erin").await;
    // Erin's client reports +05:30, as Rocket.Chat's clients do.
    let mut erins_client = Ddp::resume(&chat.server.base, &erin.token).await;
    erins_client
        .call("userSetUtcOffset", json!([5.5]))
        .await
        .expect("the offset is taken");
    connected(&chat, &erin, &host).await;

    // 09:00 tomorrow, her tomorrow at +05:30, is 03:30 UTC.
    let before = now_ms();
    let added = chat
        .command(&erin, GENERAL, "calendar", "add tomorrow 9:00 Standup")
        .await;
    let after = now_ms();
    assert_eq!(added["outcome"], "answered", "{added}");
    let text = added["text"].as_str().unwrap();
    assert!(text.contains(" 09:00–10:00 Standup (UTC+05:30)"), "{text}");
    let inserted = fake.0.lock().await.inserted.last().unwrap().clone();
    let start = inserted["start"]["dateTime"].as_str().unwrap().to_owned();
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|&t| rfc3339(local_midnight(t, 330) + DAY_MS + 9 * HOUR_MS))
        .collect();
    assert!(
        expected.contains(&start),
        "{start} is not one of {expected:?}"
    );
    assert!(start.ends_with("T03:30:00Z"), "{start}");
    assert_eq!(inserted["start"]["timeZone"], "UTC", "{inserted}");

    // Today is her day: from her midnight to the next, as UTC instants,
    // and the fake's events (the same whatever the window) shown on her
    // clock: "Planning" at 23:00 UTC is 04:30 there.
    let before = now_ms();
    let today = chat.command(&erin, GENERAL, "calendar", "today").await;
    let after = now_ms();
    let text = today["text"].as_str().unwrap();
    assert!(text.starts_with("Today (UTC+05:30):"), "{text}");
    assert!(text.contains("04:30–05:00 Planning"), "{text}");
    let (min, max) = last_list_window(&fake).await;
    let days: Vec<(String, String)> = [before, after]
        .iter()
        .map(|&t| {
            let midnight = local_midnight(t, 330);
            (rfc3339(midnight), rfc3339(midnight + DAY_MS))
        })
        .collect();
    assert!(days.contains(&(min.clone(), max.clone())), "{min}..{max}");
    assert!(min.ends_with("T18:30:00Z"), "{min}");

    // The reminder of "Soon" shows its start on her clock too.
    let rid = direct_room_with_bot(&chat, &erin).await;
    let reminder = wait_for_reminder(&chat, &erin, &rid).await;
    let text = reminder["msg"].as_str().unwrap();
    assert!(text.ends_with(" UTC+05:30)."), "{text}");

    // She travels to -03:00: her day moves with her.
    erins_client
        .call("userSetUtcOffset", json!([-3]))
        .await
        .expect("the new offset is taken");
    let before = now_ms();
    let today = chat.command(&erin, GENERAL, "calendar", "today").await;
    let after = now_ms();
    let text = today["text"].as_str().unwrap();
    assert!(text.starts_with("Today (UTC-03:00):"), "{text}");
    assert!(text.contains("20:00–20:30 Planning"), "{text}");
    let (min, _) = last_list_window(&fake).await;
    let midnights: Vec<String> = [before, after]
        .iter()
        .map(|&t| rfc3339(local_midnight(t, -180)))
        .collect();
    assert!(
        midnights.contains(&min),
        "{min} is not one of {midnights:?}"
    );
    assert!(min.ends_with("T03:00:00Z"), "{min}");
}
