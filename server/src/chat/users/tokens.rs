//! Sign-in tokens an admin issues and personal access tokens.

use super::*;

impl Chat {
    /// Deletes a user's tokens: login tokens except the one with digest
    /// `keep`, and personal access tokens too with `personal`. Callers
    /// drop the user's cached sessions afterwards.
    pub(super) async fn revoke_tokens(
        &self,
        user: &UserId,
        keep: Option<&str>,
        personal: bool,
    ) -> Result<(), ChatError> {
        for token in self.store.tokens_of(user).await? {
            let is_personal = matches!(token.kind, TokenKind::Personal { .. });
            if Some(token.digest.as_str()) == keep || (is_personal && !personal) {
                continue;
            }
            self.store.delete_token(&token.digest).await?;
        }
        Ok(())
    }

    /// A fresh login token for `user`, stored as its digest; the token
    /// itself is returned to show once (`login`, `users.createToken`).
    pub async fn new_login_token(&self, user: &UserId) -> Result<String, ChatError> {
        let secret = token::generate();
        self.store
            .insert_token(&Token {
                digest: token::digest(&secret),
                user: user.clone(),
                kind: TokenKind::Login,
                created_at: Timestamp::now(),
            })
            .await?;
        Ok(secret)
    }

    /// An admin issues a login token for a user (`users.createToken`).
    pub async fn issue_login_token(&self, actor: &User, user: &User) -> Result<String, ChatError> {
        require_admin(actor)?;
        let secret = self.new_login_token(&user.id).await?;
        tracing::info!(by = %actor.username, user = %user.username, "login token issued by an admin");
        Ok(secret)
    }

    /// The personal access token `name` of `user`, if they have one.
    async fn personal_token_named(
        &self,
        user: &UserId,
        name: &str,
    ) -> Result<Option<Token>, ChatError> {
        Ok(self
            .store
            .tokens_of(user)
            .await?
            .into_iter()
            .find(|t| matches!(&t.kind, TokenKind::Personal { name: n, .. } if n == name)))
    }

    /// Creates a personal access token named `name` for `actor`
    /// (`users.generatePersonalAccessToken`); returns the token, which is
    /// shown only this once. It signs in with `X-Auth-Token` as a login
    /// token does, and `logout` does not end it.
    pub async fn create_personal_token(
        &self,
        actor: &User,
        name: &str,
    ) -> Result<String, ChatError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "The 'tokenName' param is required",
            ));
        }
        limits::TOKEN_NAME.check(name)?;
        let exists = || {
            ChatError::invalid(
                "error-token-already-exists",
                "A token with this name already exists",
            )
        };
        if self.personal_token_named(&actor.id, name).await?.is_some() {
            return Err(exists());
        }
        let secret = token::generate();
        let last_part: String = secret
            .chars()
            .skip(secret.chars().count() - TOKEN_HINT_LENGTH)
            .collect();
        let record = Token {
            digest: token::digest(&secret),
            user: actor.id.clone(),
            kind: TokenKind::Personal {
                name: name.to_owned(),
                last_part,
            },
            created_at: Timestamp::now(),
        };
        self.store
            .insert_token(&record)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => exists(),
                other => other.into(),
            })?;
        tracing::info!(user = %actor.username, token = %name, "personal access token created");
        Ok(secret)
    }

    /// `actor`'s personal access tokens, oldest first.
    pub async fn personal_tokens(&self, actor: &User) -> Result<Vec<PersonalToken>, ChatError> {
        let mut tokens = Vec::new();
        for token in self.store.tokens_of(&actor.id).await? {
            let TokenKind::Personal { name, last_part } = token.kind else {
                continue;
            };
            tokens.push(PersonalToken {
                name,
                created_at: token.created_at,
                last_part,
            });
        }
        Ok(tokens)
    }

    /// Revokes `actor`'s personal access token `name`
    /// (`users.removePersonalAccessToken`). Callers drop the user's cached
    /// sessions afterwards.
    pub async fn remove_personal_token(&self, actor: &User, name: &str) -> Result<(), ChatError> {
        let token = self
            .personal_token_named(&actor.id, name.trim())
            .await?
            .ok_or_else(|| {
                ChatError::invalid("error-token-does-not-exists", "Token does not exist")
            })?;
        self.store.delete_token(&token.digest).await?;
        tracing::info!(user = %actor.username, token = %name, "personal access token removed");
        Ok(())
    }

    /// Replaces `actor`'s personal access token `name` with a new one of
    /// the same name (`users.regeneratePersonalAccessToken`).
    pub async fn regenerate_personal_token(
        &self,
        actor: &User,
        name: &str,
    ) -> Result<String, ChatError> {
        self.remove_personal_token(actor, name).await?;
        self.create_personal_token(actor, name).await
    }
}
