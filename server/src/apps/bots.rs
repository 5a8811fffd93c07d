//! Each app's bot user: the account its messages are sent as.
//!
//! As in Rocket.Chat, an app's bot is named `<app-id>.bot` and holds the
//! global role `bot`. Its id is fixed, `app.<app-id>`, so the server finds
//! the same account at every start, and a person who registered the name
//! first cannot be mistaken for the app. The bot has no password: nobody
//! signs in as it.

use super::AppsError;
use crate::model::{Presence, User, UserId, UserKind, UserRef};
use crate::store::{Store, StoreError};

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

/// The bot user of `app_id`, created (named `display_name`) when missing.
/// Refuses to start the app when its bot's username belongs to someone
/// else.
pub async fn ensure_bot(
    store: &dyn Store,
    app_id: &str,
    display_name: &str,
) -> Result<User, AppsError> {
    let id = bot_id(app_id);
    let username = bot_username(app_id);
    let failed = |source: StoreError| AppsError::Store {
        app: app_id.to_owned(),
        source,
    };
    if let Some(bot) = store.user(&id).await.map_err(failed)? {
        return Ok(bot);
    }
    if store
        .user_by_username(&username)
        .await
        .map_err(failed)?
        .is_some()
    {
        return Err(AppsError::BotNameTaken {
            app: app_id.to_owned(),
            username,
        });
    }
    let mut bot = User::new(&username, display_name, &["bot"], UserKind::Bot);
    bot.id = id;
    bot.status = Presence::Online;
    store.insert_user(&bot, None).await.map_err(failed)?;
    tracing::info!(app = app_id, user = %bot.username, "created the app's bot user");
    Ok(bot)
}
