//! Whose packages the server runs: the trusted publisher keys and
//! development mode.
//!
//! Keys come from two places: the configuration (`trusted_keys`, read at
//! every start, changed only there) and the apps admin API (kept in the
//! store). Development mode is on when the configuration turns it on or an
//! admin did.
//!
//! **Where the admin's choices live.** In the app records, under the ids
//! `trusted-keys` (a trust store document, the format of
//! `TrustStore::to_json`) and `development` (`{"enabled": bool}`). Those ids
//! are reserved, so no app can take them, and the documents sit with the
//! app records they decide about (one backup, one replica set). The server
//! settings (`SettingStore`) were the other candidate, but their ids are
//! the generic settings API's namespace and `Settings::load` warns at every
//! start about each stored id it does not define.
//!
//! Every change is re-checked against the installed apps at once: taking
//! trust away refuses the apps that no longer verify; giving it retries
//! the refused ones.

use capsule_package::PublicKey;
use capsule_package::{TrustPolicy, TrustStore};
use serde_json::{Value, json};

use super::record::{self, Actor, Status};
use super::{AppManager, KeyView, ManageError};
use crate::apps::{AppsError, packages};
use crate::config::Config;
use crate::model::User;
use crate::store::{self as store, AppDataStore};

/// The record id of the keys added through the API.
const KEYS_RECORD: &str = "trusted-keys";
/// The record id of the admin's development mode.
const DEVELOPMENT_RECORD: &str = "development";

/// The trust the manager verifies packages under.
pub struct Trust {
    /// From the configuration's key files.
    configured: TrustStore,
    /// Added through the API.
    added: TrustStore,
    configured_development: bool,
    development: bool,
}

impl Trust {
    /// The configured keys (a bad key file fails the start, naming it) and
    /// what an admin stored.
    pub async fn load(store: &dyn AppDataStore, config: &Config) -> Result<Trust, AppsError> {
        let configured = packages::trust_store(&config.trusted_keys)?;
        let records = store
            .app_records()
            .await
            .map_err(|source| AppsError::Store {
                app: KEYS_RECORD.into(),
                source,
            })?;
        let mut added = TrustStore::new();
        let mut development = false;
        for record in records {
            match record.id.as_str() {
                KEYS_RECORD => {
                    added = TrustStore::from_json(
                        "the stored trusted keys",
                        &record.document.to_string(),
                    )
                    .map_err(|source| AppsError::StoredTrust(source.to_string()))?;
                }
                DEVELOPMENT_RECORD => {
                    development = record.document["enabled"].as_bool().unwrap_or(false);
                }
                _ => {}
            }
        }
        let trust = Trust {
            configured,
            added,
            configured_development: config.development,
            development,
        };
        if trust.policy().development_mode {
            tracing::warn!(
                "DEVELOPMENT MODE is on: unsigned app packages and packages signed by untrusted keys \
                 are loaded; never run a production server like this"
            );
        }
        Ok(trust)
    }

    /// Every trusted key.
    pub fn store(&self) -> TrustStore {
        let mut all = self.configured.clone();
        for key in self.added.list() {
            if let Err(error) = all.add(key.clone()) {
                tracing::warn!(%error, "a key added through the API clashes with a configured one; the configured one is used");
            }
        }
        all
    }

    /// The verification policy.
    pub fn policy(&self) -> TrustPolicy {
        TrustPolicy {
            development_mode: self.configured_development || self.development,
        }
    }
}

fn key_view(key: &PublicKey, source: &'static str) -> KeyView {
    KeyView {
        key_id: key.key_id().to_owned(),
        publisher: key.name().to_owned(),
        source,
    }
}

impl AppManager {
    /// The trust store and policy packages are verified under now.
    pub(super) fn trust_now(&self) -> (TrustStore, TrustPolicy) {
        let trust = self.inner.trust.read();
        (trust.store(), trust.policy())
    }

    /// Every trusted key, with where it comes from (`config` or `api`).
    pub async fn trusted_keys(&self) -> Result<Vec<KeyView>, ManageError> {
        let trust = self.inner.trust.read();
        let mut keys: Vec<KeyView> = trust
            .configured
            .list()
            .map(|k| key_view(k, "config"))
            .collect();
        keys.extend(
            trust
                .added
                .list()
                .filter(|k| trust.configured.get(k.key_id()).is_none())
                .map(|k| key_view(k, "api")),
        );
        Ok(keys)
    }

