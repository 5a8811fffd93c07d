//! The CLI as a developer uses it: a new app goes through build, keygen,
//! sign, verify and inspect, and the package loads in the real runtime; bad
//! packages and names are refused with errors that say what to do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use capsule_package::{
    ArchiveLimits, Package, PublicKey, TrustPolicy, TrustStore, Verification, check_api,
};
use capsule_runtime::{AppSpec, MemoryBridge, Runtime, RuntimeConfig};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capsule-app"))
        .args(args)
        .current_dir(dir)
        // Share the repository's wasm build folder: the SDK compiles once per run.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm"),
        )
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("capsule-app runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = cli(dir, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "capsule-app {args:?} failed:\n{text}");
    text
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let out = cli(dir, args);
    assert!(!out.status.success(), "capsule-app {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A new app, built and packaged (unsigned); returns (app dir, package path).
fn built_app(root: &Path, name: &str) -> (PathBuf, PathBuf) {
    ok(root, &["new", name]);
    let dir = root.join(name);
    let out = cli(&dir, &["build"]);
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The package's path is what `build` prints on stdout.
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let package = PathBuf::from(printed.trim());
    assert!(
        package.ends_with(format!("capsule/{name}-0.1.0.zip")),
        "{printed}"
    );
    (dir, package)
}

#[test]
fn a_new_apps_lock_file_is_exact() {
    let root = tempfile::tempdir().unwrap();
    ok(root.path(), &["new", "locked"]);
    let dir = root.path().join("locked");
    let lock = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();

    // Cargo would refuse with --locked if it had to change the lock.
    let metadata = std::process::Command::new("cargo")
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(&dir)
        .output()
        .unwrap();

    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    assert!(lock.contains("name = \"locked\""), "the app is in its lock");
    assert!(
        !lock.contains("name = \"wasmtime\""),
        "the app's tests do not build the runtime"
    );
}

#[test]
fn a_new_app_is_built_signed_verified_and_loads_in_the_runtime() {
    let root = tempfile::tempdir().unwrap();
    let (_dir, package) = built_app(root.path(), "round-trip");
    let pkg = package.to_str().unwrap();

    ok(
        root.path(),
        &["keygen", "--name", "Acme Apps", "--out", "acme.json"],
    );
    ok(root.path(), &["sign", pkg, "--key", "acme.json"]);
    let verified = ok(root.path(), &["verify", pkg, "--key", "acme.pub.json"]);
    assert!(verified.contains("signed by Acme Apps"), "{verified}");
    let inspected = ok(root.path(), &["inspect", pkg]);
    assert!(
        inspected.contains("round-trip 0.1.0") && inspected.contains("/round-trip"),
        "{inspected}"
    );

    // What a server does with it: read, verify, check the contract, load.
    let bytes = std::fs::read(&package).unwrap();
    let package = Package::read(&bytes, &ArchiveLimits::default()).unwrap();
    let mut trust = TrustStore::new();
    trust
        .add(PublicKey::load(&root.path().join("acme.pub.json")).unwrap())
        .unwrap();
    let verdict = package.verify(&trust, TrustPolicy::default()).unwrap();
    assert!(
        matches!(verdict, Verification::Signed { ref publisher_name, .. } if publisher_name == "Acme Apps")
    );
    check_api(package.manifest()).unwrap();
    let spec = AppSpec::from_manifest(package.manifest(), package.manifest().requested_grants());
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let chat = Arc::new(MemoryBridge::new());
        let runtime = Runtime::new(RuntimeConfig::default(), chat.clone()).unwrap();
        chat.attach(&runtime);
        runtime.load(spec, package.component()).await.unwrap();
        let alice = chat.add_user("alice");
        let room = chat.add_room("general", &[&alice]);
        let stored = chat.post(&alice, &room, "dunno :shrug:").await.unwrap();
        assert_eq!(stored.text, "dunno ¯\\_(ツ)_/¯");
    });
}

#[test]
fn tampered_unsigned_and_untrusted_packages_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let (_dir, package) = built_app(root.path(), "tampered");
    let pkg = package.to_str().unwrap();

    let unsigned = refused(root.path(), &["verify", pkg]);
    assert!(unsigned.contains("not signed"), "{unsigned}");
    assert!(ok(root.path(), &["verify", pkg, "--dev"]).contains("development mode only"));

    ok(
        root.path(),
        &["keygen", "--name", "Acme", "--out", "acme.json"],
    );
    ok(
        root.path(),
        &["keygen", "--name", "Mallory", "--out", "mallory.json"],
    );
    ok(root.path(), &["sign", pkg, "--key", "mallory.json"]);
    let untrusted = refused(root.path(), &["verify", pkg, "--key", "acme.pub.json"]);
    assert!(untrusted.contains("not in the trust store"), "{untrusted}");

    // Re-pack with one byte of the component flipped, keeping the old signature.
    ok(root.path(), &["sign", pkg, "--key", "acme.json"]);
    let mut files = Package::read(&std::fs::read(&package).unwrap(), &ArchiveLimits::default())
        .unwrap()
        .into_files();
    let wasm = files.get_mut("app.wasm").unwrap();
    let last = wasm.len() - 1;
    wasm[last] ^= 1;
    std::fs::write(&package, capsule_package::build(&files).unwrap()).unwrap();
    let flipped = refused(root.path(), &["verify", pkg, "--key", "acme.pub.json"]);
    assert!(
        flipped.contains("app.wasm"),
        "the error names the changed file: {flipped}"
    );
}

#[test]
fn bad_names_and_missing_files_say_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    assert!(refused(root.path(), &["new", "Bad_Name"]).contains("starting with a letter"));
    assert!(refused(root.path(), &["build"]).contains("capsule-app new"));
    assert!(refused(root.path(), &["verify", "nowhere.zip"]).contains("cannot read nowhere.zip"));
    let key_exists = {
        ok(root.path(), &["keygen", "--name", "A", "--out", "k.json"]);
        refused(root.path(), &["keygen", "--name", "A", "--out", "k.json"])
    };
    assert!(key_exists.contains("--force"), "{key_exists}");
}

#[test]
fn every_command_has_help() {
    let root = tempfile::tempdir().unwrap();
    for command in [
        "new", "test", "build", "package", "keygen", "sign", "verify", "inspect", "deploy",
    ] {
        let help = ok(root.path(), &[command, "--help"]);
        assert!(help.contains("Usage: capsule-app"), "{command}: {help}");
    }
}
