//! One module per subcommand.

pub mod build;
pub mod deploy;
pub mod inspect;
pub mod keygen;
pub mod new;
pub mod package;
pub mod sign;
pub mod test;
pub mod trust;
pub mod verify;

use std::path::Path;

use anyhow::{Context, Result};
use capsule_package::{ArchiveLimits, Package, PublicKey, TrustStore};

/// Reads a package file, with what to do when it is not one.
pub fn read_package(path: &Path) -> Result<Package> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Package::read(&bytes, &ArchiveLimits::default())
        .with_context(|| format!("{} is not a valid Capsule package", path.display()))
}

/// A trust store from a trust-store file and/or public key files.
pub fn trust_from(store: Option<&Path>, keys: &[std::path::PathBuf]) -> Result<TrustStore> {
    let mut trust = match store {
        Some(path) => TrustStore::load(path)
            .with_context(|| format!("cannot load the trust store {}", path.display()))?,
        None => TrustStore::new(),
    };
    for path in keys {
        let key = PublicKey::load(path)
            .with_context(|| format!("cannot load the public key {}", path.display()))?;
        trust
            .add(key)
            .with_context(|| format!("cannot trust {}", path.display()))?;
    }
    Ok(trust)
}
