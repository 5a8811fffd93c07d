//! OAuth 2.0 authorization-code flow, as Google's web-server flow has it:
//!
//! 1. The user opens the authorize link: `<auth_url>?client_id=…&
//!    redirect_uri=…&response_type=code&scope=…&access_type=offline&
//!    prompt=consent&state=…`.
//! 2. After consent the provider redirects to `redirect_uri?code=…&state=…`
//!    (or `?error=access_denied&state=…`).
//! 3. The app POSTs `application/x-www-form-urlencoded` `code`,
//!    `client_id`, `client_secret`, `redirect_uri`,
//!    `grant_type=authorization_code` to the token URL and gets
//!    `{"access_token", "expires_in", "refresh_token", "scope",
//!    "token_type": "Bearer"}`.
//! 4. Later, `grant_type=refresh_token` with the `refresh_token` gives a
//!    new access token (usually without a new refresh token).

use capsule_sdk::http;
use serde::{Deserialize, Serialize};

/// The one scope the app asks: read and write events, nothing else of the
/// user's calendars.
pub const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";

/// How long an authorize link works.
pub const STATE_TTL_MS: i64 = 10 * 60_000;

/// An access token is refreshed this long before it expires, so it does
/// not expire in flight.
pub const EXPIRY_MARGIN_MS: i64 = 30_000;

/// `application/x-www-form-urlencoded` encoding of one query value (space
/// as `+`, everything but `*-._` and ASCII letters and digits as `%XX`).
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `a=1&b=2` as encoded pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The value of query parameter `name` in a URL (or a bare query),
/// decoded; `None` when absent. Decoding is lenient (a bad `%` escape
/// stays as it is), so callers check the value's shape.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    http::query_value(query, name)
}

/// The app's callback path below its public endpoint root.
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// The redirect URI: the app's public callback on the chat's public URL.
pub fn redirect_uri(base_url: &str, app_id: &str) -> String {
    format!(
        "{}/api/apps/public/{app_id}/oauth/callback",
        base_url.trim().trim_end_matches('/')
    )
}

/// The link the user opens to grant access.
pub fn authorize_url(auth_url: &str, client_id: &str, redirect_uri: &str, state: &str) -> String {
    let sep = if auth_url.contains('?') { '&' } else { '?' };
    format!(
        "{}{sep}{}",
        auth_url.trim(),
        form(&[
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("access_type", "offline"),
            // Ask again so Google sends a refresh token on a reconnect too.
            ("prompt", "consent"),
            ("state", state),
        ])
    )
}

/// The token request body that exchanges `code`.
pub fn code_exchange_body(code: &str, client_id: &str, secret: &str, redirect_uri: &str) -> String {
    form(&[
        ("code", code),
        ("client_id", client_id),
        ("client_secret", secret),
        ("redirect_uri", redirect_uri),
        ("grant_type", "authorization_code"),
    ])
}

/// The token request body that refreshes an access token.
pub fn refresh_body(refresh_token: &str, client_id: &str, secret: &str) -> String {
    form(&[
        ("client_id", client_id),
        ("client_secret", secret),
        ("refresh_token", refresh_token),
        ("grant_type", "refresh_token"),
    ])
}

/// A pending authorization: who asked, where, until when. Kept in kv under
/// [`PendingState::key`] and deleted when used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingState {
    pub user_id: String,
    pub room_id: String,
    pub expires_at: i64,
}

impl PendingState {
    pub fn key(state: &str) -> String {
        format!("state:{state}")
    }
}

