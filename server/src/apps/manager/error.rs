//! Why an apps admin operation was refused or failed.

use crate::store::StoreError;

/// A refused or failed apps admin operation. Each variant is one answer
/// the apps admin API gives (its `errorType` is named on the variant);
/// the messages name the app and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// No app (installed or uploaded) has this id. `error-app-not-found`, 404.
    #[error("no app `{0}` is installed")]
    NotFound(String),
    /// The upload is of an app that is installed already. `error-app-already-installed`.
    #[error("{0}")]
    AlreadyInstalled(String),
    /// The upload is older than the installed version. `error-app-downgrade`.
    #[error(
        "version {uploaded} is older than the installed {installed}; an update must raise the version"
    )]
    Downgrade { installed: String, uploaded: String },
    /// The upload is not an acceptable package (zip, manifest, digest).
    /// `error-app-invalid-package`.
    #[error("{0}")]
    Package(String),
    /// The grant leaves capabilities the component imports ungranted.
    /// `error-app-missing-grants`.
    #[error(
        "the app's component imports {}, which the grant leaves out; grant them or the app cannot be loaded",
        .0.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    )]
    MissingGrants(Vec<String>),
    /// The grant names something the manifest does not request.
    /// `error-app-not-requested`.
    #[error("{0}")]
    NotRequested(String),
    /// Settings values that do not fit the manifest, or a required setting
    /// without a value. `error-app-invalid-settings`.
    #[error("invalid settings: {}", .0.join("; "))]
    InvalidSettings(Vec<String>),
    /// The package's app id is one the apps API keeps for its own routes
    /// (the package format's rule, `capsule_contract::RESERVED_APP_IDS`;
    /// the message is the package format's). `error-app-reserved-id`.
    #[error("{0}")]
    ReservedId(String),
    /// The operation is refused for the app's state or trust (signature,
    /// contract version, a package file missing or altered, a clash with
    /// another app). `error-app-refused`.
    #[error("{0}")]
    Refused(String),
    /// A key file that is not one, or a key the API may not remove.
    /// `error-app-invalid-key`.
    #[error("{0}")]
    Key(String),
    /// No trusted key has this id. `error-app-key-not-found`, 404.
    #[error("no trusted key has the id `{0}`")]
    KeyNotFound(String),
    /// The runtime could not load the component.
    #[error("{0}")]
    Load(String),
    /// The store failed.
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
    /// The packages folder could not be written or read.
    #[error("the packages folder failed: {0}")]
    Io(String),
}

impl ManageError {
    /// The apps admin API's `errorType` for this error (Rocket.Chat's
    /// style of name).
    pub fn error_type(&self) -> &'static str {
        match self {
            ManageError::NotFound(_) => "error-app-not-found",
            ManageError::AlreadyInstalled(_) => "error-app-already-installed",
            ManageError::Downgrade { .. } => "error-app-downgrade",
            ManageError::Package(_) => "error-app-invalid-package",
            ManageError::MissingGrants(_) => "error-app-missing-grants",
            ManageError::NotRequested(_) => "error-app-not-requested",
            ManageError::InvalidSettings(_) => "error-app-invalid-settings",
            ManageError::ReservedId(_) => "error-app-reserved-id",
            ManageError::Refused(_) => "error-app-refused",
            ManageError::Key(_) => "error-app-invalid-key",
            ManageError::KeyNotFound(_) => "error-app-key-not-found",
            ManageError::Load(_) => "error-app-load-failed",
            ManageError::Store(_) | ManageError::Io(_) => "error-server-error",
        }
    }
}
