//! Who the client is: the one rule every use of the client's address
//! (the sign-in throttle, its log lines) goes through.
//!
//! `X-Forwarded-For` is a list each proxy appends its peer to, so only
//! its right end can be believed: an entry is as honest as the hop that
//! added it. The client is the rightmost entry not added by a trusted
//! proxy: walk from the right past the trusted ones. When the peer itself
//! is not a trusted proxy the header is ignored: the peer is the client.
//! An entry that is not an address stops the walk at the hop that
//! forwarded it. `Forwarded` (RFC 7239) is not read.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::AppState;
use crate::config::TrustedProxies;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, as [`client_address`] works it out; an axum
/// extractor for handlers of every transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddress, Infallible> {
        // Served without connection info (a router in a unit test), the
        // peer is unknown: take it as an untrusted unspecified address.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        Ok(ClientAddress(client_address(
            &parts.headers,
            peer,
            &state.config().trusted_proxies,
        )))
    }
}

/// The client's address behind `peer`: the rightmost `X-Forwarded-For`
/// entry not added by one of the `trusted` proxies, or `peer` itself when
/// it is not trusted.
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.ip().to_canonical();
    if !trusted.trusts(client) {
        return client;
    }
    // Several headers are one list, in order.
    let values: Vec<_> = headers.get_all(X_FORWARDED_FOR).iter().collect();
    for value in values.into_iter().rev() {
        let Ok(list) = value.to_str() else {
            return client;
        };
        for entry in list.rsplit(',') {
            let Some(hop) = hop_address(entry.trim()) else {
                return client;
            };
            client = hop;
            if !trusted.trusts(hop) {
                return client;
            }
        }
    }
    client
}

/// An entry's address; some proxies write the port too (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn hop_address(entry: &str) -> Option<IpAddr> {
    let address = entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn peer(text: &str) -> SocketAddr {
        SocketAddr::new(ip(text), 40000)
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(ranges.iter().map(|r| r.parse().unwrap()).collect())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let headers = forwarded(&["198.51.100.1"]);

        let client = client_address(&headers, peer("203.0.113.9"), &TrustedProxies::loopback());

        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn the_entry_a_trusted_proxy_added_is_the_client_not_what_the_client_wrote() {
        let headers = forwarded(&["1.1.1.1, 2.2.2.2, 203.0.113.9"]);

        let client = client_address(&headers, peer("127.0.0.1"), &TrustedProxies::loopback());

        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn the_walk_passes_every_trusted_proxy_from_the_right() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let headers = forwarded(&["6.6.6.6, 203.0.113.9", "10.0.0.2, 10.1.0.3"]);

        let client = client_address(&headers, peer("127.0.0.1"), &trusted);

        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn without_the_header_a_trusted_peer_is_the_client() {
        let client = client_address(
            &HeaderMap::new(),
            peer("127.0.0.1"),
            &TrustedProxies::loopback(),
        );

        assert_eq!(client, ip("127.0.0.1"));
    }

    #[test]
    fn when_every_entry_is_trusted_the_leftmost_is_the_client() {
        let headers = forwarded(&["127.0.0.5, 127.0.0.4"]);

        let client = client_address(&headers, peer("127.0.0.1"), &TrustedProxies::loopback());

        assert_eq!(client, ip("127.0.0.5"));
    }

    #[test]
    fn an_entry_that_is_no_address_stops_at_the_hop_that_forwarded_it() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.9, unknown, 10.0.0.2"]);

        let client = client_address(&headers, peer("127.0.0.1"), &trusted);

        assert_eq!(client, ip("10.0.0.2"));
    }

    #[test]
    fn ports_and_ipv4_on_ipv6_sockets_are_read() {
        let headers = forwarded(&["[2001:db8::7]:4711, 192.0.2.1:80"]);

        let client = client_address(
            &headers,
            peer("::ffff:127.0.0.1"),
            &TrustedProxies::loopback(),
        );

        assert_eq!(client, ip("192.0.2.1"));
    }

    #[test]
    fn no_trusted_proxies_means_the_peer_always() {
        let headers = forwarded(&["203.0.113.9"]);

        let client = client_address(&headers, peer("127.0.0.1"), &proxies(&[]));

        assert_eq!(client, ip("127.0.0.1"));
    }
}