/// Whether `state` has the shape the app makes (so a hostile value never
/// becomes an odd kv key).
pub fn is_valid_state(state: &str) -> bool {
    state.len() == 32 && state.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A new state value from 16 random bytes.
pub fn new_state(random: [u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// A user's tokens, kept in kv under [`Tokens::key`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

impl Tokens {
    pub fn key(user_id: &str) -> String {
        format!("tokens:{user_id}")
    }

    /// Whether the access token must be refreshed before use at `now`.
    pub fn expired(&self, now: i64) -> bool {
        now >= self.expires_at - EXPIRY_MARGIN_MS
    }

    /// The tokens after a token response at `now`. A refresh answer
    /// without a `refresh_token` keeps the old one.
    pub fn from_response(response: TokenResponse, now: i64, previous: Option<&Tokens>) -> Tokens {
        Tokens {
            access_token: response.access_token,
            refresh_token: response
                .refresh_token
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            expires_at: now + response.expires_in.unwrap_or(3600).clamp(0, 86_400 * 365) * 1000,
        }
    }
}

/// The token endpoint's success answer (fields the app uses).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Reads a token endpoint answer: the tokens on 2xx, else the provider's
/// `error` (and `error_description`) as text.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, String> {
    if !(200..300).contains(&status) {
        return Err(
            match capsule_sdk::serde_json::from_slice::<TokenError>(body) {
                Ok(e) => match e.error_description {
                    Some(d) => format!("the token endpoint refused: {} ({d})", e.error),
                    None => format!("the token endpoint refused: {}", e.error),
                },
                Err(_) => format!("the token endpoint answered {status}"),
            },
        );
    }
    let response: TokenResponse = capsule_sdk::serde_json::from_slice(body)
        .map_err(|e| format!("the token endpoint's answer is not a token: {e}"))?;
    if response.access_token.is_empty() {
        return Err("the token endpoint sent an empty access token".to_owned());
    }
    if let Some(kind) = response
        .token_type
        .as_deref()
        .filter(|kind| !kind.eq_ignore_ascii_case("bearer"))
    {
        return Err(format!("unexpected token type `{kind}`"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_has_every_parameter_encoded() {
        let redirect = redirect_uri("https://chat.example.com/", "calendar");
        assert_eq!(
            redirect,
            "https://chat.example.com/api/apps/public/calendar/oauth/callback"
        );
        let url = authorize_url(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "id 1.apps",
            &redirect,
            "00ff",
        );
        assert_eq!(
            url,
            "https://accounts.google.com/o/oauth2/v2/auth?client_id=id+1.apps\
             &redirect_uri=https%3A%2F%2Fchat.example.com%2Fapi%2Fapps%2Fpublic%2Fcalendar%2Foauth%2Fcallback\
             &response_type=code&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcalendar.events\
             &access_type=offline&prompt=consent&state=00ff"
        );
        assert_eq!(
            query_param(&url, "redirect_uri").as_deref(),
            Some(redirect.as_str())
        );
        assert_eq!(query_param(&url, "client_id").as_deref(), Some("id 1.apps"));
        assert!(
            authorize_url("https://a/x?hd=example.com", "c", "r", "s")
                .starts_with("https://a/x?hd=example.com&client_id=c")
        );
    }

    #[test]
    fn query_parameters_are_decoded_and_missing_ones_are_none() {
        let url = "/oauth/callback?state=ab&code=4%2F0Ab+c&empty=&flag#code=frag";
        assert_eq!(query_param(url, "code").as_deref(), Some("4/0Ab c"));
        assert_eq!(query_param(url, "state").as_deref(), Some("ab"));
        assert_eq!(query_param(url, "empty").as_deref(), Some(""));
        assert_eq!(query_param(url, "flag").as_deref(), Some(""));
        assert_eq!(query_param(url, "missing"), None);
        assert_eq!(query_param("/x", "code"), None);
        assert_eq!(
            query_param("/x?code=1&code=2", "code").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn bad_escapes_pass_through_and_a_state_made_of_them_is_refused() {
        assert_eq!(query_param("/x?code=%zz", "code").as_deref(), Some("%zz"));
        assert_eq!(query_param("/x?code=%", "code").as_deref(), Some("%"));
        assert_eq!(
            query_param("/x?code=%ff", "code").as_deref(),
            Some("\u{fffd}")
        );
        let state = format!("{}%zz", "a".repeat(28));
        let url = format!("/x?state={state}");
        assert_eq!(query_param(&url, "state").as_deref(), Some(state.as_str()));
        assert!(!is_valid_state(&state));
    }

    #[test]
    fn token_bodies_are_form_encoded() {
        assert_eq!(
            code_exchange_body("4/a b", "cid", "s&cret", "http://h/cb"),
            "code=4%2Fa+b&client_id=cid&client_secret=s%26cret&redirect_uri=http%3A%2F%2Fh%2Fcb&grant_type=authorization_code"
        );
        assert_eq!(
            refresh_body("1//r", "cid", "sec"),
            "client_id=cid&client_secret=sec&refresh_token=1%2F%2Fr&grant_type=refresh_token"
        );
    }

    #[test]
    fn states_are_32_hex_digits() {
        let s = new_state([0xab; 16]);
        assert_eq!(s.len(), 32);
        assert!(is_valid_state(&s));
        assert!(!is_valid_state("short"));
        assert!(!is_valid_state(&"g".repeat(32)));
        assert!(!is_valid_state(&format!("{}/", &s[..31])));
    }

    #[test]
    fn tokens_expire_with_a_margin_and_keep_the_refresh_token() {
        let first = parse_token_response(
            200,
            br#"{"access_token":"ya29.a","expires_in":3599,"refresh_token":"1//r","scope":"x","token_type":"Bearer"}"#,
        )
        .unwrap();
        let t = Tokens::from_response(first, 1_000_000, None);
        assert_eq!(t.expires_at, 1_000_000 + 3_599_000);
        assert!(!t.expired(1_000_000));
        assert!(!t.expired(t.expires_at - EXPIRY_MARGIN_MS - 1));
        assert!(t.expired(t.expires_at - EXPIRY_MARGIN_MS));
        let refreshed = parse_token_response(
            200,
            br#"{"access_token":"ya29.b","expires_in":3599,"token_type":"Bearer"}"#,
        )
        .unwrap();
        let t2 = Tokens::from_response(refreshed, 2_000_000, Some(&t));
        assert_eq!(t2.access_token, "ya29.b");
        assert_eq!(t2.refresh_token.as_deref(), Some("1//r"));
    }

    #[test]
    fn token_errors_name_the_providers_error() {
        let err = parse_token_response(
            400,
            br#"{"error":"invalid_grant","error_description":"Bad Request"}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "the token endpoint refused: invalid_grant (Bad Request)"
        );
        assert_eq!(
            parse_token_response(502, b"<html>").unwrap_err(),
            "the token endpoint answered 502"
        );
        assert!(parse_token_response(200, b"{}").is_err());
        assert!(parse_token_response(200, br#"{"access_token":""}"#).is_err());
        assert!(parse_token_response(200, br#"{"access_token":"a","token_type":"mac"}"#).is_err());
    }
}
