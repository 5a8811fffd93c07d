//! App HTTP endpoints: which app serves which path ([`EndpointTable`],
//! built from the manifests at start), and the mapping between an HTTP
//! exchange and the runtime's [`HttpRequest`] / [`HttpResponse`] records.
//!
//! The HTTP glue (routes, sign-in, status codes) is `crate::api::app_endpoints`.
//!
//! **Paths.** A declared path serves itself and every sub-path below it:
//! `webhook` serves `webhook` and `webhook/abc/def` (a provider's webhook
//! URL often carries an id), never `webhooks`. When declared paths nest
//! (`a` and `a/b`), the longest one that matches wins. The app is told
//! the declared path (the endpoint) and gets the rest in the request's
//! `url`. A path with a `.` or `..` segment is not found.
//!
//! **The `url` an app sees** is the path and query relative to the app's
//! root, as the client sent them (still percent-encoded): a request to
//! `/api/apps/public/whatsapp/webhook/abc?x=1` is `/webhook/abc?x=1`. It
//! does not depend on how the server is reached (`Site_Url`, a proxy).
//!
//! **Rocket.Chat's incoming-webhook form** `/hooks/<id>/<token>` goes to
//! the app that declares a *public* endpoint with the path `hooks`, as the
//! sub-path `hooks/<id>/<token>` (url `/hooks/<id>/<token>`); the app checks
//! the id and token against its own data. At most one app may declare it:
//! the start fails otherwise.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use capsule_package::{Endpoint, Manifest, Visibility};
use capsule_runtime::model::{HttpRequest, HttpResponse};

/// The declared path that receives Rocket.Chat's `/hooks/<id>/<token>`.
pub const HOOKS_PATH: &str = "hooks";

/// Headers that describe one connection, not the message (RFC 9110
/// §7.6.1): they are never passed on, in either direction.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The caller's credentials for this server: an app never sees them (a
/// private endpoint gets the signed-in user instead).
const CALLER_CREDENTIALS: &[&str] = &["x-auth-token", "x-user-id", "cookie"];

/// Why the start refuses the apps' endpoints.
#[derive(Debug, thiserror::Error)]
pub enum EndpointTableError {
    /// Two apps declare the path that receives `/hooks/<id>/<token>`.
    #[error(
        "apps `{first}` and `{second}` both declare a public `hooks` endpoint; only one app may receive `/hooks/<id>/<token>`"
    )]
    HooksClaimedTwice { first: String, second: String },
}

/// What a lookup found missing.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// No loaded app has this id.
    App,
    /// The app declares no endpoint (of that visibility) for the path.
    Path,
}

/// The endpoints each loaded app declares.
#[derive(Debug, Default)]
pub struct EndpointTable {
    apps: HashMap<String, Vec<Endpoint>>,
    hooks_owner: Option<String>,
}

impl EndpointTable {
    /// The table of `manifests`' endpoints. Fails when two of them declare
    /// the public `hooks` endpoint.
    pub fn new<'a>(
        manifests: impl IntoIterator<Item = &'a Manifest>,
    ) -> Result<EndpointTable, EndpointTableError> {
        let mut table = EndpointTable::default();
        for manifest in manifests {
            let endpoints: Vec<Endpoint> = manifest
                .endpoints
                .iter()
                .map(|e| Endpoint {
                    path: e.path.trim_matches('/').to_owned(),
                    ..e.clone()
                })
                .collect();
            let claims_hooks = endpoints
                .iter()
                .any(|e| e.path == HOOKS_PATH && e.visibility == Visibility::Public);
            if claims_hooks {
                if let Some(first) = &table.hooks_owner {
                    return Err(EndpointTableError::HooksClaimedTwice {
                        first: first.clone(),
                        second: manifest.id.clone(),
                    });
                }
                table.hooks_owner = Some(manifest.id.clone());
            }
            table.apps.insert(manifest.id.clone(), endpoints);
        }
        Ok(table)
    }

    /// The app that receives `/hooks/<id>/<token>`, if one declares it.
    pub fn hooks_owner(&self) -> Option<&str> {
        self.hooks_owner.as_deref()
    }

    /// The endpoint of `app` with `visibility` that serves `path` (relative
    /// to the app's root, no leading `/`): the longest declared path that
    /// is `path` or a parent of it. An endpoint of the other visibility is
    /// not found, so that a public call learns nothing of private ones.
    pub fn find(
        &self,
        app: &str,
        visibility: Visibility,
        path: &str,
    ) -> Result<&Endpoint, Missing> {
        let endpoints = self.apps.get(app).ok_or(Missing::App)?;
        // `a/../b` would reach `a`'s endpoint while naming `b`: an app (or a
        // proxy in front) that normalises the path would see another one.
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(Missing::Path);
        }
        endpoints
            .iter()
            .filter(|e| e.visibility == visibility && serves(&e.path, path))
            .max_by_key(|e| e.path.len())
            .ok_or(Missing::Path)
    }
}

/// Whether the declared path `declared` serves `path`.
fn serves(declared: &str, path: &str) -> bool {
    path.strip_prefix(declared)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether `endpoint` accepts `method` (all methods when it lists none).
pub fn allows(endpoint: &Endpoint, method: &str) -> bool {
    endpoint
        .methods
        .as_ref()
        .is_none_or(|methods| methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
}

/// The request record an app receives: every header but the hop-by-hop
/// ones (and those the `Connection` header names) and the caller's
/// credentials, names lower-case, each value of a repeated header as its
/// own pair, in order; values that are not UTF-8 are passed lossily.
pub fn request_record(
    method: &str,
    url: String,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> HttpRequest {
    let named_by_connection: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect();
    let headers = headers
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            !HOP_BY_HOP.contains(&name)
                && !CALLER_CREDENTIALS.contains(&name)
                && !named_by_connection.iter().any(|n| n == name)
        })
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    HttpRequest {
        method: method.to_owned(),
        url,
        headers,
        body,
    }
}

/// Why an app's answer cannot be sent.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The status is not one a final HTTP response may have.
    #[error("answered with status {0}, which is not a valid HTTP response status (200-599)")]
    InvalidStatus(u16),
}

