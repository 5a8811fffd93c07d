//! `capsule-app sign`: sign (or re-sign) a package with a publisher key.

use std::path::PathBuf;

use anyhow::{Context, Result};
use capsule_package::{SigningKey, build, sign};

/// Arguments of `sign`.
#[derive(clap::Args)]
pub struct Args {
    /// The package to sign.
    pub package: PathBuf,
    /// The signing key (from `capsule-app keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// Where to write the signed package; default: replace the input.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let package = super::read_package(&args.package)?;
    let key = SigningKey::load(&args.key)
        .with_context(|| format!("cannot load the signing key {}", args.key.display()))?;
    let signed = sign(package.files(), &key);
    let out = args.out.unwrap_or(args.package);
    std::fs::write(&out, build(&signed)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "signed {} with key {} ({})",
        out.display(),
        key.key_id(),
        key.name()
    );
    Ok(())
}
