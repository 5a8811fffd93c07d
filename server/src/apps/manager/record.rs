//! The app record: everything the server keeps about one app, as the
//! document of its `AppRecord` (`AppDataStore::put_app_record`).
//!
//! ```json
//! {"installed": {"package": {...}, "granted": [...], "enabled": true,
//!                "status": "enabled", "installedAt": ..., ...},
//!  "pending": {"package": {...}, "uploadedAt": ..., "uploadedBy": {...}},
//!  "settings": {"tag": "prod"}}
//! ```
//!
//! `installed` is what runs; `pending` an upload waiting for a grant (a
//! new app, or an update that asks for more); `settings` the admin's
//! values (read by [`crate::apps::settings::stored`], so a record holding
//! only settings, e.g. kept over an uninstall, is valid: it is no app).

use capsule_contract::RESERVED_APP_IDS;
use capsule_package::{Manifest, Permission, Verification};
use capsule_runtime::Capability;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ManageError;
use crate::model::{Timestamp, User};
use crate::store::{self, AppDataStore};

/// One app's record document.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<Installed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Upload>,
    /// Setting values by id (see [`crate::apps::settings`]).
    #[serde(default)]
    pub settings: Map<String, Value>,
}

/// The installed version of an app and what the admin set for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    pub package: StoredPackage,
    /// What the admin granted, in the manifest's permission shape.
    pub granted: Vec<Permission>,
    /// What the admin wants: enabled or not. The status says whether it is.
    pub enabled: bool,
    pub status: Status,
    /// Why the status is what it is (faults, refusal, settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub installed_at: Timestamp,
    pub installed_by: Actor,
    pub updated_at: Timestamp,
    pub updated_by: Actor,
    /// The configuration entry (`--app`) it was provisioned from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_from: Option<String>,
}

/// An uploaded package waiting for its permissions to be granted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub package: StoredPackage,
    pub uploaded_at: Timestamp,
    pub uploaded_by: Actor,
}

/// A package as kept in the packages folder.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPackage {
    pub manifest: Manifest,
    /// The file's name in the packages folder.
    pub file: String,
    /// Hex SHA-256 of the file: checked whenever it is read again.
    pub digest: String,
    pub size: u64,
    pub signature: Signature,
    /// The capabilities the component imports.
    pub imports: Vec<Capability>,
}

/// Why a package's signature was accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signature {
    /// By a trusted publisher key.
    Signed {
        #[serde(rename = "keyId")]
        key_id: String,
        publisher: String,
    },
    /// Not signed (development mode).
    Unsigned,
    /// By a key nobody trusts (development mode).
    UntrustedAllowed {
        #[serde(rename = "keyId")]
        key_id: String,
    },
}

impl From<&Verification> for Signature {
    fn from(verification: &Verification) -> Signature {
        match verification {
            Verification::Signed {
                key_id,
                publisher_name,
            } => Signature::Signed {
                key_id: key_id.clone(),
                publisher: publisher_name.clone(),
            },
            Verification::Unsigned => Signature::Unsigned,
            Verification::UntrustedAllowed { key_id } => Signature::UntrustedAllowed {
                key_id: key_id.clone(),
            },
        }
    }
}

impl Signature {
    /// The key that signed, if any.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Signature::Signed { key_id, .. } | Signature::UntrustedAllowed { key_id } => {
                Some(key_id)
            }
            Signature::Unsigned => None,
        }
    }
}

/// An installed app's status as stored (`awaiting_grant` is an app with
/// only a pending upload, so it is never stored here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Enabled,
    /// By an admin.
    Disabled,
    /// By the runtime, after too many faults in a row.
    DisabledAfterFaults,
    /// Not loaded: its signature is no longer trusted, its contract version
    /// unsupported, or its package file missing or altered.
    Refused,
    /// A required setting has no value.
    InvalidSettings,
}

impl Status {
    /// The status string of the apps API.
    pub fn name(self) -> &'static str {
        match self {
            Status::Enabled => "enabled",
            Status::Disabled => "disabled",
            Status::DisabledAfterFaults => "disabled_after_faults",
            Status::Refused => "refused",
            Status::InvalidSettings => "invalid_settings",
        }
    }
}

