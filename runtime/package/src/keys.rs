//! Publisher keys (ed25519) and their files.
//!
//! A signing key file is `{"kind": "capsule-signing-key", "key_id", "name",
//! "secret": base64}` and stays with the publisher; the public key file,
//! `{"kind": "capsule-public-key", "key_id", "name", "public": base64}`,
//! goes to the admins who install their packages. A key id is the first 16
//! hex digits of the SHA-256 of the 32 public key bytes: short enough to
//! read out over the phone, and checked against the key whenever a file is
//! loaded, so a file cannot claim another key's id.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// `kind` of a signing key file.
pub const SIGNING_KEY_KIND: &str = "capsule-signing-key";
/// `kind` of a public key file.
pub const PUBLIC_KEY_KIND: &str = "capsule-public-key";

/// Why a key or key file was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{what}: not a key file: {reason}; check that this is the Capsule key file you meant")]
    Json { what: &'static str, reason: String },
    #[error("{what}: `kind` is `{found}`, expected `{expected}`{hint}")]
    WrongKind {
        what: &'static str,
        found: String,
        expected: &'static str,
        hint: &'static str,
    },
    #[error(
        "{what}: `{field}` is not valid base64: {reason}; get the file again from its publisher"
    )]
    Base64 {
        what: &'static str,
        field: &'static str,
        reason: String,
    },
    #[error(
        "{what}: `{field}` holds {len} bytes, but an ed25519 key has 32; get the file again from its publisher"
    )]
    KeyLength {
        what: &'static str,
        field: &'static str,
        len: usize,
    },
    #[error(
        "{what}: `public` is not a valid ed25519 public key; get the file again from its publisher"
    )]
    InvalidPublicKey { what: &'static str },
    #[error(
        "{what}: `key_id` says `{stated}` but the key's id is `{actual}`; the file was edited — get it again from its publisher"
    )]
    KeyIdMismatch {
        what: &'static str,
        stated: String,
        actual: String,
    },
    #[error("{what}: `name` is empty; give the publisher's name as admins will recognise it")]
    EmptyName { what: &'static str },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The key id of 32 public key bytes.
pub fn key_id_of(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

/// A publisher's secret signing key. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key_id: String,
    inner: ed25519_dalek::SigningKey,
}

/// A publisher's public key, as kept in a trust store.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key_id: String,
    inner: ed25519_dalek::VerifyingKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningKeyFile {
    kind: String,
    key_id: String,
    name: String,
    secret: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKeyFile {
    kind: String,
    key_id: String,
    name: String,
    public: String,
}

impl SigningKey {
    /// A new random key for the publisher `name`, from the OS's generator.
    pub fn generate(name: impl Into<String>) -> SigningKey {
        SigningKey::from_dalek(
            name.into(),
            ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng),
        )
    }

    /// The key with the given 32 secret bytes (for tests and imports).
    pub fn from_secret_bytes(name: impl Into<String>, secret: &[u8; 32]) -> SigningKey {
        SigningKey::from_dalek(name.into(), ed25519_dalek::SigningKey::from_bytes(secret))
    }

    fn from_dalek(name: String, inner: ed25519_dalek::SigningKey) -> SigningKey {
        SigningKey {
            key_id: key_id_of(inner.verifying_key().as_bytes()),
            name,
            inner,
        }
    }

    /// The publisher's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The matching public key, to hand to admins.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key_id: self.key_id.clone(),
            inner: self.inner.verifying_key(),
        }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).to_bytes()
    }

    /// The key file's JSON text.
    pub fn to_json(&self) -> String {
        let file = SigningKeyFile {
            kind: SIGNING_KEY_KIND.into(),
            key_id: self.key_id.clone(),
            name: self.name.clone(),
            secret: BASE64.encode(self.inner.to_bytes()),
        };
        pretty(&file)
    }

    /// Parses a signing key file.
    pub fn from_json(text: &str) -> Result<SigningKey, KeyError> {
        const WHAT: &str = "signing key file";
        check_kind_in(WHAT, text, SIGNING_KEY_KIND)?;
        let file: SigningKeyFile = parse(WHAT, text)?;
        check_kind(WHAT, &file.kind, SIGNING_KEY_KIND)?;
        let secret = decode_32(WHAT, "secret", &file.secret)?;
        let key = SigningKey::from_secret_bytes(file.name, &secret);
        check_meta(WHAT, &key.name, &file.key_id, &key.key_id)?;
        Ok(key)
    }

    /// Reads a signing key file.
    pub fn load(path: &Path) -> Result<SigningKey, KeyError> {
        SigningKey::from_json(&read(path)?)
    }

    /// Writes the key file, readable by its owner only where the platform
    /// allows; refuses to overwrite an existing file, which would lose a key.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        use std::io::Write as _;
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        file.write_all(self.to_json().as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// The public key with the given 32 bytes.
    pub fn from_bytes(name: impl Into<String>, public: &[u8; 32]) -> Result<PublicKey, KeyError> {
        let inner = ed25519_dalek::VerifyingKey::from_bytes(public)
            .map_err(|_| KeyError::InvalidPublicKey { what: "public key" })?;
        Ok(PublicKey {
            name: name.into(),
            key_id: key_id_of(public),
            inner,
        })
    }

    /// The publisher's name, as an admin recognises it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.inner.as_bytes()
    }

    /// Whether `signature` is this key's signature of `message`. Uses strict
    /// verification, which refuses weak keys and malleable signatures.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.inner
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    pub(crate) fn to_file(&self) -> PublicKeyFile {
        PublicKeyFile {
            kind: PUBLIC_KEY_KIND.into(),
            key_id: self.key_id.clone(),
            name: self.name.clone(),
            public: BASE64.encode(self.as_bytes()),
        }
    }

    pub(crate) fn from_file(
        what: &'static str,
        file: PublicKeyFile,
    ) -> Result<PublicKey, KeyError> {
        check_kind(what, &file.kind, PUBLIC_KEY_KIND)?;
        let public = decode_32(what, "public", &file.public)?;
        let inner = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| KeyError::InvalidPublicKey { what })?;
        let key = PublicKey {
            name: file.name,
            key_id: key_id_of(&public),
            inner,
        };
        check_meta(what, &key.name, &file.key_id, &key.key_id)?;
        Ok(key)
    }

    /// The public key file's JSON text.
    pub fn to_json(&self) -> String {
        pretty(&self.to_file())
    }

    /// Parses a public key file.
    pub fn from_json(text: &str) -> Result<PublicKey, KeyError> {
        const WHAT: &str = "public key file";
        check_kind_in(WHAT, text, PUBLIC_KEY_KIND)?;
        PublicKey::from_file(WHAT, parse(WHAT, text)?)
    }

    /// Reads a public key file.
    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        PublicKey::from_json(&read(path)?)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("name", &self.name)
            .field("key_id", &self.key_id)
            .finish()
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    // Serialising a struct of strings cannot fail.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn parse<T: for<'de> Deserialize<'de>>(what: &'static str, text: &str) -> Result<T, KeyError> {
    serde_json::from_str(text).map_err(|e| KeyError::Json {
        what,
        reason: e.to_string(),
    })
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Checks `kind` before the other fields, so that a secret key handed over
/// as a public one (or the reverse) gets an error saying so rather than a
/// complaint about unknown fields.
fn check_kind_in(what: &'static str, text: &str, expected: &'static str) -> Result<(), KeyError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => match value.get("kind").and_then(|k| k.as_str()) {
            Some(found) => check_kind(what, found, expected),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

fn check_kind(what: &'static str, found: &str, expected: &'static str) -> Result<(), KeyError> {
    if found == expected {
        return Ok(());
    }
    let hint = match found {
        SIGNING_KEY_KIND => {
            " (this is a SECRET signing key: keep it with the publisher and hand out its public key file)"
        }
        PUBLIC_KEY_KIND => {
            " (this is a public key; signing needs the publisher's signing key file)"
        }
        _ => "",
    };
    Err(KeyError::WrongKind {
        what,
        found: found.to_string(),
        expected,
        hint,
    })
}

fn decode_32(what: &'static str, field: &'static str, text: &str) -> Result<[u8; 32], KeyError> {
    let bytes = BASE64.decode(text).map_err(|e| KeyError::Base64 {
        what,
        field,
        reason: e.to_string(),
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::KeyLength {
        what,
        field,
        len: bytes.len(),
    })
}

fn check_meta(what: &'static str, name: &str, stated: &str, actual: &str) -> Result<(), KeyError> {
    if name.trim().is_empty() {
        return Err(KeyError::EmptyName { what });
    }
    if stated != actual {
        return Err(KeyError::KeyIdMismatch {
            what,
            stated: stated.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_and_ids_match() {
        let key = SigningKey::generate("Acme Apps");
        assert_eq!(key.key_id().len(), 16);
        let again = SigningKey::from_json(&key.to_json()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        let public = PublicKey::from_json(&key.public_key().to_json()).unwrap();
        assert_eq!(public, key.public_key());
        assert_eq!(public.key_id(), key_id_of(public.as_bytes()));
        assert!(!format!("{key:?}").contains(&BASE64.encode(key.inner.to_bytes())));
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let key = SigningKey::generate("a");
        let signature = key.sign(b"message");
        assert!(key.public_key().verify(b"message", &signature));
        assert!(!key.public_key().verify(b"massage", &signature));
        assert!(
            !SigningKey::generate("b")
                .public_key()
                .verify(b"message", &signature)
        );
    }

    #[test]
    fn edited_or_mixed_up_files_are_refused() {
        let key = SigningKey::generate("a");
        let secret_as_public = PublicKey::from_json(&key.to_json()).unwrap_err();
        assert!(
            matches!(secret_as_public, KeyError::WrongKind { .. }),
            "{secret_as_public}"
        );
        assert!(
            secret_as_public.to_string().contains("SECRET"),
            "{secret_as_public}"
        );
        let public_as_secret = SigningKey::from_json(&key.public_key().to_json()).unwrap_err();
        assert!(
            matches!(public_as_secret, KeyError::WrongKind { .. }),
            "{public_as_secret}"
        );
        let mut file = key.public_key().to_file();
        file.key_id = "0000000000000000".into();
        assert!(matches!(
            PublicKey::from_file("x", file),
            Err(KeyError::KeyIdMismatch { .. })
        ));
        let mut file = key.public_key().to_file();
        file.public = BASE64.encode([1u8; 31]);
        assert!(matches!(
            PublicKey::from_file("x", file),
            Err(KeyError::KeyLength { len: 31, .. })
        ));
    }

    #[test]
    fn saving_refuses_to_overwrite_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        let key = SigningKey::generate("a");
        key.save(&path).unwrap();
        assert_eq!(SigningKey::load(&path).unwrap().key_id(), key.key_id());
        assert!(matches!(
            SigningKey::generate("b").save(&path),
            Err(KeyError::Io { .. })
        ));
    }
}
