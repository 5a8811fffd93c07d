//! Outbound HTTP, and helpers for building endpoint responses.
//!
//! [`fetch`], [`get`] and [`post`] need the `http-outbound` permission,
//! which lists the hosts the app may reach; a request to any other host
//! fails with [`Error::Denied`](crate::Error::Denied). The response
//! builders ([`response`], [`json_response`], [`not_found`]) need nothing:
//! they are for [`App::handle_endpoint`](crate::App::handle_endpoint).
//! Neither do the decoders of what such a request carries
//! ([`query_pairs`], [`query_value`], [`form_pairs`]).

use serde::Serialize;

use crate::bindings::capsule::apps::http_outbound;
use crate::error::Result;
use crate::prelude::{HttpRequest, HttpResponse};

/// Sends `request` (its `url` absolute, `http` or `https`) and waits for
/// the response, at most `timeout_ms` when given; the host caps the
/// timeout either way.
pub fn fetch(request: &HttpRequest, timeout_ms: Option<u32>) -> Result<HttpResponse> {
    http_outbound::fetch(request, timeout_ms)
}

/// Whether [`fetch`] may reach `url` under the app's grant (scheme, host
/// and port), without sending anything; `false` for what is not an
/// absolute http or https URL. For checking a URL an admin gives, e.g. in
/// [`App::validate_settings`](crate::App::validate_settings). Needs a
/// server with contract 0.1.2 or later.
pub fn allows(url: &str) -> bool {
    http_outbound::allows(url)
}

/// `GET url` with no headers and the host's default timeout.
pub fn get(url: &str) -> Result<HttpResponse> {
    fetch(&request("GET", url, Vec::new(), Vec::new()), None)
}

/// `POST url` with `body` as `content_type` and the host's default
/// timeout.
pub fn post(url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Result<HttpResponse> {
    let headers = vec![("content-type".to_owned(), content_type.to_owned())];
    fetch(&request("POST", url, headers, body.into()), None)
}

/// A request value; `method` should be upper-case.
pub fn request(
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        url: url.to_owned(),
        headers,
        body,
    }
}

/// A response with `status`, a `content-type` header and `body`.
pub fn response(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".to_owned(), content_type.to_owned())],
        body: body.into(),
    }
}

/// A response with `status` and `value` encoded as JSON. A value that
/// cannot be encoded (a map with non-string keys, ...) gives a 500.
pub fn json_response<T: Serialize + ?Sized>(status: u16, value: &T) -> HttpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => response(status, "application/json", body),
        Err(e) => response(
            500,
            "text/plain; charset=utf-8",
            format!("cannot encode response: {e}"),
        ),
    }
}

/// A plain-text `404 not found`.
pub fn not_found() -> HttpResponse {
    response(404, "text/plain; charset=utf-8", "not found")
}

/// The value of the first header named `name` (case-insensitively).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The name-value pairs of a URL query string (`a=1&b=x+y`, with or
/// without the leading `?`; not a whole URL), in order.
///
/// It exists so apps do not each write a percent-decoder: it decodes as
/// browsers and HTML forms encode (`application/x-www-form-urlencoded`,
/// the [`form_urlencoded`] crate): `+` is a space, `%XX` a byte, and bytes
/// that are not UTF-8 become U+FFFD. It is lenient, as that crate is: a
/// `%` not followed by two hex digits stays as it is, so check a value's
/// shape or compare it; never count on decoding to refuse it. A name
/// without `=` has an empty value, and empty pieces (`a=1&&b=2`) are
/// skipped. Repeated names all come back; [`query_value`] takes the first.
///
/// Owned strings rather than an iterator of borrowed ones: queries are
/// short, apps keep or match the values, and the crate's types stay out of
/// the SDK's API.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    form_pairs(query.as_bytes())
}

/// The value of the first parameter named `name` in `query` (decoded as
/// [`query_pairs`] does), `None` when there is none; `Some("")` for `name=`
/// or a bare `name`.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value)
}

/// The name-value pairs of an `application/x-www-form-urlencoded` request
/// body (an HTML form post), decoded like [`query_pairs`] and as leniently.
///
/// It takes the raw body, bytes, because that is what an endpoint
/// receives; checking the `content-type` is the caller's part.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}
