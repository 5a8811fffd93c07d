//! Builds the guest workspaces and checks what each component is made of:
//! that it is a component at all, that it imports exactly the Capsule
//! capabilities its manifest asks for, and that it exports the whole
//! `app` world.

use std::collections::BTreeSet;
use std::path::Path;

use capsule_contract::Hook;
use capsule_contract::version::split_name;
use capsule_package::inspect_component;
use capsule_testkit::{GuestApp, GuestArtifacts, example_apps, repo_root, test_apps};

/// `\0asm`, then the component encoding's version and layer bytes (a core
/// module has `01 00 00 00` there).
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// The interfaces the `app` world exports, each with the contract release
/// that added it; apps built with the SDK export all of their release's.
const WORLD_EXPORTS: [(&str, &str); 8] = [
    ("lifecycle", "0.1.0"),
    ("settings-validation", "0.1.2"),
    ("message-events", "0.1.0"),
    ("room-events", "0.1.0"),
    ("commands", "0.1.0"),
    ("endpoints", "0.1.0"),
    ("jobs", "0.1.0"),
    ("ui", "0.1.0"),
];

/// `0.1.2` as numbers, for comparing releases.
fn release(version: &str) -> Vec<u32> {
    version
        .split('.')
        .map(|n| n.parse().expect("a numeric release"))
        .collect()
}

#[test]
fn builds_every_test_app() {
    let apps = test_apps();
    let folders = app_folders(&repo_root().join("tests/apps"));
    assert!(
        folders.len() >= 6,
        "expected at least six test apps, found {folders:?}"
    );
    for folder in &folders {
        let app = apps
            .get(folder)
            .unwrap_or_else(|| panic!("tests/apps/{folder} produced no app"));
        assert_is_component(app);
    }
}

#[test]
fn builds_every_example_app() {
    let apps = example_apps();
    for folder in app_folders(&repo_root().join("apps-examples")) {
        let app = apps
            .get(&folder)
            .unwrap_or_else(|| panic!("apps-examples/{folder} produced no app"));
        assert_is_component(app);
    }
}

#[test]
fn test_apps_import_exactly_their_permissions() {
    check_imports_and_exports(test_apps());
}

#[test]
fn example_apps_import_exactly_their_permissions() {
    check_imports_and_exports(example_apps());
}

/// The sub-folders of a guest workspace that hold a crate.
fn app_folders(workspace: &Path) -> Vec<String> {
    let entries =
        std::fs::read_dir(workspace).unwrap_or_else(|e| panic!("{}: {e}", workspace.display()));
    let mut names: Vec<String> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| {
            path.file_name()
                .expect("a folder name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn assert_is_component(app: &GuestApp) {
    assert!(
        app.wasm.is_absolute(),
        "{}: path is not absolute",
        app.wasm.display()
    );
    let bytes = app
        .read_wasm()
        .unwrap_or_else(|e| panic!("{}: {e}", app.wasm.display()));
    assert!(
        bytes.len() > 8 && bytes[..8] == COMPONENT_HEADER,
        "{} is not a component (header {:02x?})",
        app.wasm.display(),
        &bytes[..bytes.len().min(8)]
    );
    assert_eq!(
        app.manifest["id"].as_str(),
        Some(app.name.as_str()),
        "{}: manifest id",
        app.name
    );
    let implements = app.manifest["implements"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: manifest has no `implements` array", app.name));
    for hook in implements {
        let hook = hook.as_str().unwrap_or_default();
        assert!(
            hook.parse::<Hook>().is_ok(),
            "{}: unknown hook `{hook}` in `implements`",
            app.name
        );
    }
}

/// Each app's `capsule:apps` imports must be exactly its manifest's
/// permissions (plus the type-only `types` interface): more would fail to
/// load once the host checks grants, fewer means a manifest asking for
/// more than the code uses.
fn check_imports_and_exports(apps: &GuestArtifacts) {
    for app in apps.iter() {
        let bytes = app.read_wasm().expect("readable component");
        let interfaces = inspect_component(&bytes).expect("a readable component");
        let (imports, exports) = (interfaces.imports, interfaces.exports);

        let capsule_imports: BTreeSet<String> = imports
            .iter()
            .filter_map(|name| capsule_interface(name))
            .filter(|name| name != "types")
            .collect();
        let permissions: BTreeSet<String> = app.manifest["permissions"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: manifest has no `permissions` array", app.name))
            .iter()
            .map(|p| p["name"].as_str().expect("permission name").to_owned())
            .collect();
        assert_eq!(
            capsule_imports, permissions,
            "{}: capsule imports differ from the manifest's permissions; all imports: {imports:#?}",
            app.name
        );

        let exported: BTreeSet<String> = exports
            .iter()
            .filter_map(|name| capsule_interface(name))
            .collect();
        let built_for = exports
            .iter()
            .find_map(|name| split_name(name).map(|(_, version)| release(version)))
            .unwrap_or_else(|| panic!("{}: no contract export", app.name));
        let expected: BTreeSet<String> = WORLD_EXPORTS
            .iter()
            .filter(|(_, since)| release(since) <= built_for)
            .map(|(interface, _)| (*interface).to_owned())
            .collect();
        assert_eq!(exported, expected, "{}: exports", app.name);
    }
}

/// `kv` for `capsule:apps/kv@0.1.0`; `None` for anything not Capsule's.
fn capsule_interface(name: &str) -> Option<String> {
    split_name(name).map(|(interface, _)| interface.to_owned())
}
