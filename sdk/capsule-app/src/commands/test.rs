//! `capsule-app test`: the app's own tests, which build its component and
//! run it in the real runtime with the test kit; and `capsule-app
//! test-host`, where that runtime runs.
//!
//! An app's tests use the test kit without its runtime (so they compile in
//! seconds); each `TestApp` starts `capsule-app test-host` and drives the
//! app in it. `test` tells the kit to start this very executable, so the
//! runtime is the one this CLI was built with.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::cargo;
use crate::progress::step;

/// Arguments of `test`.
#[derive(clap::Args)]
pub struct Args {
    /// The app folder; default: the current folder.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Passed on to `cargo test` (e.g. a test name filter).
    #[arg(trailing_var_arg = true)]
    pub cargo_args: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    let dir = crate::app_dir(args.dir);
    cargo::AppCrate::locate(&dir)?;
    step(
        "checking the wasm32-wasip2 target",
        cargo::ensure_wasm_target,
    )?;
    // The tests' own output is the point: stream it.
    let this = std::env::current_exe().context("cannot find the capsule-app executable")?;
    let status = cargo::command()
        .arg("test")
        .env(capsule_testkit::TEST_HOST_VARIABLE, this)
        .args(&args.cargo_args)
        .current_dir(&dir)
        .status()
        .context("cannot run cargo: is the Rust toolchain installed and on PATH?")?;
    if !status.success() {
        bail!("the app's tests failed (see above); fix them and run `capsule-app test` again");
    }
    Ok(())
}

/// `capsule-app test-host`: serves the test kit's calls on stdin and
/// stdout until stdin ends.
pub fn host() -> Result<()> {
    capsule_testkit::host::serve(std::io::stdin().lock(), std::io::stdout().lock())
        .context("the test host lost its test")
}
