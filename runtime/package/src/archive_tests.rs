//! Unit tests of the archive reader and writer, on zips written with the
//! zip crate directly (so that they can break our rules) and then patched.

use super::*;

/// A zip of `entries` written without any of our checks.
fn raw_zip(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(DateTime::default());
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Replaces every occurrence of `from` by `to` (same length), so that local
/// and central headers stay consistent.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut found = 0;
    for start in 0..=bytes.len() - from.len() {
        if &bytes[start..start + from.len()] == from {
            bytes[start..start + from.len()].copy_from_slice(to);
            found += 1;
        }
    }
    assert!(found > 0, "pattern not found");
}

fn files(entries: &[(&str, &[u8])]) -> Files {
    entries
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_vec()))
        .collect()
}

#[test]
fn build_is_deterministic_and_round_trips() {
    let files = files(&[
        ("manifest.json", b"{}"),
        ("app.wasm", b"\0asm"),
        ("assets/a.txt", b""),
        ("z", &[7; 1000]),
    ]);
    let first = build(&files).unwrap();
    assert_eq!(first, build(&files).unwrap());
    assert_eq!(read(&first, &ArchiveLimits::default()).unwrap(), files);
}

#[test]
fn build_refuses_names_read_would_refuse() {
    let err = build(&files(&[("../x", b"")])).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::UnsafeName {
            name: "../x".into(),
            problem: NameProblem::ParentComponent
        }
    );
    let err = build(&files(&[("A", b""), ("a", b"")])).unwrap_err();
    assert!(
        matches!(err, ArchiveError::CaseInsensitiveDuplicate { .. }),
        "{err}"
    );
}

#[test]
fn directories_are_skipped() {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .add_directory("assets/", SimpleFileOptions::default())
        .unwrap();
    writer
        .start_file("assets/a.txt", SimpleFileOptions::default())
        .unwrap();
    writer.write_all(b"a").unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    assert_eq!(
        read(&bytes, &ArchiveLimits::default()).unwrap(),
        files(&[("assets/a.txt", b"a")])
    );
}

#[test]
fn garbage_is_corrupt() {
    let err = read(b"definitely not a zip", &ArchiveLimits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
}

#[test]
fn escaping_names_are_refused() {
    for (bad, problem) in [
        ("../evil", NameProblem::ParentComponent),
        ("/etc/pwd", NameProblem::Absolute),
        ("a\\b\\c", NameProblem::Backslash),
    ] {
        let mut bytes = raw_zip(
            &[("x".repeat(bad.len()).as_str(), b"x")],
            CompressionMethod::Stored,
        );
        patch(&mut bytes, "x".repeat(bad.len()).as_bytes(), bad.as_bytes());
        let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
        assert_eq!(
            err,
            ArchiveError::UnsafeName {
                name: bad.into(),
                problem
            },
            "{bad}"
        );
    }
}

#[test]
fn duplicates_are_refused_by_name() {
    let mut bytes = raw_zip(
        &[("one.txt", b"1"), ("two.txt", b"2")],
        CompressionMethod::Stored,
    );
    patch(&mut bytes, b"two.txt", b"one.txt");
    let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::DuplicateEntry {
            name: "one.txt".into()
        }
    );
    let bytes = raw_zip(
        &[("Read.me", b"1"), ("read.ME", b"2")],
        CompressionMethod::Stored,
    );
    let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::CaseInsensitiveDuplicate { .. }),
        "{err}"
    );
}

#[test]
fn a_file_may_not_also_be_a_directory() {
    let bytes = raw_zip(&[("a", b"1"), ("a/b", b"2")], CompressionMethod::Stored);
    assert_eq!(
        read(&bytes, &ArchiveLimits::default()).unwrap_err(),
        ArchiveError::FileAndDirectory { name: "a".into() }
    );
}

#[test]
fn symlinks_are_refused() {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .add_symlink("link", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    assert_eq!(
        read(&bytes, &ArchiveLimits::default()).unwrap_err(),
        ArchiveError::Symlink {
            name: "link".into()
        }
    );
}

#[test]
fn encrypted_entries_are_refused() {
    let mut bytes = raw_zip(&[("secret.txt", b"s")], CompressionMethod::Stored);
    // Set bit 0 (encrypted) of the general-purpose flags in the local
    // header (offset 6) and the central header (offset 8).
    bytes[6] |= 1;
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 8] |= 1;
    let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::Encrypted {
            name: "secret.txt".into()
        }
    );
}

#[test]
fn entry_count_is_limited_before_parsing() {
    let entries: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("f{i}"), vec![])).collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let bytes = raw_zip(&refs, CompressionMethod::Stored);
    let limits = ArchiveLimits {
        max_entries: 4,
        ..ArchiveLimits::default()
    };
    assert_eq!(
        read(&bytes, &limits).unwrap_err(),
        ArchiveError::TooManyEntries { count: 5, limit: 4 }
    );
}

#[test]
fn sizes_and_ratios_are_limited() {
    let zeros = vec![0u8; 200_000];
    let bytes = raw_zip(&[("zeros", &zeros)], CompressionMethod::Deflated);
    let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::RatioTooHigh { ref name, limit: 100, .. } if name == "zeros"),
        "{err}"
    );
    let small = ArchiveLimits {
        max_entry_size: 1000,
        max_ratio: u64::MAX,
        ..ArchiveLimits::default()
    };
    assert_eq!(
        read(&bytes, &small).unwrap_err(),
        ArchiveError::EntryTooLarge {
            name: "zeros".into(),
            size: 200_000,
            limit: 1000
        }
    );
    let two = raw_zip(
        &[("a", &[1; 600]), ("b", &[2; 600])],
        CompressionMethod::Stored,
    );
    let total = ArchiveLimits {
        max_total_size: 1000,
        ..ArchiveLimits::default()
    };
    assert_eq!(
        read(&two, &total).unwrap_err(),
        ArchiveError::TotalTooLarge {
            name: "b".into(),
            limit: 1000
        }
    );
    let archive = ArchiveLimits {
        max_archive_size: 100,
        ..ArchiveLimits::default()
    };
    assert!(matches!(
        read(&two, &archive).unwrap_err(),
        ArchiveError::ArchiveTooLarge { limit: 100, .. }
    ));
}

#[test]
fn an_entry_larger_than_declared_is_caught() {
    let mut bytes = raw_zip(&[("a.txt", b"hello world")], CompressionMethod::Stored);
    // Declare 5 bytes instead of 11 in both headers (uncompressed size is at
    // offset 22 of the local header and 24 of the central one).
    bytes[22] = 5;
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 24] = 5;
    let err = read(&bytes, &ArchiveLimits::default()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::SizeMismatch { ref name, declared: 5 } | ArchiveError::ReadEntry { ref name, .. } if name == "a.txt"),
        "{err}"
    );
}
