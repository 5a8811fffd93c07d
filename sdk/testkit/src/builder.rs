//! Getting a [`TestApp`] running: build the component, read its manifest,
//! say how the test wants it set up ([`TestAppBuilder`]), then start a
//! runtime on an in-memory chat and load the app into it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use capsule_package::Manifest;
use capsule_runtime::{
    AppSpec, GrantSet, Hook, LifecycleEvent, Limits, MemoryBridge, Runtime, RuntimeConfig,
    SettingValue,
};

use crate::artifacts::GuestApp;
use crate::error::{BuildError, TestkitError};
use crate::http::RecordingTransport;
use crate::setting::IntoSetting;
use crate::stubs::HttpStub;
use crate::test_app::{RoomGrants, TestApp};

/// How a [`TestApp`] will be set up; [`start`](Self::start) runs it.
///
/// Made by [`TestApp::build`] (or [`TestApp::from_guest`]), which has
/// already built the component and read its manifest.
#[derive(Debug)]
#[must_use = "call `.start().await` to run the app"]
pub struct TestAppBuilder {
    wasm: Vec<u8>,
    manifest: Manifest,
    /// Where compiled components are cached between test runs.
    cache_dir: Option<PathBuf>,
    settings: Vec<(String, SettingValue)>,
    grants: Option<GrantSet>,
    stubs: Vec<HttpStub>,
    limits: Limits,
}

impl TestApp {
    /// Builds the app crate in `app_dir` (the folder of its `Cargo.toml`
    /// and `manifest.json`) to a `wasm32-wasip2` component in release
    /// mode, and reads its manifest.
    ///
    /// The build goes where `cargo build` in that folder would put it
    /// (`<app_dir>/target`, or its workspace's `target`), or to
    /// `$CARGO_TARGET_DIR` when that is set; see [`build_in`](Self::build_in)
    /// to choose. Each app is built once per test process, however many
    /// tests ask, and cargo rebuilds only what changed. Build variables of
    /// the `cargo test` that runs the tests (`RUSTFLAGS`, ...) do not reach
    /// the build.
    ///
    /// Blocks while cargo runs: tens of seconds the first time, well under
    /// a second when nothing changed.
    pub fn build(app_dir: impl AsRef<Path>) -> Result<TestAppBuilder, TestkitError> {
        TestApp::build_at(app_dir.as_ref(), None)
    }

    /// Like [`build`](Self::build), with the build in `target_dir`.
    pub fn build_in(
        app_dir: impl AsRef<Path>,
        target_dir: impl AsRef<Path>,
    ) -> Result<TestAppBuilder, TestkitError> {
        TestApp::build_at(app_dir.as_ref(), Some(target_dir.as_ref()))
    }

    fn build_at(app_dir: &Path, target_dir: Option<&Path>) -> Result<TestAppBuilder, TestkitError> {
        let app = crate::artifacts::built_once(app_dir, target_dir)?;
        TestApp::from_guest(&app)
    }

    /// Sets up an app that is already built, such as one of
    /// [`test_apps`](crate::test_apps) or [`example_apps`](crate::example_apps).
    pub fn from_guest(app: &GuestApp) -> Result<TestAppBuilder, TestkitError> {
        let wasm = app
            .read_wasm()
            .map_err(|e| TestkitError::Build(BuildError::io(&app.wasm, e)))?;
        let manifest = read_manifest(&app.manifest, &app.manifest_path)?;
        Ok(TestAppBuilder {
            wasm,
            manifest,
            // Beside the component, inside cargo's target directory: owned
            // by the developer, as a cache of native code must be, and
            // removed by `cargo clean`.
            cache_dir: app.wasm.parent().map(|dir| dir.join("capsule-compiled")),
            settings: Vec::new(),
            grants: None,
            stubs: Vec::new(),
            limits: Limits::default(),
        })
    }
}

/// Validates `manifest`, the parsed `manifest.json` at `path`, with the
/// package format's parser, the one an install uses: a manifest the server
/// would refuse fails the app's tests too. (`path` only names it in
/// errors; a test may have edited the parsed manifest.)
fn read_manifest(manifest: &serde_json::Value, path: &Path) -> Result<Manifest, TestkitError> {
    parse_manifest(manifest.to_string().as_bytes(), path)
}