/// Who did something: a user, or the server itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub username: String,
}

impl Actor {
    /// The server itself: configuration provisioning, the runtime.
    pub fn system() -> Actor {
        Actor {
            id: "system".into(),
            username: "system".into(),
        }
    }

    /// Someone at the server's command line, working on its data folder
    /// (`capsule keys`): no account signs in there.
    pub fn command_line() -> Actor {
        Actor {
            id: "command-line".into(),
            username: "command-line".into(),
        }
    }
}

impl From<&User> for Actor {
    fn from(user: &User) -> Actor {
        Actor {
            id: user.id.0.clone(),
            username: user.username.clone(),
        }
    }
}

impl AppRecord {
    /// Whether the record is an app (installed or uploaded), not only
    /// settings kept over an uninstall.
    pub fn is_app(&self) -> bool {
        self.installed.is_some() || self.pending.is_some()
    }

    /// The manifest an admin sees first: the installed one, else the
    /// upload's.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.installed
            .as_ref()
            .map(|i| &i.package.manifest)
            .or(self.pending.as_ref().map(|p| &p.package.manifest))
    }
}

/// Reads app `id`'s record; `None` when it has none. A document that does
/// not parse is an error naming the app (never silently replaced).
pub async fn read(store: &dyn AppDataStore, id: &str) -> Result<Option<AppRecord>, ManageError> {
    let found = store.app_records().await?.into_iter().find(|r| r.id == id);
    found.map(|r| parse(&r)).transpose()
}

/// Every app's record, by id, leaving out the ids reserved from apps
/// (the trust documents sit under two of them).
pub async fn read_all(store: &dyn AppDataStore) -> Result<Vec<(String, AppRecord)>, ManageError> {
    let mut all = Vec::new();
    for record in store.app_records().await? {
        if RESERVED_APP_IDS.contains(&record.id.as_str()) {
            continue;
        }
        all.push((record.id.clone(), parse(&record)?));
    }
    Ok(all)
}

/// Writes app `id`'s record.
pub async fn write(
    store: &dyn AppDataStore,
    id: &str,
    record: &AppRecord,
) -> Result<(), ManageError> {
    let document = serde_json::to_value(record)
        .map_err(|e| ManageError::Io(format!("cannot encode the record of `{id}`: {e}")))?;
    store
        .put_app_record(&store::AppRecord {
            id: id.to_owned(),
            document,
        })
        .await?;
    Ok(())
}

fn parse(record: &store::AppRecord) -> Result<AppRecord, ManageError> {
    serde_json::from_value(record.document.clone()).map_err(|e| {
        ManageError::Store(crate::store::StoreError::Invalid(format!(
            "the record of app `{}` cannot be read: {e}",
            record.id
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_of_settings_only_is_no_app_and_keeps_its_settings() {
        let record: AppRecord =
            serde_json::from_value(json!({"settings": {"tag": "stored"}})).unwrap();
        assert!(!record.is_app());
        assert!(record.manifest().is_none());
        assert_eq!(
            serde_json::to_value(&record).unwrap(),
            json!({"settings": {"tag": "stored"}}),
            "nothing is added to what `apps::settings::stored` reads"
        );
    }

    #[test]
    fn statuses_and_signatures_are_written_as_the_api_names_them() {
        assert_eq!(
            serde_json::to_value(Status::DisabledAfterFaults).unwrap(),
            json!("disabled_after_faults")
        );
        assert_eq!(Status::DisabledAfterFaults.name(), "disabled_after_faults");
        let signed = Signature::Signed {
            key_id: "abc".into(),
            publisher: "Acme".into(),
        };
        let text = serde_json::to_value(&signed).unwrap();
        assert_eq!(
            text,
            json!({"kind": "signed", "keyId": "abc", "publisher": "Acme"})
        );
        assert_eq!(serde_json::from_value::<Signature>(text).unwrap(), signed);
        assert_eq!(signed.key_id(), Some("abc"));
    }
}
