//! Reading a package zip as untrusted input, and writing one
//! deterministically.
//!
//! [`read`] refuses, before decompressing a single byte, anything that could
//! hurt whoever unpacks or holds the files: too many entries, names that
//! escape the package or collide, symlinks, encryption, unknown compression,
//! declared sizes over the limits and suspicious compression ratios. While
//! decompressing it never trusts the declared size: each entry is read
//! through `take(declared + 1)`, so an entry that lies is caught after at
//! most one byte too many.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

use zip::read::ZipReadOptions;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use super::central_dir;
use super::names::{MAX_NAME_BYTES, NameProblem, check_name};

/// The files of a package, by name, in byte order of their names.
pub type Files = BTreeMap<String, Vec<u8>>;

const MIB: u64 = 1024 * 1024;

/// Limits applied to an untrusted package zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest zip file accepted, in bytes.
    pub max_archive_size: u64,
    /// Most entries (files and directories) accepted.
    pub max_entries: usize,
    /// Largest decompressed size of one entry, in bytes.
    pub max_entry_size: u64,
    /// Largest decompressed size of all entries together, in bytes.
    pub max_total_size: u64,
    /// Highest compression ratio (decompressed / compressed) of one entry.
    pub max_ratio: u64,
    /// Entries up to this decompressed size are exempt from the ratio rule:
    /// a small file of repeated bytes legitimately compresses beyond 100:1,
    /// and the size limits already bound what it can cost.
    pub ratio_exempt_up_to: u64,
    /// Longest entry name, in bytes.
    pub max_name_bytes: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_archive_size: 64 * MIB,
            max_entries: 256,
            max_entry_size: 32 * MIB,
            max_total_size: 64 * MIB,
            max_ratio: 100,
            ratio_exempt_up_to: 64 * 1024,
            max_name_bytes: MAX_NAME_BYTES,
        }
    }
}

/// Why a package zip was refused. Every variant names the entry at fault
/// when there is one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("the package file is {size} bytes; at most {limit} are accepted")]
    ArchiveTooLarge { size: u64, limit: u64 },
    #[error(
        "the package is not a readable zip archive: {reason}; rebuild it with the Capsule packager"
    )]
    Corrupt { reason: String },
    #[error(
        "the package has {count} entries; at most {limit} are accepted — leave build output and caches out of it"
    )]
    TooManyEntries { count: u64, limit: usize },
    #[error("entry #{index}: its name is not valid text in the zip's encoding; rename it")]
    UnreadableName { index: usize },
    #[error("entry `{name}`: {problem}")]
    UnsafeName { name: String, problem: NameProblem },
    #[error("entry `{name}` appears more than once; keep one")]
    DuplicateEntry { name: String },
    #[error(
        "entries `{name}` and `{other}` differ only in case, which some file systems cannot hold apart; rename one"
    )]
    CaseInsensitiveDuplicate { name: String, other: String },
    #[error("`{name}` is both a file and a directory; rename one")]
    FileAndDirectory { name: String },
    #[error("entry `{name}` is a symbolic link; put the file itself in the package")]
    Symlink { name: String },
    #[error(
        "entry `{name}` is encrypted; packages must not be encrypted (they are signed instead)"
    )]
    Encrypted { name: String },
    #[error("entry `{name}` uses compression method {method}; use deflate or store")]
    UnsupportedCompression { name: String, method: String },
    #[error("entries of the archive overlap each other (a crafted zip); rebuild the package")]
    OverlappingEntries,
    #[error(
        "entry `{name}` is {size} bytes decompressed; at most {limit} are accepted per file, so shrink it or leave it out"
    )]
    EntryTooLarge { name: String, size: u64, limit: u64 },
    #[error(
        "the entries add up to more than {limit} bytes decompressed (reached at `{name}`); make the package smaller"
    )]
    TotalTooLarge { name: String, limit: u64 },
    #[error(
        "entry `{name}` compresses {ratio}:1; more than {limit}:1 is refused as a possible zip bomb"
    )]
    RatioTooHigh {
        name: String,
        ratio: u64,
        limit: u64,
    },
    #[error(
        "entry `{name}` does not hold the {declared} bytes its header declares; the archive is corrupt or crafted"
    )]
    SizeMismatch { name: String, declared: u64 },
    #[error("entry `{name}` cannot be decompressed: {reason}; rebuild the package")]
    ReadEntry { name: String, reason: String },
    #[error("cannot write the package zip: {reason}")]
    Write { reason: String },
}

/// Reads a package zip under `limits`: its files by name (directories are
/// skipped; their files carry the path).
pub fn read(bytes: &[u8], limits: &ArchiveLimits) -> Result<Files, ArchiveError> {
    let size = bytes.len() as u64;
    if size > limits.max_archive_size {
        return Err(ArchiveError::ArchiveTooLarge {
            size,
            limit: limits.max_archive_size,
        });
    }
    let end = central_dir::scan(bytes, limits.max_entries);
    if end.claimed_entries > limits.max_entries as u64 {
        return Err(ArchiveError::TooManyEntries {
            count: end.claimed_entries,
            limit: limits.max_entries,
        });
    }
    if let Some(names) = &end.names {
        refuse_raw_duplicates(names)?;
    }
    let corrupt = |e: zip::result::ZipError| ArchiveError::Corrupt {
        reason: e.to_string(),
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            count: archive.len() as u64,
            limit: limits.max_entries,
        });
    }
    if archive.has_duplicate_names() {
        // Only reached when the central directory could not be walked above.
        return Err(ArchiveError::DuplicateEntry {
            name: "(an entry the central directory lists twice)".into(),
        });
    }
    if archive.has_overlapping_entries().map_err(corrupt)? {
        return Err(ArchiveError::OverlappingEntries);
    }
    let plan = plan(&archive, limits)?;
    let mut files = Files::new();
    for (index, name, declared) in plan {
        let data = read_entry(&mut archive, index, &name, declared)?;
        files.insert(name, data);
    }
    Ok(files)
}

