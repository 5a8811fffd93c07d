//! `capsule-app new NAME`: an app that builds and passes its tests at once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::scaffold::{FILES, render};

/// Arguments of `new`.
#[derive(clap::Args)]
pub struct Args {
    /// The app's name: its crate name, app id and command (a-z, 0-9, `-`; starts with a letter).
    pub name: String,
    /// The folder to create; default: ./NAME.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The author named in the manifest.
    #[arg(long, default_value = "Your Name")]
    pub author: String,
    /// The folder holding capsule-sdk and testkit; default: the SDK this CLI was built from.
    #[arg(long)]
    pub sdk_path: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    check_name(&args.name)?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!(
            "{} exists and is not empty: choose another name or --dir",
            dir.display()
        );
    }
    let sdk_root = args
        .sdk_path
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let sdk_root = sdk_root.canonicalize().with_context(|| {
        format!(
            "the SDK folder {} does not exist: pass --sdk-path",
            sdk_root.display()
        )
    })?;
    let sdk = sdk_root.join("capsule-sdk");
    let testkit = sdk_root.join("testkit");
    if !sdk.join("Cargo.toml").is_file() || !testkit.join("Cargo.toml").is_file() {
        bail!(
            "{} holds no capsule-sdk/ and testkit/: pass --sdk-path with Capsule's sdk folder",
            sdk_root.display()
        );
    }
    let values = [
        ("name", args.name.as_str()),
        ("sdk", &*sdk.to_string_lossy()),
        ("testkit", &*testkit.to_string_lossy()),
        ("author", args.author.as_str()),
    ];
    for template in FILES {
        let path = dir.join(template.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, render(template.text, &values))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Start from the dependency versions Capsule itself is tested with, so
    // the app's tests build with the same toolchain and share compiled code;
    // then let cargo, offline, keep only what the app uses and add the app
    // itself (it changes no version), so the lock is exact: the first build
    // resolves nothing and `--locked` builds.
    std::fs::write(dir.join("Cargo.lock"), KNOWN_GOOD_LOCK)
        .with_context(|| format!("cannot write {}", dir.join("Cargo.lock").display()))?;
    let fit = |network: &[&'static str]| {
        let mut args = vec!["metadata", "--format-version", "1", "--quiet"];
        args.extend(network);
        crate::cargo::run(&dir, &args)
    };
    // Offline first; a machine that has never fetched some of the app's
    // dependencies needs the registry for that (no version changes).
    if fit(&["--offline"]).is_err()
        && let Err(error) = fit(&[])
    {
        eprintln!(
            "warning: could not fit Cargo.lock to the app yet ({error:#}); the first build will"
        );
    }
    println!(
        "created {} — next: cd {} && capsule-app test",
        args.name,
        dir.display()
    );
    Ok(())
}

/// The repository's lock file when this CLI was built.
const KNOWN_GOOD_LOCK: &str = include_str!("../../../../Cargo.lock");

/// A name that works as a crate name, an app id and a command.
fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!(
            "`{name}` is not a usable app name: use 1 to 64 of a-z, 0-9 and `-`, starting with a letter (e.g. `weather-bot`)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_must_work_as_crate_id_and_command() {
        assert!(check_name("weather-bot").is_ok());
        assert!(check_name("Weather").is_err());
        assert!(check_name("1bot").is_err());
        assert!(check_name("bad_name").is_err());
    }
}
