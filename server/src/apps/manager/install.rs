//! Installing, updating and uninstalling apps.
//!
//! An upload is verified (zip, manifest, signature under the current
//! trust, contract version) and kept as the record's `pending` package
//! until an admin grants its permissions; the grant installs it and
//! enables it. An update must raise the version; one that asks for nothing
//! new replaces the running version at once, keeping its grants, and one
//! that asks for more waits for a grant while the old version runs on.

use bytes::Bytes;
use capsule_package::{Package, Permission, Verification, check_update};
use capsule_runtime::LifecycleEvent;
use serde_json::{Value, json};

use super::activate::verify;
use super::grants::{self, Grant};
use super::record::{Actor, AppRecord, Installed, Signature, Status, StoredPackage, Upload};
use super::{AppManager, AppView, ManageError};
use crate::apps::AppsError;
use crate::model::{Timestamp, User};

/// The permissions `granted` as the audit log shows them.
fn permissions_json(granted: &[Permission]) -> Value {
    serde_json::to_value(granted).unwrap_or(Value::Null)
}

/// Why `declared` refuses a manifest beside the loaded apps, as an admin
/// reads it.
fn clash(error: AppsError) -> ManageError {
    match error {
        AppsError::DuplicateCommand {
            command,
            first,
            second,
        } => ManageError::Refused(format!(
            "the slash command `/{command}` is already declared by app `{first}`; app `{second}` cannot be installed beside it"
        )),
        other => ManageError::Refused(other.to_string()),
    }
}

impl AppManager {
    /// Verifies an uploaded package and keeps it, waiting for a grant
    /// (a new app: status `awaiting_grant`).
    pub async fn upload(&self, actor: &User, package: Bytes) -> Result<AppView, ManageError> {
        let package: &[u8] = &package;
        let _op = self.inner.ops.lock().await;
        let (trust, policy) = self.trust_now();
        let (verified, verification) = verify(package, &trust, policy)?;
        let id = verified.manifest().id.clone();
        let mut record = super::record::read(self.inner.data.as_ref(), &id)
            .await?
            .unwrap_or_default();
        if let Some(installed) = &record.installed {
            return Err(ManageError::AlreadyInstalled(format!(
                "app `{id}` is installed already (version {}); upload the package as an update of it",
                installed.package.manifest.version
            )));
        }
        self.keep_pending(
            Actor::from(actor),
            &id,
            &mut record,
            &verified,
            package,
            &verification,
        )
        .await?;
        self.save(&id, &record).await?;
        self.record_action(
            actor.into(),
            "app.upload",
            Some(&id),
            json!({"version": verified.manifest().version.to_string(),
                   "permissions": verified.manifest().permissions}),
        )
        .await?;
        self.view(&id, &record)
    }

    /// Updates app `id` to an uploaded newer version. One that asks for no
    /// permission the installed version did not is applied at once (with
    /// the grants it had, less what it no longer asks for); one that asks
    /// for more waits for a grant (`pendingUpdate`).
    pub async fn update(
        &self,
        actor: &User,
        id: &str,
        package: Bytes,
    ) -> Result<AppView, ManageError> {
        let package: &[u8] = &package;
        let _op = self.inner.ops.lock().await;
        let mut record = self.app_record(id).await?;
        let (trust, policy) = self.trust_now();
        let (verified, verification) = verify(package, &trust, policy)?;
        let manifest = verified.manifest();
        if manifest.id != id {
            return Err(ManageError::Package(format!(
                "the package is of app `{}`, not of `{id}`",
                manifest.id
            )));
        }
        let Some(installed) = record.installed.clone() else {
            // Not installed yet: the new upload replaces the waiting one.
            self.keep_pending(
                Actor::from(actor),
                id,
                &mut record,
                &verified,
                package,
                &verification,
            )
            .await?;
            self.save(id, &record).await?;
            self.record_action(
                actor.into(),
                "app.upload",
                Some(id),
                json!({"version": manifest.version.to_string(),
                       "permissions": manifest.permissions}),
            )
            .await?;
            return self.view(id, &record);
        };
        let old = &installed.package.manifest.version;
        if let Err(error) = check_update(old, &manifest.version, false) {
            return Err(match error {
                capsule_package::VersionError::Downgrade { installed, new } => {
                    ManageError::Downgrade {
                        installed: installed.to_string(),
                        uploaded: new.to_string(),
                    }
                }
                _ => ManageError::AlreadyInstalled(format!(
                    "version {old} of app `{id}` is installed already; an update must raise the version"
                )),
            });
        }
        let stored = self
            .store_package(&verified, package, &verification)
            .await?;
        let carried: Vec<Permission> = installed
            .granted
            .iter()
            .filter(|g| grants::resolve(manifest, &Grant::Only(vec![(*g).clone()])).is_ok())
            .cloned()
            .collect();
        let asks_more = manifest.permissions.iter().any(|p| {
            !installed
                .package
                .manifest
                .permissions
                .iter()
                .any(|q| q == p)
        });
        let covered = grants::missing(&stored.imports, &carried).is_empty();
        if asks_more || !covered {
            // The same package uploaded again keeps its file.
            self.supersede_pending(&mut record, &stored.file).await;
            record.pending = Some(Upload {
                package: stored,
                uploaded_at: Timestamp::now(),
                uploaded_by: actor.into(),
            });
            self.save(id, &record).await?;
            self.record_action(
                actor.into(),
                "app.update-upload",
                Some(id),
                json!({"from": old.to_string(), "version": manifest.version.to_string(),
                       "permissions": manifest.permissions}),
            )
            .await?;
            return self.view(id, &record);
        }
        // An older upload still waiting for a grant is superseded.
        self.supersede_pending(&mut record, &stored.file).await;
        self.replace_installed(actor.into(), id, &mut record, stored, &verified, carried)
            .await?;
        self.view(id, &record)
    }

