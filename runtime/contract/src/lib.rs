//! `capsule-contract`: what every side of Capsule agrees on about apps,
//! without any of the machinery that runs them.
//!
//! The runtime checks host calls against it, the package format validates
//! manifests against it, the server grants and inspects with it and the SDK
//! tools show it. It holds:
//!
//! - [`Capability`]: one per WIT interface the host offers, by the name a
//!   manifest's `permissions` and a component's imports use, and which of
//!   them a room list limits ([`Capability::ROOM_SCOPED`]);
//! - [`HostRule`] and [`GrantSet`]: what an admin granted an app;
//! - [`Hook`]: the hooks a manifest's `implements` lists, and the contract
//!   interface each hook's export lives in ([`Hook::interface`]);
//! - [`version`]: the contract versions this build serves and the shape of
//!   contract import and export names;
//! - [`ids`]: the rule for app ids, and the ids reserved for the server;
//! - [`SettingType`]: the types a setting's value can have.
//!
//! It is **not** the WIT contract itself (that is `wit/<version>/`, which
//! the runtime's bindings and the SDK are generated from) and it runs
//! nothing: its only dependencies are `serde`, `serde_json` and `thiserror`
//! (and `schemars` for the package format's manifest schema, a feature).

mod grants;
mod hooks;
pub mod ids;
mod settings;
pub mod version;

pub use grants::{Capability, GrantError, GrantSet, HostRule};
pub use hooks::{Hook, UnknownHook};
pub use ids::{AppIdError, RESERVED_APP_IDS, check_app_id, valid_id};
pub use settings::SettingType;
pub use version::SUPPORTED_VERSIONS;