    /// Trusts the publisher key in `key_file` (a public key file's text,
    /// as `capsule-app keygen` writes it). Apps refused for that key are
    /// tried again.
    pub async fn add_trusted_key(
        &self,
        actor: Actor,
        key_file: &str,
    ) -> Result<KeyView, ManageError> {
        let _op = self.inner.ops.lock().await;
        let key = PublicKey::from_json(key_file).map_err(|e| ManageError::Key(e.to_string()))?;
        let mut added = self.inner.trust.read().added.clone();
        if self
            .inner
            .trust
            .read()
            .configured
            .get(key.key_id())
            .is_some()
        {
            return Ok(key_view(&key, "config"));
        }
        let new = added
            .add(key.clone())
            .map_err(|e| ManageError::Key(e.to_string()))?;
        if new {
            self.put_trust_record(KEYS_RECORD, &added.to_json()).await?;
            self.inner.trust.write().added = added;
            self.record_action(
                actor,
                "trusted-key.add",
                None,
                json!({"keyId": key.key_id(), "publisher": key.name()}),
            )
            .await?;
            self.recheck().await?;
        }
        Ok(key_view(&key, "api"))
    }

    /// Stops trusting the key `key_id` (one added through the API; a
    /// configured key is removed from the configuration). Returns the apps
    /// refused because of it.
    pub async fn remove_trusted_key(
        &self,
        actor: Actor,
        key_id: &str,
    ) -> Result<Vec<String>, ManageError> {
        let _op = self.inner.ops.lock().await;
        if self.inner.trust.read().configured.get(key_id).is_some() {
            return Err(ManageError::Key(format!(
                "key `{key_id}` is trusted by the server's configuration (`trusted_keys`); remove it there"
            )));
        }
        let mut added = self.inner.trust.read().added.clone();
        let removed = added
            .remove(key_id)
            .map_err(|_| ManageError::KeyNotFound(key_id.to_owned()))?;
        self.put_trust_record(KEYS_RECORD, &added.to_json()).await?;
        self.inner.trust.write().added = added;
        self.record_action(
            actor,
            "trusted-key.remove",
            None,
            json!({"keyId": key_id, "publisher": removed.name()}),
        )
        .await?;
        self.recheck().await
    }

    /// Whether development mode is on.
    pub fn development(&self) -> bool {
        self.inner.trust.read().policy().development_mode
    }

    /// Turns development mode on or off (off is refused while the
    /// configuration turns it on). Off refuses the running apps that are
    /// unsigned or signed by untrusted keys; on retries refused apps.
    pub async fn set_development(&self, actor: &User, on: bool) -> Result<bool, ManageError> {
        let _op = self.inner.ops.lock().await;
        if !on && self.inner.trust.read().configured_development {
            return Err(ManageError::Refused(
                "development mode is on in the server's configuration (`development`); turn it off there".into(),
            ));
        }
        self.put_trust_record(DEVELOPMENT_RECORD, &json!({"enabled": on}).to_string())
            .await?;
        self.inner.trust.write().development = on;
        if on {
            tracing::warn!(
                "DEVELOPMENT MODE turned on: unsigned app packages and packages signed by untrusted keys are accepted"
            );
        }
        self.record_action(
            actor.into(),
            "development.set",
            None,
            json!({"enabled": on}),
        )
        .await?;
        self.recheck().await?;
        Ok(self.development())
    }

    async fn put_trust_record(&self, id: &str, json_text: &str) -> Result<(), ManageError> {
        let document: Value = serde_json::from_str(json_text)
            .map_err(|e| ManageError::Io(format!("cannot encode `{id}`: {e}")))?;
        self.inner
            .data
            .put_app_record(&store::AppRecord {
                id: id.to_owned(),
                document,
            })
            .await?;
        Ok(())
    }

    /// Checks every installed app against the trust now: a running one
    /// whose package no longer verifies is refused, a refused one that
    /// verifies again is restored. Returns the ids newly refused.
    async fn recheck(&self) -> Result<Vec<String>, ManageError> {
        let mut refused = Vec::new();
        let mut restored = Vec::new();
        for (id, mut record) in record::read_all(self.inner.data.as_ref()).await? {
            let Some(installed) = record.installed.as_mut() else {
                continue;
            };
            if installed.status == Status::Refused {
                if self.restore(&id, &mut record).await {
                    restored.push(id.clone());
                }
            } else if let Err(error) = self.open(&installed.package).await {
                self.refuse(&id, installed, error.to_string());
                refused.push(id.clone());
            } else {
                continue;
            }
            self.save(&id, &record).await?;
        }
        self.rebuild_registry()
            .map_err(|e| ManageError::Refused(e.to_string()))?;
        for id in &restored {
            self.announce_enabled(id).await;
        }
        Ok(refused)
    }
}
