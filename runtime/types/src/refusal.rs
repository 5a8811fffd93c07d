//! Refusals are answers, not faults: a host call the app may not make (no
//! grant, over the write rate limit, too deep in the pipeline) returns an
//! error value the app handles. The host logs it in the app's log and
//! counts it, but it never counts toward disabling the app; only a call
//! that then goes wrong on its own (a trap, a deadline, memory) is a
//! [`Fault`](crate::Fault).

use capsule_contract::Capability;

/// A host call the runtime refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Refusal {
    /// The grant does not allow the call (no grant for the capability, or
    /// not for this room or host).
    #[error("`{capability}` call refused: {detail}")]
    Denied {
        capability: Capability,
        detail: String,
    },
    /// A write over the app's write rate limit.
    #[error("`{capability}` write refused: over the app's write rate limit")]
    RateLimited { capability: Capability },
    /// A message that would re-enter the pipeline deeper than the limit.
    #[error(
        "`message-write` call refused: the message would re-enter the pipeline deeper than {max_depth}"
    )]
    LoopDetected { max_depth: u32 },
}

impl Refusal {
    /// A short, stable name for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Denied { .. } => "denied",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::LoopDetected { .. } => "loop_detected",
        }
    }

    /// The capability whose call was refused.
    pub fn capability(&self) -> Capability {
        match self {
            Refusal::Denied { capability, .. } | Refusal::RateLimited { capability } => *capability,
            Refusal::LoopDetected { .. } => Capability::MessageWrite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_capability_and_what_was_refused() {
        let denied = Refusal::Denied {
            capability: Capability::HttpOutbound,
            detail: "host `evil.example:443` is not on the app's allow-list".into(),
        };
        assert_eq!(
            denied.to_string(),
            "`http-outbound` call refused: host `evil.example:443` is not on the app's allow-list"
        );
        assert_eq!(denied.kind(), "denied");
        let limited = Refusal::RateLimited {
            capability: Capability::Kv,
        };
        assert!(limited.to_string().starts_with("`kv` write refused"));
        assert_eq!(
            Refusal::LoopDetected { max_depth: 3 }.capability(),
            Capability::MessageWrite
        );
    }
}
