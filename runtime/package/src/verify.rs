//! Deciding whether a package's signature is acceptable under a trust store
//! and a policy.

use super::archive::Files;
use super::digest::{FileChanges, PackageDigest, SIGNATURE_FILE, file_hashes};
use super::error::PackageError;
use super::signature::SignatureFile;
use super::trust::TrustStore;

/// How strict verification is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Accept unsigned packages and packages signed by unknown keys. For a
    /// developer's own server only: it lets anyone who can upload a package
    /// run code on it.
    pub development_mode: bool,
}

/// Why a package was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// Signed by a trusted key; the files are the signed ones.
    Signed {
        key_id: String,
        publisher_name: String,
    },
    /// Not signed; accepted because development mode is on.
    Unsigned,
    /// Signed by a key the trust store does not hold; the files match the
    /// digest, but nothing says who made them. Development mode only.
    UntrustedAllowed { key_id: String },
}

/// Verifies `files` (a package's files, `signature.json` included).
///
/// Steps, each with its own refusal: a signature file must exist (unless
/// development mode), parse, and use ed25519; its key must be trusted
/// (unless development mode) and its signature of the digest valid; the
/// digest of the files must equal the signed one.
pub(crate) fn verify(
    files: &Files,
    trust: &TrustStore,
    policy: TrustPolicy,
) -> Result<Verification, PackageError> {
    let Some(raw) = files.get(SIGNATURE_FILE) else {
        return if policy.development_mode {
            Ok(Verification::Unsigned)
        } else {
            Err(PackageError::Unsigned)
        };
    };
    let signed = SignatureFile::decode(raw)?;
    let accepted = match trust.get(&signed.key_id) {
        Some(key) if key.verify(&signed.digest.0, &signed.signature) => Verification::Signed {
            key_id: signed.key_id.clone(),
            publisher_name: key.name().to_string(),
        },
        Some(key) => {
            return Err(PackageError::BadSignature {
                key_id: signed.key_id,
                publisher: key.name().to_string(),
            });
        }
        None if policy.development_mode => Verification::UntrustedAllowed {
            key_id: signed.key_id.clone(),
        },
        None => {
            return Err(PackageError::UnknownKey {
                key_id: signed.key_id,
            });
        }
    };
    // The file list is covered by the signature only through the digest:
    // one that does not re-digest to it was edited after signing.
    if let Some(listed) = &signed.files
        && PackageDigest::of_hashes(listed) != signed.digest
    {
        return Err(PackageError::InvalidSignatureFile {
            reason: "its `files` list does not match its `digest`".into(),
        });
    }
    let actual = file_hashes(files);
    if PackageDigest::of_hashes(&actual) != signed.digest {
        let changes = signed
            .files
            .as_ref()
            .map(|listed| FileChanges::between(listed, &actual));
        return Err(PackageError::DigestMismatch {
            changes,
            present: actual.into_keys().collect(),
        });
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use crate::signature::sign;

    fn files() -> Files {
        [("manifest.json", &b"{}"[..]), ("app.wasm", b"\0asm")]
            .into_iter()
            .map(|(n, d)| (n.into(), d.to_vec()))
            .collect()
    }

    fn trusting(key: &SigningKey) -> TrustStore {
        let mut store = TrustStore::new();
        store.add(key.public_key()).unwrap();
        store
    }

    const STRICT: TrustPolicy = TrustPolicy {
        development_mode: false,
    };
    const DEV: TrustPolicy = TrustPolicy {
        development_mode: true,
    };

    #[test]
    fn a_trusted_signature_is_accepted() {
        let key = SigningKey::generate("Acme");
        let verdict = verify(&sign(&files(), &key), &trusting(&key), STRICT).unwrap();
        assert_eq!(
            verdict,
            Verification::Signed {
                key_id: key.key_id().into(),
                publisher_name: "Acme".into()
            }
        );
    }

    #[test]
    fn development_mode_accepts_unsigned_and_unknown_but_not_tampered() {
        let key = SigningKey::generate("Acme");
        assert!(matches!(
            verify(&files(), &TrustStore::new(), STRICT),
            Err(PackageError::Unsigned)
        ));
        assert_eq!(
            verify(&files(), &TrustStore::new(), DEV).unwrap(),
            Verification::Unsigned
        );
        let signed = sign(&files(), &key);
        assert!(matches!(
            verify(&signed, &TrustStore::new(), STRICT),
            Err(PackageError::UnknownKey { .. })
        ));
        assert_eq!(
            verify(&signed, &TrustStore::new(), DEV).unwrap(),
            Verification::UntrustedAllowed {
                key_id: key.key_id().into()
            }
        );
        let mut tampered = signed;
        tampered.insert("app.wasm".into(), b"\0asX".to_vec());
        assert!(matches!(
            verify(&tampered, &TrustStore::new(), DEV),
            Err(PackageError::DigestMismatch { .. })
        ));
    }

    #[test]
    fn a_signature_by_another_key_with_a_trusted_id_is_bad() {
        let (real, forger) = (
            SigningKey::generate("Acme"),
            SigningKey::generate("Mallory"),
        );
        let mut signed = sign(&files(), &forger);
        let text = String::from_utf8(signed[SIGNATURE_FILE].clone())
            .unwrap()
            .replace(forger.key_id(), real.key_id());
        signed.insert(SIGNATURE_FILE.into(), text.into_bytes());
        let err = verify(&signed, &trusting(&real), STRICT).unwrap_err();
        assert!(
            matches!(err, PackageError::BadSignature { ref publisher, .. } if publisher == "Acme"),
            "{err}"
        );
    }

    #[test]
    fn mismatches_name_the_files() {
        let key = SigningKey::generate("Acme");
        let mut signed = sign(&files(), &key);
        signed.insert("app.wasm".into(), b"changed".to_vec());
        signed.insert("extra.txt".into(), vec![]);
        signed.remove("manifest.json");
        let err = verify(&signed, &trusting(&key), STRICT).unwrap_err();
        let PackageError::DigestMismatch {
            changes: Some(changes),
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(
            (
                changes.changed.as_slice(),
                changes.added.as_slice(),
                changes.removed.as_slice()
            ),
            (
                &["app.wasm".to_string()][..],
                &["extra.txt".to_string()][..],
                &["manifest.json".to_string()][..]
            )
        );
        let text = err.to_string();
        assert!(
            text.contains("changed `app.wasm`")
                && text.contains("added `extra.txt`")
                && text.contains("removed `manifest.json`"),
            "{text}"
        );
    }

    #[test]
    fn an_edited_file_list_is_refused() {
        let key = SigningKey::generate("Acme");
        let mut signed = sign(&files(), &key);
        let mut file: SignatureFile = serde_json::from_slice(&signed[SIGNATURE_FILE]).unwrap();
        file.files
            .as_mut()
            .unwrap()
            .insert("app.wasm".into(), "00".repeat(32));
        signed.insert(SIGNATURE_FILE.into(), serde_json::to_vec(&file).unwrap());
        assert!(matches!(
            verify(&signed, &trusting(&key), STRICT),
            Err(PackageError::InvalidSignatureFile { .. })
        ));
    }
}
