//! Why the apps could not be started.

use std::path::PathBuf;

use capsule_package::{KeyError, PackageError, TrustError};
use capsule_runtime::{LoadError, RuntimeError};

use crate::store::StoreError;

/// A configured app (or the key or runtime it needs) that stops the
/// server from starting. Each names the file or app at fault. (Sources
/// are boxed: they are large, and this travels in every start's result.)
#[derive(Debug, thiserror::Error)]
pub enum AppsError {
    /// A `trusted_keys` file cannot be read.
    #[error("trusted key {}: cannot read it: {source}", .path.display())]
    ReadTrustedKey {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A `trusted_keys` file is not a publisher public key.
    #[error("trusted key {}: {source}", .path.display())]
    TrustedKey {
        path: PathBuf,
        source: Box<KeyError>,
    },
    /// Two trusted key files clash.
    #[error("trusted key {}: {source}", .path.display())]
    TrustStore {
        path: PathBuf,
        source: Box<TrustError>,
    },
    /// An `apps` file cannot be read.
    #[error("app package {}: cannot read it: {source}", .path.display())]
    ReadPackage {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An `apps` file is not an acceptable package (zip, manifest,
    /// signature, trust, contract version).
    #[error("app package {}: {source}", .path.display())]
    Package {
        path: PathBuf,
        source: Box<PackageError>,
    },
    /// The runtime refused the package's component.
    #[error("app package {}: {source}", .path.display())]
    Load {
        path: PathBuf,
        source: Box<LoadError>,
    },
    /// The wasmtime engine or the compiled-component cache failed.
    #[error("cannot start the apps runtime: {0}")]
    Runtime(#[from] RuntimeError),
    /// The app's bot user's name belongs to another account.
    #[error(
        "app `{app}`: its bot user's name `{username}` belongs to another account; rename that account to load the app"
    )]
    BotNameTaken { app: String, username: String },
    /// Two apps declare the same slash command.
    #[error(
        "the slash command `/{command}` is declared by two apps, `{first}` and `{second}`; remove one of them from `apps`"
    )]
    DuplicateCommand {
        command: String,
        first: String,
        second: String,
    },
    /// The apps' HTTP endpoints clash.
    #[error(transparent)]
    Endpoints(#[from] super::endpoints::EndpointTableError),
    /// The store failed while preparing an app.
    #[error("app `{app}`: {source}")]
    Store { app: String, source: StoreError },
    /// The packages folder cannot be created.
    #[error("cannot create the app packages folder {}: {source}", .path.display())]
    PackagesFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The trusted keys an admin added cannot be read back.
    #[error("{0}; restore the `trusted-keys` app record from a backup")]
    StoredTrust(String),
    /// The app records cannot be read.
    #[error("cannot read the installed apps: {0}")]
    Records(Box<super::manager::ManageError>),
    /// Restoring an installed app failed (its record, the store).
    #[error("app `{app}`: {source}")]
    Manage {
        app: String,
        source: Box<super::manager::ManageError>,
    },
    /// A configured app package could not be provisioned.
    #[error("app package {}: {source}", .path.display())]
    Provision {
        path: PathBuf,
        source: Box<super::manager::ManageError>,
    },
}