    /// Grants app `id` permissions: installs (and enables) a new app,
    /// applies a waiting update, or changes an installed app's grants
    /// (revoking takes effect at the app's next call).
    pub async fn grant(
        &self,
        actor: &User,
        id: &str,
        grant: Grant,
    ) -> Result<AppView, ManageError> {
        let _op = self.inner.ops.lock().await;
        let mut record = self.app_record(id).await?;
        if let Some(pending) = record.pending.clone() {
            let granted =
                grants::checked(&pending.package.manifest, &pending.package.imports, &grant)?;
            let (package, verification) = self.open(&pending.package).await?;
            let mut stored = pending.package.clone();
            stored.signature = Signature::from(&verification);
            if record.installed.is_some() {
                self.replace_installed(actor.into(), id, &mut record, stored, &package, granted)
                    .await?;
            } else {
                self.install(
                    actor.into(),
                    id,
                    &mut record,
                    stored,
                    &package,
                    granted,
                    None,
                )
                .await?;
            }
            return self.view(id, &record);
        }
        let Some(installed) = record.installed.as_mut() else {
            return Err(ManageError::NotFound(id.to_owned()));
        };
        let manifest = installed.package.manifest.clone();
        let granted = grants::checked(&manifest, &installed.package.imports, &grant)?;
        if installed.status != Status::Refused {
            self.inner
                .runtime
                .set_grants(id, grants::grant_set(&manifest, &granted))
                .map_err(|e| ManageError::Load(e.to_string()))?;
        }
        installed.granted = granted.clone();
        installed.updated_at = Timestamp::now();
        installed.updated_by = actor.into();
        self.save(id, &record).await?;
        self.record_action(
            actor.into(),
            "app.grant",
            Some(id),
            json!({"permissions": permissions_json(&granted)}),
        )
        .await?;
        self.view(id, &record)
    }

    /// Uninstalls app `id`: out of the runtime, its jobs deleted, its
    /// key-value data and settings deleted unless `keep_data`, its record
    /// and package files deleted. Its bot user stays (its messages name it).
    pub async fn uninstall(
        &self,
        actor: &User,
        id: &str,
        keep_data: bool,
    ) -> Result<(), ManageError> {
        let _op = self.inner.ops.lock().await;
        let record = self.app_record(id).await?;
        if record.installed.is_some() {
            self.lifecycle(id, LifecycleEvent::Uninstall).await;
        }
        self.unload(id);
        self.rebuild_registry().map_err(clash)?;
        self.inner.bridge.forget_app(id);
        let jobs = self
            .inner
            .scheduler
            .remove_app(id)
            .await
            .map_err(|e| ManageError::Io(format!("cannot delete the app's jobs: {e}")))?;
        let keys = if keep_data {
            0
        } else {
            self.inner.data.clear_app_data(id).await?
        };
        if keep_data && !record.settings.is_empty() {
            let kept = AppRecord {
                settings: record.settings.clone(),
                ..AppRecord::default()
            };
            self.save(id, &kept).await?;
        } else {
            self.inner.data.delete_app_record(id).await?;
        }
        for file in record
            .installed
            .iter()
            .map(|i| &i.package.file)
            .chain(record.pending.iter().map(|p| &p.package.file))
        {
            self.inner.folder.remove(file).await;
        }
        self.record_action(
            actor.into(),
            "app.uninstall",
            Some(id),
            json!({"keepData": keep_data, "jobsDeleted": jobs, "keysDeleted": keys,
                   "version": record.manifest().map(|m| m.version.to_string())}),
        )
        .await?;
        Ok(())
    }

    /// Drops `record`'s upload waiting for a grant, deleting its package
    /// file unless it is `kept` (the same package uploaded again is stored
    /// under the same name).
    async fn supersede_pending(&self, record: &mut AppRecord, kept: &str) {
        if let Some(previous) = record.pending.take()
            && previous.package.file != kept
        {
            self.inner.folder.remove(&previous.package.file).await;
        }
    }

