//! What a fresh server has: `#general` and the `rocket.cat` bot, as a fresh
//! Rocket.Chat has; and the first admin, when the environment names one.

use super::{Chat, ChatError, NewUser};
use crate::model::{Room, RoomId, RoomKind, User, UserId, UserKind};

/// The id of the default public channel.
pub const GENERAL_ROOM_ID: &str = "GENERAL";
/// The username (and id) of the server's own bot.
pub const BOT_USERNAME: &str = "rocket.cat";

impl Chat {
    /// Creates `#general` and `rocket.cat` when they are missing.
    pub async fn ensure_defaults(&self) -> Result<(), ChatError> {
        let general = RoomId::from(GENERAL_ROOM_ID);
        if self.store.room(&general).await?.is_none() {
            let mut room = Room::new(RoomKind::Channel, "general", None);
            room.id = general;
            room.default = true;
            self.store.insert_room(&room).await?;
            tracing::info!("created the default channel #general");
        }
        let bot = UserId::from(BOT_USERNAME);
        if self.store.user(&bot).await?.is_none() {
            let mut user = User::new(BOT_USERNAME, "Rocket.Cat", &["bot"], UserKind::Bot);
            user.id = bot;
            user.status = crate::model::Presence::Online;
            self.store.insert_user(&user, None).await?;
            tracing::info!("created the bot user rocket.cat");
        }
        Ok(())
    }

    /// Creates an admin account unless the username exists already.
    /// Returns whether it was created.
    pub async fn ensure_admin(
        &self,
        username: &str,
        password: &str,
        email: Option<&str>,
    ) -> Result<bool, ChatError> {
        if self.store.user_by_username(username).await?.is_some() {
            return Ok(false);
        }
        self.create_user(NewUser::admin(username, username, password, email))
            .await?;
        tracing::info!(user = %username, "created the admin account");
        Ok(true)
    }
}
