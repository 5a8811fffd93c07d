//! The HTTP edge's limits: how long a client may take to send a request,
//! and how many connections it, and everyone, may hold open.

use std::time::Duration;

/// Timeouts and connection caps applied before a request reaches a
/// handler (see `docs/server.md`, "Limits at the edge").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeLimits {
    /// Time to send a request's headers, from the first byte of the
    /// request (or the connection's start); an idle kept-alive connection
    /// is closed after it too.
    pub header_read_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_read_timeout: Duration,
    /// Open connections in all; more are refused.
    pub max_connections: usize,
    /// Open connections from one client address; more are refused.
    pub max_connections_per_address: usize,
}

impl Default for EdgeLimits {
    fn default() -> EdgeLimits {
        EdgeLimits {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 16_384,
            max_connections_per_address: 256,
        }
    }
}

/// The edge settings one source (flags or file) gives; each optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct EdgeSettings {
    pub header_read_timeout_secs: Option<u64>,
    pub body_read_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_connections_per_address: Option<usize>,
}

impl EdgeLimits {
    /// `first`'s settings over `second`'s over the defaults. Zero
    /// timeouts and caps are raised to one (a zero would refuse
    /// everything).
    pub fn merge(first: EdgeSettings, second: EdgeSettings) -> EdgeLimits {
        let defaults = EdgeLimits::default();
        let seconds = |a: Option<u64>, b: Option<u64>, default: Duration| {
            a.or(b)
                .map(|secs| Duration::from_secs(secs.max(1)))
                .unwrap_or(default)
        };
        let count = |a: Option<usize>, b: Option<usize>, default: usize| {
            a.or(b).map(|n| n.max(1)).unwrap_or(default)
        };
        EdgeLimits {
            header_read_timeout: seconds(
                first.header_read_timeout_secs,
                second.header_read_timeout_secs,
                defaults.header_read_timeout,
            ),
            body_read_timeout: seconds(
                first.body_read_timeout_secs,
                second.body_read_timeout_secs,
                defaults.body_read_timeout,
            ),
            max_connections: count(
                first.max_connections,
                second.max_connections,
                defaults.max_connections,
            ),
            max_connections_per_address: count(
                first.max_connections_per_address,
                second.max_connections_per_address,
                defaults.max_connections_per_address,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_zero_means_one() {
        let flags = EdgeSettings {
            max_connections: Some(10),
            header_read_timeout_secs: Some(0),
            ..EdgeSettings::default()
        };
        let file = EdgeSettings {
            max_connections: Some(20),
            body_read_timeout_secs: Some(5),
            ..EdgeSettings::default()
        };
        let limits = EdgeLimits::merge(flags, file);
        assert_eq!(limits.max_connections, 10);
        assert_eq!(limits.header_read_timeout, Duration::from_secs(1));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(5));
        assert_eq!(limits.max_connections_per_address, 256);
    }
}
