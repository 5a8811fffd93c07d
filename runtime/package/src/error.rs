//! Why a package was refused.

use super::archive::ArchiveError;
use super::digest::FileChanges;
use super::manifest::ManifestError;
use super::version::VersionError;

/// Why a package could not be read, verified or installed. Each variant
/// names the file or field at fault and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The zip itself was refused.
    #[error("{0}")]
    Archive(#[from] ArchiveError),
    /// There is no `manifest.json`.
    #[error(
        "the package has no `manifest.json` at its root; every package needs one (see docs/packages.md)"
    )]
    MissingManifest,
    /// `manifest.json` is malformed or invalid.
    #[error("manifest.json: {0}")]
    Manifest(#[from] ManifestError),
    /// The manifest names a file the package does not hold.
    #[error(
        "manifest.json: `{field}` names `{path}`, but the package has no such file; add the file or correct the path"
    )]
    MissingFile { field: &'static str, path: String },
    /// No `signature.json`, outside development mode.
    #[error(
        "the package is not signed (it has no signature.json); have its publisher sign it, or turn on development mode to install unsigned packages"
    )]
    Unsigned,
    /// `signature.json` is malformed.
    #[error("signature.json: {reason}; sign the package again")]
    InvalidSignatureFile { reason: String },
    /// `signature.json` uses an algorithm other than ed25519.
    #[error("signature.json: algorithm `{found}` is not supported; sign with `ed25519`")]
    WrongAlgorithm { found: String },
    /// The signing key is not in the trust store, outside development mode.
    #[error(
        "the package is signed with key `{key_id}`, which is not in the trust store; if you trust its publisher, add their public key file (confirm the key id with them first)"
    )]
    UnknownKey { key_id: String },
    /// The signature does not verify under the trusted key.
    #[error(
        "signature.json: the signature is not valid for key `{key_id}` ({publisher}); the package or its signature was altered — get it again from its publisher"
    )]
    BadSignature { key_id: String, publisher: String },
    /// The files are not the ones that were signed.
    #[error("the package's files are not the ones that were signed: {}; get the package again from its publisher", describe_mismatch(.changes.as_ref(), .present))]
    DigestMismatch {
        /// Which files changed, when `signature.json` lists the signed files.
        changes: Option<FileChanges>,
        /// The files the package holds (but the signature), when it does not.
        present: Vec<String>,
    },
    /// The contract version or the update is not acceptable.
    #[error("{0}")]
    Version(#[from] VersionError),
}

fn describe_mismatch(changes: Option<&FileChanges>, present: &[String]) -> String {
    let Some(changes) = changes else {
        return format!(
            "the digest does not match (files present: {})",
            present.join(", ")
        );
    };
    let mut parts = Vec::new();
    for (label, names) in [
        ("changed", &changes.changed),
        ("added", &changes.added),
        ("removed", &changes.removed),
    ] {
        if !names.is_empty() {
            parts.push(format!(
                "{label} {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    parts.join("; ")
}
