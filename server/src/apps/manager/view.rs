//! What the apps admin API answers: apps, settings, keys and logs as
//! JSON-ready values (camelCase, as Rocket.Chat's apps API writes them).

use capsule_package::{Manifest, Permission};
use capsule_runtime::{AppStatus, CacheOutcome, HealthReport, LogEntry};
use serde::Serialize;
use serde_json::Value;

use super::record::{Actor, AppRecord, Signature, Status};
use super::{AppManager, ManageError};
use crate::model::Timestamp;

/// One app as an admin sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// `enabled`, `disabled`, `disabled_after_faults`, `refused`,
    /// `awaiting_grant` or `invalid_settings`.
    pub status: &'static str,
    /// Why, for every status but `enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the admin set (`status` says whether it runs).
    pub enabled: bool,
    /// The manifest of the installed version (of the upload while it
    /// waits for a grant).
    pub manifest: Manifest,
    /// What the manifest asks for.
    pub requested_permissions: Vec<Permission>,
    /// What the admin granted; `None` while waiting for a grant.
    pub granted_permissions: Option<Vec<Permission>>,
    /// The capabilities the component imports (a grant must cover them).
    pub required_imports: Vec<String>,
    pub signature: Signature,
    /// An uploaded newer version waiting for a grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_update: Option<PendingUpdateView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_by: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Actor>,
    /// The configuration entry it was provisioned from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned_from: Option<String>,
    /// Where the running code came from when it was loaded: `compiled`,
    /// `disk` (the compiled-component cache) or `memory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_from: Option<&'static str>,
    /// Calls and faults since it was loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthView>,
}

/// An update waiting for a grant.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUpdateView {
    pub version: String,
    pub permissions: Vec<Permission>,
    pub required_imports: Vec<String>,
    pub uploaded_at: Timestamp,
    pub uploaded_by: Actor,
}

/// An app's call counters.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    pub calls: u64,
    pub faults: u64,
    pub faults_in_a_row: u32,
    /// Host calls refused (no grant, rate limit, loop); never faults.
    pub refusals: u64,
}

impl From<HealthReport> for HealthView {
    fn from(report: HealthReport) -> HealthView {
        HealthView {
            calls: report.calls,
            faults: report.faults,
            faults_in_a_row: report.faults_in_a_row,
            refusals: report.refusals,
        }
    }
}

/// One setting of an app.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingView {
    pub id: String,
    /// `text`, `number` or `boolean`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub required: bool,
    pub secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Whether an admin set a value.
    pub set: bool,
    /// The admin's value; never a secret's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A trusted publisher key.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    pub key_id: String,
    /// The publisher's name, as the key file gives it.
    pub publisher: String,
    /// `config` (the server's `trusted_keys`) or `api`.
    pub source: &'static str,
}

/// An app's recent logs, last fault, last refused host call and counters.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppLogs {
    pub logs: Vec<LogEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_fault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refusal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthView>,
}

fn names(imports: &[capsule_runtime::Capability]) -> Vec<String> {
    imports.iter().map(|c| c.name().to_owned()).collect()
}

fn cache_name(outcome: CacheOutcome) -> &'static str {
    match outcome {
        CacheOutcome::Compiled => "compiled",
        CacheOutcome::Disk => "disk",
        CacheOutcome::Memory => "memory",
    }
}

impl AppManager {
    /// The view of app `id` with `record`; `NotFound` for a record that
    /// is no app.
    pub(super) fn view(&self, id: &str, record: &AppRecord) -> Result<AppView, ManageError> {
        let runtime = &self.inner.runtime;
        let health = runtime.health(id).ok();
        let loaded_from = self
            .inner
            .loaded
            .read()
            .get(id)
            .map(|l| cache_name(l.cache));
        let pending_update = record
            .installed
            .as_ref()
            .and(record.pending.as_ref())
            .map(|p| PendingUpdateView {
                version: p.package.manifest.version.to_string(),
                permissions: p.package.manifest.permissions.clone(),
                required_imports: names(&p.package.imports),
                uploaded_at: p.uploaded_at,
                uploaded_by: p.uploaded_by.clone(),
            });
        let (package, status, reason) = match (&record.installed, &record.pending) {
            (Some(installed), _) => {
                let (status, reason) = match health.as_ref().map(|h| &h.status) {
                    // The runtime's word is newer than the record until the
                    // manager has written it down.
                    Some(AppStatus::DisabledAfterFaults {
                        last_fault,
                        faults_in_a_row,
                    }) if installed.status == Status::Enabled => (
                        Status::DisabledAfterFaults.name(),
                        Some(format!("{last_fault} ({faults_in_a_row} faults in a row)")),
                    ),
                    _ => (installed.status.name(), installed.reason.clone()),
                };
                (&installed.package, status, reason)
            }
            (None, Some(pending)) => (
                &pending.package,
                "awaiting_grant",
                Some("uploaded; its permissions are waiting to be granted".to_owned()),
            ),
            (None, None) => return Err(ManageError::NotFound(id.to_owned())),
        };
        let manifest = &package.manifest;
        let installed = record.installed.as_ref();
        Ok(AppView {
            id: id.to_owned(),
            name: manifest.name.clone(),
            version: manifest.version.to_string(),
            description: manifest.description.clone(),
            status,
            reason,
            enabled: installed.is_some_and(|i| i.enabled),
            manifest: manifest.clone(),
            requested_permissions: manifest.permissions.clone(),
            granted_permissions: installed.map(|i| i.granted.clone()),
            required_imports: names(&package.imports),
            signature: package.signature.clone(),
            pending_update,
            installed_at: installed.map(|i| i.installed_at),
            installed_by: installed.map(|i| i.installed_by.clone()),
            updated_at: installed.map(|i| i.updated_at),
            updated_by: installed.map(|i| i.updated_by.clone()),
            provisioned_from: installed.and_then(|i| i.provisioned_from.clone()),
            loaded_from,
            health: health.map(HealthView::from),
        })
    }
}
