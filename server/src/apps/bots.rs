//! Each app's bot user, which the chat keeps ([`crate::chat::bots`]):
//! made sure of when the app is loaded.

use super::AppsError;
use crate::chat::{AppBotError, Chat};
use crate::model::User;

pub use crate::chat::bots::{bot_id, bot_ref, bot_username};

/// The bot user of `app_id`, created (named `display_name`) when missing.
/// Refuses to start the app when its bot's username belongs to someone
/// else.
pub async fn ensure_bot(chat: &Chat, app_id: &str, display_name: &str) -> Result<User, AppsError> {
    chat.ensure_app_bot(app_id, display_name)
        .await
        .map_err(|error| match error {
            AppBotError::NameTaken(username) => AppsError::BotNameTaken {
                app: app_id.to_owned(),
                username,
            },
            AppBotError::Store(source) => AppsError::Store {
                app: app_id.to_owned(),
                source,
            },
        })
}
