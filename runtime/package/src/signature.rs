//! `signature.json`: a detached ed25519 signature of the package digest.
//!
//! ```json
//! { "algorithm": "ed25519", "key_id": "…16 hex…", "digest": "…64 hex…",
//!   "signature": "…base64 of 64 bytes…", "files": { "app.wasm": "…sha256 hex…" } }
//! ```
//!
//! The signed message is the 32 raw bytes of the [`PackageDigest`]. `files`
//! lists each signed file's hash; it adds no security (the digest already
//! covers it, and a verifier checks that it re-digests to the signed value)
//! but lets a verifier say *which* files changed since signing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::archive::Files;
use super::digest::{FileHashes, PackageDigest, SIGNATURE_FILE, file_hashes};
use super::error::PackageError;
use super::keys::SigningKey;

/// The only signature algorithm.
pub const ALGORITHM: &str = "ed25519";

/// The contents of `signature.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Id of the signing key.
    pub key_id: String,
    /// The package digest, hex.
    pub digest: String,
    /// The signature of the digest's bytes, base64.
    pub signature: String,
    /// Each signed file's SHA-256, hex, by name (diagnostic; see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileHashes>,
}

/// A signature file whose fields have been decoded.
#[derive(Clone, Debug)]
pub(crate) struct Decoded {
    pub key_id: String,
    pub digest: PackageDigest,
    pub signature: [u8; 64],
    pub files: Option<FileHashes>,
}

impl SignatureFile {
    /// Parses and decodes `signature.json`; refuses any algorithm but ed25519.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, PackageError> {
        let invalid = |reason: String| PackageError::InvalidSignatureFile { reason };
        let file: SignatureFile =
            serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if file.algorithm != ALGORITHM {
            return Err(PackageError::WrongAlgorithm {
                found: truncate(&file.algorithm),
            });
        }
        // The key id ends up in errors and logs: accept only its real shape.
        if file.key_id.len() != 16
            || !file
                .key_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(invalid("`key_id` is not 16 lower-case hex digits".into()));
        }
        let digest = PackageDigest::from_hex(&file.digest)
            .ok_or_else(|| invalid("`digest` is not 64 lower-case hex digits".into()))?;
        let signature = BASE64
            .decode(&file.signature)
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| invalid("`signature` is not the base64 of 64 bytes".into()))?;
        Ok(Decoded {
            key_id: file.key_id,
            digest,
            signature,
            files: file.files,
        })
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Signs a package's files with `key`: returns them with `signature.json`
/// added (or replaced).
pub fn sign(files: &Files, key: &SigningKey) -> Files {
    let hashes = file_hashes(files);
    let digest = PackageDigest::of_hashes(&hashes);
    let file = SignatureFile {
        algorithm: ALGORITHM.into(),
        key_id: key.key_id().into(),
        digest: digest.to_hex(),
        signature: BASE64.encode(key.sign(&digest.0)),
        files: Some(hashes),
    };
    let mut signed = files.clone();
    // Serialising strings and a map of strings cannot fail.
    let mut json = serde_json::to_vec_pretty(&file).unwrap_or_default();
    json.push(b'\n');
    signed.insert(SIGNATURE_FILE.to_string(), json);
    signed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> Files {
        [("manifest.json", &b"{}"[..]), ("app.wasm", b"\0asm")]
            .into_iter()
            .map(|(n, d)| (n.into(), d.to_vec()))
            .collect()
    }

    #[test]
    fn sign_adds_a_signature_of_the_digest() {
        let key = SigningKey::generate("a");
        let signed = sign(&package(), &key);
        let decoded = SignatureFile::decode(&signed[SIGNATURE_FILE]).unwrap();
        assert_eq!(decoded.key_id, key.key_id());
        assert_eq!(decoded.digest, PackageDigest::of_files(&package()));
        assert!(
            key.public_key()
                .verify(&decoded.digest.0, &decoded.signature)
        );
        assert_eq!(decoded.files.unwrap().len(), 2);
    }

    #[test]
    fn signing_twice_replaces_the_signature() {
        let key = SigningKey::generate("a");
        let once = sign(&package(), &key);
        assert_eq!(sign(&once, &key).len(), once.len());
    }

    #[test]
    fn malformed_fields_are_refused_with_their_name() {
        let key = SigningKey::generate("a");
        let good: SignatureFile =
            serde_json::from_slice(&sign(&package(), &key)[SIGNATURE_FILE]).unwrap();
        type Edit = fn(&mut SignatureFile);
        let cases: [(Edit, &str); 4] = [
            (|f| f.algorithm = "rsa".into(), "rsa"),
            (|f| f.key_id = "../../etc".into(), "key_id"),
            (|f| f.digest = "zz".into(), "digest"),
            (|f| f.signature = "AAAA".into(), "signature"),
        ];
        for (edit, needle) in cases {
            let mut file = good.clone();
            edit(&mut file);
            let err = SignatureFile::decode(&serde_json::to_vec(&file).unwrap()).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = SignatureFile::decode(b"{\"algorithm\": \"ed25519\", \"extra\": 1}").unwrap_err();
        assert!(
            matches!(err, PackageError::InvalidSignatureFile { .. }),
            "{err}"
        );
    }
}
