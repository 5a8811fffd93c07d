//! Each app's bot user: the account its messages are sent as.
//!
//! As in Rocket.Chat, an app's bot is named `<app-id>.bot` and holds the
//! global role `bot`. Its id is fixed, `app.<app-id>`, so the server finds
//! the same account at every start, and a person who registered the name
//! first cannot be mistaken for the app. The bot has no password: nobody
//! signs in as it.

use super::Chat;
use crate::model::{Presence, User, UserId, UserKind, UserRef};
use crate::store::StoreError;

/// The id of `app_id`'s bot user.
pub fn bot_id(app_id: &str) -> UserId {
    UserId(format!("app.{app_id}"))
}

/// The username of `app_id`'s bot user.
pub fn bot_username(app_id: &str) -> String {
    format!("{app_id}.bot")
}

/// `app_id`'s bot user as messages name their sender.
pub fn bot_ref(app_id: &str) -> UserRef {
    UserRef {
        id: bot_id(app_id),
        username: bot_username(app_id),
        name: None,
    }
}

/// Why an app's bot user cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum AppBotError {
    /// Its username belongs to someone else.
    #[error("the username `{0}` of the app's bot user is taken")]
    NameTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Chat {
    /// The bot user of `app_id`, created (named `display_name`) when
    /// missing. Refused when its username belongs to someone else.
    pub async fn ensure_app_bot(
        &self,
        app_id: &str,
        display_name: &str,
    ) -> Result<User, AppBotError> {
        let id = bot_id(app_id);
        let username = bot_username(app_id);
        if let Some(bot) = self.store.user(&id).await? {
            return Ok(bot);
        }
        if self.store.user_by_username(&username).await?.is_some() {
            return Err(AppBotError::NameTaken(username));
        }
        let mut bot = User::new(&username, display_name, &["bot"], UserKind::Bot);
        bot.id = id;
        bot.status = Presence::Online;
        self.store.insert_user(&bot, None).await?;
        tracing::info!(app = app_id, user = %bot.username, "created the app's bot user");
        Ok(bot)
    }

    /// The bot user of `app_id`, if it exists.
    pub async fn app_bot(&self, app_id: &str) -> Result<Option<User>, StoreError> {
        self.store.user(&bot_id(app_id)).await
    }
}
