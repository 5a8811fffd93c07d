//! Capabilities (one per WIT interface the host offers) and the grants an
//! admin gives an app.
//!
//! A grant is parsed once, when the app is loaded (as Spin's factors do), so
//! that the check made on every host call is a cheap lookup. Grants sit
//! behind a lock in the app's shared state, so a revocation takes effect at
//! the next call, even in an instance that is already warm.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One capability: one WIT interface the host offers.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// `message-read`: read messages and room history.
    MessageRead,
    /// `message-write`: send and update messages, notify users.
    MessageWrite,
    /// `room-read`: read rooms and their members.
    RoomRead,
    /// `user-read`: read user accounts.
    UserRead,
    /// `kv`: the app's own key-value storage.
    Kv,
    /// `settings`: the app's own settings.
    Settings,
    /// `http-outbound`: HTTP requests to granted hosts.
    HttpOutbound,
    /// `scheduler`: one-off and recurring jobs.
    Scheduler,
    /// `logging`: the app's log.
    Logging,
}

impl Capability {
    /// Every capability, in WIT order.
    pub const ALL: [Capability; 9] = [
        Capability::MessageRead,
        Capability::MessageWrite,
        Capability::RoomRead,
        Capability::UserRead,
        Capability::Kv,
        Capability::Settings,
        Capability::HttpOutbound,
        Capability::Scheduler,
        Capability::Logging,
    ];

    /// The WIT interface name, which is also the permission name in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Capability::MessageRead => "message-read",
            Capability::MessageWrite => "message-write",
            Capability::RoomRead => "room-read",
            Capability::UserRead => "user-read",
            Capability::Kv => "kv",
            Capability::Settings => "settings",
            Capability::HttpOutbound => "http-outbound",
            Capability::Scheduler => "scheduler",
            Capability::Logging => "logging",
        }
    }

    /// The capabilities a grant's room list limits: those that read or
    /// write in rooms.
    pub const ROOM_SCOPED: [Capability; 3] = [
        Capability::MessageRead,
        Capability::MessageWrite,
        Capability::RoomRead,
    ];

    /// Whether a room list limits this capability (see [`ROOM_SCOPED`](Capability::ROOM_SCOPED)).
    pub fn is_room_scoped(self) -> bool {
        Capability::ROOM_SCOPED.contains(&self)
    }

    /// The capability behind a component import name such as
    /// `capsule:apps/kv@0.1.0`, if it is one.
    pub fn from_import(name: &str) -> Option<Capability> {
        let (interface, _) = crate::version::split_name(name)?;
        interface.parse().ok()
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Capability {
    type Err = GrantError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| GrantError::UnknownCapability(s.to_string()))
    }
}

/// Errors in a grant as written by an admin or a manifest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    /// The name is not a capability this runtime offers.
    #[error("unknown capability `{0}`")]
    UnknownCapability(String),
    /// A host in an outbound HTTP grant could not be parsed.
    #[error("invalid host `{host}` in the http-outbound grant: {reason}")]
    InvalidHost { host: String, reason: String },
}

/// A host an app may reach: `example.com`, `*.example.com`, `example.com:8443`
/// or `127.0.0.1:8080`. Without a port only the scheme's default port is allowed.
/// Serialised as that entry's text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostRule {
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostRule {
    /// Parses one allow-list entry.
    pub fn parse(entry: &str) -> Result<HostRule, GrantError> {
        let invalid = |reason: &str| GrantError::InvalidHost {
            host: entry.to_string(),
            reason: reason.to_string(),
        };
        let entry_lc = entry.trim().to_ascii_lowercase();
        if entry_lc.is_empty() {
            return Err(invalid("empty"));
        }
        if entry_lc.contains("://") || entry_lc.contains('/') {
            return Err(invalid(
                "give a host name, optionally with :port, not a URL",
            ));
        }
        let (host, port) = match entry_lc.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| invalid("the port is not a number from 1 to 65535"))?;
                (h.to_string(), Some(port))
            }
            _ => (entry_lc.clone(), None),
        };
        let (host, wildcard) = match host.strip_prefix("*.") {
            Some(rest) => (rest.to_string(), true),
            None => (host, false),
        };
        if host.is_empty() || host.contains('*') {
            return Err(invalid("a wildcard may only be a leading `*.`"));
        }
        Ok(HostRule {
            host,
            wildcard,
            port,
        })
    }

    /// Whether this rule names exactly `host` (no wildcard).
    pub fn names(&self, host: &str) -> bool {
        !self.wildcard && self.host == host
    }

    /// Whether this rule allows `host` (lower-case, as URLs give it) on `port`.
    pub fn allows(&self, host: &str, port: u16, default_port: u16) -> bool {
        let host_ok = if self.wildcard {
            host.len() > self.host.len()
                && host.ends_with(&self.host)
                && host[..host.len() - self.host.len()].ends_with('.')
        } else {
            host == self.host
        };
        host_ok && self.port.unwrap_or(default_port) == port
    }
}

impl fmt::Display for HostRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for HostRule {
    type Error = GrantError;

    fn try_from(entry: String) -> Result<HostRule, GrantError> {
        HostRule::parse(&entry)
    }
}

impl From<HostRule> for String {
    fn from(rule: HostRule) -> String {
        rule.to_string()
    }
}

