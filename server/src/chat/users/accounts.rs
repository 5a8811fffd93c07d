//! Changing accounts: passwords, profiles, roles, status, activation and
//! deletion.

use super::*;

impl Chat {
    /// Checks a new password against the `Accounts_Password_Policy_*`
    /// settings. An empty password is always refused.
    pub fn check_password(&self, password: &str) -> Result<(), ChatError> {
        if password.trim().is_empty() {
            return Err(policy_error(
                "The password provided does not meet the server's password policy: it is empty"
                    .to_owned(),
            ));
        }
        if !self.settings.flag("Accounts_Password_Policy_Enabled") {
            return Ok(());
        }
        let length = password.chars().count() as i64;
        let min = self.settings.int("Accounts_Password_Policy_MinLength");
        if min >= 1 && length < min {
            return Err(policy_error(format!(
                "The password does not meet the minimum length password policy: use at least {min} characters"
            )));
        }
        let max = self.settings.int("Accounts_Password_Policy_MaxLength");
        if max >= 1 && length > max {
            return Err(policy_error(format!(
                "The password does not meet the maximum length password policy: use at most {max} characters"
            )));
        }
        Ok(())
    }

    /// Whether `text` (the password, or its SHA-256 hex) is the user's
    /// password. Accounts without a password never match.
    pub async fn verify_password(&self, user: &UserId, text: &str) -> Result<bool, ChatError> {
        let Some(hash) = self.store.password_hash(user).await? else {
            return Ok(false);
        };
        for form in presented_forms(text) {
            if password::verify(&form, &hash).await {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// An admin creates an account (`users.create`): the roles must be
    /// known and the password must meet the policy. A `bot` role makes a
    /// bot account.
    pub async fn admin_create_user(
        &self,
        actor: &User,
        mut new: NewUser,
    ) -> Result<User, ChatError> {
        require_admin(actor)?;
        check_roles(&new.roles)?;
        new.name = check_name(&new.name)?;
        match &new.password {
            Some(password) => self.check_password(password)?,
            None => return Err(policy_error("a password is required".to_owned())),
        }
        if new.roles.iter().any(|r| r == "bot") {
            new.kind = UserKind::Bot;
        }
        let user = self.create_user(new).await?;
        tracing::info!(by = %actor.username, user = %user.username, "account created by an admin");
        Ok(user)
    }

    /// How many active admins the server has.
    async fn active_admins(&self) -> Result<u64, ChatError> {
        let filter = UserFilter {
            role: Some("admin".into()),
            active: Some(true),
            ..UserFilter::default()
        };
        Ok(self.store.list_users(&filter, &Page::first(1)).await?.total)
    }

    /// Refuses a change that would leave the server without an active
    /// admin: `before` is the account now, `after_admin` whether it stays an
    /// active admin.
    async fn keep_an_admin(&self, before: &User, after_admin: bool) -> Result<(), ChatError> {
        if before.is_admin() && before.active && !after_admin && self.active_admins().await? <= 1 {
            return Err(ChatError::invalid(
                "error-action-not-allowed",
                "Leaving the app without active admins is not allowed",
            ));
        }
        Ok(())
    }

    /// An admin changes an account (`users.update`). A new password is
    /// hashed and signs the user out of their login sessions (personal
    /// access tokens stay); deactivating revokes every token.
    pub async fn update_user(
        &self,
        actor: &User,
        id: &UserId,
        change: UserChange,
    ) -> Result<User, ChatError> {
        require_admin(actor)?;
        let before = self.user(id).await?;
        let mut user = before.clone();
        if let Some(username) = &change.username {
            check_username(username)?;
            user.username = username.clone();
        }
        if let Some(name) = &change.name {
            user.name = check_name(name)?;
        }
        if let Some(email) = &change.email {
            set_email(&mut user, email)?;
        }
        if let Some(verified) = change.verified {
            user.emails.iter_mut().for_each(|e| e.verified = verified);
        }
        if let Some(roles) = &change.roles {
            check_roles(roles)?;
            user.roles = roles.clone();
        }
        if let Some(active) = change.active {
            user.active = active;
        }
        if let Some(required) = change.require_password_change {
            user.require_password_change = required;
        }
        if let Some(text) = &change.status_text {
            user.status_text = status_text(text)?;
        }
        if let Some(password) = &change.password {
            self.check_password(password)?;
        }
        self.keep_an_admin(&before, user.is_admin() && user.active)
            .await?;
        self.save_user(&mut user, &before.username).await?;
        if let Some(password) = &change.password {
            self.store
                .set_password_hash(&user.id, Some(password::hash(password).await))
                .await?;
            self.revoke_tokens(&user.id, None, false).await?;
        }
        if before.active && !user.active {
            self.revoke_tokens(&user.id, None, true).await?;
        }
        tracing::info!(by = %actor.username, user = %user.username, "account changed by an admin");
        Ok(user)
    }

    /// Users change their own name, username, e-mail address, status
    /// message or password (`users.updateOwnBasicInfo`). The e-mail address
    /// and the password need the current password; a new password signs
    /// out every other login session (`keep` is the digest of the token of
    /// this request).
    pub async fn update_profile(
        &self,
        actor: &User,
        change: ProfileChange,
        keep: Option<&str>,
    ) -> Result<User, ChatError> {
        let before = self.user(&actor.id).await?;
        let mut user = before.clone();
        let new_email = change
            .email
            .as_deref()
            .filter(|e| Some(*e) != before.email());
        let new_username = change.username.as_deref().filter(|u| *u != before.username);
        let new_name = change.name.as_deref().filter(|n| *n != before.name);
        if (new_email.is_some() || new_username.is_some() || new_name.is_some())
            && !self.settings.flag("Accounts_AllowUserProfileChange")
        {
            return Err(disabled(
                "error-action-not-allowed",
                "Editing the profile is not allowed",
            ));
        }
        if change.status_text.is_some()
            && !self.settings.flag("Accounts_AllowUserStatusMessageChange")
        {
            return Err(disabled(
                "error-action-not-allowed",
                "Changing the status message is not allowed",
            ));
        }
        if change.new_password.is_some() && !self.settings.flag("Accounts_AllowPasswordChange") {
            return Err(disabled(
                "error-action-not-allowed",
                "Changing the password is not allowed",
            ));
        }
        if new_email.is_some() || change.new_password.is_some() {
            self.confirm_password(&user, change.current_password.as_deref())
                .await?;
        }
        if let Some(username) = new_username {
            check_username(username)?;
            user.username = username.to_owned();
        }
        if let Some(name) = new_name {
            user.name = check_name(name)?;
        }
        if let Some(email) = new_email {
            set_email(&mut user, email)?;
        }
        if let Some(text) = &change.status_text {
            user.status_text = status_text(text)?;
        }
        if let Some(password) = &change.new_password {
            self.check_password(password)?;
            if self.verify_password(&user.id, password).await? {
                return Err(ChatError::invalid(
                    "error-password-same-as-current",
                    "Entered password same as current password",
                ));
            }
        }
        self.save_user(&mut user, &before.username).await?;
        if let Some(password) = &change.new_password {
            self.store
                .set_password_hash(&user.id, Some(password::hash(password).await))
                .await?;
            self.revoke_tokens(&user.id, keep, false).await?;
        }
        Ok(user)
    }

    /// Refuses unless `typed` is the user's current password.
    async fn confirm_password(&self, user: &User, typed: Option<&str>) -> Result<(), ChatError> {
        let Some(typed) = typed.filter(|t| !t.is_empty()) else {
            return Err(ChatError::invalid(
                "error-invalid-password",
                "send `currentPassword` to change the e-mail address or the password",
            ));
        };
        if self.verify_password(&user.id, typed).await? {
            Ok(())
        } else {
            Err(ChatError::invalid(
                "error-invalid-password",
                "Invalid password",
            ))
        }
    }

    /// Stores a changed account (a taken username or address is refused)
    /// and, after a rename, renames the user in their memberships.
    async fn save_user(&self, user: &mut User, old_username: &str) -> Result<(), ChatError> {
        user.updated_at = Timestamp::now();
        self.store
            .update_user(user)
            .await
            .map_err(|e| unavailable(e, user))?;
        if user.username != old_username {
            self.propagate_rename(user, old_username).await?;
            tracing::info!(from = %old_username, to = %user.username, "user renamed");
        }
        Ok(())
    }

    /// Renames a user in their memberships and, for direct messages, in the
    /// room's member list and the names the other members see. (Messages
    /// keep the username they were sent with.)
    async fn propagate_rename(&self, user: &User, old: &str) -> Result<(), ChatError> {
        for sub in self.store.subscriptions_of(&user.id, None).await? {
            if sub.kind != RoomKind::Direct {
                let mut sub = sub;
                sub.user = user.to_ref();
                self.store.update_subscription(&sub).await?;
                continue;
            }
            let Some(mut room) = self.store.room(&sub.rid).await? else {
                continue;
            };
            for name in room.usernames.iter_mut().filter(|n| n.as_str() == old) {
                name.clone_from(&user.username);
            }
            room.usernames.sort();
            self.store.update_room(&room).await?;
            for member in &room.uids {
                let Some(mut other) = self.store.subscription(&room.id, member).await? else {
                    continue;
                };
                if other.user.id == user.id {
                    other.user = user.to_ref();
                }
                other.name = rename_in_list(&other.name, old, &user.username);
                other.fname = rename_in_list(&other.fname, old, &user.username);
                self.store.update_subscription(&other).await?;
            }
        }
        Ok(())
    }

    /// An admin deletes an account (`users.delete`) with its tokens and
    /// memberships; its messages stay. The last active admin cannot be
    /// deleted.
    pub async fn delete_user(&self, actor: &User, id: &UserId) -> Result<User, ChatError> {
        require_admin(actor)?;
        let user = self.user(id).await?;
        self.remove_account(&user).await?;
        tracing::info!(by = %actor.username, user = %user.username, "account deleted by an admin");
        Ok(user)
    }

    /// Users delete their own account (`users.deleteOwnAccount`), when
    /// `Accounts_AllowDeleteOwnAccount` is on, confirming with their
    /// password (plain or SHA-256 hex).
    pub async fn delete_own_account(&self, actor: &User, typed: &str) -> Result<(), ChatError> {
        if !self.settings.flag("Accounts_AllowDeleteOwnAccount") {
            return Err(disabled(
                "error-not-allowed",
                "Deleting your own account is not allowed",
            ));
        }
        if !self.verify_password(&actor.id, typed).await? {
            return Err(ChatError::invalid(
                "error-invalid-password",
                "Invalid password",
            ));
        }
        self.remove_account(actor).await?;
        tracing::info!(user = %actor.username, "account deleted by its owner");
        Ok(())
    }

    async fn remove_account(&self, user: &User) -> Result<(), ChatError> {
        self.keep_an_admin(user, false).await?;
        if !self.store.delete_user(&user.id).await? {
            return Err(ChatError::UserNotFound);
        }
        Ok(())
    }

    /// Sets a user's presence and/or status message (`users.setStatus`):
    /// their own, or anyone's for an admin.
    pub async fn set_status(
        &self,
        actor: &User,
        target: &UserId,
        status: Option<&str>,
        message: Option<&str>,
    ) -> Result<User, ChatError> {
        if *target != actor.id && !actor.is_admin() {
            return Err(ChatError::not_allowed(
                "only admins may set another user's status",
            ));
        }
        if status.is_none() && message.is_none() {
            return Err(ChatError::invalid(
                "error-invalid-params",
                "send `status`, `message` or both",
            ));
        }
        if message.is_some() && !self.settings.flag("Accounts_AllowUserStatusMessageChange") {
            return Err(disabled(
                "error-not-allowed",
                "Change status is not allowed",
            ));
        }
        let presence = status
            .map(|s| {
                Presence::parse(s).ok_or_else(|| {
                    ChatError::invalid(
                        "error-invalid-status",
                        "Valid status types include online, away, offline, and busy.",
                    )
                })
            })
            .transpose()?;
        if presence == Some(Presence::Offline)
            && !self.settings.flag("Accounts_AllowInvisibleStatusOption")
        {
            return Err(disabled(
                "error-status-not-allowed",
                "Invisible status is disabled",
            ));
        }
        let mut user = self.user(target).await?;
        if let Some(presence) = presence {
            user.status = presence;
            user.status_default = presence;
        }
        if let Some(message) = message {
            user.status_text = status_text(message)?;
        }
        user.updated_at = Timestamp::now();
        self.store.update_user(&user).await?;
        Ok(user)
    }

    /// An admin activates or deactivates an account
    /// (`users.setActiveStatus`). Deactivating revokes every token, so the
    /// user is signed out at once and cannot sign in until reactivated.
    pub async fn set_active(
        &self,
        actor: &User,
        id: &UserId,
        active: bool,
    ) -> Result<User, ChatError> {
        require_admin(actor)?;
        let before = self.user(id).await?;
        self.keep_an_admin(&before, active && before.is_admin())
            .await?;
        let mut user = before.clone();
        user.active = active;
        user.updated_at = Timestamp::now();
        self.store.update_user(&user).await?;
        if before.active && !active {
            self.revoke_tokens(&user.id, None, true).await?;
        }
        tracing::info!(by = %actor.username, user = %user.username, active, "account activation changed");
        Ok(user)
    }
}

/// Sets the user's e-mail address (replacing the first one), unverified
/// unless it is the address they had.
fn set_email(user: &mut User, address: &str) -> Result<(), ChatError> {
    check_email(address)?;
    let verified = user
        .emails
        .first()
        .is_some_and(|e| e.verified && e.address.eq_ignore_ascii_case(address));
    let email = Email {
        address: address.to_owned(),
        verified,
    };
    match user.emails.first_mut() {
        Some(first) => *first = email,
        None => user.emails.push(email),
    }
    Ok(())
}
