//! Accounts: creation, registration and lookups by id or name. Changes
//! to accounts are in `accounts`, signing in and out in `sign_in`,
//! sign-in tokens in `tokens`, the directory and spotlight in `lookup`,
//! the time zone a user's client reports in `utc_offset`.

mod accounts;
mod lookup;
mod sign_in;
mod tokens;
mod utc_offset;

use std::sync::LazyLock;

use regex::Regex;

use super::{Chat, ChatError, limits};
use crate::auth::password::{self, Presented};
use crate::auth::token;
use crate::model::{
    Email, Presence, Room, RoomKind, Subscription, Timestamp, User, UserId, UserKind,
};
use crate::store::{Page, Paged, RoomFilter, StoreError, Token, TokenKind, UserFilter};

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

impl NewUser {
    /// An active admin with a verified address who joins the default
    /// rooms: the account the environment seeds or `capsule admin
    /// create-user` makes.
    pub fn admin(username: &str, name: &str, password: &str, email: Option<&str>) -> NewUser {
        NewUser {
            username: username.to_owned(),
            name: name.to_owned(),
            email: email.map(str::to_owned),
            password: Some(password.to_owned()),
            roles: vec!["admin".into(), "user".into()],
            kind: UserKind::User,
            active: true,
            verified: true,
            join_default_channels: true,
            require_password_change: false,
        }
    }
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

/// Checks the length and shape of an e-mail address.
pub(super) fn check_email(email: &str) -> Result<(), ChatError> {
    limits::EMAIL.check(email)?;
    if EMAIL.is_match(email) {
        Ok(())
    } else {
        Err(ChatError::invalid(
            "error-invalid-email",
            format!("`{email}` is not a valid e-mail address"),
        ))
    }
}

/// A taken username or e-mail address as Rocket.Chat reports it.
fn unavailable(error: StoreError, user: &User) -> ChatError {
    match error {
        StoreError::Conflict(what) if what.starts_with("e-mail") => ChatError::invalid(
            "error-field-unavailable",
            format!("{} is already in use", user.email().unwrap_or_default()),
        ),
        StoreError::Conflict(_) => ChatError::invalid(
            "error-field-unavailable",
            format!("{} is already in use :(", user.username),
        ),
        other => other.into(),
    }
}

impl Chat {
    /// Creates an account; with `join_default_channels`, it joins every
    /// default room.
    pub async fn create_user(&self, new: NewUser) -> Result<User, ChatError> {
        check_username(&new.username)?;
        limits::USER_NAME.check(&new.name)?;
        if let Some(email) = &new.email {
            check_email(email)?;
        }
        if let Some(password) = &new.password
            && password.is_empty()
        {
            return Err(ChatError::invalid(
                "error-invalid-password",
                "the password is empty",
            ));
        }
        if new.roles.is_empty() {
            return Err(ChatError::invalid(
                "error-invalid-roles",
                "a user needs at least one role",
            ));
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
            .map_err(|e| unavailable(e, &user))?;
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
            // A server setting, not a permission: Rocket.Chat answers 400 with this type.
            return Err(ChatError::invalid(
                "error-user-registration-disabled",
                "User registration is disabled",
            ));
        }
        check_username(username)?;
        check_email(email)?;
        self.check_password(password)?;
        // Serialises first-user detection so two sign-ups cannot both become admin.
        static FIRST_USER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _guard = FIRST_USER.lock().await;
        let people = self.people_count().await?;
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
            if self.store.add_member(&subscription).await? {
                self.raise_joined(&room.id, user).await?;
            }
        }
        Ok(())
    }

    /// How many people (accounts with the `user` role, so not bots) the
    /// server has, counting no further than one.
    pub async fn people_count(&self) -> Result<u64, ChatError> {
        let filter = UserFilter {
            role: Some("user".into()),
            ..UserFilter::default()
        };
        Ok(self.store.list_users(&filter, &Page::first(1)).await?.total)
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

/// The global roles a user may hold.
pub const GLOBAL_ROLES: &[&str] = &["admin", "user", "bot"];

/// How many trailing characters of a personal access token its owner is
/// shown (`lastTokenPart`).
const TOKEN_HINT_LENGTH: usize = 6;

/// What an admin changes about an account (`users.update`); `None` leaves
/// a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<String>>,
    pub verified: Option<bool>,
    pub require_password_change: Option<bool>,
    pub status_text: Option<String>,
}

/// What users change about themselves (`users.updateOwnBasicInfo`);
/// `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status_text: Option<String>,
    /// The current password, plain or as SHA-256 hex (as Rocket.Chat's
    /// clients send it); needed to change the e-mail address or password.
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// A personal access token as its owner sees it: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonalToken {
    pub name: String,
    pub created_at: Timestamp,
    /// The token's last characters, to tell tokens apart.
    pub last_part: String,
}

