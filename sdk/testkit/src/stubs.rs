//! What a test says about outbound HTTP: the canned answers it gives
//! ([`HttpStub`]) and the requests the app sent ([`RecordedRequest`]).
//! Plain data, the same whether the app runs in this process or in the
//! test host.

use capsule_runtime_types::model::HttpResponse;

/// One request an app sent, as it reached the wire.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordedRequest {
    /// Upper-case method, e.g. `GET`.
    pub method: String,
    /// The absolute URL, as the `url` crate normalises it (lower-case
    /// scheme and host, `/` for an empty path).
    pub url: String,
    /// The headers the app set.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body as text (invalid UTF-8 replaced), for assertions.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A canned answer for requests whose method and URL match.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpStub {
    /// The method it answers (case-insensitive), or `*` for any.
    pub method: String,
    /// It answers URLs that start with this, e.g. `https://api.example.test/v1/`.
    pub url_prefix: String,
    /// What it answers.
    pub response: HttpResponse,
}

impl HttpStub {
    /// A stub answering `method url_prefix…` with `status` and `body`.
    pub fn new(
        method: impl Into<String>,
        url_prefix: impl Into<String>,
        status: u16,
        body: impl Into<Vec<u8>>,
    ) -> HttpStub {
        HttpStub {
            method: method.into(),
            url_prefix: url_prefix.into(),
            response: HttpResponse {
                status,
                headers: Vec::new(),
                body: body.into(),
            },
        }
    }

    /// Adds a response header (`content-type`, `location`, ...).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpStub {
        self.response.headers.push((name.into(), value.into()));
        self
    }

    #[cfg(feature = "runtime")]
    pub(crate) fn matches(&self, method: &str, url: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && url.starts_with(&self.url_prefix)
    }
}
