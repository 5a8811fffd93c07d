//! Enabling and disabling apps, and recording what the runtime decides on
//! its own (an app disabled after faults), so that the status and its
//! reason survive a restart.

use std::sync::Arc;

use capsule_runtime::{AppStatus, LifecycleEvent};
use serde_json::json;

use super::record::{Actor, Status};
use super::{AppManager, AppView, ManageError};
use crate::model::User;

impl AppManager {
    /// Enables or disables app `id` (what the admin sets; kept over
    /// restarts). Enabling also re-enables an app disabled after faults;
    /// it is refused for a refused app, one waiting for a grant, or one
    /// whose required settings have no value.
    pub async fn set_enabled(
        &self,
        actor: &User,
        id: &str,
        enabled: bool,
    ) -> Result<AppView, ManageError> {
        let _op = self.inner.ops.lock().await;
        let mut record = self.app_record(id).await?;
        let Some(installed) = record.installed.as_mut() else {
            return Err(ManageError::Refused(format!(
                "app `{id}` is waiting for its permissions to be granted; grant them first"
            )));
        };
        if installed.status == Status::Refused {
            return Err(ManageError::Refused(format!(
                "app `{id}` is refused: {}",
                installed.reason.as_deref().unwrap_or("no reason recorded")
            )));
        }
        if enabled {
            let missing =
                super::settings::missing_required(&installed.package.manifest, &record.settings);
            if !missing.is_empty() {
                return Err(ManageError::InvalidSettings(missing));
            }
        } else {
            // Told while it still runs, so it can say goodbye.
            self.lifecycle(id, LifecycleEvent::Disable).await;
        }
        let was = installed.status;
        installed.enabled = enabled;
        installed.status = if enabled {
            Status::Enabled
        } else {
            Status::Disabled
        };
        let running = self.apply_state(id, installed, &record.settings);
        self.save(id, &record).await?;
        let action = if enabled { "app.enable" } else { "app.disable" };
        self.record_action(actor.into(), action, Some(id), json!({"from": was.name()}))
            .await?;
        if running {
            self.announce_enabled(id).await;
            self.inner.scheduler.wake();
        }
        // `announce_enabled` may have recorded a refusal.
        self.get(id).await
    }

    /// Starts the task that records the status changes the runtime makes
    /// on its own, as the bridge reports them on `changes`. It holds the
    /// manager weakly, so it ends with it.
    pub(super) fn watch_status_changes(
        &self,
        mut changes: tokio::sync::mpsc::UnboundedReceiver<(String, AppStatus)>,
    ) {
        let manager = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while let Some((app, status)) = changes.recv().await {
                let Some(inner) = manager.upgrade() else {
                    break;
                };
                AppManager { inner }.record_status(&app, status).await;
            }
        });
    }

    /// Records that the runtime changed app `id`'s status to `status`.
    async fn record_status(&self, id: &str, status: AppStatus) {
        let AppStatus::DisabledAfterFaults {
            faults_in_a_row,
            last_fault,
        } = status
        else {
            return;
        };
        let _op = self.inner.ops.lock().await;
        let recorded = async {
            let mut record = self.app_record(id).await?;
            // An admin's change made since the fault stands.
            let Some(installed) = record
                .installed
                .as_mut()
                .filter(|i| i.status == Status::Enabled)
            else {
                return Ok(());
            };
            installed.status = Status::DisabledAfterFaults;
            let reason = format!("{last_fault} ({faults_in_a_row} faults in a row)");
            installed.reason = Some(reason.clone());
            self.save(id, &record).await?;
            self.record_action(
                Actor::system(),
                "app.disabled-after-faults",
                Some(id),
                json!({"reason": reason, "faultsInARow": faults_in_a_row}),
            )
            .await
        };
        if let Err(error) = recorded.await {
            tracing::error!(app = id, %error, "cannot record that the app was disabled after faults");
        }
    }
}
