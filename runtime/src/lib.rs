//! `capsule-runtime` loads Capsule apps (WebAssembly components built
//! against the `capsule:apps` WIT contract), runs them in wasmtime under
//! limits, checks every host call against the grants an admin gave, and
//! dispatches chat events to them in a defined order.
//!
//! It is **not** a server: it knows nothing of HTTP routes, databases or
//! sessions. It reaches the rest of Capsule only through the [`Bridge`]
//! trait, which the server implements over its store and [`MemoryBridge`]
//! implements in memory for tests.
//!
//! ```no_run
//! # async fn demo(wasm: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use capsule_runtime::{AppSpec, Capability, GrantSet, Hook, MemoryBridge, PreSend, Runtime, RuntimeConfig};
//!
//! let chat = Arc::new(MemoryBridge::new());
//! let runtime = Runtime::new(RuntimeConfig::default(), chat.clone())?;
//! chat.attach(&runtime);
//! let spec = AppSpec::new("hello")
//!     .implementing([Hook::PreSendModify])
//!     .granted(GrantSet::none().with(Capability::Logging));
//! runtime.load(spec, wasm).await?;
//! let (alice, general) = (chat.add_user("alice"), chat.add_room("general", &[]));
//! let stored = chat.post(&alice, &general, "hi :wave:").await?;
//! println!("{}", stored.text);
//! # Ok(()) }
//! ```
//!
//! Layout: [`capabilities`] has one module per WIT interface the host
//! offers; [`dispatch`] the order of hooks; `app` a loaded app and the one
//! function all calls go through; [`loader`] the checks made before
//! anything of an app runs; [`cache`] compiled components on disk;
//! [`package`] signed app packages (zip, manifest, signature, trust store).

pub mod app;
pub mod bindings;
pub mod bridge;
pub mod cache;
pub mod capabilities;
pub mod dispatch;
pub mod engine;
pub mod fault;
pub mod grants;
pub mod http_transport;
pub mod limits;
pub mod loader;
pub mod memory;
pub mod model;
pub mod package;
pub mod runtime;
mod wasi;

pub use app::CallError;
pub use app::health::{AppStatus, HealthReport};
pub use app::log::{LogEntry, LogLevel, LogSource};
pub use app::spec::{AppSpec, Hook, UnknownHook};
pub use bridge::{Bridge, BridgeError, Origin};
pub use cache::CacheOutcome;
pub use dispatch::{Background, LifecycleEvent, PreSend, TargetError};
pub use engine::{EngineConfig, InstanceAllocation};
pub use fault::Fault;
pub use grants::{Capability, GrantError, GrantSet, HostRule};
pub use http_transport::{HttpTransport, OutboundRequest, ReqwestTransport, TransportError};
pub use limits::{CallKind, Deadline, Limits};
pub use loader::{ComponentShape, LoadError};
pub use memory::MemoryBridge;
pub use model::{
    Attachment, HttpRequest, HttpResponse, Interaction, Invocation, Job, Message, MessageEdit,
    OutgoingMessage, PreviewItem, Room, RoomKind, Schedule, SettingValue, User, UserRef,
    UserStatus, Verdict,
};
pub use package::{
    ArchiveLimits, Manifest, Package, PackageError, TrustPolicy, TrustStore, Verification,
};
pub use runtime::{
    EnableError, LoadReport, NotLoaded, Runtime, RuntimeConfig, RuntimeError, WeakRuntime,
};
