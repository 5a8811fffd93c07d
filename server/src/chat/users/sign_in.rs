//! Signing in and out: credentials, resume tokens and what a sign-in
//! records. The failed-login throttle and the answers' shapes are the
//! transports' (`crate::gateway`).

use super::*;

impl Chat {
    /// The account `account` names: a username, or an e-mail address
    /// when it holds `@`.
    pub async fn account_named(&self, account: &str) -> Result<Option<User>, ChatError> {
        Ok(if account.contains('@') {
            self.store.user_by_email(account).await?
        } else {
            self.store.user_by_username(account).await?
        })
    }

    /// Whether `password` is `user`'s. An unknown account, or one without
    /// a password, is answered `false` after the same argon2 work as a
    /// wrong password, so the time taken does not tell which accounts
    /// exist. A deactivated account with the right password is answered
    /// `true`: the caller refuses it, saying so (as Rocket.Chat).
    pub async fn password_matches(
        &self,
        user: Option<&User>,
        password: &Presented,
    ) -> Result<bool, ChatError> {
        let hash = match user {
            Some(user) => self.store.password_hash(&user.id).await?,
            None => None,
        };
        Ok(match hash {
            Some(hash) => password::verify(password, &hash).await,
            None => {
                password::verify_nothing(password).await;
                false
            }
        })
    }

    /// The active user the login token with `digest` belongs to.
    pub async fn token_owner(&self, digest: &str) -> Result<Option<User>, ChatError> {
        let Some(record) = self.store.token(digest).await? else {
            return Ok(None);
        };
        Ok(self.store.user(&record.user).await?.filter(|u| u.active))
    }

    /// Records that `user` signed in: the time, and an offline user
    /// comes online with their default status.
    pub async fn record_sign_in(&self, mut user: User) -> Result<User, ChatError> {
        user.last_login = Some(Timestamp::now());
        if user.status == Presence::Offline {
            user.status = user.status_default;
        }
        self.store.update_user(&user).await?;
        Ok(user)
    }

    /// Deletes the login token with `digest` (a sign-out); answers
    /// whether it existed.
    pub async fn end_session(&self, digest: &str) -> Result<bool, ChatError> {
        Ok(self.store.delete_token(digest).await?)
    }
}
