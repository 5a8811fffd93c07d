//! Getting an installed app running as its record says: re-reading and
//! re-verifying its package, loading it with the stored grants, putting
//! the runtime in the stored state, and refusing (with the reason kept)
//! what can no longer run.

use capsule_contract::AppIdError;
use capsule_package::{
    ArchiveLimits, ManifestError, OpenError, Opened, Package, PackageError, TrustPolicy,
    TrustStore, Verification, open_verified,
};
use capsule_runtime::{AppSpec, Hook, LifecycleEvent, LoadError, LoadReport};
use serde_json::{Map, Value};

use super::record::{AppRecord, Installed, Signature, Status, StoredPackage};
use super::{AppManager, Loaded, ManageError, grants, settings};
use crate::apps::AppsError;
use crate::apps::bots::ensure_bot;
use crate::apps::registry::Declared;

/// Reads `bytes` as a package and checks it under `trust` and `policy`:
/// archive and manifest, signature, contract version.
pub(super) fn verify(
    bytes: &[u8],
    trust: &TrustStore,
    policy: TrustPolicy,
) -> Result<(Package, Verification), ManageError> {
    let Opened {
        package,
        verification,
        ..
    } = open_verified(bytes, &ArchiveLimits::default(), trust, policy).map_err(|e| match e {
        OpenError::Unreadable(PackageError::Manifest(ManifestError::InvalidId {
            problem: AppIdError::Reserved,
            ..
        })) => ManageError::ReservedId(e.to_string()),
        e if e.is_refusal() => ManageError::Refused(e.to_string()),
        e => ManageError::Package(e.to_string()),
    })?;
    Ok((package, verification))
}

impl AppManager {
    /// The package `stored` describes, read from the packages folder
    /// (digest checked) and verified under the current trust.
    pub(super) async fn open(
        &self,
        stored: &StoredPackage,
    ) -> Result<(Package, Verification), ManageError> {
        let bytes = self
            .inner
            .folder
            .read(&stored.file, &stored.digest)
            .await
            .map_err(ManageError::Refused)?;
        let (trust, policy) = self.trust_now();
        verify(&bytes, &trust, policy)
    }

    /// Loads `package` into the runtime as app `id` with `granted`: its
    /// bot user and settings first, so its first call finds both.
    pub(super) async fn load(
        &self,
        id: &str,
        package: &Package,
        signature: &Signature,
        granted: &[capsule_package::Permission],
        settings: &Map<String, Value>,
    ) -> Result<LoadReport, ManageError> {
        let manifest = package.manifest();
        ensure_bot(&self.inner.chat, id, &manifest.name)
            .await
            .map_err(|e| ManageError::Refused(e.to_string()))?;
        let stored = Value::Object(settings.clone());
        self.inner.bridge.set_settings(
            id,
            crate::apps::settings::resolve(id, &manifest.settings, Some(&stored)),
        );
        let mut spec = AppSpec::from_manifest(manifest, grants::grant_set(manifest, granted));
        if let Signature::Signed { key_id, .. } = signature {
            spec = spec.signed_by(key_id.clone());
        }
        let report = self
            .inner
            .runtime
            .load(spec, package.component())
            .await
            .map_err(|e| match e {
                LoadError::MissingGrants { missing, .. } => {
                    ManageError::MissingGrants(missing.iter().map(|c| c.to_string()).collect())
                }
                other => ManageError::Load(other.to_string()),
            })?;
        tracing::info!(app = id, version = %manifest.version, cache = ?report.cache, "app loaded");
        self.inner.loaded.write().insert(
            id.to_owned(),
            Loaded {
                manifest: manifest.clone(),
                cache: report.cache,
            },
        );
        Ok(report)
    }

    /// Takes app `id` out of the runtime (not loaded is fine).
    pub(super) fn unload(&self, id: &str) {
        let _ = self.inner.runtime.unload(id);
        self.inner.loaded.write().remove(id);
    }

    /// Refuses `installed`: out of the runtime, status `refused` with
    /// `reason`. The admin's choice (`enabled`) is kept, so the app comes
    /// back as it was once what refused it is resolved.
    pub(super) fn refuse(&self, id: &str, installed: &mut Installed, reason: String) {
        tracing::error!(app = id, "app refused: {reason}");
        self.unload(id);
        installed.status = Status::Refused;
        installed.reason = Some(reason);
    }

    /// Puts the loaded app in the state its record asks for and writes
    /// its status. Returns whether it runs (the caller then announces it
    /// with `on-enable`). An app disabled after faults stays so: enabling
    /// it is an admin's decision, which sets the status first.
    pub(super) fn apply_state(
        &self,
        id: &str,
        installed: &mut Installed,
        settings: &Map<String, Value>,
    ) -> bool {
        let runtime = &self.inner.runtime;
        if installed.status == Status::DisabledAfterFaults {
            let _ = runtime.disable(id);
            return false;
        }
        if !installed.enabled {
            let _ = runtime.disable(id);
            installed.status = Status::Disabled;
            installed.reason = None;
            return false;
        }
        let missing = settings::missing_required(&installed.package.manifest, settings);
        if !missing.is_empty() {
            let _ = runtime.disable(id);
            installed.status = Status::InvalidSettings;
            installed.reason = Some(missing.join("; "));
            return false;
        }
        match runtime.enable(id) {
            Ok(()) => {
                installed.status = Status::Enabled;
                installed.reason = None;
                true
            }
            Err(error) => {
                installed.status = Status::Refused;
                installed.reason = Some(error.to_string());
                false
            }
        }
    }

