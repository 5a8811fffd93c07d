//! Property tests of the package layer: untrusted input never panics it,
//! what it builds it reads back, and no change after signing goes unnoticed.
//!
//! ```sh
//! cargo test -p capsule-package --test package_props
//! PROPTEST_CASES=5000 cargo test -p capsule-package --test package_props   # longer run
//! ```

use std::sync::LazyLock;

use capsule_package::{
    ArchiveLimits, Files, Manifest, Package, SIGNATURE_FILE, SignatureFile, SigningKey,
    TrustPolicy, TrustStore, build, read_archive, sign,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

const MANIFEST: &str = r#"{
  "id": "prop", "name": "Prop", "version": "1.0.0", "api": "^0.1",
  "author": {"name": "Prop tests"}, "description": "Generated.",
  "implements": ["post-send"], "permissions": [{"name": "kv"}]
}"#;

/// One key for every case: generating is cheap, but a fixed key keeps
/// failures reproducible from proptest's seed alone.
static KEY: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_secret_bytes("prop", &[7; 32]));

fn trust() -> TrustStore {
    let mut store = TrustStore::new();
    store.add(KEY.public_key()).unwrap();
    store
}

const STRICT: TrustPolicy = TrustPolicy {
    development_mode: false,
};

/// A name that passes the package rules: lower-case segments, so no two
/// differ only in case.
fn file_name() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,8}(/[a-z0-9_-]{1,8}){0,2}(\\.[a-z]{1,3})?"
}

/// Arbitrary files; sets where a file is also a directory are dropped.
fn files() -> impl Strategy<Value = Files> {
    prop::collection::btree_map(
        file_name(),
        prop::collection::vec(any::<u8>(), 0..512),
        0..8,
    )
    .prop_filter("a name is both a file and a directory", |files| {
        build(files).is_ok()
    })
}

/// A valid package: the manifest, a component and arbitrary assets.
fn package_files() -> impl Strategy<Value = Files> {
    (prop::collection::vec(any::<u8>(), 1..512), files()).prop_map(|(wasm, assets)| {
        let mut files: Files = assets
            .into_iter()
            .map(|(name, data)| (format!("assets/{name}"), data))
            .collect();
        files.insert("manifest.json".into(), MANIFEST.as_bytes().to_vec());
        files.insert("app.wasm".into(), wasm);
        files
    })
}

/// Reads and verifies `files` as a package, as an installer would.
fn accepted(files: Files) -> bool {
    Package::from_files(files).is_ok_and(|package| package.verify(&trust(), STRICT).is_ok())
}

const FIELDS: &[&str] = &[
    "id",
    "name",
    "version",
    "api",
    "author",
    "description",
    "homepage",
    "icon",
    "component",
    "implements",
    "permissions",
    "settings",
    "commands",
    "endpoints",
    "email",
    "url",
    "hosts",
    "rooms",
    "type",
    "label",
    "default",
    "required",
    "secret",
    "command",
    "usage",
    "preview",
    "path",
    "visibility",
    "methods",
];
const VALUES: &[&str] = &[
    "post-send",
    "command",
    "endpoint",
    "kv",
    "http-outbound",
    "message-read",
    "settings",
    "text",
    "number",
    "boolean",
    "public",
    "private",
    "^0.1",
    "1.0.0",
    "app.wasm",
    "icon.png",
    "../x",
    "GET",
    "example.com",
    "*.",
    "",
];

/// Arbitrary JSON, biased towards manifest field names and values so that
/// it reaches validation rather than stopping at the first unknown field.
fn json() -> impl Strategy<Value = Value> {
    let string = prop_oneof![select(VALUES).prop_map(String::from), ".{0,12}"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        string.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![select(FIELDS).prop_map(String::from), "[a-z]{1,6}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = Package::read(&bytes, &ArchiveLimits::default());
    }

    #[test]
    fn damaged_archives_never_panic_the_reader(
        files in package_files(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut zip = build(&files).unwrap();
        for (at, mask) in flips {
            let i = at.index(zip.len());
            zip[i] ^= mask;
        }
        if truncate {
            zip.truncate(cut.index(zip.len()));
        }
        let _ = Package::read(&zip, &ArchiveLimits::default());
    }

    #[test]
    fn built_archives_round_trip(files in files()) {
        let zip = build(&files).unwrap();
        prop_assert_eq!(read_archive(&zip, &ArchiveLimits::default()).unwrap(), files);
    }

    #[test]
    fn signed_packages_verify_after_a_zip_round_trip(files in package_files()) {
        let zip = build(&sign(&files, &KEY)).unwrap();
        let package = Package::read(&zip, &ArchiveLimits::default()).unwrap();
        prop_assert!(package.verify(&trust(), STRICT).is_ok());
    }

    #[test]
    fn flipping_any_byte_of_any_signed_file_fails_verification(
        files in package_files(),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let mut signed = sign(&files, &KEY);
        let names: Vec<String> = files.iter().filter(|(_, d)| !d.is_empty()).map(|(n, _)| n.clone()).collect();
        let name = which.get(&names);
        let data = signed.get_mut(name).unwrap();
        let i = at.index(data.len());
        data[i] ^= mask;
        prop_assert!(!accepted(signed), "flipping byte {} of {} went unnoticed", i, name);
    }

    #[test]
    fn adding_a_file_after_signing_fails_verification(files in package_files(), name in file_name(), data in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut signed = sign(&files, &KEY);
        let name = format!("extra/{name}");
        signed.insert(name, data);
        prop_assert!(!accepted(signed));
    }

    #[test]
    fn removing_a_file_after_signing_fails_verification(files in package_files(), which in any::<prop::sample::Index>()) {
        let mut signed = sign(&files, &KEY);
        let names: Vec<&String> = files.keys().collect();
        signed.remove(which.get(&names).as_str());
        prop_assert!(!accepted(signed));
    }

    /// `signature.json` is not itself digested, so a flip there may only
    /// be accepted when it changes nothing the file says (JSON whitespace).
    #[test]
    fn flipping_a_byte_of_the_signature_file_fails_or_changes_nothing(
        files in package_files(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let mut signed = sign(&files, &KEY);
        let original: SignatureFile = serde_json::from_slice(&signed[SIGNATURE_FILE]).unwrap();
        let data = signed.get_mut(SIGNATURE_FILE).unwrap();
        let i = at.index(data.len());
        data[i] ^= mask;
        let reparsed = serde_json::from_slice::<SignatureFile>(&signed[SIGNATURE_FILE]).ok();
        if accepted(signed) {
            prop_assert_eq!(reparsed, Some(original));
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_manifest_parser(value in json()) {
        if let Ok(manifest) = Manifest::parse(value.to_string().as_bytes()) {
            let _ = (manifest.hooks().count(), manifest.requested_grants());
        }
    }

    #[test]
    fn manifests_with_one_arbitrary_field_never_panic_the_parser(field in select(FIELDS), value in json()) {
        let mut manifest: Value = serde_json::from_str(MANIFEST).unwrap();
        manifest[field] = value;
        if let Ok(manifest) = Manifest::parse(manifest.to_string().as_bytes()) {
            let _ = (manifest.hooks().count(), manifest.requested_grants());
            prop_assert!(manifest.validate().is_ok());
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_manifest_parser(text in ".{0,256}") {
        let _ = Manifest::parse(text.as_bytes());
    }
}
