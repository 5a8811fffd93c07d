//! Shared set-up for the tests in this crate: a runtime on an in-memory
//! chat, the test apps built once per run, and a local HTTP server standing
//! in for outside services.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use capsule_runtime::{
    AppSpec, LoadError, LoadReport, MemoryBridge, Room, Runtime, RuntimeConfig, User,
};

/// A runtime, its in-memory chat, one user and one room.
pub struct Harness {
    pub runtime: Runtime,
    pub chat: Arc<MemoryBridge>,
    pub alice: User,
    pub room: Room,
}

impl Harness {
    /// A fresh runtime with default settings and no apps.
    pub fn new() -> Harness {
        Harness::with_config(RuntimeConfig::default())
    }

    /// A fresh runtime with the given settings.
    pub fn with_config(config: RuntimeConfig) -> Harness {
        let chat = Arc::new(MemoryBridge::new());
        let runtime = Runtime::new(config, chat.clone()).expect("runtime starts");
        chat.attach(&runtime);
        let alice = chat.add_user("alice");
        let room = chat.add_room("general", &[&alice]);
        Harness {
            runtime,
            chat,
            alice,
            room,
        }
    }

    /// Loads the test app built from `tests/apps/<crate_name>` under `spec`.
    pub async fn load(&self, crate_name: &str, spec: AppSpec) -> Result<LoadReport, LoadError> {
        self.runtime.load(spec, &test_app(crate_name)).await
    }

    /// Posts `text` as alice in the room; the stored text or the veto.
    pub async fn post(&self, text: &str) -> Result<String, String> {
        self.chat
            .post(&self.alice, &self.room, text)
            .await
            .map(|m| m.text)
    }

    /// The app's faults so far, as `kind: message` lines from its log.
    pub fn fault_log(&self, app: &str) -> Vec<String> {
        self.runtime
            .logs(app, 1000)
            .expect("app is loaded")
            .into_iter()
            .filter(|e| e.message.starts_with("fault: "))
            .map(|e| e.message)
            .collect()
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// The component bytes of a test app (built once per test run).
pub fn test_app(crate_name: &str) -> Vec<u8> {
    let path = capsule_testkit::test_apps().wasm(crate_name);
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Starts a local HTTP server on 127.0.0.1 with `GET /hello` (answers
/// `hello from the fake`) and `GET /slow` (answers after 5 s), standing in
/// for an outside service. Returns its address.
pub async fn fake_service() -> SocketAddr {
    use axum::Router;
    use axum::routing::get;
    let app = Router::new()
        .route("/hello", get(|| async { "hello from the fake" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            }),
        )
        .route(
            "/redirect-out",
            get(|| async { axum::response::Redirect::temporary("http://192.0.2.1/stolen") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake service runs") });
    addr
}