    /// Writes a verified upload to the packages folder, with what its
    /// component imports.
    pub(super) async fn store_package(
        &self,
        package: &Package,
        bytes: &[u8],
        verification: &Verification,
    ) -> Result<StoredPackage, ManageError> {
        let imports =
            grants::component_imports(package.component()).map_err(ManageError::Package)?;
        let saved = self.inner.folder.save(package.manifest(), bytes).await?;
        Ok(StoredPackage {
            manifest: package.manifest().clone(),
            file: saved.file,
            digest: saved.digest,
            size: saved.size,
            signature: Signature::from(verification),
            imports,
        })
    }

    /// Keeps `package` as `record`'s waiting upload (replacing one).
    async fn keep_pending(
        &self,
        actor: Actor,
        id: &str,
        record: &mut AppRecord,
        package: &Package,
        bytes: &[u8],
        verification: &Verification,
    ) -> Result<(), ManageError> {
        let stored = self.store_package(package, bytes, verification).await?;
        self.supersede_pending(record, &stored.file).await;
        tracing::info!(app = id, version = %package.manifest().version, "app package uploaded; waiting for a grant");
        record.pending = Some(Upload {
            package: stored,
            uploaded_at: Timestamp::now(),
            uploaded_by: actor,
        });
        Ok(())
    }

    /// Installs a new app from `stored` (its file already in the folder),
    /// granted `granted`, and enables it unless a required setting is
    /// missing.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn install(
        &self,
        actor: Actor,
        id: &str,
        record: &mut AppRecord,
        stored: StoredPackage,
        package: &Package,
        granted: Vec<Permission>,
        provisioned_from: Option<String>,
    ) -> Result<(), ManageError> {
        self.declared_with(Some(package.manifest()))
            .map_err(clash)?;
        self.load(id, package, &stored.signature, &granted, &record.settings)
            .await?;
        let now = Timestamp::now();
        let version = stored.manifest.version.to_string();
        let mut installed = Installed {
            package: stored,
            granted,
            enabled: true,
            status: Status::Enabled,
            reason: None,
            installed_at: now,
            installed_by: actor.clone(),
            updated_at: now,
            updated_by: actor.clone(),
            provisioned_from,
        };
        let running = self.apply_state(id, &mut installed, &record.settings);
        let detail = json!({"version": version, "permissions": permissions_json(&installed.granted),
                            "from": installed.provisioned_from});
        let file = installed.package.file.clone();
        record.installed = Some(installed);
        self.supersede_pending(record, &file).await;
        if let Err(error) = self.save(id, record).await {
            self.unload(id);
            return Err(error);
        }
        self.rebuild_registry().map_err(clash)?;
        self.record_action(actor, "app.install", Some(id), detail)
            .await?;
        self.lifecycle(id, LifecycleEvent::Install).await;
        if running {
            self.announce_enabled(id).await;
        }
        Ok(())
    }

    /// Replaces the installed version of `id` with `stored`, granted
    /// `granted`, keeping what the admin set (enabled or not, settings).
    /// If the new version cannot be loaded the old one is loaded again.
    pub(super) async fn replace_installed(
        &self,
        actor: Actor,
        id: &str,
        record: &mut AppRecord,
        stored: StoredPackage,
        package: &Package,
        granted: Vec<Permission>,
    ) -> Result<(), ManageError> {
        let Some(mut installed) = record.installed.clone() else {
            return Err(ManageError::NotFound(id.to_owned()));
        };
        self.declared_with(Some(package.manifest()))
            .map_err(clash)?;
        self.unload(id);
        if let Err(error) = self
            .load(id, package, &stored.signature, &granted, &record.settings)
            .await
        {
            tracing::error!(app = id, %error, "the update cannot be loaded; the installed version is loaded again");
            self.restore(id, record).await;
            self.rebuild_registry().map_err(clash)?;
            return Err(error);
        }
        let from = installed.package.manifest.version.to_string();
        let old_file = std::mem::replace(&mut installed.package, stored);
        installed.granted = granted;
        installed.updated_at = Timestamp::now();
        installed.updated_by = actor.clone();
        // A new version starts afresh: the faults were the old one's.
        if installed.status != Status::Disabled {
            installed.status = Status::Enabled;
        }
        let running = self.apply_state(id, &mut installed, &record.settings);
        let detail = json!({"from": from, "version": installed.package.manifest.version.to_string(),
                            "permissions": permissions_json(&installed.granted)});
        let new_file = installed.package.file.clone();
        record.installed = Some(installed);
        // Whatever waited for a grant is this version (or older).
        self.supersede_pending(record, &new_file).await;
        self.save(id, record).await?;
        if old_file.file != new_file {
            self.inner.folder.remove(&old_file.file).await;
        }
        self.rebuild_registry().map_err(clash)?;
        self.record_action(actor, "app.update", Some(id), detail)
            .await?;
        if running {
            self.announce_enabled(id).await;
        }
        Ok(())
    }
}
