//! Empty on purpose: this crate exists for its `Cargo.toml`, which lists
//! the workspace's dependencies with the union of the features its crates
//! use (see the manifest's header and docs/testing.md).
