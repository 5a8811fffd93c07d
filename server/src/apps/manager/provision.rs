//! The apps the configuration lists (`--app`), provisioned through the
//! manager at start: installed when absent (granted what they request,
//! enabled, by `system`), updated when the file holds a newer version,
//! and left alone when the same version is installed, so that what an
//! admin changed since (disabled it, narrowed its grants, its settings)
//! survives a restart.
//!
//! A configured package that is bad fails the start, naming the file, as
//! before there was an apps admin: a server that silently ran without an
//! app the admin configured would be worse than one that says which file
//! is wrong.

use capsule_package::{VersionError, check_update};

use super::folder::digest_of;
use super::record::{self, Actor, Status};
use super::{AppManager, Grant, ManageError, grants};
use crate::apps::AppsError;
use crate::apps::packages::{self, VerifiedPackage};
use crate::apps::registry::Declared;
use crate::config::Config;

impl AppManager {
    /// Provisions every app `config` lists.
    pub(super) async fn provision(&self, config: &Config) -> Result<(), AppsError> {
        let (trust, policy) = self.trust_now();
        let verified = config
            .apps
            .iter()
            .map(|path| packages::verify_package(path, &trust, policy))
            .collect::<Result<Vec<_>, _>>()?;
        // Two configured apps that clash fail the start naming both, before
        // either is installed.
        Declared::of(verified.iter().map(|p| p.package.manifest()))?;
        for package in &verified {
            self.provision_one(package)
                .await
                .map_err(|source| AppsError::Provision {
                    path: package.path.clone(),
                    source: Box::new(source),
                })?;
        }
        Ok(())
    }

    async fn provision_one(&self, verified: &VerifiedPackage) -> Result<(), ManageError> {
        let manifest = verified.package.manifest();
        let id = manifest.id.as_str();
        let from = verified.path.display().to_string();
        let mut record = record::read(self.inner.data.as_ref(), id)
            .await?
            .unwrap_or_default();
        let granted = manifest.permissions.clone();
        let Some(installed) = record.installed.clone() else {
            let stored = self
                .store_package(&verified.package, &verified.bytes, &verified.verification)
                .await?;
            grants::checked(manifest, &stored.imports, &Grant::All)?;
            tracing::info!(app = id, version = %manifest.version, "installing the configured app");
            return self
                .install(
                    Actor::system(),
                    id,
                    &mut record,
                    stored,
                    &verified.package,
                    granted,
                    Some(from),
                )
                .await;
        };
        let current = &installed.package.manifest.version;
        match check_update(current, &manifest.version, false) {
            Ok(_) => {
                tracing::info!(app = id, from = %current, to = %manifest.version, "updating the configured app");
                let stored = self
                    .store_package(&verified.package, &verified.bytes, &verified.verification)
                    .await?;
                self.replace_installed(
                    Actor::system(),
                    id,
                    &mut record,
                    stored,
                    &verified.package,
                    granted,
                )
                .await
            }
            Err(VersionError::SameVersion { .. }) => {
                // The configured file is the one installed: if the stored
                // copy went missing or was altered, put it back.
                // Hashed only for a refused app: this runs at every start.
                if installed.status == Status::Refused
                    && installed.package.digest == digest_of(&verified.bytes)
                {
                    self.store_package(&verified.package, &verified.bytes, &verified.verification)
                        .await?;
                    let running = self.restore(id, &mut record).await;
                    self.save(id, &record).await?;
                    if running {
                        self.announce_enabled(id).await;
                    }
                }
                Ok(())
            }
            Err(_) => {
                tracing::warn!(
                    app = id,
                    configured = %manifest.version,
                    installed = %current,
                    "the configuration lists an older version of the app than the one installed; the installed one is kept"
                );
                Ok(())
            }
        }
    }
}