/// Parses and validates `bytes`, the manifest at `path`.
fn parse_manifest(bytes: &[u8], path: &Path) -> Result<Manifest, TestkitError> {
    Manifest::parse(bytes).map_err(|e| TestkitError::Manifest {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// The defaults of the settings `manifest` declares, typed (a setting
/// without a default is left out).
fn setting_defaults(manifest: &Manifest) -> Vec<(String, SettingValue)> {
    manifest
        .settings
        .iter()
        .filter_map(|setting| {
            let default = SettingValue::from_json(setting.kind, setting.default.as_ref()?)?;
            Some((setting.id.clone(), default))
        })
        .collect()
}

/// Everything `manifest` asks for, and, when its permissions limit rooms,
/// the room names to grant as the test makes rooms (see [`RoomGrants`]).
fn requested_grants(manifest: &Manifest) -> (GrantSet, Option<RoomGrants>) {
    let requested = manifest.requested_grants();
    match manifest.rooms() {
        Some(rooms) => {
            let granted = RoomGrants {
                base: requested,
                rooms: rooms.iter().cloned().collect(),
            };
            (granted.grants(), Some(granted))
        }
        None => (requested, None),
    }
}

impl TestAppBuilder {
    /// Sets one of the app's settings (text, a number or a flag), over the
    /// manifest's default. The setting must be declared in the manifest.
    pub fn setting(mut self, id: impl Into<String>, value: impl IntoSetting) -> TestAppBuilder {
        self.settings.push((id.into(), value.into_setting()));
        self
    }

    /// Grants exactly `grants` instead of everything the manifest asks for,
    /// e.g. to test how the app copes without a permission. A component
    /// that imports a capability it is not granted does not load.
    pub fn grant_only(mut self, grants: GrantSet) -> TestAppBuilder {
        self.grants = Some(grants);
        self
    }

    /// Answers the app's outbound requests `method url_prefix…` with
    /// `status` and `body`. `method` may be `*` for any method. A request
    /// no stub answers fails as if the host were unreachable.
    pub fn http_response(
        self,
        method: impl Into<String>,
        url_prefix: impl Into<String>,
        status: u16,
        body: impl Into<Vec<u8>>,
    ) -> TestAppBuilder {
        self.http_stub(HttpStub::new(method, url_prefix, status, body))
    }

    /// Adds a stub built by hand, e.g. with headers.
    pub fn http_stub(mut self, stub: HttpStub) -> TestAppBuilder {
        self.stubs.push(stub);
        self
    }

    /// Runs the app under `limits` instead of the runtime's defaults.
    pub fn limits(mut self, limits: Limits) -> TestAppBuilder {
        self.limits = limits;
        self
    }

    /// Starts a runtime on an empty in-memory chat, applies the manifest's
    /// setting defaults and then the test's settings, loads the app, and
    /// runs its `on-install` when it implements `lifecycle`.
    ///
    /// Call from within a tokio runtime (`#[tokio::test]`).
    pub async fn start(self) -> Result<TestApp, TestkitError> {
        let TestAppBuilder {
            wasm,
            manifest,
            cache_dir,
            settings,
            grants,
            stubs,
            limits,
        } = self;
        if let Some((id, _)) = settings
            .iter()
            .find(|(id, _)| !manifest.settings.iter().any(|s| s.id == *id))
        {
            let declared: Vec<&str> = manifest.settings.iter().map(|s| s.id.as_str()).collect();
            return Err(TestkitError::UnknownSetting {
                id: id.clone(),
                declared: if declared.is_empty() {
                    "none".to_owned()
                } else {
                    declared.join(", ")
                },
            });
        }

        let http = Arc::new(RecordingTransport::new());
        for stub in stubs {
            http.stub(stub);
        }
        let chat = Arc::new(MemoryBridge::new());
        let config = RuntimeConfig {
            cache_dir,
            http_transport: Some(http.clone()),
            ..RuntimeConfig::default()
        };
        let runtime = Runtime::new(config, chat.clone())?;
        chat.attach(&runtime);

        let app = manifest.id.clone();
        for (id, value) in setting_defaults(&manifest).into_iter().chain(settings) {
            chat.set_setting(&app, &id, value);
        }

        // Default grants follow the manifest, rooms included (see RoomGrants).
        let (grants, room_grants) = match grants {
            Some(grants) => (grants, None),
            None => requested_grants(&manifest),
        };
        let spec = AppSpec::from_manifest(&manifest, grants).with_limits(limits);
        runtime.load(spec, &wasm).await?;

        if manifest.hooks().any(|hook| hook == Hook::Lifecycle) {
            match runtime.lifecycle(&app, LifecycleEvent::Install).await {
                Ok(Ok(())) => {}
                Ok(Err(reason)) => return Err(TestkitError::InstallRefused { app, reason }),
                Err(source) => return Err(TestkitError::InstallFailed { app, source }),
            }
        }
        Ok(TestApp::new(app, runtime, chat, http, room_grants))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use capsule_runtime::Capability;

    use super::*;

    fn parse(manifest: serde_json::Value) -> Result<Manifest, TestkitError> {
        parse_manifest(manifest.to_string().as_bytes(), Path::new("manifest.json"))
    }

    fn weather(extra: serde_json::Value) -> serde_json::Value {
        let mut manifest = serde_json::json!({
            "id": "weather", "name": "Weather", "version": "1.0.0", "api": "^0.1",
            "author": {"name": "Acme"}, "description": "Forecasts.",
            "implements": ["command", "lifecycle"],
            "permissions": [
                {"name": "http-outbound", "hosts": ["api.example.test"]},
                {"name": "message-write", "rooms": ["general"]},
                {"name": "logging"},
                {"name": "settings"}
            ],
            "settings": [
                {"id": "city", "type": "text", "label": "City", "default": "Lisbon"},
                {"id": "days", "type": "number", "label": "Days", "default": 3},
                {"id": "metric", "type": "boolean", "label": "Metric", "default": true},
                {"id": "token", "type": "text", "label": "Token", "secret": true}
            ],
            "commands": [{"command": "weather", "description": "The forecast."}]
        });
        if let (Some(base), Some(extra)) = (manifest.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        manifest
    }

    #[test]
    fn the_kit_reads_the_manifest_as_an_install_does_and_refuses_what_it_refuses() {
        let manifest = parse(weather(serde_json::json!({}))).unwrap();
        let hooks: Vec<Hook> = manifest.hooks().collect();
        assert_eq!(hooks, [Hook::Command, Hook::Lifecycle]);
        let (grants, rooms) = requested_grants(&manifest);
        assert!(grants.has(Capability::Logging));
        assert!(grants.allows_host("api.example.test", 443, 443));
        assert!(!grants.allows_host("other.example.test", 443, 443));
        let rooms = rooms.expect("the manifest limits rooms");
        assert_eq!(rooms.rooms, BTreeSet::from(["general".to_owned()]));
        assert_eq!(
            setting_defaults(&manifest),
            [
                ("city".to_owned(), SettingValue::Text("Lisbon".into())),
                ("days".to_owned(), SettingValue::Number(3.0)),
                ("metric".to_owned(), SettingValue::Boolean(true)),
            ]
        );

        // A field the format does not know fails the app's tests, as it
        // fails its install.
        let err = parse(weather(serde_json::json!({"future-field": 1}))).unwrap_err();
        assert!(matches!(err, TestkitError::Manifest { .. }));
        assert!(err.to_string().contains("future-field"), "{err}");

        // So do room-scoped permissions that list different rooms.
        let err = parse(weather(serde_json::json!({"permissions": [
            {"name": "message-read", "rooms": ["general"]},
            {"name": "message-write", "rooms": ["random"]}
        ]})))
        .unwrap_err();
        assert!(err.to_string().contains("permissions[1].rooms"), "{err}");
    }

    #[test]
    fn errors_name_the_field_and_the_fix() {
        let cases = [
            (
                serde_json::json!({"implements": ["pre-send"]}),
                "implements[0]: unknown hook \"pre-send\"; known: lifecycle",
            ),
            (
                serde_json::json!({"permissions": [{"name": "teleport"}]}),
                "permissions[0].name: unknown capability \"teleport\"; known: message-read",
            ),
            (
                serde_json::json!({"settings": [{"id": "s", "type": "text", "label": "S", "default": [1]}]}),
                "settings[0].default: must be a text value",
            ),
            (
                serde_json::json!({"permissions": [{"name": "kv", "rooms": ["a"]}]}),
                "only `message-read`, `message-write` and `room-read` take rooms",
            ),
        ];
        for (change, expected) in cases {
            let err = parse(weather(change)).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        let mut nameless = weather(serde_json::json!({}));
        nameless.as_object_mut().unwrap().remove("id");
        let err = parse(nameless).unwrap_err();
        assert!(err.to_string().contains("missing field `id`"), "{err}");
    }
}