/// The capabilities granted to one app, with their parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantSet {
    capabilities: BTreeSet<Capability>,
    /// Rooms the room-scoped capabilities are limited to; `None` means all rooms.
    rooms: Option<BTreeSet<String>>,
    hosts: Vec<HostRule>,
}

impl GrantSet {
    /// No capability at all.
    pub fn none() -> GrantSet {
        GrantSet::default()
    }

    /// Grants a capability without parameters.
    pub fn with(mut self, capability: Capability) -> GrantSet {
        self.capabilities.insert(capability);
        self
    }

    /// Grants outbound HTTP to the given hosts.
    pub fn with_http_hosts<I, S>(mut self, hosts: I) -> Result<GrantSet, GrantError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for host in hosts {
            self.hosts.push(HostRule::parse(host.as_ref())?);
        }
        self.capabilities.insert(Capability::HttpOutbound);
        Ok(self)
    }

    /// Limits the [room-scoped](Capability::ROOM_SCOPED) capabilities
    /// (`message-read`, `message-write`, `room-read`) to these rooms.
    pub fn limited_to_rooms<I, S>(mut self, rooms: I) -> GrantSet
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rooms = Some(rooms.into_iter().map(Into::into).collect());
        self
    }

    /// Removes a capability.
    pub fn without(mut self, capability: Capability) -> GrantSet {
        self.capabilities.remove(&capability);
        self
    }

    /// Whether the capability is granted.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The granted capabilities.
    pub fn capabilities(&self) -> impl Iterator<Item = Capability> + '_ {
        self.capabilities.iter().copied()
    }

    /// Whether a room-scoped capability may touch `room`.
    pub fn allows_room(&self, room: &str) -> bool {
        self.rooms.as_ref().is_none_or(|rooms| rooms.contains(room))
    }

    /// Whether room-scoped capabilities reach every room (no room list).
    pub fn all_rooms(&self) -> bool {
        self.rooms.is_none()
    }

    /// The outbound HTTP allow-list.
    pub fn hosts(&self) -> &[HostRule] {
        &self.hosts
    }

    /// Whether outbound HTTP may reach `host:port`.
    pub fn allows_host(&self, host: &str, port: u16, default_port: u16) -> bool {
        self.has(Capability::HttpOutbound)
            && self
                .hosts
                .iter()
                .any(|rule| rule.allows(host, port, default_port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_names_map_to_capabilities() {
        assert_eq!(
            Capability::from_import("capsule:apps/kv@0.1.0"),
            Some(Capability::Kv)
        );
        assert_eq!(
            Capability::from_import("capsule:apps/http-outbound@0.2.0"),
            Some(Capability::HttpOutbound)
        );
        assert_eq!(Capability::from_import("wasi:cli/stdout@0.2.0"), None);
        assert_eq!(Capability::from_import("capsule:apps/teleport@0.1.0"), None);
    }

    #[test]
    fn a_grant_set_crosses_json_with_its_host_rules_as_text() {
        let grants = GrantSet::none()
            .with(Capability::Kv)
            .with_http_hosts(["*.example.test", "127.0.0.1:8080"])
            .unwrap()
            .limited_to_rooms(["general"]);

        let json = serde_json::to_value(&grants).unwrap();
        let back: GrantSet = serde_json::from_value(json.clone()).unwrap();

        assert_eq!(back, grants);
        assert_eq!(
            json["hosts"],
            serde_json::json!(["*.example.test", "127.0.0.1:8080"])
        );
        let bad = serde_json::json!({"capabilities": [], "rooms": null, "hosts": ["*"]});
        assert!(serde_json::from_value::<GrantSet>(bad).is_err());
    }

    #[test]
    fn host_rules_match_exact_hosts_ports_and_subdomains() {
        let plain = HostRule::parse("graph.facebook.com").unwrap();
        assert!(plain.allows("graph.facebook.com", 443, 443));
        assert!(!plain.allows("graph.facebook.com", 8443, 443));
        assert!(!plain.allows("evil-graph.facebook.com", 443, 443));
        let wild = HostRule::parse("*.googleapis.com").unwrap();
        assert!(wild.allows("www.googleapis.com", 443, 443));
        assert!(!wild.allows("googleapis.com", 443, 443));
        assert!(!wild.allows("xgoogleapis.com", 443, 443));
        let local = HostRule::parse("127.0.0.1:8080").unwrap();
        assert!(local.allows("127.0.0.1", 8080, 80));
        assert!(!local.allows("127.0.0.1", 8081, 80));
    }

    #[test]
    fn host_rules_refuse_urls_and_inner_wildcards() {
        assert!(HostRule::parse("https://example.com").is_err());
        assert!(HostRule::parse("a.*.com").is_err());
        assert!(HostRule::parse("example.com:http").is_err());
    }

    #[test]
    fn room_limits_apply_only_when_given() {
        let all = GrantSet::none().with(Capability::MessageRead);
        assert!(all.allows_room("GENERAL"));
        let some = all.clone().limited_to_rooms(["support"]);
        assert!(some.allows_room("support"));
        assert!(!some.allows_room("GENERAL"));
        assert!(all.all_rooms() && !some.all_rooms());
    }

    #[test]
    fn only_reading_and_writing_in_rooms_is_room_scoped() {
        let scoped: Vec<&str> = Capability::ALL
            .into_iter()
            .filter(|c| c.is_room_scoped())
            .map(Capability::name)
            .collect();
        assert_eq!(scoped, ["message-read", "message-write", "room-read"]);
    }
}
