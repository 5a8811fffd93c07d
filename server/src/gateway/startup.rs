//! What clients read when they start, in the shapes both transports
//! answer: public settings (REST `settings.public`, DDP
//! `public-settings/get`), permissions (`permissions.listAll`,
//! `permissions/get`), roles (`roles.list`) and the holders of public
//! roles (`roles.getUsersInPublicRoles`, DDP `getUserRoles`).
//!
//! Dates are [`Timestamp`]s, so the REST API writes them as ISO strings
//! and the real-time API, inside `ejson`, as `{"$date": ...}`.

use serde_json::{Value, json};

use crate::chat::permissions::{self, PERMISSIONS, ROLES};
use crate::chat::{Chat, ChatError};
use crate::model::Timestamp;
use crate::settings::Settings;
use crate::store::{Page, UserFilter};

/// The permissions changed after `since` (every one without it), as
/// Rocket.Chat's permission documents.
pub fn permissions_since(since: Option<Timestamp>) -> Vec<Value> {
    if since.is_some_and(|since| since >= permissions::TABLE_UPDATED_AT) {
        return Vec::new();
    }
    PERMISSIONS
        .iter()
        .map(|p| {
            json!({
                "_id": p.id,
                "roles": p.roles,
                "_updatedAt": permissions::TABLE_UPDATED_AT,
            })
        })
        .collect()
}

/// Every role, as Rocket.Chat's role documents.
pub fn roles() -> Vec<Value> {
    ROLES
        .iter()
        .map(|r| {
            json!({
                "_id": r.id,
                "name": r.id,
                "scope": r.scope.name(),
                "description": r.description,
                "protected": true,
                "mandatory2fa": false,
                "_updatedAt": permissions::TABLE_UPDATED_AT,
            })
        })
        .collect()
}

/// Every user holding a public role, by username, as `{_id, username,
/// roles}`.
pub async fn users_in_public_roles(chat: &Chat) -> Result<Vec<Value>, ChatError> {
    let mut users = Vec::new();
    for role in permissions::public_roles() {
        let filter = UserFilter {
            role: Some(role.id.to_owned()),
            ..UserFilter::default()
        };
        let holders = chat.records().users(&filter, &Page::all()).await?.items;
        users.extend(holders);
    }
    users.sort_by(|a, b| a.username.cmp(&b.username));
    users.dedup_by(|a, b| a.id == b.id);
    Ok(users
        .iter()
        .map(|u| json!({"_id": u.id, "username": u.username, "roles": u.roles}))
        .collect())
}

/// Every public setting as `{_id, value}`, sorted by id.
pub fn public_settings(settings: &Settings) -> Vec<Value> {
    let mut public: Vec<_> = settings
        .all()
        .into_iter()
        .filter(|(def, _)| def.public)
        .map(|(def, value)| json!({"_id": def.id, "value": value}))
        .collect();
    public.sort_by(|a, b| a["_id"].as_str().cmp(&b["_id"].as_str()));
    public
}
