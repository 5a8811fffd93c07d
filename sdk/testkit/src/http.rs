//! [`RecordingTransport`]: outbound HTTP that never leaves the process.
//!
//! It stands in for the runtime's real transport, so an app's requests go
//! through the real `http-outbound` capability (allow-list, caps, redirect
//! checks) and only the exchange on the wire is replaced: each request is
//! recorded and answered from stubs the test gave. A request no stub
//! matches fails the way an unreachable host does, with an error that says
//! which stub to add, so a test never reaches the network by accident.

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use capsule_runtime::{HttpResponse, HttpTransport, OutboundRequest, TransportError};

use crate::stubs::{HttpStub, RecordedRequest};

/// An [`HttpTransport`] that records every request and answers from stubs.
///
/// Of the stubs that match a request, the one with the longest URL prefix
/// answers, and of those the one added last, so a test can add a specific
/// stub over a general one, or replace one.
#[derive(Debug, Default)]
pub struct RecordingTransport {
    stubs: Mutex<Vec<HttpStub>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

/// Locks `mutex`, also after a test thread panicked while holding it: the
/// lists stay consistent (every change is a single push), and a poisoned
/// lock would hide that first panic behind a second one.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RecordingTransport {
    /// A transport with no stubs: every request fails.
    pub fn new() -> RecordingTransport {
        RecordingTransport::default()
    }

    /// Adds a stub.
    pub fn stub(&self, stub: HttpStub) {
        lock(&self.stubs).push(stub);
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// The stub that answers `method url`, if any.
    fn answer(&self, method: &str, url: &str) -> Option<HttpResponse> {
        let stubs = lock(&self.stubs);
        stubs
            .iter()
            .enumerate()
            .filter(|(_, stub)| stub.matches(method, url))
            // Longest prefix first; among equals, the latest added.
            .max_by_key(|(added, stub)| (stub.url_prefix.len(), *added))
            .map(|(_, stub)| stub.response.clone())
    }
}

#[async_trait]
impl HttpTransport for RecordingTransport {
    async fn send(&self, request: OutboundRequest) -> Result<HttpResponse, TransportError> {
        let url = request.url.as_str().to_owned();
        lock(&self.requests).push(RecordedRequest {
            method: request.method.clone(),
            url: url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        });
        let response = self.answer(&request.method, &url).ok_or_else(|| {
            TransportError::Failed(format!(
                "no stub for {} {url}; the test must add one, e.g. `.http_response(\"{}\", \"{url}\", 200, \"...\")`",
                request.method, request.method
            ))
        })?;
        // The same cap the real transport applies, so a test sees what a
        // too-large answer does to the app.
        if response.body.len() > request.max_response_bytes {
            return Err(TransportError::TooLarge(request.max_response_bytes));
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(method: &str, url: &str) -> OutboundRequest {
        OutboundRequest {
            method: method.into(),
            url: url.parse().unwrap(),
            headers: vec![("accept".into(), "text/plain".into())],
            body: b"q".to_vec(),
            timeout: Duration::from_secs(1),
            max_response_bytes: 16,
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn the_longest_matching_prefix_answers_and_everything_is_recorded() {
        let http = RecordingTransport::new();
        http.stub(HttpStub::new(
            "GET",
            "http://api.example.test/",
            200,
            "general",
        ));
        http.stub(HttpStub::new(
            "get",
            "http://api.example.test/v1/x",
            201,
            "specific",
        ));
        http.stub(HttpStub::new(
            "POST",
            "http://api.example.test/v1/x",
            500,
            "wrong method",
        ));

        let specific =
            block_on(http.send(request("GET", "http://api.example.test/v1/xyz"))).unwrap();
        assert_eq!(
            (specific.status, specific.body),
            (201, b"specific".to_vec())
        );
        let general = block_on(http.send(request("GET", "http://API.example.test/other"))).unwrap();
        assert_eq!(general.status, 200);

        let recorded = http.requests();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[1].url, "http://api.example.test/other");
        assert_eq!(recorded[0].header("Accept"), Some("text/plain"));
        assert_eq!(recorded[0].body_text(), "q");
    }

    #[test]
    fn a_later_stub_replaces_an_equal_one() {
        let http = RecordingTransport::new();
        http.stub(HttpStub::new("*", "http://a.test/", 200, "old"));
        http.stub(HttpStub::new("*", "http://a.test/", 200, "new"));
        let response = block_on(http.send(request("DELETE", "http://a.test/x"))).unwrap();
        assert_eq!(response.body, b"new");
    }

    #[test]
    fn unstubbed_and_oversized_answers_fail_like_the_real_transport() {
        let http = RecordingTransport::new();
        let err = block_on(http.send(request("GET", "http://nowhere.test/x"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("no stub for GET http://nowhere.test/x"),
            "{err}"
        );
        http.stub(HttpStub::new(
            "GET",
            "http://big.test/",
            200,
            vec![b'x'; 17],
        ));
        let err = block_on(http.send(request("GET", "http://big.test/"))).unwrap_err();
        assert_eq!(err, TransportError::TooLarge(16));
        assert_eq!(http.requests().len(), 2, "failed requests are recorded too");
    }
}
