//! `capsule-runtime` loads Capsule apps (WebAssembly components built
//! against the `capsule:apps` WIT contract), runs them in wasmtime under
//! limits, checks every host call against the grants an admin gave, and
//! dispatches chat events to them in a defined order.
//!
//! It is **not** a server: it knows nothing of HTTP routes, databases or
//! sessions. It reaches the rest of Capsule only through one narrow trait
//! per capability that needs the chat ([`MessageReadBridge`],
//! [`MessageWriteBridge`], [`RoomReadBridge`], [`UserReadBridge`],
//! [`KvBridge`], [`SettingsBridge`], [`SchedulerBridge`]) and
//! [`AppStatusListener`], which hears the status changes it makes on its
//! own; [`Bridge`] is all of them, the one value [`Runtime::new`] takes.
//! The server implements them over its store and [`MemoryBridge`] in
//! memory for tests. Nor is it the package format: reading,
//! verifying and inspecting a signed package is `capsule-package`, which
//! needs no compiler; capability and hook names, grants and contract
//! versions are `capsule-contract`, re-exported here where the runtime's
//! own API takes them ([`Capability`], [`GrantSet`], [`Hook`]).
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
//! Every module is private: this root re-exports what the server, the test
//! kit, the cross-crate tests, the benchmarks and the example use, and the
//! types those items' signatures name; [`model`] stays a public module
//! because callers name its records as `model::Message` and so on. The
//! generated wasmtime bindings are not exported.
//!
//! Layout:
//! `capabilities` has one host module per WIT interface the host offers,
//! each beside the narrow bridge trait it reaches the chat through;
//! `bridge` what those traits share and the [`Bridge`] that unites them;
//! `dispatch` the order of hooks; `app` a loaded app, its spec, log and
//! health, and the one function all calls go through; `loader` the checks
//! made before anything of an app runs; `cache` compiled components on
//! disk; `engine` the wasmtime engine; `bindings` the code wasmtime
//! generates for each contract version, and its conversions to [`model`],
//! the version-independent records every caller speaks.

mod app;
mod bindings;
mod bridge;
mod cache;
mod capabilities;
mod dispatch;
mod engine;
mod http_transport;
mod loader;
mod memory;
mod runtime;
mod wasi;

pub use app::CallError;
pub use app::health::{AppStatus, HealthReport};
pub use app::log::{LogEntry, LogLevel, LogSource};
pub use app::spec::AppSpec;
pub use bridge::{AppStatusListener, Bridge, BridgeError, Origin};
pub use cache::CacheOutcome;
pub use capabilities::kv::KvBridge;
pub use capabilities::message_read::MessageReadBridge;
pub use capabilities::message_write::MessageWriteBridge;
pub use capabilities::room_read::RoomReadBridge;
pub use capabilities::scheduler::SchedulerBridge;
pub use capabilities::settings::SettingsBridge;
pub use capabilities::user_read::UserReadBridge;
pub use capsule_contract::{Capability, GrantSet, Hook};
pub use capsule_runtime_types::model;
pub use dispatch::{Background, LifecycleEvent, PreSend, TargetError};
pub use engine::{EngineConfig, InstanceAllocation};
// The data modules keep their paths inside the crate (`crate::fault`).
use capsule_runtime_types::{fault, limits, refusal};
pub use fault::Fault;
pub use http_transport::{HttpTransport, OutboundRequest, ReqwestTransport, TransportError};
pub use limits::{CallKind, Deadline, Limits};
pub use loader::{ComponentShape, LoadError};
pub use memory::MemoryBridge;
pub use model::{
    Attachment, HttpRequest, HttpResponse, Interaction, Invocation, Job, Message, MessageEdit,
    Notification, OutgoingMessage, PreviewItem, Room, RoomKind, Schedule, ScheduledJob,
    SettingValue, User, UserRef, UserStatus, Verdict,
};
pub use refusal::Refusal;
pub use runtime::{
    EnableError, LoadReport, NotLoaded, Runtime, RuntimeConfig, RuntimeError, WeakRuntime,
};
