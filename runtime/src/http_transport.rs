//! How the `http-outbound` capability puts a request on the wire.
//!
//! The capability decides *whether* a request may go (the allow-list, each
//! redirect hop, the caps); a transport only performs one exchange, never
//! following redirects itself. The default is [`ReqwestTransport`]; tests
//! and the app developers' test kit put a recording transport in its place.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use crate::model::HttpResponse;

/// One outbound HTTP exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundRequest {
    /// Upper-case method.
    pub method: String,
    /// The absolute URL, already checked against the allow-list.
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Longest the exchange may take.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
}

/// Why an exchange failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Connecting, sending or receiving failed, or timed out.
    #[error("request failed: {0}")]
    Failed(String),
    /// The response body was larger than allowed.
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
}

/// Performs single HTTP exchanges for the `http-outbound` capability.
#[async_trait]
pub trait HttpTransport: Send + Sync + Debug + 'static {
    /// Sends the request and returns the response as it is; a redirect
    /// comes back as a 3xx response.
    async fn send(&self, request: OutboundRequest) -> Result<HttpResponse, TransportError>;
}

/// The default transport: reqwest with rustls, redirects off.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("capsule-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client's fixed configuration is valid");
        ReqwestTransport { client }
    }
}

#[async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: OutboundRequest) -> Result<HttpResponse, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Failed(format!("bad method `{}`", request.method)))?;
        let mut builder = self
            .client
            .request(method, request.url.clone())
            .timeout(request.timeout)
            .body(request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| failure(&request.url, request.timeout, "sending the request", &e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failure(&request.url, request.timeout, "reading the response", &e))?
        {
            if body.len() + chunk.len() > request.max_response_bytes {
                return Err(TransportError::TooLarge(request.max_response_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Why an exchange failed, in words an app can act on: a timeout says so
/// (reqwest's own text only says "error sending request"), anything else
/// carries its cause chain.
fn failure(url: &Url, timeout: Duration, doing: &str, error: &reqwest::Error) -> TransportError {
    if error.is_timeout() {
        return TransportError::Failed(format!(
            "`{url}` timed out after {} ms ({doing})",
            timeout.as_millis()
        ));
    }
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::Failed(format!("`{url}`: {doing}: {reason}"))
}