    /// Gets an installed app running as its record says, or refuses it.
    /// Returns whether it runs.
    pub(super) async fn restore(&self, id: &str, record: &mut AppRecord) -> bool {
        let Some(installed) = record.installed.as_mut() else {
            return false;
        };
        let opened = self.open(&installed.package).await;
        let (package, verification) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                self.refuse(id, installed, error.to_string());
                return false;
            }
        };
        installed.package.signature = Signature::from(&verification);
        // A refusal is worked out again on every start: what refused the
        // app may be resolved now.
        if installed.status == Status::Refused {
            installed.status = Status::Enabled;
        }
        let loaded = self
            .load(
                id,
                &package,
                &installed.package.signature,
                &installed.granted,
                &record.settings,
            )
            .await;
        if let Err(error) = loaded {
            self.refuse(id, installed, error.to_string());
            return false;
        }
        self.apply_state(id, installed, &record.settings)
    }

    /// Restores every installed app from the store (at start). Returns
    /// the ids of those that run.
    pub(super) async fn restore_all(&self) -> Result<Vec<String>, AppsError> {
        let records = super::record::read_all(self.inner.data.as_ref())
            .await
            .map_err(|e| AppsError::Records(Box::new(e)))?;
        let mut running = Vec::new();
        for (id, mut record) in records {
            if record.installed.is_none() {
                continue;
            }
            if self.restore(&id, &mut record).await {
                running.push(id.clone());
            }
            self.save(&id, &record)
                .await
                .map_err(|source| AppsError::Manage {
                    app: id.clone(),
                    source: Box::new(source),
                })?;
        }
        Ok(running)
    }

    /// Tells app `id` that it is enabled, when it implements `lifecycle`.
    /// An app that refuses is disabled, with its reason as its status;
    /// one whose call faults stays enabled, and the fault counts as any.
    pub(super) async fn announce_enabled(&self, id: &str) {
        self.lifecycle(id, LifecycleEvent::Enable).await;
    }

    /// Calls `event` of app `id`'s `lifecycle`, if it implements it.
    /// Returns the app's refusal, if it refused (an enable refusal also
    /// disables it).
    pub(super) async fn lifecycle(&self, id: &str, event: LifecycleEvent) -> Option<String> {
        let implements = self
            .inner
            .loaded
            .read()
            .get(id)
            .is_some_and(|l| l.manifest.hooks().any(|h| h == Hook::Lifecycle));
        if !implements {
            return None;
        }
        let enabling = event == LifecycleEvent::Enable;
        match self.inner.runtime.lifecycle(id, event).await {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => {
                tracing::error!(app = id, "the app refused a lifecycle event: {reason}");
                if enabling {
                    let _ = self.inner.runtime.disable(id);
                    self.record_refused_enable(id, &reason).await;
                }
                Some(reason)
            }
            Err(error) => {
                tracing::warn!(app = id, "a lifecycle call failed: {error}");
                None
            }
        }
    }

    /// Records that app `id` refused to be enabled.
    async fn record_refused_enable(&self, id: &str, reason: &str) {
        let Ok(Some(mut record)) = super::record::read(self.inner.data.as_ref(), id).await else {
            return;
        };
        if let Some(installed) = record.installed.as_mut() {
            installed.status = Status::Disabled;
            installed.reason = Some(format!("the app refused to be enabled: {reason}"));
            if let Err(error) = self.save(id, &record).await {
                tracing::error!(app = id, %error, "cannot record the app's refusal");
            }
        }
    }

    /// The declarations of the loaded apps with `candidate` in place of
    /// (or beside) the app of its id: refused when it clashes.
    pub(super) fn declared_with(
        &self,
        candidate: Option<&capsule_package::Manifest>,
    ) -> Result<Declared, AppsError> {
        let loaded = self.inner.loaded.read();
        let manifests: Vec<&capsule_package::Manifest> = loaded
            .values()
            .map(|l| &l.manifest)
            .filter(|m| candidate.is_none_or(|c| c.id != m.id))
            .chain(candidate)
            .collect();
        Declared::of(manifests)
    }

    /// Rebuilds the commands and endpoints the chat routes with from the
    /// loaded apps.
    pub(super) fn rebuild_registry(&self) -> Result<(), AppsError> {
        let declared = self.declared_with(None)?;
        self.inner.registry.replace(declared);
        Ok(())
    }
}
