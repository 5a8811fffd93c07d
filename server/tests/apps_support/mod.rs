//! What the app tests need beside the server harness: guest apps built
//! once per process, packaged (and signed) the way a publisher does it,
//! and waiting for what apps do in the background.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use capsule_package::{self as package, Files, MANIFEST_FILE, SigningKey};
use capsule_server::config::Config;
use capsule_server::reactivity::{Change, Event, Offer, Sink};
use capsule_testkit::GuestApp;
use parking_lot::Mutex;

/// A built guest app of `tests/apps` (`recorder` records the events it
/// receives in its key-value data).
pub fn guest(name: &str) -> &'static GuestApp {
    capsule_testkit::test_apps().app(name)
}

/// The files of `app`'s package: its manifest and component.
pub fn files_of(app: &GuestApp) -> Files {
    let manifest = std::fs::read(&app.manifest_path).expect("the manifest is readable");
    let wasm = app.read_wasm().expect("the component is readable");
    Files::from([
        (MANIFEST_FILE.to_owned(), manifest),
        ("app.wasm".to_owned(), wasm),
    ])
}

/// Writes `files` as a package zip named `name` in `dir`.
pub fn write_zip(dir: &Path, name: &str, files: &Files) -> PathBuf {
    let path = dir.join(name);
    let zip = package::build(files).expect("the package zip is built");
    std::fs::write(&path, zip).expect("the package is written");
    path
}

/// A publisher: a signing key, its public key file (what the admin adds
/// to `trusted_keys`), and a folder for the packages it signs.
pub struct Publisher {
    pub key: SigningKey,
    pub public_key_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Publisher {
    /// A publisher with a fresh key.
    pub fn new(name: &str) -> Publisher {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = SigningKey::generate(name);
        let public_key_file = dir.path().join(format!("{}.pub.json", key.key_id()));
        std::fs::write(&public_key_file, key.public_key().to_json()).expect("key written");
        Publisher {
            key,
            public_key_file,
            dir,
        }
    }

    /// The guest app `name`, packaged and signed by this publisher.
    pub fn signed(&self, name: &str) -> PathBuf {
        let signed = package::sign(&files_of(guest(name)), &self.key);
        write_zip(self.dir.path(), &format!("{name}.zip"), &signed)
    }

    /// The guest app `name`, packaged without a signature.
    pub fn unsigned(&self, name: &str) -> PathBuf {
        write_zip(
            self.dir.path(),
            &format!("{name}-unsigned.zip"),
            &files_of(guest(name)),
        )
    }

    /// A configuration step loading `apps` (signed by this publisher),
    /// with this publisher trusted.
    pub fn configure(&self, apps: &[&str]) -> impl FnOnce(&mut Config) + use<> {
        let packages: Vec<PathBuf> = apps.iter().map(|app| self.signed(app)).collect();
        let key = self.public_key_file.clone();
        move |config: &mut Config| {
            config.apps = packages;
            config.trusted_keys = vec![key];
        }
    }
}

/// Polls `check` until it answers something, or fails the test after 10
/// seconds with `what`. For what apps do off the request path (post hooks,
/// room events), which nothing announces.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A value of an app's key-value data, as text.
pub async fn kv_text(chat: &capsule_server::chat::Chat, app: &str, key: &str) -> Option<String> {
    chat.store()
        .app_value(app, key)
        .await
        .expect("the store answers")
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Waits until `app` has stored `key`, and answers its value.
pub async fn wait_for_kv(chat: &capsule_server::chat::Chat, app: &str, key: &str) -> String {
    eventually(&format!("`{app}` to store `{key}`"), || {
        kv_text(chat, app, key)
    })
    .await
}

/// A listener that keeps every change it is offered.
#[derive(Default)]
pub struct Recording(Mutex<Vec<Change>>);

impl Recording {
    /// A recording listener, shared.
    pub fn new() -> Arc<Recording> {
        Arc::new(Recording::default())
    }

    /// What it was offered so far.
    pub fn changes(&self) -> Vec<Change> {
        self.0.lock().clone()
    }
}

impl Sink for Recording {
    fn offer(&self, event: &Arc<Event>) -> Offer {
        self.0.lock().push(event.change.clone());
        Offer::Taken
    }
}

/// Log lines written while a future runs (give `move || lines.clone()` to
/// a subscriber's `with_writer`).
#[derive(Clone, Default)]
pub struct LogLines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogLines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogLines {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock()).into_owned()
    }
}