/// Checks every entry's metadata and returns the files to read as
/// (index, name, declared size), decompressing nothing.
fn plan(
    archive: &ZipArchive<Cursor<&[u8]>>,
    limits: &ArchiveLimits,
) -> Result<Vec<(usize, String, u64)>, ArchiveError> {
    let mut plan = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| ArchiveError::Corrupt {
                reason: e.to_string(),
            })?;
        let raw_name = entry
            .name()
            .map_err(|_| ArchiveError::UnreadableName { index })?;
        let is_dir = entry.is_dir();
        let name = if is_dir {
            raw_name.strip_suffix('/').unwrap_or(&raw_name)
        } else {
            &raw_name
        }
        .to_string();
        check_name(&name, limits.max_name_bytes).map_err(|problem| ArchiveError::UnsafeName {
            name: name.clone(),
            problem,
        })?;
        // The mode's file-type bits, when the entry was made on Unix.
        let symlink = entry.is_symlink()
            || entry
                .unix_mode()
                .is_some_and(|mode| mode & 0o170000 == 0o120000);
        if symlink {
            return Err(ArchiveError::Symlink { name });
        }
        if is_dir {
            continue;
        }
        if entry.encrypted() {
            return Err(ArchiveError::Encrypted { name });
        }
        let method = entry.compression();
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(ArchiveError::UnsupportedCompression {
                name,
                method: format!("{method:?}"),
            });
        }
        let declared = entry.size();
        if declared > limits.max_entry_size {
            return Err(ArchiveError::EntryTooLarge {
                name,
                size: declared,
                limit: limits.max_entry_size,
            });
        }
        total = total.saturating_add(declared);
        if total > limits.max_total_size {
            return Err(ArchiveError::TotalTooLarge {
                name,
                limit: limits.max_total_size,
            });
        }
        let compressed = entry.compressed_size().max(1);
        if declared > limits.ratio_exempt_up_to && declared / compressed > limits.max_ratio {
            return Err(ArchiveError::RatioTooHigh {
                name,
                ratio: declared / compressed,
                limit: limits.max_ratio,
            });
        }
        plan.push((index, name, declared));
    }
    check_name_set(plan.iter().map(|(_, name, _)| name.as_str()))?;
    Ok(plan)
}

/// Decompresses one entry, never more than one byte past what it declares.
fn read_entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    name: &str,
    declared: u64,
) -> Result<Vec<u8>, ArchiveError> {
    let failed = |reason: String| ArchiveError::ReadEntry {
        name: name.to_string(),
        reason,
    };
    let options = ZipReadOptions::new().enforce_header_consistency(true);
    let entry = archive
        .by_index_with_options(index, options)
        .map_err(|e| failed(e.to_string()))?;
    // `declared` is within the entry limit, so this allocation is bounded.
    let mut data = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    entry
        .take(declared + 1)
        .read_to_end(&mut data)
        .map_err(|e| failed(e.to_string()))?;
    if data.len() as u64 != declared {
        return Err(ArchiveError::SizeMismatch {
            name: name.to_string(),
            declared,
        });
    }
    Ok(data)
}

/// Refuses a name the central directory lists twice (the zip crate keeps
/// only one of them, so it could not tell us which).
fn refuse_raw_duplicates(names: &[&[u8]]) -> Result<(), ArchiveError> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(*name) {
            return Err(ArchiveError::DuplicateEntry {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
    }
    Ok(())
}

/// Refuses names that collide once a file system is involved: equal after
/// decoding, equal but for case, or a file that is also a directory.
pub(crate) fn check_name_set<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), ArchiveError> {
    let names: Vec<&str> = names.collect();
    let mut folded: HashMap<String, &str> = HashMap::new();
    for name in &names {
        if let Some(other) = folded.insert(name.to_lowercase(), name) {
            if other == *name {
                return Err(ArchiveError::DuplicateEntry {
                    name: name.to_string(),
                });
            }
            return Err(ArchiveError::CaseInsensitiveDuplicate {
                name: name.to_string(),
                other: other.to_string(),
            });
        }
    }
    for name in &names {
        for (pos, _) in name.match_indices('/') {
            let dir = &name[..pos];
            if folded.contains_key(&dir.to_lowercase()) {
                return Err(ArchiveError::FileAndDirectory {
                    name: dir.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Builds a deterministic zip of `files`: names in byte order, a fixed
/// timestamp and permissions, deflate at a fixed level. The same files
/// always give the same bytes, so a package can be rebuilt and compared.
pub fn build(files: &Files) -> Result<Vec<u8>, ArchiveError> {
    for name in files.keys() {
        check_name(name, MAX_NAME_BYTES).map_err(|problem| ArchiveError::UnsafeName {
            name: name.clone(),
            problem,
        })?;
    }
    check_name_set(files.keys().map(String::as_str))?;
    let failed = |e: &dyn std::fmt::Display| ArchiveError::Write {
        reason: e.to_string(),
    };
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| failed(&e))?;
        writer.write_all(data).map_err(|e| failed(&e))?;
    }
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
