//! `cargo xtask test`: the one command that runs every test of the
//! repository (CI runs it through `.ci/run`).
//!
//! It installs what the run itself needs when it is missing (the
//! `wasm32-wasip2` target, cargo-nextest), then runs the unit, integration
//! and end-to-end tests with cargo-nextest, which runs test binaries side
//! by side (plain `cargo test` runs them one after another, so the long
//! ones, a guide that compiles an app or a browser, keep both cores idle
//! half the time), and the doc tests with `cargo test --doc`, which nextest
//! does not run. What single tests need beyond that (Chromium, a Python
//! virtualenv, npm packages) they install themselves, so any one of them
//! also runs alone under `cargo test`. See `docs/testing.md`.
//!
//! Arguments after `test` go to nextest, e.g. `cargo xtask test -E
//! 'binary(chat)'`.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use capsule_xtask::with_the_users_environment;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.split_first() {
        Some((task, rest)) if task == "test" => test(rest),
        _ => {
            eprintln!("usage: cargo xtask test [nextest arguments]");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Every test: nextest for the test binaries, cargo for the doc tests.
/// Both run even when the first fails, so one run reports every failure.
fn test(nextest_args: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    ensure_nextest()?;
    let binaries = run(cargo()
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .args(nextest_args));
    let doc = run(cargo().args(["test", "--workspace", "--doc"]));
    match (binaries, doc) {
        (Ok(()), Ok(())) => Ok(()),
        (binaries, doc) => {
            let failed: Vec<&str> = [("the test binaries", binaries), ("the doc tests", doc)]
                .into_iter()
                .filter(|(_, outcome)| outcome.is_err())
                .map(|(what, _)| what)
                .collect();
            bail!("{} failed (see above)", failed.join(" and "))
        }
    }
}

/// Adds the target apps build for when rustup lacks it.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("cannot run rustup: the tests build apps for wasm32-wasip2 and need rustup to add that target")?;
    let listed = String::from_utf8_lossy(&installed.stdout);
    if listed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Installs cargo-nextest (from crates.io, at the versions its lock file
/// names) when `cargo nextest` is not there.
fn ensure_nextest() -> Result<()> {
    let present = cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: cargo-nextest is missing; installing it (once, a few minutes)");
    run(cargo().args(["install", "cargo-nextest", "--locked"]))
        .context("installing cargo-nextest failed; install it yourself (`cargo install cargo-nextest --locked`) or run `cargo test --workspace`, which runs the same tests one binary at a time")
}

/// A command of the cargo that runs this task (cargo sets `CARGO` for
/// `cargo run`), with the environment the task was started from: its
/// builds are then the builds a test's child cargo makes, and neither
/// invalidates the other.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    with_the_users_environment(&mut command);
    command
}

/// Runs `command` with the terminal as its output; an error when it fails.
fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}
