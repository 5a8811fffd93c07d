//! Signed-in sessions: which user a request's token signs in as.

use std::collections::HashMap;

use parking_lot::RwLock;

use super::error::ApiError;
use crate::auth::token;
use crate::chat::Chat;
use crate::model::{User, UserId};

/// Token checks, with a cache from token digest to user id so a request
/// costs a hash and a lookup, not a store read of the token. A revoked
/// token leaves the cache in the same call that deletes it.
pub struct Sessions {
    chat: Chat,
    known: RwLock<HashMap<String, UserId>>,
}

impl Sessions {
    pub(super) fn new(chat: Chat) -> Sessions {
        Sessions {
            chat,
            known: RwLock::new(HashMap::new()),
        }
    }

    /// The active user `token` signs in as, if it belongs to `user_id`.
    pub async fn authenticate(&self, token: &str, user_id: &str) -> Result<Option<User>, ApiError> {
        let digest = token::digest(token);
        let cached = self.known.read().get(&digest).cloned();
        let records = self.chat.records();
        let owner = match cached {
            Some(owner) => owner,
            None => {
                let Some(record) = records.token(&digest).await? else {
                    return Ok(None);
                };
                self.known
                    .write()
                    .insert(digest.clone(), record.user.clone());
                record.user
            }
        };
        if owner.as_str() != user_id {
            return Ok(None);
        }
        let user = records.user(&owner).await?;
        Ok(user.filter(|u| u.active))
    }

    /// Revokes one token.
    pub async fn revoke(&self, token: &str) -> Result<bool, ApiError> {
        let digest = token::digest(token);
        self.known.write().remove(&digest);
        Ok(self.chat.end_session(&digest).await?)
    }

    /// Forgets every cached session of a user (after they are deleted or
    /// deactivated, or their tokens are revoked).
    pub fn forget_user(&self, user: &UserId) {
        self.known.write().retain(|_, owner| owner != user);
    }
}
