//! Accounts: creation, registration and lookups.

use std::sync::LazyLock;

use regex::Regex;

use super::{Chat, ChatError};
use crate::auth::password;
use crate::model::{Email, RoomKind, Subscription, User, UserId, UserKind};
use crate::store::{Page, RoomFilter, StoreError, UserFilter};

static USERNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9A-Za-z._-]{1,64}$").expect("valid regex"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^\s@]+@[^\s@]+\.[^\s@]+$").expect("valid regex"));

/// What it takes to create an account.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub password: Option<String>,
    pub roles: Vec<String>,
    pub kind: UserKind,
    pub active: bool,
    pub verified: bool,
    pub join_default_channels: bool,
    pub require_password_change: bool,
}

/// Checks a username against the allowed characters.
pub(super) fn check_username(username: &str) -> Result<(), ChatError> {
    if USERNAME.is_match(username) {
        Ok(())
    } else {
        Err(ChatError::invalid(
            "error-invalid-username",
            format!(
                "`{username}` is not a valid username: use 1 to 64 letters, digits, `.`, `_` or `-`"
            ),
        ))
    }
}

/// Checks the shape of an e-mail address.
pub(super) fn check_email(email: &str) -> Result<(), ChatError> {
    if EMAIL.is_match(email) {
        Ok(())
    } else {
        Err(ChatError::invalid(
            "error-invalid-email",
            format!("`{email}` is not a valid e-mail address"),
        ))
    }
}

impl Chat {
    /// Creates an account; with `join_default_channels`, it joins every
    /// default room.
    pub async fn create_user(&self, new: NewUser) -> Result<User, ChatError> {
        check_username(&new.username)?;
        if let Some(email) = &new.email {
            check_email(email)?;
        }
        if let Some(password) = &new.password
            && password.is_empty()
        {
            return Err(ChatError::invalid("error-invalid-password", "the password is empty"));
        }
        if new.roles.is_empty() {
            return Err(ChatError::invalid("error-invalid-roles", "a user needs at least one role"));
        }
        let roles: Vec<&str> = new.roles.iter().map(String::as_str).collect();
        let mut user = User::new(&new.username, &new.name, &roles, new.kind);
        user.active = new.active;
        user.require_password_change = new.require_password_change;
        user.emails = new
            .email
            .iter()
            .map(|address| Email {
                address: address.clone(),
                verified: new.verified,
            })
            .collect();
        let hash = match &new.password {
            Some(password) => Some(password::hash(password).await),
            None => None,
        };
        self.store
            .insert_user(&user, hash)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(what) if what.starts_with("e-mail") => ChatError::invalid(
                    "error-field-unavailable",
                    format!("{} is already in use", new.email.clone().unwrap_or_default()),
                ),
                StoreError::Conflict(_) => ChatError::invalid(
                    "error-field-unavailable",
                    format!("{} is already in use :(", new.username),
                ),
                other => other.into(),
            })?;
        if new.join_default_channels {
            self.join_default_rooms(&user).await?;
        }
        tracing::info!(user = %user.username, id = %user.id, roles = ?user.roles, "user created");
        Ok(user)
    }

    /// Self-registration. Refused when `Accounts_RegistrationForm` is not
    /// `Public`. The first person to register on a server without users
    /// becomes its admin, as on a fresh Rocket.Chat.
    pub async fn register(
        &self,
        username: &str,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<User, ChatError> {
        if self.settings.get("Accounts_RegistrationForm") != "Public" {
            return Err(ChatError::not_allowed("Registration is disabled on this server"));
        }
        check_email(email)?;
        // Serialises first-user detection so two sign-ups cannot both become admin.
        static FIRST_USER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _guard = FIRST_USER.lock().await;
        let people = self
            .store
            .list_users(
                &UserFilter {
                    role: Some("user".into()),
                    ..UserFilter::default()
                },
                &Page::first(1),
            )
            .await?
            .total;
        let mut roles = vec!["user".to_owned()];
        if people == 0 {
            roles.insert(0, "admin".to_owned());
        }
        let user = self
            .create_user(NewUser {
                username: username.to_owned(),
                name: name.to_owned(),
                email: Some(email.to_owned()),
                password: Some(password.to_owned()),
                roles,
                kind: UserKind::User,
                active: true,
                verified: false,
                join_default_channels: true,
                require_password_change: false,
            })
            .await?;
        if people == 0 {
            tracing::warn!(user = %user.username, "the first account registered on this server is its admin");
        }
        Ok(user)
    }

    /// Adds `user` to every default room.
    async fn join_default_rooms(&self, user: &User) -> Result<(), ChatError> {
        let defaults = self
            .store
            .list_rooms(
                &RoomFilter {
                    default_only: true,
                    ..RoomFilter::default()
                },
                &Page::all(),
            )
            .await?;
        for room in defaults.items.iter().filter(|r| r.kind != RoomKind::Direct) {
            let name = room.display_name();
            let subscription = Subscription::new(&room.id, room.kind, &name, user.to_ref());
            self.store.add_member(&subscription).await?;
        }
        Ok(())
    }

    /// A user by id, or `UserNotFound`.
    pub async fn user(&self, id: &UserId) -> Result<User, ChatError> {
        self.store.user(id).await?.ok_or(ChatError::UserNotFound)
    }

    /// A user by username, or `UserNotFound`.
    pub async fn user_named(&self, username: &str) -> Result<User, ChatError> {
        let username = username.trim_start_matches('@');
        self.store
            .user_by_username(username)
            .await?
            .ok_or(ChatError::UserNotFound)
    }
}
