//! [`BuildError`]: why building the guest apps failed.

use std::path::PathBuf;
use std::process::ExitStatus;

/// Why the guest apps could not be built or found.
///
/// Command failures carry the command line and everything it wrote to
/// stderr, because that is where cargo and rustc explain themselves.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A command could not be started (not installed, not on `PATH`, ...).
    #[error("could not run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The error from starting it.
        #[source]
        source: std::io::Error,
    },

    /// A command ran and failed.
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// How it exited.
        status: ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },

    /// A command succeeded but its output was not what was expected.
    #[error("`{command}` printed something unexpected: {reason}")]
    UnexpectedOutput {
        /// The command line.
        command: String,
        /// What was wrong with the output.
        reason: String,
    },

    /// A file or directory could not be read, created or locked.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },

    /// An app's `manifest.json` is not valid JSON.
    #[error("{} is not valid JSON: {source}", path.display())]
    Manifest {
        /// The manifest's path.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },

    /// Cargo reported success but an app's component is not where cargo
    /// puts it.
    #[error("app `{app}` built, but its component {} is missing", path.display())]
    MissingArtifact {
        /// The app's crate name.
        app: String,
        /// Where the component should be.
        path: PathBuf,
    },
}

impl BuildError {
    /// An [`BuildError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
