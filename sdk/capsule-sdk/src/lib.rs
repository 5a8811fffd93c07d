//! Write [Capsule] apps in Rust.
//!
//! A Capsule app is a WebAssembly component built for `wasm32-wasip2`
//! against the WIT world `capsule:apps/app@0.1.0`. The world's *imports*
//! are capabilities (read messages, send messages, a key-value store,
//! outbound HTTP, ...) which an admin grants per app; its *exports* are the
//! events the server delivers (pre-send hooks, slash commands, HTTP
//! endpoints, scheduled jobs, ...).
//!
//! This crate gives you both halves:
//!
//! * one small module per capability — [`messages`], [`rooms`], [`users`],
//!   [`kv`], [`settings`], [`http`], [`scheduler`] and [`log`] — with typed,
//!   documented functions over the raw imports plus a few helpers;
//! * the [`App`] trait, one associated function per event, and the
//!   [`export_app!`] macro that turns a type implementing it into the
//!   component's exports.
//!
//! # Defaults, manifests and capabilities
//!
//! Every [`App`] function has a default (allow the message, change nothing,
//! answer commands with an error, answer endpoints with 404, ...), so an app
//! implements only the events it cares about. That is deliberate: a
//! component must export every interface of the world to be valid, but the
//! host only ever calls the hooks the app's `manifest.json` lists under
//! `implements`, so the defaults are not reached in practice; they exist to
//! keep the component well-formed and to fail safely if the manifest and
//! the code disagree.
//!
//! Imports work the other way round: a component imports exactly the
//! capabilities its code calls. Calling [`kv::set`] makes the component
//! import `capsule:apps/kv`, which the manifest must then request under
//! `permissions` (and the admin must grant), or the app does not load.
//! Nothing in this crate calls a capability on its own, so an app that never
//! logs does not need the `logging` permission.
//!
//! A call the grant does not allow, a write over the rate limit or a
//! message that would loop returns [`Error::Denied`], [`Error::RateLimited`]
//! or [`Error::LoopDetected`]: the host's refusal, for the app to handle.
//! It is logged and counted for the admin but never disables the app; a
//! panic (say, `unwrap` on it) does, after enough in a row.
//!
//! # State between events
//!
//! Keep anything that must last in [`kv`]. The host may run each event in a
//! fresh instance or reuse a warm one (it keeps a few per app and throws one
//! away after any fault), so a `static`, a `OnceLock` or a leaked value may
//! or may not still be there at the next event. Caching something that can
//! be rebuilt (a compiled regex, say) in a `OnceLock` is fine; counting in
//! one is not.
//!
//! # Building
//!
//! ```sh
//! rustup target add wasm32-wasip2
//! cargo build --target wasm32-wasip2 --release
//! ```
//!
//! with `crate-type = ["cdylib"]` in the app's `Cargo.toml`. The result,
//! `target/wasm32-wasip2/release/<name>.wasm`, is already a component.
//!
//! # Example
//!
//! ```ignore
//! use capsule_sdk::prelude::*;
//! use capsule_sdk::{export_app, kv, log, messages};
//!
//! struct Counter;
//!
//! impl App for Counter {
//!     // Manifest: "implements": ["pre-send-modify", "command", "user-joined"],
//!     // "permissions": [{"name": "kv"}, {"name": "message-write"},
//!     //                 {"name": "logging"}]
//!
//!     fn pre_send_modify(msg: Message) -> Option<MessageEdit> {
//!         msg.text
//!             .contains(":shrug:")
//!             .then(|| messages::edit_text(msg.text.replace(":shrug:", "¯\\_(ツ)_/¯")))
//!     }
//!
//!     fn execute_command(call: Invocation) -> CommandResult {
//!         match call.command.as_str() {
//!             "count" => {
//!                 let n = kv::get_json::<u64>("count").map_err(|e| e.to_string())?.unwrap_or(0) + 1;
//!                 kv::set_json("count", &n).map_err(|e| e.to_string())?;
//!                 log::info(&format!("{} counted to {n}", call.user.username));
//!                 Ok(Some(format!("count is now {n}")))
//!             }
//!             other => Err(format!("unknown command `{other}`")),
//!         }
//!     }
//!
//!     fn user_joined(room: Room, user: UserRef) {
//!         let text = format!("welcome @{}", user.username);
//!         if let Err(e) = messages::send_text(&room.id, &text) {
//!             log::warn(&format!("could not greet {}: {}", user.username, describe(&e)));
//!         }
//!     }
//! }
//!
//! export_app!(Counter);
//! ```
//!
//! [Capsule]: https://example.invalid/capsule

pub mod app;
pub mod error;
pub mod http;
pub mod kv;
pub mod log;
pub mod messages;
pub mod prelude;
pub mod rooms;
pub mod scheduler;
pub mod settings;
pub mod users;

mod export;

pub use app::App;
pub use error::{Error, Result, describe};

/// `serde_json`, re-exported so apps can use `json!` and `Value` without a
/// dependency of their own.
pub use serde_json;

/// The raw bindings `wit-bindgen` generates for the `app` world (ahead of
/// time: `bindings.rs`, from `tests/sdk/bindings.rs` in the repository).
///
/// Apps rarely need these: the capability modules wrap the imports and
/// [`prelude`] re-exports the types. [`export_app!`] uses the generated
/// `Guest` traits and export macro from here.
pub mod bindings {
    include!("bindings.rs");
}
