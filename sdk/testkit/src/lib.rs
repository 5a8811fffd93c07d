//! Builds Capsule's guest apps for the host's tests and benchmarks.
//!
//! The guest apps live in two cargo workspaces of their own, built for
//! `wasm32-wasip2` rather than the host: `tests/apps` (apps that exercise
//! the runtime: a benchmark hook, a modifier chain, a hostile app, a
//! sandbox probe, ...) and `apps-examples`. [`test_apps`] and
//! [`example_apps`] build them once per process and say where each
//! component is:
//!
//! ```no_run
//! let apps = capsule_testkit::test_apps();
//! let bench = std::fs::read(apps.wasm("bench")).unwrap();
//! let implements = &apps.manifest("bench")["implements"];
//! # let _ = (bench, implements);
//! ```
//!
//! Builds go to `<repo>/target/wasm` and are serialised across processes
//! with a file lock, so any number of test processes may ask at once.

mod artifacts;
mod command;
mod error;
mod toolchain;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use artifacts::{GuestApp, GuestArtifacts, build_guests};
pub use error::BuildError;
pub use toolchain::{WASM_TARGET, ensure_wasm_target};

/// The repository's root: the directory of the root `Cargo.toml`, two
/// levels above this crate (`sdk/testkit`).
pub fn repo_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        // Canonical so paths handed out are clean and absolute.
        root.canonicalize()
            .unwrap_or_else(|e| panic!("repository root {} is not reachable: {e}", root.display()))
    })
}

/// Where guest builds go: `<repo>/target/wasm`.
pub fn wasm_target_dir() -> PathBuf {
    repo_root().join("target").join("wasm")
}

/// The apps of `tests/apps`, built on first use in this process.
///
/// # Panics
///
/// When the build fails, with the failing command and its stderr.
pub fn test_apps() -> &'static GuestArtifacts {
    static APPS: OnceLock<GuestArtifacts> = OnceLock::new();
    APPS.get_or_init(|| build_or_panic("tests/apps"))
}

/// The apps of `apps-examples`, built on first use in this process.
///
/// # Panics
///
/// When the build fails, with the failing command and its stderr.
pub fn example_apps() -> &'static GuestArtifacts {
    static APPS: OnceLock<GuestArtifacts> = OnceLock::new();
    APPS.get_or_init(|| build_or_panic("apps-examples"))
}

fn build_or_panic(workspace: &str) -> GuestArtifacts {
    let dir = repo_root().join(workspace);
    build_guests(&dir)
        .unwrap_or_else(|e| panic!("building the guest apps in {} failed: {e}", dir.display()))
}
