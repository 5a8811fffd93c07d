//! Test Capsule apps in seconds, without a server.
//!
//! An app's own tests build its component, load it into the real
//! `capsule-runtime` on an in-memory chat (rooms, users, messages,
//! storage, settings, jobs, notifications, and outbound HTTP that is
//! recorded and answered from stubs), send it events and assert on what it
//! did. Nothing is deployed and no server runs; the app runs under the same
//! sandbox, grants and limits as in production.
//!
//! # Setting up an app's tests
//!
//! In the app's `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! capsule-testkit = { path = "../../sdk/testkit", default-features = false }
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! Without its `runtime` feature the kit is its client half: each
//! [`TestApp`] runs its app in the test host, `capsule-app test-host`
//! ([`RemoteApp`]; the host is `$CAPSULE_TEST_HOST`, which `capsule-app
//! test` sets to itself, else `capsule-app` on `PATH`), so the tests link
//! no wasmtime and a new app's first test compiles in seconds. With the
//! `runtime` feature (the default, what Capsule's own tests use) the app
//! runs in the test's process, and [`TestApp::runtime`] and
//! [`TestApp::chat`] reach what the kit does not wrap. Both have the same
//! methods and give the same answers.
//!
//! `cargo test` builds the app crate for the host too, so its tests can
//! link. Export the app only when building the component:
//! `#[cfg(target_arch = "wasm32")] export_app!(MyApp);` (the exported names
//! are not valid native symbols).
//!
//! # Example
//!
//! `tests/hello.rs` of the example app `apps-examples/hello`, whose
//! `manifest.json` implements `pre-send-modify` (`:wave:` becomes 👋) and
//! `command` (`/hello [name]`), and asks for `logging`:
//!
//! ```ignore
//! use capsule_testkit::TestApp;
//!
//! #[tokio::test]
//! async fn waves_and_greets() {
//!     // Builds the crate this test belongs to for wasm32-wasip2, reads its
//!     // manifest.json (with the server's parser: a manifest an install
//!     // would refuse fails here), grants everything the manifest asks for,
//!     // applies its settings' defaults and runs on-install if the app has
//!     // one.
//!     let app = TestApp::build(env!("CARGO_MANIFEST_DIR"))
//!         .unwrap()
//!         .start()
//!         .await
//!         .unwrap();
//!     let alice = app.user("alice");
//!     let general = app.room("general", &[&alice]);
//!
//!     // The whole pipeline: prevent and modify hooks, storage, and the
//!     // post-send hooks, which `post` waits for.
//!     let stored = app.post(&alice, &general, "hi :wave:").await.unwrap();
//!     assert_eq!(stored.text, "hi 👋");
//!     assert_eq!(app.texts(&general), ["hi 👋"]);
//!
//!     // A slash command's private answer, or the error the user sees.
//!     let answer = app.command(&alice, &general, "/hello Bob").await;
//!     assert_eq!(answer, Ok(Some("Hello, Bob!".to_owned())));
//!
//!     // What the app logged, and that nothing went wrong.
//!     assert_eq!(
//!         app.log_lines(),
//!         [format!("waving in message {}", stored.id), "alice said hello to Bob".to_owned()]
//!     );
//!     assert!(app.faults().is_empty(), "{:?}", app.faults());
//! }
//! ```
//!
//! Before `start`, the builder sets the scene for apps that need more:
//!
//! ```ignore
//! use capsule_testkit::{Capability, GrantSet, Limits, TestApp};
//!
//! let app = TestApp::build("apps/weather")?
//!     .setting("city", "Lisbon") // over the manifest's default; must be declared
//!     .setting("days", 3)
//!     .http_response("GET", "https://api.weather.test/v1/", 200, r#"{"temp": 21}"#)
//!     .grant_only(GrantSet::none().with(Capability::Settings)) // instead of the manifest's
//!     .limits(Limits { max_depth: 1, ..Limits::default() })
//!     .start()
//!     .await?;
//! ```
//!
//! and once it runs, there is more to drive and to look at:
//! [`endpoint`](TestApp::endpoint), [`run_job`](TestApp::run_job),
//! [`press`](TestApp::press) (a button), [`join`](TestApp::join),
//! [`validate_setting`](TestApp::validate_setting) (what an admin would be
//! told); [`messages`](TestApp::messages), [`kv`](TestApp::kv),
//! [`jobs`](TestApp::jobs), [`notifications`](TestApp::notifications),
//! [`http_requests`](TestApp::http_requests), [`logs`](TestApp::logs),
//! [`faults`](TestApp::faults), [`last_refusal`](TestApp::last_refusal)
//! (a host call the grant refused: not a fault); and [`runtime`](TestApp::runtime) and
//! [`chat`](TestApp::chat) for anything the kit does not wrap.
//!
//! [`TestApp::build`] builds once per test process and leaves the build
//! where `cargo build` would (or in `$CARGO_TARGET_DIR`), so a test run
//! after an edit rebuilds only the app. [`TestApp::from_guest`] starts
//! from a component built some other way.
//!
//! # Capsule's own guest apps
//!
//! The repository's guest apps live in two cargo workspaces of their own,
//! built for `wasm32-wasip2` rather than the host: `tests/apps` (apps that
//! exercise the runtime: a benchmark hook, a modifier chain, a hostile
//! app, a sandbox probe, ...) and `apps-examples`. [`test_apps`] and
//! [`example_apps`] build them once per process and say where each
//! component is:
//!
//! ```no_run
//! let apps = capsule_testkit::test_apps();
//! let bench = std::fs::read(apps.wasm("bench")).unwrap();
//! let implements = &apps.manifest("bench")["implements"];
//! # let _ = (bench, implements);
//! ```
//!
//! Those builds go to `<repo>/target/wasm` and are serialised across
//! processes with a file lock, so any number of test processes may ask at
//! once.
//!
//! # Features
//!
//! `runtime` (on by default) runs apps in this process ([`TestApp`] is the
//! in-process kit) and serves them to other processes ([`host`], what
//! `capsule-app test-host` runs). Without it [`TestApp`] is [`RemoteApp`]
//! and the kit links no wasmtime: what apps' own tests use. The build half
//! ([`build_app`], [`build_guests`], [`ensure_wasm_target`]) and the
//! records ([`Message`], [`GrantSet`], [`Limits`], ...) are the same in
//! both.

