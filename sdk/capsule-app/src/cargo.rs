//! Running cargo on an app crate, and finding what it built.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The compilation target of every app.
pub use capsule_testkit::WASM_TARGET;

/// What cargo knows about the app crate in a folder.
pub struct AppCrate {
    /// The crate's name, as in its `Cargo.toml`.
    pub name: String,
    /// Where cargo puts build output for it (its workspace's target folder).
    pub target_dir: PathBuf,
}

impl AppCrate {
    /// Asks `cargo metadata` about the crate whose `Cargo.toml` is in `dir`.
    pub fn locate(dir: &Path) -> Result<AppCrate> {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            bail!(
                "no Cargo.toml in {}: run this in an app folder, pass --dir, or start one with `capsule-app new NAME`",
                dir.display()
            );
        }
        let output = Command::new("cargo")
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .context("cannot run cargo: is the Rust toolchain installed and on PATH?")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed for {}:\n{}",
                manifest.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let meta: serde_json::Value = serde_json::from_slice(&output.stdout)
            .context("cargo metadata printed something that is not JSON")?;
        let wanted = manifest.canonicalize()?;
        let name = meta["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| {
                p["manifest_path"]
                    .as_str()
                    .and_then(|m| Path::new(m).canonicalize().ok())
                    .as_deref()
                    == Some(&wanted)
            })
            .and_then(|p| p["name"].as_str())
            .with_context(|| {
                format!(
                    "{} is a workspace, not an app crate: pass --dir with the app's own folder",
                    manifest.display()
                )
            })?
            .to_string();
        let target_dir = meta["target_directory"]
            .as_str()
            .context("cargo metadata gave no target directory")?
            .into();
        Ok(AppCrate { name, target_dir })
    }

    /// The component a release build for wasm32-wasip2 produces.
    pub fn component_path(&self) -> PathBuf {
        self.target_dir
            .join(WASM_TARGET)
            .join("release")
            .join(format!("{}.wasm", self.name.replace('-', "_")))
    }
}

/// Installs the wasm32-wasip2 target with rustup when it is missing (the
/// test kit's installer, shared so both behave the same).
pub fn ensure_wasm_target() -> Result<()> {
    capsule_testkit::ensure_wasm_target()
        .context("cannot install the wasm32-wasip2 target: run `rustup target add wasm32-wasip2` yourself and try again")
}

/// Runs cargo with `args` in `dir`, output captured; on failure the error
/// carries cargo's own messages.
pub fn run(dir: &Path, args: &[&str]) -> Result<()> {
    let output = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run cargo: is the Rust toolchain installed and on PATH?")?;
    if !output.status.success() {
        bail!(
            "`cargo {}` failed in {}:\n{}{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
