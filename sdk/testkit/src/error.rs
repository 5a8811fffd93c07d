//! [`BuildError`]: why building the guest apps failed; [`TestkitError`]:
//! why a [`TestApp`](crate::TestApp) could not be set up.

use std::path::PathBuf;
use std::process::ExitStatus;

#[cfg(feature = "runtime")]
use capsule_runtime::{LoadError, RuntimeError, TargetError};

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

    /// The directory handed to [`build_app`](crate::build_app) has no
    /// `Cargo.toml`.
    #[error("{} has no Cargo.toml; pass the directory of the app's crate", dir.display())]
    NotACrate {
        /// The directory.
        dir: PathBuf,
    },

    /// The crate in the directory does not build a `cdylib`, which is what
    /// becomes a component.
    #[error(
        "the crate in {} is not an app: it has no cdylib target; add `crate-type = [\"cdylib\"]` under `[lib]` in its Cargo.toml",
        dir.display()
    )]
    NotAnApp {
        /// The crate's directory.
        dir: PathBuf,
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

/// Why a [`TestApp`](crate::TestApp) could not be built, set up or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestkitError {
    /// Building the app's component failed; the error carries cargo's own
    /// explanation.
    #[error("building the app failed: {0}")]
    Build(#[from] BuildError),

    /// The app's `manifest.json` says something the kit cannot use.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest's path (or the app's name when it has none).
        path: PathBuf,
        /// What is wrong, and how to fix it.
        reason: String,
    },

    /// A test set a setting the manifest does not declare, which is almost
    /// always a typo: the app would never see it.
    #[error(
        "setting `{id}` is not declared in the manifest's `settings` (declared: {declared}); fix the id in the test or declare the setting"
    )]
    UnknownSetting {
        /// The id the test used.
        id: String,
        /// The ids the manifest declares, comma-separated.
        declared: String,
    },

    /// The runtime could not start (its wasmtime engine or cache).
    #[cfg(feature = "runtime")]
    #[error("the runtime could not start: {0}")]
    Runtime(#[from] RuntimeError),

    /// The runtime refused to load the app: the component does not match
    /// the manifest, imports a capability that was not granted, ...
    #[cfg(feature = "runtime")]
    #[error("the runtime refused to load the app: {0}")]
    Load(#[from] LoadError),

    /// The app's `on-install` answered with an error.
    #[error("app `{app}` refused to install: {reason}")]
    InstallRefused {
        /// The app id.
        app: String,
        /// What the app said.
        reason: String,
    },

    /// The app's `on-install` did not answer (it faulted, ...); its log,
    /// [`TestApp::logs`](crate::TestApp::logs), says more.
    #[cfg(feature = "runtime")]
    #[error("app `{app}` failed to install: {source}")]
    InstallFailed {
        /// The app id.
        app: String,
        /// Why the call produced no answer.
        #[source]
        source: TargetError,
    },

    /// The test host could not be started: `capsule-app` is not installed
    /// or not on `PATH`.
    #[error(
        "cannot start the test host `{} test-host`: {source}; install capsule-app (`cargo install --path <capsule>/sdk/capsule-app --locked`) or set CAPSULE_TEST_HOST to its path", program.display()
    )]
    HostUnavailable {
        /// The executable tried.
        program: PathBuf,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },

    /// The test host refused to set the app up, saying why (the same
    /// reasons as the in-process kit's: a manifest the server would refuse,
    /// an undeclared setting, a component the runtime will not load, ...).
    #[error("{0}")]
    Host(String),
}
