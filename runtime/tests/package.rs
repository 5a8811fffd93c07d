//! End to end: a package of the built `bench` test app is signed, read back
//! from its zip, verified against a trust store, turned into a spec and
//! loaded into a runtime; then each way a package is refused, with the
//! error variant it gets.

use std::io::{Cursor, Write};
use std::sync::Arc;

use capsule_package::{
    ArchiveError, ArchiveLimits, Files, ManifestError, NameProblem, Package, PackageError,
    SIGNATURE_FILE, SigningKey, TrustPolicy, TrustStore, UpdateKind, Verification, VersionError,
    build, check_api, check_update, sign,
};
use capsule_runtime::{AppSpec, MemoryBridge, Runtime, RuntimeConfig};
use serde_json::Value;

const STRICT: TrustPolicy = TrustPolicy {
    development_mode: false,
};
const DEV: TrustPolicy = TrustPolicy {
    development_mode: true,
};

/// The files of a `bench` package: its manifest, its component and an asset.
fn bench_files() -> Files {
    let apps = capsule_testkit::test_apps();
    let manifest = std::fs::read(&apps.app("bench").manifest_path).expect("bench manifest");
    let wasm = std::fs::read(apps.wasm("bench")).expect("bench component");
    Files::from([
        ("manifest.json".to_string(), manifest),
        ("app.wasm".to_string(), wasm),
        (
            "assets/README.txt".to_string(),
            b"Appends a check mark.\n".to_vec(),
        ),
    ])
}

/// `bench_files` with the manifest edited by `edit`.
fn bench_files_with(edit: impl FnOnce(&mut Value)) -> Files {
    let mut files = bench_files();
    let mut manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    edit(&mut manifest);
    files.insert(
        "manifest.json".into(),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    );
    files
}

fn trusting(key: &SigningKey) -> TrustStore {
    let mut store = TrustStore::new();
    store.add(key.public_key()).unwrap();
    store
}

/// Signs `files`, zips them, and reads the zip back as a package.
fn signed_package(files: &Files, key: &SigningKey) -> Package {
    let zip = build(&sign(files, key)).expect("zip builds");
    Package::read(&zip, &ArchiveLimits::default()).expect("package reads")
}

/// Signs `files`, then lets `tamper` change the signed files, zips and reads them.
fn tampered_package(key: &SigningKey, tamper: impl FnOnce(&mut Files)) -> Package {
    let mut signed = sign(&bench_files(), key);
    tamper(&mut signed);
    Package::read(&build(&signed).unwrap(), &ArchiveLimits::default()).expect("package reads")
}

