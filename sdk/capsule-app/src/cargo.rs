//! Running cargo on an app crate, and finding what it built.
//!
//! Every app builds in one build folder shared by all of a developer's
//! apps ([`shared_build_dir`]), so the SDK, the test kit and the WIT
//! tooling compile once per machine, not once per app.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Names the shared build folder instead of the default.
pub const BUILD_DIR_VARIABLE: &str = "CAPSULE_APP_BUILD_DIR";

/// The build folder apps share: `$CAPSULE_APP_BUILD_DIR`, else
/// `capsule-app/<version>/target` in the user's cache folder
/// (`$XDG_CACHE_HOME`, else `~/.cache`). `None` when the user chose a
/// target folder for cargo (`CARGO_TARGET_DIR`), which is kept, or has no
/// home folder (cargo's default then: the app's own `target`).
pub fn shared_build_dir() -> Option<PathBuf> {
    build_dir_from(|name| std::env::var_os(name))
}

/// [`shared_build_dir`] from the variables `var` reads.
fn build_dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if set("CARGO_TARGET_DIR").is_some() {
        return None;
    }
    if let Some(dir) = set(BUILD_DIR_VARIABLE) {
        return Some(dir.into());
    }
    let cache = set("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(
        cache
            .join("capsule-app")
            .join(env!("CARGO_PKG_VERSION"))
            .join("target"),
    )
}

/// `cargo`, building in the shared build folder.
pub fn command() -> Command {
    let mut cargo = Command::new("cargo");
    if let Some(dir) = shared_build_dir() {
        cargo.env("CARGO_TARGET_DIR", dir);
    }
    cargo
}

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
        let output = command()
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
    let output = command()
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

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    fn with(vars: &[(&str, &str)]) -> Option<PathBuf> {
        build_dir_from(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn apps_share_a_versioned_build_folder_in_the_users_cache() {
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            with(&[("HOME", "/home/ada")]),
            Some(PathBuf::from(format!(
                "/home/ada/.cache/capsule-app/{version}/target"
            )))
        );
        assert_eq!(
            with(&[("HOME", "/home/ada"), ("XDG_CACHE_HOME", "/cache")]),
            Some(PathBuf::from(format!(
                "/cache/capsule-app/{version}/target"
            )))
        );
        assert_eq!(
            with(&[("HOME", "/home/ada"), (BUILD_DIR_VARIABLE, "/builds")]),
            Some(PathBuf::from("/builds"))
        );
    }

    #[test]
    fn a_target_folder_the_user_chose_is_kept() {
        assert_eq!(
            with(&[("HOME", "/home/ada"), ("CARGO_TARGET_DIR", "/mine")]),
            None
        );
        assert_eq!(
            with(&[("CARGO_TARGET_DIR", "")]),
            None,
            "no home: cargo's default"
        );
    }
}
