//! The reverse proxies whose `X-Forwarded-For` entries the server
//! believes (`trusted_proxies`): addresses or CIDR ranges, loopback by
//! default. How the client's address is worked out from them is
//! `crate::gateway::client_address`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::Deserialize;

/// One trusted proxy: an address (`10.0.0.5`, `::1`) or a CIDR range
/// (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyRange(IpNet);

impl ProxyRange {
    /// Whether `address` is in this range.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.contains(&address.to_canonical())
    }
}

impl FromStr for ProxyRange {
    type Err = String;

    fn from_str(text: &str) -> Result<ProxyRange, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(ProxyRange(net.trunc()));
        }
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(ProxyRange(IpNet::from(address.to_canonical())));
        }
        Err(format!(
            "`{text}` is not an IP address or CIDR range; write one like `10.0.0.5` or `10.0.0.0/8`"
        ))
    }
}

impl fmt::Display for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for ProxyRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ProxyRange, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The proxies trusted to say who their client is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ProxyRange>);

impl TrustedProxies {
    /// These ranges (an empty list trusts no proxy: the peer is always
    /// the client).
    pub fn new(ranges: Vec<ProxyRange>) -> TrustedProxies {
        TrustedProxies(ranges)
    }

    /// Loopback (`127.0.0.0/8` and `::1`): a reverse proxy on the same
    /// host, the default.
    pub fn loopback() -> TrustedProxies {
        TrustedProxies(vec![
            ProxyRange(
                IpNet::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8).expect("8 fits IPv4"),
            ),
            ProxyRange(IpNet::from(IpAddr::V6(Ipv6Addr::LOCALHOST))),
        ])
    }

    /// Whether `address` is one of the trusted proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The ranges, as configured.
    pub fn ranges(&self) -> &[ProxyRange] {
        &self.0
    }
}

impl Default for TrustedProxies {
    fn default() -> TrustedProxies {
        TrustedProxies::loopback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_are_read() {
        let proxies = TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
            " 192.0.2.7 ".parse().unwrap(),
            "fd00::/8".parse().unwrap(),
        ]);

        assert!(proxies.trusts(ip("10.200.1.2")));
        assert!(proxies.trusts(ip("192.0.2.7")));
        assert!(!proxies.trusts(ip("192.0.2.8")));
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(!proxies.trusts(ip("127.0.0.1")));
    }

    #[test]
    fn loopback_is_trusted_by_default_in_both_families() {
        let proxies = TrustedProxies::default();

        assert!(proxies.trusts(ip("127.0.0.1")));
        assert!(proxies.trusts(ip("127.9.9.9")));
        assert!(proxies.trusts(ip("::1")));
        assert!(
            proxies.trusts(ip("::ffff:127.0.0.1")),
            "IPv4 on an IPv6 socket"
        );
        assert!(!proxies.trusts(ip("192.0.2.1")));
    }

    #[test]
    fn a_wrong_entry_is_named() {
        let error = "10.0.0.0/33".parse::<ProxyRange>().unwrap_err();
        assert!(
            error.contains("`10.0.0.0/33` is not an IP address or CIDR range"),
            "{error}"
        );
        let error = "proxy.local".parse::<ProxyRange>().unwrap_err();
        assert!(error.contains("`proxy.local`"), "{error}");
    }
}
