//! Why a chat operation was refused.

use crate::settings::SettingError;
use crate::store::StoreError;

/// A refused or failed chat operation. Each variant maps to one of
/// Rocket.Chat's `errorType` strings (see `gateway::error`).
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// No such room, or one the user may not know of. (Rocket.Chat's
    /// words, which its clients match, say "channel" for any room.)
    #[error("The required \"roomId\" or \"roomName\" param provided does not match any channel")]
    RoomNotFound,
    /// No such private group, or one the user may not know of, asked for
    /// as a group (`groups.*`: Rocket.Chat's words say "group" there).
    #[error("The required \"roomId\" or \"roomName\" param provided does not match any group")]
    GroupNotFound,
    /// No such user.
    #[error("The required \"userId\" or \"username\" param provided does not match any users")]
    UserNotFound,
    /// No such message, or one in a room the user may not read.
    #[error("No message found with the id of \"{0}\"")]
    MessageNotFound(String),
    /// The user may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// The request is wrong; `kind` is the `errorType` clients switch on.
    #[error("{message}")]
    Invalid { kind: &'static str, message: String },
    /// A free-text field is longer than its limit (see `chat::limits`).
    #[error("`{field}` is too long: it takes at most {max_chars} characters")]
    TooLong {
        field: &'static str,
        max_chars: usize,
    },
    #[error(transparent)]
    Store(StoreError),
}

impl ChatError {
    /// A bad request with an `errorType` and a message naming the problem.
    pub fn invalid(kind: &'static str, message: impl Into<String>) -> ChatError {
        ChatError::Invalid {
            kind,
            message: message.into(),
        }
    }

    /// Refused for lack of permission.
    pub fn not_allowed(message: impl Into<String>) -> ChatError {
        ChatError::NotAllowed(message.into())
    }
}

impl From<StoreError> for ChatError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(message) => ChatError::invalid("error-invalid-params", message),
            other => ChatError::Store(other),
        }
    }
}

impl From<SettingError> for ChatError {
    fn from(error: SettingError) -> Self {
        match error {
            SettingError::Store(e) => e.into(),
            other => ChatError::invalid("error-invalid-setting", other.to_string()),
        }
    }
}
