//! Unit tests of manifest parsing, validation, grants and the schema.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;

fn minimal() -> Value {
    json!({
        "id": "weather",
        "name": "Weather",
        "version": "1.2.0",
        "api": "^0.1",
        "author": {"name": "Acme", "email": "apps@acme.example", "url": "https://acme.example"},
        "description": "Forecasts.",
    })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn error_of(value: Value) -> ManifestError {
    Manifest::parse(value.to_string().as_bytes()).expect_err("the manifest should be refused")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_minimal_manifest_parses_with_defaults() {
    let manifest = Manifest::parse(minimal().to_string().as_bytes()).unwrap();
    assert_eq!(manifest.component, "app.wasm");
    assert_eq!(manifest.version, Version::new(1, 2, 0));
    assert!(manifest.implements.is_empty() && manifest.permissions.is_empty());
}

#[test]
fn the_repository_manifests_are_valid() {
    let mut paths = vec![repo_root().join("apps-examples/hello/manifest.json")];
    for entry in std::fs::read_dir(repo_root().join("tests/apps")).unwrap() {
        let path = entry.unwrap().path().join("manifest.json");
        if path.is_file() {
            paths.push(path);
        }
    }
    assert!(paths.len() > 5, "found {paths:?}");
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        if let Err(e) = Manifest::parse(&bytes) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn manifest_schema_matches_the_committed_file() {
    let path = repo_root().join("docs/manifest.schema.json");
    let generated = manifest_schema();
    if std::env::var_os("CAPSULE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/manifest.schema.json is out of date with the manifest types; regenerate it with\n    CAPSULE_BLESS=1 cargo test -p capsule-package manifest_schema\nand commit the result"
    );
}

#[test]
fn the_schema_lists_every_hook_and_capability() {
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    let text = schema.to_string();
    for hook in Hook::ALL {
        assert!(text.contains(&format!("\"{}\"", hook.name())), "{hook}");
    }
    for capability in Capability::ALL {
        assert!(
            text.contains(&format!("\"{}\"", capability.name())),
            "{capability}"
        );
    }
}

#[test]
fn shape_errors_name_the_field() {
    let err = error_of(with(minimal(), "colour", json!("red")));
    assert!(
        matches!(err, ManifestError::Json { .. })
            && err.to_string().contains("unknown field `colour`"),
        "{err}"
    );
    let err = error_of(with(minimal(), "version", json!("1.2")));
    assert_eq!(err.field(), "version", "{err}");
    let err = error_of(with(
        minimal(),
        "permissions",
        json!([{"name": "kv"}, {"name": "kv", "host": []}]),
    ));
    assert_eq!(err.field(), "permissions[1].host", "{err}");
    assert!(matches!(
        Manifest::parse(b"{} x"),
        Err(ManifestError::Json { .. })
    ));
}

#[test]
fn unknown_capabilities_are_named_with_the_known_ones() {
    let permissions = json!([{"name": "kv"}, {"name": "logging"}, {"name": "teleport"}]);
    let err = error_of(with(minimal(), "permissions", permissions));
    assert!(matches!(err, ManifestError::UnknownCapability { .. }));
    assert!(
        err.to_string().starts_with("permissions[2].name: unknown capability \"teleport\"; known: message-read, message-write"),
        "{err}"
    );
}

#[test]
fn meaning_errors_name_the_field() {
    let cases: Vec<(Value, &str)> = vec![
        (with(minimal(), "id", json!("Weather App")), "id"),
        (with(minimal(), "name", json!(" ")), "name"),
        (
            with(minimal(), "homepage", json!("ftp://acme.example")),
            "homepage",
        ),
        (
            with(minimal(), "author", json!({"name": "A", "email": "nope"})),
            "author.email",
        ),
        (with(minimal(), "icon", json!("../icon.png")), "icon"),
        (with(minimal(), "icon", json!("icon.exe")), "icon"),
        (with(minimal(), "component", json!("app.so")), "component"),
        (
            with(minimal(), "implements", json!(["post-send", "teleport"])),
            "implements[1]",
        ),
        (
            with(minimal(), "implements", json!(["post-send", "post-send"])),
            "implements[1]",
        ),
        (
            with(
                minimal(),
                "permissions",
                json!([{"name": "kv", "hosts": ["a.example"]}]),
            ),
            "permissions[0].hosts",
        ),
        (
            with(minimal(), "permissions", json!([{"name": "http-outbound"}])),
            "permissions[0].hosts",
        ),
        (
            with(
                minimal(),
                "permissions",
                json!([{"name": "http-outbound", "hosts": ["https://a.example/x"]}]),
            ),
            "permissions[0].hosts[0]",
        ),
        (
            with(
                minimal(),
                "permissions",
                json!([{"name": "kv", "rooms": ["a"]}]),
            ),
            "permissions[0].rooms",
        ),
        (
            with(
                minimal(),
                "permissions",
                json!([{"name": "room-read", "rooms": ["a"]}, {"name": "message-read"}]),
            ),
            "permissions[1].rooms",
        ),
        (
            with(
                with(minimal(), "permissions", json!([{"name": "settings"}])),
                "settings",
                json!([{"id": "n", "type": "number", "label": "N", "default": "5"}]),
            ),
            "settings[0].default",
        ),
        (
            with(
                with(minimal(), "permissions", json!([{"name": "settings"}])),
                "settings",
                json!([{"id": "t", "type": "text", "label": "T", "secret": true, "default": "x"}]),
            ),
            "settings[0].default",
        ),
        (
            with(
                minimal(),
                "settings",
                json!([{"id": "t", "type": "text", "label": "T"}]),
            ),
            "settings",
        ),
        (
            with(
                minimal(),
                "commands",
                json!([{"command": "w", "description": "d"}]),
            ),
            "commands",
        ),
        (
            with(
                with(minimal(), "implements", json!(["command"])),
                "commands",
                json!([{"command": "/w", "description": "d"}]),
            ),
            "commands[0].command",
        ),
        (
            with(minimal(), "implements", json!(["command"])),
            "implements[0]",
        ),
        (
            with(
                with(minimal(), "implements", json!(["endpoint"])),
                "endpoints",
                json!([{"path": "/hook", "visibility": "public"}]),
            ),
            "endpoints[0].path",
        ),
        (
            with(
                with(minimal(), "implements", json!(["endpoint"])),
                "endpoints",
                json!([{"path": "hook", "visibility": "public", "methods": ["get"]}]),
            ),
            "endpoints[0].methods[0]",
        ),
    ];
    for (value, field) in cases {
        let err = error_of(value.clone());
        assert_eq!(err.field(), field, "{err}\nfor {value}");
        assert!(err.to_string().starts_with(field), "{err}");
    }
}

#[test]
fn path_steps_and_reserved_ids_are_not_app_ids() {
    for (id, said) in [
        (
            ".",
            "id: `.` is not a valid app id; use 1 to 64 of a-z, 0-9",
        ),
        (
            "..",
            "id: `..` is not a valid app id; use 1 to 64 of a-z, 0-9",
        ),
        (
            "audit",
            "id: `audit` is reserved: the server's apps API uses it",
        ),
        ("trusted-keys", "id: `trusted-keys` is reserved"),
    ] {
        let error = error_of(with(minimal(), "id", json!(id)));

        assert_eq!(error.field(), "id");
        assert!(error.to_string().starts_with(said), "{error}");
    }
}

#[test]
fn problems_lists_them_all() {
    let value = with(
        with(minimal(), "id", json!("")),
        "permissions",
        json!([{"name": "teleport"}]),
    );
    let manifest = Manifest::parse_unvalidated(value.to_string().as_bytes()).unwrap();
    let fields: Vec<String> = manifest
        .problems()
        .iter()
        .map(|p| p.field().to_string())
        .collect();
    assert_eq!(fields, ["id", "permissions[0].name"]);
}

#[test]
fn requested_grants_and_hooks_follow_the_manifest() {
    let value = with(
        with(
            minimal(),
            "implements",
            json!(["post-send", "pre-send-modify"]),
        ),
        "permissions",
        json!([
            {"name": "message-read", "rooms": ["support"]},
            {"name": "message-write", "rooms": ["support"]},
            {"name": "http-outbound", "hosts": ["api.weather.example", "*.cdn.example:8443"]},
            {"name": "kv"},
        ]),
    );
    let manifest = Manifest::parse(value.to_string().as_bytes()).unwrap();
    let grants = manifest.requested_grants();
    let capabilities: Vec<Capability> = grants.capabilities().collect();
    assert_eq!(
        capabilities,
        [
            Capability::MessageRead,
            Capability::MessageWrite,
            Capability::Kv,
            Capability::HttpOutbound
        ]
    );
    assert!(grants.allows_room("support") && !grants.allows_room("general"));
    assert!(grants.allows_host("api.weather.example", 443, 443));
    assert!(grants.allows_host("img.cdn.example", 8443, 443));
    let hooks: Vec<Hook> = manifest.hooks().collect();
    assert_eq!(hooks, [Hook::PostSend, Hook::PreSendModify]);
}

#[test]
fn manifests_round_trip_through_serde() {
    let value = with(
        with(
            minimal(),
            "settings",
            json!([{"id": "city", "type": "text", "label": "City", "default": "Paris", "required": true}]),
        ),
        "permissions",
        json!([{"name": "settings"}]),
    );
    let manifest = Manifest::parse(value.to_string().as_bytes()).unwrap();
    let again = Manifest::parse(serde_json::to_string(&manifest).unwrap().as_bytes()).unwrap();
    assert_eq!(manifest, again);
}
