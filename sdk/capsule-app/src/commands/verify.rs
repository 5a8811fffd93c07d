//! `capsule-app verify`: would a server accept this package?

use std::path::PathBuf;

use anyhow::{Context, Result};
use capsule_package::{TrustPolicy, Verification, check_api};

/// Arguments of `verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The package to check.
    pub package: PathBuf,
    /// A trust store file (as a server keeps it).
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// A publisher's public key to trust (repeatable).
    #[arg(long = "key")]
    pub keys: Vec<PathBuf>,
    /// Check as a server in development mode would (unsigned and unknown keys pass).
    #[arg(long)]
    pub dev: bool,
}

pub fn run(args: Args) -> Result<()> {
    let package = super::read_package(&args.package)?;
    let trust = super::trust_from(args.trust.as_deref(), &args.keys)?;
    let verdict = package
        .verify(
            &trust,
            TrustPolicy {
                development_mode: args.dev,
            },
        )
        .with_context(|| format!("{} would be refused", args.package.display()))?;
    let api = check_api(package.manifest())
        .context("no contract version this runtime offers satisfies the package")?;
    let manifest = package.manifest();
    match verdict {
        Verification::Signed {
            key_id,
            publisher_name,
        } => {
            println!(
                "ok: {} {} signed by {publisher_name} (key {key_id}), contract {api}",
                manifest.id, manifest.version
            )
        }
        Verification::Unsigned => println!(
            "ok in development mode only: {} {} is not signed",
            manifest.id, manifest.version
        ),
        Verification::UntrustedAllowed { key_id } => println!(
            "ok in development mode only: {} {} is signed by key {key_id}, which is not trusted",
            manifest.id, manifest.version
        ),
    }
    Ok(())
}
