//! The example apps' own unit tests, run by `cargo test --workspace`.
//!
//! `apps-examples` is a workspace of its own (its apps build for
//! wasm32-wasip2), so the root workspace's test run does not reach the
//! `#[cfg(test)]` modules inside the apps. This test runs them on the host:
//!
//! ```sh
//! cargo test --manifest-path apps-examples/Cargo.toml --workspace --exclude hello --lib
//! ```
//!
//! as a child process, with its own target folder under the root's
//! (`target/apps-examples-unit`, so it neither waits for nor disturbs the
//! outer build), and fails with the child's output when any test fails.
//!
//! `hello` is left out: it has no unit tests, and its dev-dependencies (the
//! test kit, hence wasmtime) would be built a second time for this child
//! run, a quarter of an hour on a 2-core CI machine. An app whose tests need
//! the test kit is tested in the runtime by its end-to-end test instead.

use std::path::Path;
use std::process::Command;

#[test]
fn the_example_apps_unit_tests_pass() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = repo.join("apps-examples").join("Cargo.toml");
    let target = repo.join("target").join("apps-examples-unit");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut command = Command::new(cargo);
    capsule_xtask::with_the_users_environment(&mut command)
        .args([
            "test",
            "--workspace",
            "--exclude",
            "hello",
            "--lib",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&repo);
    let output =
        capsule_server_harness::tools::run_to_end(&mut command, "the example apps' unit tests");
    // A run that found no tests at all would pass silently; the apps have
    // unit tests, so none passing means the command ran something else.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed: u64 = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert!(passed > 0, "no unit tests ran:\n{stdout}");
}
