//! The audit log of app administration: who changed what, and when.
//! Entries are appended by the operation that made the change, after it
//! succeeded; the server itself appears as `system` (configuration
//! provisioning, the runtime disabling a faulty app).

use serde_json::Value;

use super::record::Actor;
use super::{AppManager, ManageError};
use crate::model::{Timestamp, random_id};
use crate::store::{AuditEntry, Page, Paged};

impl AppManager {
    /// Appends an entry: `actor` did `action` (e.g. `app.install`) to
    /// `app`, with `detail` (never a secret's value).
    pub(super) async fn record_action(
        &self,
        actor: Actor,
        action: &str,
        app: Option<&str>,
        detail: Value,
    ) -> Result<(), ManageError> {
        let entry = AuditEntry {
            id: random_id(),
            at: Timestamp::now(),
            actor_id: actor.id,
            actor_username: actor.username,
            action: action.to_owned(),
            app: app.map(str::to_owned),
            detail,
        };
        tracing::info!(
            actor = %entry.actor_username,
            action,
            app = app.unwrap_or("-"),
            "apps admin action"
        );
        self.inner.audit.append_audit(&entry).await?;
        Ok(())
    }

    /// A page of the audit log, newest first; of `app` only when given.
    pub async fn audit(
        &self,
        app: Option<&str>,
        page: Page,
    ) -> Result<Paged<AuditEntry>, ManageError> {
        Ok(self.inner.audit.audit_entries(app, page).await?)
    }
}