/// A password-policy refusal, with the reason in the message.
fn policy_error(reason: String) -> ChatError {
    ChatError::invalid("error-password-policy-not-met", reason)
}

/// A refusal because a server setting turns the feature off. Rocket.Chat
/// answers these with 400, unlike missing permissions (403).
fn disabled(kind: &'static str, message: &str) -> ChatError {
    ChatError::invalid(kind, message)
}

fn require_admin(actor: &User) -> Result<(), ChatError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ChatError::not_allowed(
            "User does not have the permissions required for this action",
        ))
    }
}

/// Checks that every role is one the server knows.
fn check_roles(roles: &[String]) -> Result<(), ChatError> {
    if roles.is_empty() {
        return Err(ChatError::invalid(
            "error-invalid-roles",
            "a user needs at least one role",
        ));
    }
    match roles.iter().find(|r| !GLOBAL_ROLES.contains(&r.as_str())) {
        Some(role) => Err(ChatError::invalid(
            "error-invalid-role",
            format!(
                "`{role}` is not a role; roles are {}",
                GLOBAL_ROLES.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// A name must have something besides spaces, and fit its limit.
fn check_name(name: &str) -> Result<String, ChatError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ChatError::invalid(
            "error-the-field-is-required",
            "The field Name is required",
        ));
    }
    limits::USER_NAME.check(name)?;
    Ok(name.to_owned())
}

/// A status message trimmed; refused over its limit. (Rocket.Chat cuts
/// it instead; a refusal tells the client its text was not kept.)
fn status_text(text: &str) -> Result<String, ChatError> {
    let text = text.trim();
    limits::STATUS_TEXT.check(text)?;
    Ok(text.to_owned())
}

/// A password as a client typed or hashed it: 64 hex digits are taken for
/// the SHA-256 digest Rocket.Chat's clients send, then for the password.
fn presented_forms(text: &str) -> Vec<Presented> {
    let mut forms = Vec::with_capacity(2);
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        forms.push(Presented::Sha256(text.to_owned()));
    }
    forms.push(Presented::Plain(text.to_owned()));
    forms
}

/// Replaces one name in a `", "`-separated list of usernames.
fn rename_in_list(list: &str, old: &str, new: &str) -> String {
    list.split(", ")
        .map(|name| if name == old { new } else { name })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A username made from a display name: lowercase letters and digits,
/// other runs of characters as one `.`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('.') {
            out.push('.');
        }
    }
    out.trim_end_matches('.').chars().take(48).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_with_dots_between_words() {
        assert_eq!(slug("  Ada   Lovelace! "), "ada.lovelace");
        assert_eq!(slug("***"), "");
    }

    #[test]
    fn renames_replace_only_the_whole_name() {
        assert_eq!(rename_in_list("ada, adam", "ada", "grace"), "grace, adam");
    }

    #[test]
    fn hex_digests_are_tried_before_the_plain_text() {
        let digest = "a".repeat(64);
        assert!(matches!(presented_forms(&digest)[0], Presented::Sha256(_)));
        assert_eq!(presented_forms("secret").len(), 1);
    }

    #[test]
    fn unknown_roles_are_named() {
        let error = check_roles(&["user".into(), "owner".into()]).unwrap_err();
        assert!(error.to_string().contains("owner"), "{error}");
        assert!(check_roles(&[]).is_err());
    }

    #[test]
    fn status_messages_are_trimmed_and_refused_past_120_characters() {
        let padded = format!("  {}  ", "x".repeat(120));
        assert_eq!(status_text(&padded).unwrap().len(), 120);
        let error = status_text(&"x".repeat(121)).unwrap_err();
        assert!(matches!(
            error,
            ChatError::TooLong {
                field: "statusText",
                max_chars: 120
            }
        ));
    }

    #[test]
    fn names_over_their_limit_are_refused() {
        assert!(check_name(&"n".repeat(limits::USER_NAME.max_chars)).is_ok());
        assert!(check_name(&"n".repeat(limits::USER_NAME.max_chars + 1)).is_err());
    }
}
