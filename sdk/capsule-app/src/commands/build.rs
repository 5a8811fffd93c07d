//! `capsule-app build`: compile to wasm32-wasip2 in release mode, then package.

use std::path::PathBuf;

use anyhow::Result;

use crate::cargo::{self, AppCrate, WASM_TARGET};
use crate::progress::step;

/// Arguments of `build`.
#[derive(clap::Args)]
pub struct Args {
    /// The app folder; default: the current folder.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub output: super::package::Output,
}

pub fn run(args: Args) -> Result<()> {
    let dir = crate::app_dir(args.dir);
    let app = AppCrate::locate(&dir)?;
    step(
        "checking the wasm32-wasip2 target",
        cargo::ensure_wasm_target,
    )?;
    step(
        &format!("compiling {} for {WASM_TARGET} (release)", app.name),
        || cargo::run(&dir, &["build", "--release", "--target", WASM_TARGET]),
    )?;
    let package = step("packaging", || {
        super::package::package_app(
            &dir,
            &app.component_path(),
            args.output.key.as_deref(),
            args.output.out,
        )
    })?;
    println!("{}", package.display());
    Ok(())
}