mod artifacts;
#[cfg(feature = "runtime")]
mod builder;
mod command;
mod error;
#[cfg(feature = "runtime")]
pub mod host;
#[cfg(feature = "runtime")]
mod http;
mod log_lines;
mod remote;
mod requests;
mod setting;
mod stubs;
#[cfg(feature = "runtime")]
mod test_app;
mod toolchain;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use artifacts::{GuestApp, GuestArtifacts, build_app, build_guests};
#[cfg(feature = "runtime")]
pub use builder::TestAppBuilder;
pub use error::{BuildError, TestkitError};
#[cfg(feature = "runtime")]
pub use http::RecordingTransport;
/// Without the `runtime` feature, apps run in the test host.
#[cfg(not(feature = "runtime"))]
pub use remote::{RemoteApp as TestApp, RemoteAppBuilder as TestAppBuilder};
pub use remote::{RemoteApp, RemoteAppBuilder, TEST_HOST_VARIABLE};
pub use setting::IntoSetting;
pub use stubs::{HttpStub, RecordedRequest};
#[cfg(feature = "runtime")]
pub use test_app::TestApp;
pub use toolchain::{WASM_TARGET, ensure_wasm_target};

/// The records a test names (`GrantSet`, `Limits`, `Message`, ...): the
/// runtime's own types, also without the runtime.
pub use capsule_contract::{Capability, GrantSet};
/// The runtime the kit runs apps in, re-exported so a test can reach
/// what the kit does not wrap.
#[cfg(feature = "runtime")]
pub use capsule_runtime as runtime;
pub use capsule_runtime_types::model::{
    HttpRequest, HttpResponse, Invocation, Message, Notification, Room, ScheduledJob, SettingValue,
    User,
};
pub use capsule_runtime_types::{Fault, Limits, LogEntry, LogLevel, LogSource, Refusal};

/// The repository's root: the directory of the root `Cargo.toml`, two
/// levels above this crate (`sdk/testkit`).
pub fn repo_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        // Canonical so paths handed out are clean and absolute.
        root.canonicalize()
            .unwrap_or_else(|e| panic!("repository root {} is not reachable: {e}", root.display()))
    })
}

/// Where guest builds go: `<repo>/target/wasm`.
pub fn wasm_target_dir() -> PathBuf {
    repo_root().join("target").join("wasm")
}

/// The apps of `tests/apps`, built on first use in this process.
///
/// # Panics
///
/// When the build fails, with the failing command and its stderr.
pub fn test_apps() -> &'static GuestArtifacts {
    static APPS: OnceLock<GuestArtifacts> = OnceLock::new();
    APPS.get_or_init(|| build_or_panic("tests/apps"))
}

/// The apps of `apps-examples`, built on first use in this process.
///
/// # Panics
///
/// When the build fails, with the failing command and its stderr.
pub fn example_apps() -> &'static GuestArtifacts {
    static APPS: OnceLock<GuestArtifacts> = OnceLock::new();
    APPS.get_or_init(|| build_or_panic("apps-examples"))
}

fn build_or_panic(workspace: &str) -> GuestArtifacts {
    let dir = repo_root().join(workspace);
    build_guests(&dir)
        .unwrap_or_else(|e| panic!("building the guest apps in {} failed: {e}", dir.display()))
}
