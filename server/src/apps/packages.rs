//! The app packages the configuration lists, read and verified, and the
//! trust store of the configured key files.
//!
//! Listing a package in the server's configuration (`apps`) is the admin's
//! approval: the app manager provisions it (`manager::provision`), granted
//! every capability its manifest asks for, with the hosts and rooms it
//! names.
//!
//! Every package is read and its signature checked before the runtime
//! compiles anything, and one bad package fails the start: a server that
//! silently ran without an app the admin configured would be worse than
//! one that says which file is wrong.

use std::path::{Path, PathBuf};

use capsule_package::{
    ArchiveLimits, KeyError, Opened, Package, PackageError, PublicKey, TrustPolicy, TrustStore,
    Verification, open_verified,
};

use super::AppsError;

/// A package that was read and whose signature was accepted.
pub struct VerifiedPackage {
    /// The file it came from.
    pub path: PathBuf,
    /// The file's bytes, as read (kept in the packages folder).
    pub bytes: Vec<u8>,
    pub package: Package,
    /// Why its signature was accepted.
    pub verification: Verification,
}

/// The trust store of the publisher public key files in `paths`.
pub fn trust_store(paths: &[PathBuf]) -> Result<TrustStore, AppsError> {
    let mut trust = TrustStore::new();
    for path in paths {
        let key = PublicKey::load(path).map_err(|error| match error {
            KeyError::Io { source, .. } => AppsError::ReadTrustedKey {
                path: path.clone(),
                source,
            },
            source => AppsError::TrustedKey {
                path: path.clone(),
                source: Box::new(source),
            },
        })?;
        let id = key.key_id().to_owned();
        let name = key.name().to_owned();
        trust.add(key).map_err(|source| AppsError::TrustStore {
            path: path.clone(),
            source: Box::new(source),
        })?;
        tracing::info!(key_id = %id, publisher = %name, "trusting publisher key");
    }
    Ok(trust)
}

/// Reads the package at `path` and checks its signature under `trust` and
/// `policy`, and that the runtime speaks the contract version it needs.
pub fn verify_package(
    path: &Path,
    trust: &TrustStore,
    policy: TrustPolicy,
) -> Result<VerifiedPackage, AppsError> {
    let refused = |source: PackageError| AppsError::Package {
        path: path.to_owned(),
        source: Box::new(source),
    };
    let bytes = std::fs::read(path).map_err(|source| AppsError::ReadPackage {
        path: path.to_owned(),
        source,
    })?;
    let Opened {
        package,
        verification,
        ..
    } = open_verified(&bytes, &ArchiveLimits::default(), trust, policy)
        .map_err(|e| refused(e.into()))?;
    let app = &package.manifest().id;
    match &verification {
        Verification::Signed {
            key_id,
            publisher_name,
        } => tracing::info!(app, key_id, publisher = %publisher_name, "package signature verified"),
        Verification::Unsigned => tracing::warn!(
            app,
            path = %path.display(),
            "DEVELOPMENT MODE: loading an UNSIGNED app package; nothing says who made it"
        ),
        Verification::UntrustedAllowed { key_id } => tracing::warn!(
            app,
            key_id,
            path = %path.display(),
            "DEVELOPMENT MODE: loading an app package signed by an UNTRUSTED key"
        ),
    }
    Ok(VerifiedPackage {
        path: path.to_owned(),
        bytes,
        package,
        verification,
    })
}
