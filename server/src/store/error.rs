//! Why a storage operation failed.

/// A storage failure, by cause a caller may handle.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record to change does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A unique key is taken (a username, a room name, a message id).
    #[error("{0} already exists")]
    Conflict(String),
    /// The request cannot be served as asked (an unknown sort field).
    #[error("invalid request to the store: {0}")]
    Invalid(String),
    /// A per-app quota would be exceeded.
    #[error("quota exceeded: {0}")]
    Quota(String),
    /// The backend failed (I/O, corruption, a closed connection).
    #[error("storage backend failed: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Backend(error.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Backend(format!("corrupt document: {error}"))
    }
}
