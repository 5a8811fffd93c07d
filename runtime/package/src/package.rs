//! A read package: its files and its validated manifest.

use crate::archive::{self, ArchiveError, ArchiveLimits, Files};
use crate::error::PackageError;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::names::{MAX_NAME_BYTES, check_name};
use crate::trust::TrustStore;
use crate::verify::{self, TrustPolicy, Verification};

/// A package that has been read and whose manifest is valid. Its signature
/// has not been checked: call [`verify`](Package::verify) before using
/// [`component`](Package::component).
#[derive(Clone)]
pub struct Package {
    files: Files,
    manifest: Manifest,
}

impl std::fmt::Debug for Package {
    // Names and sizes rather than contents: a component is megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|(name, data)| format!("{name} ({} bytes)", data.len()))
            .collect();
        f.debug_struct("Package")
            .field("id", &self.manifest.id)
            .field("version", &self.manifest.version.to_string())
            .field("files", &files)
            .finish()
    }
}

impl Package {
    /// Reads a package zip (untrusted) under `limits`: the archive rules,
    /// then the manifest, then that the component and icon it names exist.
    pub fn read(bytes: &[u8], limits: &ArchiveLimits) -> Result<Package, PackageError> {
        Package::from_files(archive::read(bytes, limits)?)
    }

    /// A package of already-unpacked files, checked as [`read`](Package::read)
    /// checks them after unzipping.
    pub fn from_files(files: Files) -> Result<Package, PackageError> {
        for name in files.keys() {
            check_name(name, MAX_NAME_BYTES).map_err(|problem| ArchiveError::UnsafeName {
                name: name.clone(),
                problem,
            })?;
        }
        archive::check_name_set(files.keys().map(String::as_str))?;
        let raw = files
            .get(MANIFEST_FILE)
            .ok_or(PackageError::MissingManifest)?;
        let manifest = Manifest::parse(raw)?;
        if !files.contains_key(&manifest.component) {
            return Err(PackageError::MissingFile {
                field: "component",
                path: manifest.component.clone(),
            });
        }
        if let Some(icon) = manifest
            .icon
            .as_ref()
            .filter(|icon| !files.contains_key(*icon))
        {
            return Err(PackageError::MissingFile {
                field: "icon",
                path: icon.clone(),
            });
        }
        Ok(Package { files, manifest })
    }

    /// Checks the signature (see the crate docs for why this comes before
    /// anything touches the component).
    pub fn verify(
        &self,
        trust: &TrustStore,
        policy: TrustPolicy,
    ) -> Result<Verification, PackageError> {
        verify::verify(&self.files, trust, policy)
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The component's bytes, unparsed. Only hand them to the runtime after
    /// [`verify`](Package::verify) accepted the package.
    pub fn component(&self) -> &[u8] {
        // `read` checked that the file exists.
        self.files
            .get(&self.manifest.component)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every file, `signature.json` included.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// The files, for repacking or signing.
    pub fn into_files(self) -> Files {
        self.files
    }
}
