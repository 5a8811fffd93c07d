//! `http-outbound`: HTTP requests to the hosts the admin granted, and
//! nowhere else. Redirects are followed by hand so that every hop is
//! checked against the allow-list again; bodies and time are capped.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::app::state::HostState;
use crate::bindings::v0_1::capsule::apps::http_outbound::Host;
use crate::bindings::v0_1::types::{Error, HttpRequest, HttpResponse};
use crate::capabilities::check_len;
use crate::http_transport::{OutboundRequest, TransportError};
use crate::refusal::Refusal;
use capsule_contract::{Capability, GrantSet};

/// Headers an app may not set: the host owns framing and routing.
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
];

/// Whether `url` may be reached under `grants`; the reason when not.
pub(crate) fn check_url(grants: &GrantSet, url: &Url) -> Result<(), String> {
    let default_port = match url.scheme() {
        "http" => 80,
        "https" => 443,
        other => {
            return Err(format!(
                "scheme `{other}` is not allowed; use http or https"
            ));
        }
    };
    let host = url
        .host_str()
        .ok_or_else(|| format!("`{url}` has no host"))?;
    let port = url.port().unwrap_or(default_port);
    if !grants.allows_host(host, port, default_port) {
        return Err(format!(
            "host `{host}:{port}` is not on the app's allow-list"
        ));
    }
    // A private or loopback address is reachable only when the grant names
    // that address itself (a rule can only match an IP literal exactly).
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        let named = grants.hosts().iter().any(|rule| rule.names(host));
        if is_internal(ip) && !named {
            return Err(format!(
                "address `{ip}` is internal and not named in the grant"
            ));
        }
    }
    Ok(())
}

/// Loopback, private, link-local, shared (CGNAT) and unspecified addresses,
/// including IPv4 addresses written as IPv4-mapped IPv6.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Headers that carry credentials: not forwarded when a redirect leaves
/// the origin the app addressed (as browsers do).
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl HostState {
    fn http_denied(&mut self, detail: String) -> Error {
        self.refuse(Refusal::Denied {
            capability: Capability::HttpOutbound,
            detail,
        })
        .into()
    }
}

impl Host for HostState {
    async fn allows(&mut self, url: String) -> bool {
        // A question, not an attempt: answering it refuses nothing.
        let grants = self.app.grants.read().clone();
        grants.has(Capability::HttpOutbound)
            && Url::parse(&url).is_ok_and(|url| check_url(&grants, &url).is_ok())
    }

    async fn fetch(
        &mut self,
        request: HttpRequest,
        timeout_ms: Option<u32>,
    ) -> Result<HttpResponse, Error> {
        let grants = self.grant(Capability::HttpOutbound)?;
        let limits = self.app.limits.clone();
        check_len(
            "the request body",
            request.body.len(),
            limits.http_max_request_bytes,
        )?;
        let mut url = Url::parse(&request.url)
            .map_err(|e| Error::Invalid(format!("bad URL `{}`: {e}", request.url)))?;
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::Invalid(format!("bad method `{}`", request.method)))?;
        for (name, _) in &request.headers {
            if FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(Error::Invalid(format!(
                    "header `{name}` is set by the host"
                )));
            }
        }
        let asked = timeout_ms.map_or(limits.http_timeout, |ms| {
            Duration::from_millis(u64::from(ms))
        });
        let timeout = asked
            .min(limits.http_timeout)
            .min(self.call.wall_remaining());
        let transport = self.app.http.clone();
        let mut method = method.as_str().to_string();
        let mut headers = request.headers;
        let mut body = request.body;
        let mut redirects = 0;
        loop {
            if let Err(reason) = check_url(&grants, &url) {
                return Err(self.http_denied(reason));
            }
            let exchange = OutboundRequest {
                method: method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: body.clone(),
                timeout,
                max_response_bytes: limits.http_max_response_bytes,
            };
            let response = self
                .host_wait(transport.send(exchange))
                .await
                .map_err(|e| match e {
                    TransportError::TooLarge(max) => {
                        Error::QuotaExceeded(format!("the response is larger than {max} bytes"))
                    }
                    TransportError::Failed(reason) => Error::Unavailable(reason),
                })?;
            let location = response
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v);
            match location {
                Some(location)
                    if (300..400).contains(&response.status)
                        && redirects < limits.http_max_redirects =>
                {
                    let next = url
                        .join(location)
                        .map_err(|e| Error::Unavailable(format!("bad redirect location: {e}")))?;
                    if !same_origin(&url, &next) {
                        headers.retain(|(name, _)| {
                            !CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                        });
                    }
                    url = next;
                    redirects += 1;
                    // 303 (and 301/302 on POST, as browsers do) turn into a GET.
                    if response.status == 303
                        || (method == "POST" && matches!(response.status, 301 | 302))
                    {
                        method = "GET".into();
                        body = Vec::new();
                    }
                }
                _ => return Ok(response.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(hosts: &[&str]) -> GrantSet {
        GrantSet::none().with_http_hosts(hosts).unwrap()
    }

    #[test]
    fn only_granted_hosts_pass() {
        let g = grants(&["graph.facebook.com"]);
        assert!(
            check_url(
                &g,
                &Url::parse("https://graph.facebook.com/v21.0/1/messages").unwrap()
            )
            .is_ok()
        );
        let err = check_url(&g, &Url::parse("https://evil.example/").unwrap()).unwrap_err();
        assert!(err.contains("evil.example:443"), "{err}");
        assert!(check_url(&g, &Url::parse("ftp://graph.facebook.com/").unwrap()).is_err());
    }

    #[test]
    fn internal_addresses_are_recognised_in_every_spelling() {
        for internal in [
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn an_internal_address_reached_through_a_wildcard_port_rule_is_refused() {
        let g = grants(&["127.0.0.10:80"]);
        assert!(
            check_url(&g, &Url::parse("http://127.0.0.1/").unwrap()).is_err(),
            "a rule for 127.0.0.10 is not one for 127.0.0.1"
        );
    }

    #[test]
    fn loopback_needs_an_explicit_grant() {
        let g = grants(&["127.0.0.1:8080"]);
        assert!(check_url(&g, &Url::parse("http://127.0.0.1:8080/x").unwrap()).is_ok());
        assert!(check_url(&g, &Url::parse("http://127.0.0.1:8081/x").unwrap()).is_err());
        assert!(check_url(&g, &Url::parse("http://localhost:8080/x").unwrap()).is_err());
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::*;

    #[test]
    fn credentials_stay_with_the_origin_they_were_meant_for() {
        let a = Url::parse("https://api.example.com/v1/x").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("https://api.example.com:443/other").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://cdn.example.com/x").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://api.example.com/x").unwrap()
        ));
    }
}
