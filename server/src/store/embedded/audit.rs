//! The audit log of admin actions, in SQLite.

use async_trait::async_trait;
use rusqlite::params;

use super::{EmbeddedStore, limit_offset};
use crate::model::Timestamp;
use crate::store::{AuditEntry, AuditStore, Page, Paged, StoreError};

#[async_trait]
impl AuditStore for EmbeddedStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        let detail = serde_json::to_string(&entry.detail)?;
        self.write(move |conn| {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO audit (id, at, actor_id, actor_username, action, app, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    entry.id,
                    entry.at.millis(),
                    entry.actor_id,
                    entry.actor_username,
                    entry.action,
                    entry.app,
                    detail,
                ])?;
            if inserted == 0 {
                return Err(StoreError::Conflict(format!("audit entry `{}`", entry.id)));
            }
            Ok(())
        })
        .await
    }

    async fn audit_entries(
        &self,
        app: Option<&str>,
        page: Page,
    ) -> Result<Paged<AuditEntry>, StoreError> {
        // The log has one order, newest first; a sort asked for is refused
        // rather than ignored.
        if let Some(key) = page.sort.first() {
            return Err(StoreError::Invalid(format!(
                "cannot sort the audit log by `{}`; it is always newest first",
                key.field
            )));
        }
        let app = app.map(str::to_owned);
        let (limit, offset) = limit_offset(page.offset, page.count);
        self.read(move |conn| {
            // Two statements rather than `?1 IS NULL OR app = ?1`, which
            // would keep SQLite from using either index.
            let filter = if app.is_some() {
                "WHERE app = ?1"
            } else {
                "WHERE ?1 IS NULL"
            };
            let total: u64 = conn
                .prepare_cached(&format!("SELECT count(*) FROM audit {filter}"))?
                .query_row([&app], |row| row.get(0))?;
            let mut statement = conn.prepare_cached(&format!(
                "SELECT id, at, actor_id, actor_username, action, app, detail FROM audit
                 {filter} ORDER BY at DESC, seq DESC LIMIT ?2 OFFSET ?3"
            ))?;
            let rows = statement
                .query_map(params![app, limit, offset], |row| {
                    Ok((
                        AuditEntry {
                            id: row.get(0)?,
                            at: Timestamp(row.get(1)?),
                            actor_id: row.get(2)?,
                            actor_username: row.get(3)?,
                            action: row.get(4)?,
                            app: row.get(5)?,
                            detail: serde_json::Value::Null,
                        },
                        row.get::<_, String>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let items = rows
                .into_iter()
                .map(|(mut entry, detail)| {
                    entry.detail = serde_json::from_str(&detail)?;
                    Ok(entry)
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(Paged { items, total })
        })
        .await
    }
}
