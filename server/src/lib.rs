//! `capsule-server`: Capsule's chat server.
//!
//! Users and sign-in, rooms, messages and memberships, served over a REST
//! API shaped like Rocket.Chat's v1 API and its real-time API (DDP over
//! WebSocket), on an embedded store by default. Apps, run by
//! `capsule-runtime`, plug into the message pipeline through a port the
//! chat defines.
//!
//! The modules, from the edge inwards (`docs/architecture.md`, "Server
//! modules", draws them):
//!
//! - transports: [`api`] (REST, apps admin, app endpoints), [`realtime`]
//!   (DDP) and [`ops`] (`/health`, `/metrics`), side by side over the
//!   state and rules they share in [`gateway`]; [`server`] starts them;
//! - [`chat`]: the domain, the only writer of chat records, with the
//!   [`settings`] it holds; [`apps`] plugs into it through `chat::Apps`;
//! - [`store`]: the storage trait, its embedded SQLite implementation and
//!   the conformance suite; [`reactivity`]: the bus every committed write
//!   is published on;
//! - [`model`] (the chat records), [`auth`] (passwords, tokens, the login
//!   throttle) and [`config`], which every layer may use.

mod allocator;
pub mod api;
pub mod apps;
pub mod auth;
pub mod chat;
pub mod config;
pub mod edge;
pub mod gateway;
pub mod model;
pub mod ops;
pub mod reactivity;
pub mod realtime;
pub mod server;
pub mod settings;
pub mod store;
pub mod web;
