//! The trust store: the publisher keys whose packages a server installs.
//!
//! Saved as `{"kind": "capsule-trust-store", "keys": [<public key file>...]}`
//! so that each entry is exactly a publisher's public key file, names
//! included, and can be compared with the one the publisher sent.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::keys::{KeyError, PublicKey, PublicKeyFile};

/// `kind` of a trust store file.
pub const TRUST_STORE_KIND: &str = "capsule-trust-store";

/// Why the trust store refused an operation or file.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: not a trust store file: {reason}; restore it from a backup or start a new one"
    )]
    Json { path: String, reason: String },
    #[error("{path}: `kind` is `{found}`, expected `{TRUST_STORE_KIND}`")]
    WrongKind { path: String, found: String },
    #[error("{path}: keys[{index}]: {source}")]
    Key {
        path: String,
        index: usize,
        source: KeyError,
    },
    #[error("{path}: key `{key_id}` is listed twice; remove one")]
    DuplicateKey { path: String, key_id: String },
    #[error(
        "key id `{key_id}` is already trusted for a different key ({existing}); this may be an impersonation attempt — check with the publisher, and remove the old key first if it was replaced"
    )]
    KeyIdConflict { key_id: String, existing: String },
    #[error("key `{key_id}` is not in the trust store; list the trusted keys to see their ids")]
    UnknownKey { key_id: String },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    kind: String,
    keys: Vec<PublicKeyFile>,
}

/// Trusted publisher keys, by key id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustStore {
    keys: BTreeMap<String, PublicKey>,
}

impl TrustStore {
    /// An empty store: every signed package is from an unknown key.
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// Reads the store at `path`; a missing file is an empty store (which
    /// trusts nobody, so a wrong path fails safe).
    pub fn load(path: &Path) -> Result<TrustStore, TrustError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => TrustStore::from_json(&shown, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TrustStore::new()),
            Err(source) => Err(TrustError::Io {
                path: shown,
                source,
            }),
        }
    }

    /// Parses a store; `path` is only used in errors.
    pub fn from_json(path: &str, text: &str) -> Result<TrustStore, TrustError> {
        let file: StoreFile = serde_json::from_str(text).map_err(|e| TrustError::Json {
            path: path.into(),
            reason: e.to_string(),
        })?;
        if file.kind != TRUST_STORE_KIND {
            return Err(TrustError::WrongKind {
                path: path.into(),
                found: file.kind,
            });
        }
        let mut store = TrustStore::new();
        for (index, entry) in file.keys.into_iter().enumerate() {
            let key =
                PublicKey::from_file("trusted key", entry).map_err(|source| TrustError::Key {
                    path: path.into(),
                    index,
                    source,
                })?;
            let key_id = key.key_id().to_string();
            if store.keys.insert(key_id.clone(), key).is_some() {
                return Err(TrustError::DuplicateKey {
                    path: path.into(),
                    key_id,
                });
            }
        }
        Ok(store)
    }

    /// The store's JSON text.
    pub fn to_json(&self) -> String {
        let file = StoreFile {
            kind: TRUST_STORE_KIND.into(),
            keys: self.keys.values().map(PublicKey::to_file).collect(),
        };
        // Serialising strings cannot fail.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes the store to `path` atomically: to a temporary file in the
    /// same directory, flushed, then renamed over the old one, so a crash
    /// leaves either the old store or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), TrustError> {
        use std::io::Write as _;
        let io = |source| TrustError::Io {
            path: path.display().to_string(),
            source,
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "trust-store".into());
        let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(self.to_json().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, path)?;
            // Make the rename itself durable.
            #[cfg(unix)]
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(io)
    }

    /// Trusts `key`. Returns `false` when exactly this key was already
    /// trusted (its recorded name is kept); refuses a different key whose
    /// id collides with a trusted one.
    pub fn add(&mut self, key: PublicKey) -> Result<bool, TrustError> {
        match self.keys.get(key.key_id()) {
            Some(existing) if existing.as_bytes() == key.as_bytes() => Ok(false),
            Some(existing) => Err(TrustError::KeyIdConflict {
                key_id: key.key_id().into(),
                existing: existing.name().into(),
            }),
            None => {
                self.keys.insert(key.key_id().to_string(), key);
                Ok(true)
            }
        }
    }

    /// Stops trusting the key `key_id`; returns it.
    pub fn remove(&mut self, key_id: &str) -> Result<PublicKey, TrustError> {
        self.keys
            .remove(key_id)
            .ok_or_else(|| TrustError::UnknownKey {
                key_id: key_id.into(),
            })
    }

    /// The trusted key with this id.
    pub fn get(&self, key_id: &str) -> Option<&PublicKey> {
        self.keys.get(key_id)
    }

    /// Every trusted key, by id.
    pub fn list(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn keys_are_added_listed_removed_and_saved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trust.json");
        assert!(TrustStore::load(&path).unwrap().is_empty());
        let (a, b) = (
            SigningKey::generate("Acme").public_key(),
            SigningKey::generate("Globex").public_key(),
        );
        let mut store = TrustStore::new();
        assert!(store.add(a.clone()).unwrap());
        assert!(!store.add(a.clone()).unwrap());
        assert!(store.add(b.clone()).unwrap());
        store.save(&path).unwrap();
        let loaded = TrustStore::load(&path).unwrap();
        assert_eq!(loaded, store);
        assert_eq!(loaded.get(a.key_id()).map(PublicKey::name), Some("Acme"));
        let mut names: Vec<&str> = loaded.list().map(PublicKey::name).collect();
        names.sort();
        assert_eq!(names, ["Acme", "Globex"]);
        assert_eq!(store.remove(b.key_id()).unwrap(), b);
        assert!(matches!(
            store.remove(b.key_id()),
            Err(TrustError::UnknownKey { .. })
        ));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["trust.json"], "the temporary file is gone");
    }

    #[test]
    fn a_different_key_under_a_trusted_id_is_refused() {
        // Ids are 64 bits of a hash, so a collision cannot be produced
        // honestly: plant another key under the real key's id instead.
        let real = SigningKey::generate("Acme").public_key();
        let other = SigningKey::generate("Mallory").public_key();
        let mut store = TrustStore::new();
        store.keys.insert(real.key_id().to_string(), other);
        let err = store.add(real).unwrap_err();
        assert!(
            matches!(err, TrustError::KeyIdConflict { ref existing, .. } if existing == "Mallory"),
            "{err}"
        );
    }

    #[test]
    fn malformed_store_files_name_the_entry() {
        let err = TrustStore::from_json(
            "trust.json",
            "{\"kind\": \"capsule-trust-store\", \"keys\": [{}]}",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("trust.json: not a trust store file"),
            "{err}"
        );
        let key = SigningKey::generate("a").public_key();
        let entry = serde_json::to_value(key.to_file()).unwrap();
        let text = serde_json::json!({"kind": TRUST_STORE_KIND, "keys": [entry.clone(), entry]})
            .to_string();
        assert!(matches!(
            TrustStore::from_json("t", &text),
            Err(TrustError::DuplicateKey { .. })
        ));
        let text = serde_json::json!({"kind": "other", "keys": []}).to_string();
        assert!(matches!(
            TrustStore::from_json("t", &text),
            Err(TrustError::WrongKind { .. })
        ));
    }
}