/// An app's answer, ready to send.
#[derive(Debug)]
pub struct AppAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Header names the app gave that were left out, for the log.
    pub dropped: Vec<String>,
}

/// Checks and converts an app's response. Hop-by-hop headers,
/// `content-length` (the server sets it from the body) and `set-cookie`
/// (an app must not write cookies on the chat server's origin) are
/// dropped, as are names or values that are not valid HTTP. Every answer
/// gets `content-security-policy: sandbox` and `x-content-type-options:
/// nosniff`: it is served from the chat's origin, where a script would run
/// with the signed-in user's session.
pub fn answer_of(response: HttpResponse) -> Result<AppAnswer, ResponseError> {
    let status = match StatusCode::from_u16(response.status) {
        Ok(status) if (200..=599).contains(&response.status) => status,
        _ => return Err(ResponseError::InvalidStatus(response.status)),
    };
    let mut headers = HeaderMap::new();
    let mut dropped = Vec::new();
    for (name, value) in response.headers {
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .ok()
            .zip(HeaderValue::from_str(&value).ok());
        match parsed {
            Some((name, value))
                if !HOP_BY_HOP.contains(&name.as_str())
                    && name != header::CONTENT_LENGTH
                    && name != header::SET_COOKIE =>
            {
                headers.append(name, value);
            }
            _ => dropped.push(name),
        }
    }
    headers.append(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(AppAnswer {
        status,
        headers,
        body: response.body,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(path: &str, visibility: Visibility) -> Endpoint {
        Endpoint {
            path: path.into(),
            visibility,
            methods: None,
        }
    }

    fn table(endpoints: Vec<Endpoint>) -> EndpointTable {
        EndpointTable {
            apps: HashMap::from([("app".to_owned(), endpoints)]),
            hooks_owner: None,
        }
    }

    #[test]
    fn a_declared_path_serves_its_sub_paths_and_the_longest_wins() {
        let t = table(vec![
            endpoint("webhook", Visibility::Public),
            endpoint("webhook/admin", Visibility::Public),
        ]);
        let find = |p| {
            t.find("app", Visibility::Public, p)
                .map(|e| e.path.as_str())
        };
        assert_eq!(find("webhook"), Ok("webhook"));
        assert_eq!(find("webhook/abc/def"), Ok("webhook"));
        assert_eq!(find("webhook/admin/x"), Ok("webhook/admin"));
        assert_eq!(find("webhooks"), Err(Missing::Path));
        assert_eq!(find("webhook/../admin"), Err(Missing::Path));
        assert_eq!(
            t.find("other", Visibility::Public, "webhook").err(),
            Some(Missing::App)
        );
    }

    #[test]
    fn only_one_app_may_receive_incoming_webhooks() {
        let manifest = |id: &str| {
            let json = include_str!("../../../tests/apps/everything/manifest.json")
                .replace(r#""id": "everything""#, &format!(r#""id": "{id}""#));
            Manifest::parse(json.as_bytes()).expect("the test manifest parses")
        };
        let (first, second) = (manifest("first"), manifest("second"));
        let one = EndpointTable::new([&first]).unwrap();
        assert_eq!(one.hooks_owner(), Some("first"));
        let error = EndpointTable::new([&first, &second]).unwrap_err();
        assert!(
            error.to_string().contains("`first` and `second`"),
            "{error}"
        );
    }

    #[test]
    fn an_endpoint_of_the_other_visibility_is_not_found() {
        let t = table(vec![endpoint("me", Visibility::Private)]);
        assert_eq!(
            t.find("app", Visibility::Public, "me").err(),
            Some(Missing::Path)
        );
        assert!(t.find("app", Visibility::Private, "me").is_ok());
    }

    #[test]
    fn hop_by_hop_headers_and_credentials_are_not_passed_on() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", HeaderValue::from_static("close, x-private"));
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert("x-auth-token", HeaderValue::from_static("secret"));
        headers.insert("cookie", HeaderValue::from_static("a=b"));
        headers.append("x-many", HeaderValue::from_static("1"));
        headers.append("x-many", HeaderValue::from_static("2"));
        let record = request_record("POST", "/x".into(), &headers, vec![]);
        assert_eq!(
            record.headers,
            [("x-many".into(), "1".into()), ("x-many".into(), "2".into())]
        );
    }

    #[test]
    fn an_answer_loses_framing_headers_and_needs_a_valid_status() {
        let answer = answer_of(HttpResponse {
            status: 201,
            headers: vec![
                ("Content-Length".into(), "999".into()),
                ("transfer-encoding".into(), "chunked".into()),
                ("X-Custom".into(), "yes".into()),
                ("bad name".into(), "x".into()),
            ],
            body: b"hi".to_vec(),
        })
        .unwrap();
        assert_eq!(answer.status, StatusCode::CREATED);
        assert_eq!(answer.headers["x-custom"], "yes");
        assert!(answer.headers.get("content-length").is_none());
        assert_eq!(answer.dropped.len(), 3);
        for status in [0, 99, 101, 600, 1000] {
            assert_eq!(
                answer_of(HttpResponse {
                    status,
                    ..HttpResponse::default()
                })
                .err(),
                Some(ResponseError::InvalidStatus(status))
            );
        }
    }
}
