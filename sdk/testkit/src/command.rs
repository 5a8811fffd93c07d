//! Running cargo and rustup for the guest build, isolated from whatever
//! cargo invocation the caller runs under.

use std::ffi::OsStr;
use std::process::{Command, Output};

use crate::error::BuildError;

/// Environment variables that an outer cargo (running tests, a build
/// script or clippy) sets for its children and that would change what the
/// inner guest build does: its target directory, target, flags, profile,
/// job server, or the crate it thinks it is building.
const LEAKED_VARS: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
    // Set by `cargo clippy`; it would lint the guests instead of building.
    "RUSTC_WORKSPACE_WRAPPER",
];

/// Prefixes of variables that leak the same way.
const LEAKED_PREFIXES: &[&str] = &[
    "CARGO_PKG_",
    "CARGO_CFG_",
    "CARGO_FEATURE_",
    "CARGO_BIN_EXE_",
    "CARGO_PROFILE_",
    "CARGO_BUILD_",
    "DEP_",
    // Cargo's internal variables.
    "__CARGO",
];

/// Whether the environment variable `name` must not reach the guest build.
fn leaks(name: &str) -> bool {
    LEAKED_VARS.contains(&name)
        || LEAKED_PREFIXES.iter().any(|p| name.starts_with(p))
        // RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS, CARGO_TARGET_<triple>_RUSTFLAGS,
        // RUSTDOCFLAGS, ...: coverage or sanitizer flags meant for the host
        // would break or bloat the guests.
        || name.ends_with("RUSTFLAGS")
        || name.ends_with("RUSTDOCFLAGS")
}

/// A `cargo` command with the leaking variables removed. Uses the cargo
/// that runs the caller (`$CARGO`) when there is one, so host and guests
/// build with the same toolchain.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(leaks) {
            cmd.env_remove(&name);
        }
    }
    cmd
}

/// Runs `cmd` to completion; an error unless it exits successfully.
pub(crate) fn run(cmd: &mut Command) -> Result<Output, BuildError> {
    let output = cmd.output().map_err(|source| BuildError::Spawn {
        command: describe(cmd),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(BuildError::Failed {
            command: describe(cmd),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// The command line of `cmd`, for error messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if arg.is_empty() || arg.contains(char::is_whitespace) {
        format!("'{arg}'")
    } else {
        arg.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::leaks;

    #[test]
    fn strips_what_an_outer_cargo_sets() {
        for name in [
            "CARGO_TARGET_DIR",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "CARGO_MAKEFLAGS",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_PKG_NAME",
            "CARGO_PROFILE_RELEASE_LTO",
            "__CARGO_FIX_PLZ",
        ] {
            assert!(leaks(name), "{name} should be removed");
        }
    }

    #[test]
    fn keeps_what_the_guest_build_needs() {
        for name in [
            "CARGO_HOME",
            "RUSTUP_TOOLCHAIN",
            "RUSTC_WRAPPER",
            "PATH",
            "HOME",
            "CARGO_NET_OFFLINE",
        ] {
            assert!(!leaks(name), "{name} should be kept");
        }
    }
}
