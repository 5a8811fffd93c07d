//! `capsule-server`: Capsule's chat server.
//!
//! Users and sign-in, rooms, messages and memberships, served over a REST
//! API shaped like Rocket.Chat's v1 API, on an embedded store by default.
//! This crate is the server; the apps runtime (`capsule-runtime`) plugs
//! into its message pipeline.
//!
//! - [`model`]: the chat records (users, rooms, subscriptions, messages).
//! - [`store`]: the storage trait, its embedded SQLite implementation and
//!   the conformance suite.

pub mod api;
pub mod apps;
pub mod auth;
pub mod chat;
pub mod config;
pub mod model;
pub mod ops;
pub mod reactivity;
pub mod realtime;
pub mod server;
pub mod settings;
pub mod store;
pub mod web;