fn read_err(zip: &[u8]) -> PackageError {
    Package::read(zip, &ArchiveLimits::default()).expect_err("the zip should be refused")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_bench_package_verifies_and_loads_into_the_runtime() {
    let key = SigningKey::generate("Capsule test suite");
    let package = signed_package(&bench_files(), &key);
    // Verification comes first: nothing parses the component before it.
    let verdict = package.verify(&trusting(&key), STRICT).expect("verifies");
    assert_eq!(
        verdict,
        Verification::Signed {
            key_id: key.key_id().into(),
            publisher_name: "Capsule test suite".into()
        }
    );
    assert_eq!(check_api(package.manifest()).unwrap().to_string(), "0.1.2");

    let spec = AppSpec::from_manifest(package.manifest(), package.manifest().requested_grants());
    assert_eq!(spec.id, "bench");
    let chat = Arc::new(MemoryBridge::new());
    let runtime = Runtime::new(RuntimeConfig::default(), chat.clone()).expect("runtime starts");
    chat.attach(&runtime);
    runtime
        .load(spec, package.component())
        .await
        .expect("the packaged component loads");
    let alice = chat.add_user("alice");
    let room = chat.add_room("general", &[&alice]);
    let stored = chat.post(&alice, &room, "packaged").await.expect("posted");
    assert_eq!(stored.text, "packaged ✓");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_publisher_key_stops_every_app_it_signed() {
    let (acme, other) = (SigningKey::generate("Acme"), SigningKey::generate("Other"));
    let mut trust = trusting(&acme);
    trust.add(other.public_key()).unwrap();
    let chat = Arc::new(MemoryBridge::new());
    let runtime = Runtime::new(RuntimeConfig::default(), chat.clone()).expect("runtime starts");
    chat.attach(&runtime);
    for (id, key) in [("acme-1", &acme), ("acme-2", &acme), ("other", &other)] {
        let package = signed_package(&bench_files(), key);
        let Verification::Signed { key_id, .. } = package.verify(&trust, STRICT).unwrap() else {
            panic!("not signed")
        };
        let mut spec =
            AppSpec::from_manifest(package.manifest(), package.manifest().requested_grants())
                .signed_by(key_id);
        spec.id = id.into();
        runtime.load(spec, package.component()).await.unwrap();
    }
    let alice = chat.add_user("alice");
    let room = chat.add_room("general", &[&alice]);
    assert_eq!(chat.post(&alice, &room, "m").await.unwrap().text, "m ✓ ✓ ✓");

    trust.remove(acme.key_id()).unwrap();
    let reason = format!(
        "publisher key {} was removed from the trust store",
        acme.key_id()
    );
    let stopped = runtime.refuse_signed_by(acme.key_id(), &reason);

    assert_eq!(stopped, ["acme-1", "acme-2"]);
    assert_eq!(
        chat.post(&alice, &room, "m").await.unwrap().text,
        "m ✓",
        "only the other publisher's app runs"
    );
    let status = runtime.health("acme-1").unwrap().status;
    assert_eq!(
        status,
        capsule_runtime::AppStatus::Refused {
            reason: reason.clone()
        }
    );
    let err = runtime.enable("acme-1").unwrap_err();
    assert!(
        err.to_string().contains("removed from the trust store"),
        "{err}"
    );
    // And its package no longer verifies, naming the key.
    let again = signed_package(&bench_files(), &acme)
        .verify(&trust, STRICT)
        .unwrap_err();
    assert!(
        matches!(again, PackageError::UnknownKey { ref key_id } if key_id == acme.key_id()),
        "{again}"
    );
}

#[test]
fn a_flipped_byte_is_a_digest_mismatch_naming_the_file() {
    let key = SigningKey::generate("a");
    let package = tampered_package(&key, |files| {
        let wasm = files.get_mut("app.wasm").unwrap();
        let middle = wasm.len() / 2;
        wasm[middle] ^= 0x01;
    });
    let err = package.verify(&trusting(&key), STRICT).unwrap_err();
    let PackageError::DigestMismatch {
        changes: Some(changes),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(changes.changed, ["app.wasm"], "{err}");
}

#[test]
fn an_added_file_is_a_digest_mismatch_naming_it() {
    let key = SigningKey::generate("a");
    let package = tampered_package(&key, |files| {
        files.insert("assets/extra.js".into(), b"steal()".to_vec());
    });
    let err = package.verify(&trusting(&key), STRICT).unwrap_err();
    let PackageError::DigestMismatch {
        changes: Some(changes),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(changes.added, ["assets/extra.js"], "{err}");
}

#[test]
fn a_removed_file_is_a_digest_mismatch_naming_it() {
    let key = SigningKey::generate("a");
    let package = tampered_package(&key, |files| {
        files.remove("assets/README.txt");
    });
    let err = package.verify(&trusting(&key), STRICT).unwrap_err();
    let PackageError::DigestMismatch {
        changes: Some(changes),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(changes.removed, ["assets/README.txt"], "{err}");
}

#[test]
fn an_untrusted_key_is_refused_unless_in_development_mode() {
    let (publisher, other) = (
        SigningKey::generate("publisher"),
        SigningKey::generate("someone else"),
    );
    let package = signed_package(&bench_files(), &publisher);
    let err = package.verify(&trusting(&other), STRICT).unwrap_err();
    assert!(
        matches!(err, PackageError::UnknownKey { ref key_id } if key_id == publisher.key_id()),
        "{err}"
    );
    assert!(err.to_string().contains(publisher.key_id()), "{err}");
    let verdict = package.verify(&trusting(&other), DEV).unwrap();
    assert_eq!(
        verdict,
        Verification::UntrustedAllowed {
            key_id: publisher.key_id().into()
        }
    );
}

#[test]
fn an_unsigned_package_is_refused_unless_in_development_mode() {
    let package =
        Package::read(&build(&bench_files()).unwrap(), &ArchiveLimits::default()).unwrap();
    assert!(!package.files().contains_key(SIGNATURE_FILE));
    let err = package.verify(&TrustStore::new(), STRICT).unwrap_err();
    assert!(matches!(err, PackageError::Unsigned), "{err}");
    assert_eq!(
        package.verify(&TrustStore::new(), DEV).unwrap(),
        Verification::Unsigned
    );
}

#[test]
fn an_unknown_permission_is_refused_when_reading() {
    let files = bench_files_with(|m| {
        m["permissions"] = serde_json::json!([{"name": "logging"}, {"name": "teleport"}])
    });
    let zip = build(&sign(&files, &SigningKey::generate("a"))).unwrap();
    let err = read_err(&zip);
    assert!(
        matches!(err, PackageError::Manifest(ManifestError::UnknownCapability { ref field, ref name }) if field == "permissions[1].name" && name == "teleport"),
        "{err}"
    );
}

#[test]
fn an_api_requirement_this_runtime_cannot_meet_is_refused() {
    let files = bench_files_with(|m| m["api"] = "^9".into());
    let key = SigningKey::generate("a");
    let package = signed_package(&files, &key);
    package.verify(&trusting(&key), STRICT).unwrap();
    let err = check_api(package.manifest()).unwrap_err();
    assert!(matches!(err, VersionError::UnsupportedApi { .. }), "{err}");
    assert!(
        err.to_string().contains("^9") && err.to_string().contains("0.1.0"),
        "{err}"
    );
}

#[test]
fn a_downgrade_is_refused_unless_forced() {
    let key = SigningKey::generate("a");
    let installed = signed_package(&bench_files(), &key);
    let older = signed_package(&bench_files_with(|m| m["version"] = "0.0.9".into()), &key);
    let (from, to) = (&installed.manifest().version, &older.manifest().version);
    let err = check_update(from, to, false).unwrap_err();
    assert!(matches!(err, VersionError::Downgrade { .. }), "{err}");
    assert!(
        err.to_string().contains("use --force to downgrade"),
        "{err}"
    );
    assert_eq!(check_update(from, to, true), Ok(UpdateKind::Downgrade));
    let same = check_update(from, from, false).unwrap_err();
    assert!(matches!(same, VersionError::SameVersion { .. }), "{same}");
}

#[test]
fn a_zip_bomb_is_refused_before_decompressing() {
    // 40 MiB of zeros deflate to about 40 KiB.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("manifest.json", options).unwrap();
    writer.start_file("app.wasm", options).unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..40 {
        writer.write_all(&chunk).unwrap();
    }
    let zip = writer.finish().unwrap().into_inner();
    assert!(
        zip.len() < 200 * 1024,
        "the bomb is small: {} bytes",
        zip.len()
    );
    let err = read_err(&zip);
    assert!(
        matches!(err, PackageError::Archive(ArchiveError::EntryTooLarge { ref name, size, .. }) if name == "app.wasm" && size == 40 << 20),
        "{err}"
    );
}

#[test]
fn a_zip_slip_path_is_refused() {
    // Written with the zip crate directly, which does not police names.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("../evil", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(b"#!/bin/sh\n").unwrap();
    let zip = writer.finish().unwrap().into_inner();
    let err = read_err(&zip);
    assert!(
        matches!(err, PackageError::Archive(ArchiveError::UnsafeName { ref name, problem: NameProblem::ParentComponent }) if name == "../evil"),
        "{err}"
    );
}

#[test]
fn a_duplicate_entry_is_refused() {
    // The zip writer refuses duplicates, so write two names of one length
    // and rename the second in its local and central headers.
    let mut files = bench_files();
    files.insert("assets/READMF.txt".into(), b"the other one".to_vec());
    let mut zip = build(&files).unwrap();
    let (from, to) = (b"assets/READMF.txt", b"assets/README.txt");
    let mut renamed = 0;
    for start in 0..=zip.len() - from.len() {
        if &zip[start..start + from.len()] == from {
            zip[start..start + from.len()].copy_from_slice(to);
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2, "one local and one central header");
    let err = read_err(&zip);
    assert!(
        matches!(err, PackageError::Archive(ArchiveError::DuplicateEntry { ref name }) if name == "assets/README.txt"),
        "{err}"
    );
}

/// Writes small seed inputs for the fuzz targets (see docs/packages.md)
/// when `CAPSULE_FUZZ_SEEDS=1`; otherwise does nothing.
#[test]
fn write_fuzz_seeds() {
    if std::env::var_os("CAPSULE_FUZZ_SEEDS").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/package_reader");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = serde_json::json!({
        "id": "seed", "name": "Seed", "version": "1.0.0", "api": "^0.1",
        "author": {"name": "Fuzz"}, "description": "A fuzzing seed.", "icon": "icon.png",
        "implements": ["post-send"], "permissions": [{"name": "http-outbound", "hosts": ["api.example.com"]}],
    });
    let files = Files::from([
        (
            "manifest.json".to_string(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
        ("app.wasm".to_string(), b"\0asm\x0d\x00\x01\x00".to_vec()),
        ("icon.png".to_string(), b"\x89PNG".to_vec()),
        (
            "assets/a.txt".to_string(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
        ),
    ]);
    let key = SigningKey::from_secret_bytes("Fuzz", &[1; 32]);
    std::fs::write(dir.join("signed.zip"), build(&sign(&files, &key)).unwrap()).unwrap();
    std::fs::write(dir.join("unsigned.zip"), build(&files).unwrap()).unwrap();
}
