//! `capsule-app test`: the app's own tests, which build its component and
//! run it in the real runtime with the test kit.

use std::path::PathBuf;
use std::process::Command;

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
    let status = Command::new("cargo")
        .arg("test")
        .args(&args.cargo_args)
        .current_dir(&dir)
        .status()
        .context("cannot run cargo: is the Rust toolchain installed and on PATH?")?;
    if !status.success() {
        bail!("the app's tests failed (see above); fix them and run `capsule-app test` again");
    }
    Ok(())
}
