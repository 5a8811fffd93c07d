//! Getting a [`TestApp`] running: build the component, read its manifest,
//! say how the test wants it set up ([`TestAppBuilder`]), then start a
//! runtime on an in-memory chat and load the app into it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use capsule_runtime::{
    AppSpec, GrantSet, Hook, LifecycleEvent, Limits, MemoryBridge, Runtime, RuntimeConfig,
    SettingValue,
};

use crate::artifacts::{GuestApp, build_app};
use crate::error::{BuildError, TestkitError};
use crate::http::{HttpStub, RecordingTransport};
use crate::manifest::Manifest;
use crate::setting::IntoSetting;
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
        let app = built_once(app_dir, target_dir)?;
        TestApp::from_guest(&app)
    }

    /// Sets up an app that is already built, such as one of
    /// [`test_apps`](crate::test_apps) or [`example_apps`](crate::example_apps).
    pub fn from_guest(app: &GuestApp) -> Result<TestAppBuilder, TestkitError> {
        let wasm = app
            .read_wasm()
            .map_err(|e| TestkitError::Build(BuildError::io(&app.wasm, e)))?;
        let manifest = Manifest::parse(&app.manifest, &app.manifest_path)?;
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

/// Builds the app in `app_dir` unless this process already did.
///
/// The lock is held while cargo runs, so tests that start together wait
/// for one build instead of queueing on cargo's own lock one by one.
fn built_once(app_dir: &Path, target_dir: Option<&Path>) -> Result<GuestApp, TestkitError> {
    type Key = (PathBuf, Option<PathBuf>);
    static BUILT: Mutex<Option<HashMap<Key, GuestApp>>> = Mutex::new(None);

    let key = (
        app_dir
            .canonicalize()
            .map_err(|e| BuildError::io(app_dir, e))?,
        target_dir.map(Path::to_owned),
    );
    // A test that panicked while building leaves nothing half-done in the map.
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_default();
    if let Some(app) = built.get(&key) {
        return Ok(app.clone());
    }
    let app = build_app(&key.0, target_dir)?;
    built.insert(key, app.clone());
    Ok(app)
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
            .find(|(id, _)| !manifest.declares_setting(id))
        {
            return Err(TestkitError::UnknownSetting {
                id: id.clone(),
                declared: manifest.setting_ids(),
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
        let defaults = manifest
            .settings
            .iter()
            .filter_map(|(id, default)| Some((id.clone(), default.clone()?)));
        for (id, value) in defaults.chain(settings) {
            chat.set_setting(&app, &id, value);
        }

        // Default grants follow the manifest, rooms included (see RoomGrants).
        let (grants, room_grants) = match grants {
            Some(grants) => (grants, None),
            None => match &manifest.rooms {
                Some(rooms) => {
                    let granted = RoomGrants {
                        base: manifest.grants.clone(),
                        rooms: rooms.clone(),
                    };
                    (granted.grants(), Some(granted))
                }
                None => (manifest.grants.clone(), None),
            },
        };
        let spec = AppSpec::new(&app)
            .implementing(manifest.implements.iter().copied())
            .granted(grants)
            .with_limits(limits);
        runtime.load(spec, &wasm).await?;

        if manifest.implements.contains(&Hook::Lifecycle) {
            match runtime.lifecycle(&app, LifecycleEvent::Install).await {
                Ok(Ok(())) => {}
                Ok(Err(reason)) => return Err(TestkitError::InstallRefused { app, reason }),
                Err(source) => return Err(TestkitError::InstallFailed { app, source }),
            }
        }
        Ok(TestApp::new(app, runtime, chat, http, room_grants))
    }
}
