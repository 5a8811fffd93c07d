//! `capsule-app keygen`: a publisher's ed25519 signing key and public key.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use capsule_package::SigningKey;

/// Arguments of `keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// The publisher name admins will see next to the key, e.g. "Acme Inc.".
    #[arg(long)]
    pub name: String,
    /// Where to write the secret signing key; the public key goes beside it
    /// as NAME.pub.json.
    #[arg(long, short, default_value = "capsule-signing-key.json")]
    pub out: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let public_path = public_path_for(&args.out);
    for path in [&args.out, &public_path] {
        if path.exists() && !args.force {
            bail!(
                "{} exists; pass --force to replace it (packages signed with the old key will no longer match it)",
                path.display()
            );
        }
    }
    let key = SigningKey::generate(args.name);
    key.save(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    std::fs::write(&public_path, key.public_key().to_json())
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    println!("key id      {}", key.key_id());
    println!(
        "signing key {} (secret: keep it out of version control)",
        args.out.display()
    );
    println!(
        "public key  {} (give this to the admins who should trust you)",
        public_path.display()
    );
    Ok(())
}

/// `key.json` → `key.pub.json`.
pub fn public_path_for(secret: &Path) -> PathBuf {
    let stem = secret
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".into());
    secret.with_file_name(format!("{stem}.pub.json"))
}
