//! The packages folder, `<data_dir>/apps/packages/`: every installed or
//! uploaded package as it was received, named by app id, version and
//! digest. The record keeps the digest; reading a file checks it, so a
//! package altered on disk is refused rather than run.

use std::path::PathBuf;

use capsule_package::Manifest;
use sha2::{Digest, Sha256};

use super::ManageError;

/// Where package files are kept.
#[derive(Clone, Debug)]
pub struct PackageFolder {
    dir: PathBuf,
}

/// A package file written to the folder.
pub struct Saved {
    pub file: String,
    pub digest: String,
    pub size: u64,
}

/// Hex SHA-256 of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl PackageFolder {
    /// The folder `dir`, created when missing.
    pub fn open(dir: PathBuf) -> std::io::Result<PackageFolder> {
        std::fs::create_dir_all(&dir)?;
        Ok(PackageFolder { dir })
    }

    /// Writes `bytes`, the package of `manifest` (atomically: a crash
    /// leaves no half file under the final name).
    pub async fn save(&self, manifest: &Manifest, bytes: &[u8]) -> Result<Saved, ManageError> {
        let digest = digest_of(bytes);
        // Ids and semver versions hold only a-z, 0-9, `.`, `_`, `-`, `+`.
        let file = format!("{}-{}-{}.zip", manifest.id, manifest.version, &digest[..16]);
        let path = self.dir.join(&file);
        let temp = self.dir.join(format!(".{file}.{}.tmp", std::process::id()));
        let data = bytes.to_vec();
        let written = tokio::task::spawn_blocking(move || {
            std::fs::write(&temp, &data)?;
            std::fs::rename(&temp, &path)
        })
        .await
        .map_err(|e| ManageError::Io(e.to_string()))?;
        written.map_err(|e| ManageError::Io(format!("cannot write {file}: {e}")))?;
        Ok(Saved {
            file,
            digest,
            size: bytes.len() as u64,
        })
    }

    /// The bytes of `file` if they still have `digest`; else why not, as
    /// an admin reads it.
    pub async fn read(&self, file: &str, digest: &str) -> Result<Vec<u8>, String> {
        let path = self.dir.join(file);
        let reading = path.clone();
        let read = tokio::task::spawn_blocking(move || std::fs::read(reading))
            .await
            .map_err(|e| e.to_string())?;
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "its package file {} is missing; upload the package again",
                    path.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "its package file {} cannot be read: {e}",
                    path.display()
                ));
            }
        };
        let actual = digest_of(&bytes);
        if actual != digest {
            return Err(format!(
                "its package file {} was altered since it was installed (SHA-256 {actual}, installed {digest}); upload the package again",
                path.display()
            ));
        }
        Ok(bytes)
    }

    /// Deletes `file` (already gone is fine).
    pub async fn remove(&self, file: &str) {
        let path = self.dir.join(file);
        // A small unlink: not worth a blocking-pool round trip.
        if let Err(error) = std::fs::remove_file(&path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), %error, "cannot delete an app package file");
        }
    }
}
