//! Faults are values: every way an app call can go wrong becomes a [`Fault`],
//! logged against the app and counted; enough of them in a row disable it.
//! A host call the runtime refused is not one of them: see
//! [`Refusal`](crate::Refusal).

use std::time::Duration;

/// Why an app call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Fault {
    /// The guest ran past its CPU deadline and was interrupted.
    #[error("ran past its CPU deadline of {0:?}")]
    CpuDeadline(Duration),
    /// The call, host calls included, ran past its wall-clock deadline.
    #[error("ran past its wall-clock deadline of {0:?}")]
    WallDeadline(Duration),
    /// The guest tried to grow its memory past the limit.
    #[error("tried to grow its memory past the limit of {limit_bytes} bytes")]
    MemoryLimit { limit_bytes: usize },
    /// The guest overflowed its stack.
    #[error("overflowed its stack")]
    StackOverflow,
    /// The guest trapped (a panic, `unreachable`, an out-of-bounds access, ...).
    #[error("trapped: {0}")]
    Trap(String),
    /// The guest returned more than it may.
    #[error("returned {size} bytes, more than the limit of {limit} bytes")]
    OutputTooLarge { size: usize, limit: usize },
    /// The guest does not export the function the manifest says it implements.
    #[error("does not export `{0}`")]
    MissingExport(String),
    /// The host could not create an instance (e.g. the instance pool is exhausted).
    #[error("could not be instantiated: {0}")]
    Instantiate(String),
}

impl Fault {
    /// A short, stable name for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::CpuDeadline(_) => "cpu_deadline",
            Fault::WallDeadline(_) => "wall_deadline",
            Fault::MemoryLimit { .. } => "memory_limit",
            Fault::StackOverflow => "stack_overflow",
            Fault::Trap(_) => "trap",
            Fault::OutputTooLarge { .. } => "output_too_large",
            Fault::MissingExport(_) => "missing_export",
            Fault::Instantiate(_) => "instantiate",
        }
    }

    /// Whether the instance that produced this fault must be thrown away.
    /// An answer over the output cap was measured after the guest returned
    /// normally, so its instance is intact.
    pub fn poisons_instance(&self) -> bool {
        !matches!(self, Fault::OutputTooLarge { .. })
    }
}
