//! What the test runner and the tests that run cargo themselves share:
//! giving a child cargo the environment of the shell the run started from.
//!
//! Cargo sets variables for a process it runs (`cargo run` of this task, a
//! test binary): `CARGO_PKG_NAME` and its siblings describe that process's
//! own crate. Some build scripts watch them (ring's build script reads
//! `CARGO_PKG_NAME`), so a child cargo that inherits them reruns those
//! scripts and rebuilds everything above them in a shared target folder:
//! for itself, and again for the next build from a clean shell. Removing
//! them makes every build of the run the same build.

use std::process::Command;

/// Variables cargo and nextest set for a process they run, which a child
/// cargo must not inherit (see the crate doc).
fn set_by_cargo_for_a_child(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "OUT_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
    ];
    const PREFIXES: &[&str] = &[
        "CARGO_PKG_",
        "CARGO_CFG_",
        "CARGO_FEATURE_",
        "CARGO_BIN_EXE_",
        "DEP_",
        "NEXTEST_",
        "__CARGO",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Gives `command` the environment the run was started with: removes what
/// cargo and nextest set for this process, keeps the user's own
/// settings (`CARGO_HOME`, `CARGO_INCREMENTAL`, `CARGO_PROFILE_*`, ...), so
/// a child cargo builds what the workspace build built and can reuse it.
pub fn with_the_users_environment(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_for_a_child) {
            command.env_remove(&name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::set_by_cargo_for_a_child;

    #[test]
    fn what_cargo_sets_for_its_child_is_removed_and_the_users_settings_kept() {
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "CARGO_TARGET_TMPDIR",
            "CARGO_BIN_EXE_capsule",
            "NEXTEST_RUN_ID",
            "__CARGO_FIX_PLZ",
        ] {
            assert!(set_by_cargo_for_a_child(name), "{name} should be removed");
        }
        for name in [
            "CARGO_HOME",
            "CARGO_INCREMENTAL",
            "CARGO_PROFILE_DEV_DEBUG",
            "CARGO_TARGET_DIR",
            "CARGO_NET_OFFLINE",
            "RUSTFLAGS",
            "RUSTUP_TOOLCHAIN",
            "PATH",
        ] {
            assert!(!set_by_cargo_for_a_child(name), "{name} should be kept");
        }
    }
}
