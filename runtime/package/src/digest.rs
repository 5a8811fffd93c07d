//! The canonical digest of a package: what a signature covers.
//!
//! It is SHA-256 over the text `capsule-package-v1\n` followed by one line
//! `<sha256 hex of the file>  <name>\n` per file, in byte order of the names,
//! for every file except [`SIGNATURE_FILE`]. It depends only on names and
//! contents, never on how the zip was compressed or ordered, so a package
//! can be repacked without breaking its signature. Names cannot contain a
//! newline (see [`names`](super::names)), so lines cannot be forged.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest as _, Sha256};

/// The file holding the signature; the only file the digest leaves out.
pub const SIGNATURE_FILE: &str = "signature.json";

/// The first line of the digested text; changing the format changes it.
pub const DIGEST_HEADER: &str = "capsule-package-v1\n";

/// SHA-256 hex of each file but the signature, by name.
pub type FileHashes = BTreeMap<String, String>;

/// A package digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PackageDigest(pub [u8; 32]);

impl PackageDigest {
    /// The digest of a package's files (the signature file is left out).
    pub fn of_files<'a>(
        files: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>,
    ) -> PackageDigest {
        PackageDigest::of_hashes(&file_hashes(files))
    }

    /// The digest of already-hashed files.
    pub fn of_hashes(hashes: &FileHashes) -> PackageDigest {
        let mut sha = Sha256::new();
        sha.update(DIGEST_HEADER.as_bytes());
        for (name, hash) in hashes {
            sha.update(format!("{hash}  {name}\n").as_bytes());
        }
        PackageDigest(sha.finalize().into())
    }

    /// Lower-case hex, as written in `signature.json`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the hex form; `None` unless it is 64 lower-case hex digits
    /// (one spelling only, so an edited signature file cannot pass for the
    /// original).
    pub fn from_hex(text: &str) -> Option<PackageDigest> {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(PackageDigest(bytes))
    }
}

impl fmt::Debug for PackageDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackageDigest({})", self.to_hex())
    }
}

impl fmt::Display for PackageDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// SHA-256 hex of every file but the signature.
pub fn file_hashes<'a>(files: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>) -> FileHashes {
    files
        .into_iter()
        .filter(|(name, _)| name.as_str() != SIGNATURE_FILE)
        .map(|(name, data)| (name.clone(), hex::encode(Sha256::digest(data))))
        .collect()
}

/// How two sets of file hashes differ.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileChanges {
    /// Files whose contents differ.
    pub changed: Vec<String>,
    /// Files only in the new set.
    pub added: Vec<String>,
    /// Files only in the old set.
    pub removed: Vec<String>,
}

impl FileChanges {
    /// What changed from `signed` to `actual`.
    pub fn between(signed: &FileHashes, actual: &FileHashes) -> FileChanges {
        let mut changes = FileChanges::default();
        for (name, hash) in actual {
            match signed.get(name) {
                None => changes.added.push(name.clone()),
                Some(old) if old != hash => changes.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        changes.removed = signed
            .keys()
            .filter(|name| !actual.contains_key(*name))
            .cloned()
            .collect();
        changes
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
        entries
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_vec()))
            .collect()
    }

    #[test]
    fn digest_is_sha256_of_the_documented_text() {
        let files = files(&[("b.txt", b"b"), ("a.txt", b"a")]);
        let text = format!(
            "capsule-package-v1\n{}  a.txt\n{}  b.txt\n",
            hex::encode(Sha256::digest(b"a")),
            hex::encode(Sha256::digest(b"b"))
        );
        assert_eq!(
            PackageDigest::of_files(&files).0,
            <[u8; 32]>::from(Sha256::digest(text.as_bytes()))
        );
    }

    #[test]
    fn the_signature_file_is_left_out() {
        let plain = files(&[("a", b"1")]);
        let signed = files(&[("a", b"1"), (SIGNATURE_FILE, b"{}")]);
        assert_eq!(
            PackageDigest::of_files(&plain),
            PackageDigest::of_files(&signed)
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let digest = PackageDigest::of_files(&files(&[("a", b"1")]));
        assert_eq!(PackageDigest::from_hex(&digest.to_hex()), Some(digest));
        assert_eq!(PackageDigest::from_hex("abc"), None);
        assert_eq!(
            PackageDigest::from_hex(&digest.to_hex().to_uppercase()),
            None
        );
    }

    #[test]
    fn changes_name_changed_added_and_removed_files() {
        let old = file_hashes(&files(&[("a", b"1"), ("b", b"2"), ("c", b"3")]));
        let new = file_hashes(&files(&[("a", b"1"), ("b", b"X"), ("d", b"4")]));
        let changes = FileChanges::between(&old, &new);
        assert_eq!(changes.changed, ["b"]);
        assert_eq!(changes.added, ["d"]);
        assert_eq!(changes.removed, ["c"]);
    }
}
