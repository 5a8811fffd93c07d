//! A loaded app: its compiled code, what it shares across instances, its
//! pool of warm instances, and the one function every call goes through.

pub mod health;
pub(crate) mod instance;
pub mod log;
pub mod spec;
pub(crate) mod state;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmtime::Trap;
use wasmtime::component::InstancePre;

use crate::app::health::AppStatus;
use crate::app::instance::{ExportIndices, Exports, WarmInstance, instantiate, ticks_for};
use crate::app::log::{LogLevel, LogSource};
use crate::app::spec::AppSpec;
use crate::app::state::{AppShared, HostState};
use crate::engine::CapsuleEngine;
use crate::fault::Fault;
use crate::limits::CallKind;
use capsule_contract::Hook;

/// The future a call closure returns: borrows the instance's store.
pub(crate) type CallFuture<'a, R> =
    Pin<Box<dyn Future<Output = wasmtime::Result<Result<R, Fault>>> + Send + 'a>>;

/// One app, loaded and ready to serve events.
pub(crate) struct LoadedApp {
    pub spec: AppSpec,
    pub shared: Arc<AppShared>,
    pub engine: Arc<CapsuleEngine>,
    pub pre: InstancePre<HostState>,
    pub indices: ExportIndices,
    pool: Mutex<Vec<WarmInstance>>,
    in_flight: tokio::sync::Semaphore,
}

/// Why a call did not produce the app's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The app is not enabled.
    #[error("app `{app}` is not enabled: it is {status}")]
    Disabled { app: String, status: AppStatus },
    /// The app does not implement the hook.
    #[error("app `{app}` does not implement `{hook}`")]
    NotImplemented { app: String, hook: Hook },
    /// The call faulted.
    #[error("app `{app}` {fault}")]
    Fault { app: String, fault: Fault },
    /// The app already had its maximum of calls in flight for the whole
    /// wall-clock deadline. Not counted as the app's fault.
    #[error("app `{app}` is busy: {limit} calls already running")]
    Busy { app: String, limit: usize },
}

impl LoadedApp {
    pub fn new(
        spec: AppSpec,
        shared: Arc<AppShared>,
        engine: Arc<CapsuleEngine>,
        pre: InstancePre<HostState>,
        indices: ExportIndices,
    ) -> LoadedApp {
        // Nested calls (an app's message re-entering its own hook) each hold
        // a permit, so there must be more permits than pipeline levels.
        let permits = spec
            .limits
            .max_concurrent_calls
            .max(spec.limits.max_depth as usize + 2);
        LoadedApp {
            spec,
            shared,
            engine,
            pre,
            indices,
            pool: Mutex::new(Vec::new()),
            in_flight: tokio::sync::Semaphore::new(permits),
        }
    }

    /// The app id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Whether the app is enabled and implements `hook`.
    pub fn serves(&self, hook: Hook) -> bool {
        self.spec.implements(hook) && self.shared.health.is_enabled()
    }

    /// Runs one call into the app under its limits. Every call, whatever
    /// the export, goes through here: deadlines, output cap, fault
    /// classification, fault counting and instance reuse live in one place.
    pub async fn call<R, F>(
        &self,
        hook: Hook,
        kind: CallKind,
        depth: u32,
        output_bytes: fn(&R) -> usize,
        f: F,
    ) -> Result<R, CallError>
    where
        F: for<'a> FnOnce(&'a mut wasmtime::Store<HostState>, &'a Exports) -> CallFuture<'a, R>,
    {
        let app = self.spec.id.clone();
        if !self.spec.implements(hook) {
            return Err(CallError::NotImplemented { app, hook });
        }
        let status = self.shared.health.status();
        if !status.is_enabled() && !runs_while_disabled(hook, &status) {
            return Err(CallError::Disabled { app, status });
        }
        let deadline = self.spec.limits.deadline(kind);
        // A cap on one app's calls in flight, so that a busy app cannot take
        // every instance slot (and every core) from the others.
        let Ok(Ok(_permit)) = tokio::time::timeout(deadline.wall, self.in_flight.acquire()).await
        else {
            return Err(CallError::Busy {
                app,
                limit: self.spec.limits.max_concurrent_calls,
            });
        };
        let started = std::time::Instant::now();
        // Counted and timed once the call really runs (not when refused as
        // disabled or busy), whichever way it ends.
        let _metered = Metered {
            app: &self.shared.id,
            hook,
            started,
        };
        let warm = self.pool.lock().pop();
        let mut instance = match warm {
            Some(instance) => instance,
            None => {
                let creating = instantiate(
                    &self.engine,
                    &self.pre,
                    &self.indices,
                    &self.shared,
                    deadline.cpu,
                );
                match tokio::time::timeout(deadline.wall, creating).await {
                    Ok(Ok(instance)) => instance,
                    Ok(Err(err)) => return Err(self.fault(Fault::Instantiate(format!("{err:#}")))),
                    Err(_elapsed) => return Err(self.fault(Fault::WallDeadline(deadline.wall))),
                }
            }
        };
        // The wall-clock deadline covers instantiation, the guest's code and
        // its host calls.
        let wall_left = deadline.wall.saturating_sub(started.elapsed());
        instance
            .store
            .data_mut()
            .begin_call(depth, deadline.cpu, wall_left);
        instance
            .store
            .set_epoch_deadline(ticks_for(deadline.cpu, self.engine.tick()));
        let WarmInstance { store, exports } = &mut instance;
        let outcome = tokio::time::timeout(wall_left, f(store, exports)).await;
        let result = match outcome {
            Err(_elapsed) => Err(Fault::WallDeadline(deadline.wall)),
            Ok(Err(err)) => Err(classify(err, instance.store.data())),
            Ok(Ok(Err(fault))) => Err(fault),
            // A guest that recovered from a refused allocation still went
            // over its memory limit: the call fails and the bloated instance goes.
            Ok(Ok(Ok(_))) if instance.store.data().limiter.hit => Err(Fault::MemoryLimit {
                limit_bytes: instance.store.data().limiter.limit,
            }),
            Ok(Ok(Ok(value))) => {
                let size = output_bytes(&value);
                let limit = self.spec.limits.max_output_bytes;
                if size > limit {
                    Err(Fault::OutputTooLarge { size, limit })
                } else {
                    Ok(value)
                }
            }
        };
        let refusals = std::mem::take(&mut instance.store.data_mut().call.refusals);
        match result {
            // Whatever the host refused along the way, the app handled it.
            Ok(value) => {
                self.give_back(instance);
                self.shared.health.record_success();
                Ok(value)
            }
            Err(fault) => {
                if !fault.poisons_instance() {
                    self.give_back(instance);
                }
                if !refusals.is_empty() {
                    // The likeliest cause of a trap right after a refusal is
                    // an app that did not handle the error value.
                    let refused: Vec<String> = refusals.iter().map(ToString::to_string).collect();
                    self.shared.log.push(
                        LogLevel::Error,
                        LogSource::Host,
                        format!(
                            "the call faulted after the host refused: {}",
                            refused.join("; ")
                        ),
                    );
                }
                Err(self.fault(fault))
            }
        }
    }

    /// Creates and drops one fresh instance, timing the creation.
    pub async fn probe_instantiate(&self) -> Result<std::time::Duration, CallError> {
        let cpu = self.spec.limits.deadline(CallKind::Lifecycle).cpu;
        let started = std::time::Instant::now();
        match instantiate(&self.engine, &self.pre, &self.indices, &self.shared, cpu).await {
            Ok(instance) => {
                let took = started.elapsed();
                drop(instance);
                Ok(took)
            }
            Err(err) => Err(self.fault(Fault::Instantiate(format!("{err:#}")))),
        }
    }

    fn give_back(&self, instance: WarmInstance) {
        let mut pool = self.pool.lock();
        if pool.len() < self.spec.limits.warm_instances {
            pool.push(instance);
        }
    }

    /// Records a fault: logs it, counts it, and disables the app when it
    /// has faulted too often in a row.
    fn fault(&self, fault: Fault) -> CallError {
        let app = self.spec.id.clone();
        tracing::warn!(app = %app, fault = fault.kind(), "app fault: {fault}");
        metrics::counter!(
            "capsule_app_faults_total",
            "app" => self.shared.id.clone(),
            "kind" => fault.kind()
        )
        .increment(1);
        self.shared
            .log
            .push(LogLevel::Error, LogSource::Host, format!("fault: {fault}"));
        if let Some(status) = self
            .shared
            .health
            .record_fault(&fault, self.spec.limits.max_faults_in_a_row)
        {
            tracing::error!(app = %app, ?status, "app disabled after repeated faults");
            self.shared.log.push(
                LogLevel::Error,
                LogSource::Host,
                format!("the app is now {status}"),
            );
            self.drop_warm_instances();
            self.shared.bridge.app_status_changed(&app, &status);
        }
        CallError::Fault { app, fault }
    }

    /// Drops every warm instance (on disable or unload).
    pub fn drop_warm_instances(&self) {
        self.pool.lock().clear();
    }

    /// Warm instances currently pooled.
    pub fn warm_count(&self) -> usize {
        self.pool.lock().len()
    }
}

/// Records one call in the metrics when dropped: `capsule_app_calls_total`
/// by app and hook, `capsule_app_call_seconds` by hook. Through the
/// `metrics` facade, so it costs next to nothing unless the embedding
/// process installed a recorder (the server does, for `/metrics`).
struct Metered<'a> {
    app: &'a Arc<str>,
    hook: Hook,
    started: std::time::Instant,
}

impl Drop for Metered<'_> {
    fn drop(&mut self) {
        metrics::counter!(
            "capsule_app_calls_total",
            "app" => self.app.clone(),
            "hook" => self.hook.name()
        )
        .increment(1);
        metrics::histogram!("capsule_app_call_seconds", "hook" => self.hook.name())
            .record(self.started.elapsed().as_secs_f64());
    }
}

/// Whether `hook` may run while the app has `status` (not enabled): only
/// settings validation, since an admin sets an app up before enabling it,
/// and never for an app that may no longer run at all.
fn runs_while_disabled(hook: Hook, status: &AppStatus) -> bool {
    hook == Hook::ValidateSettings && !matches!(status, AppStatus::Refused { .. })
}

/// Turns a wasmtime error into the fault it stands for.
fn classify(err: wasmtime::Error, state: &HostState) -> Fault {
    if state.limiter.hit {
        return Fault::MemoryLimit {
            limit_bytes: state.limiter.limit,
        };
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Fault::CpuDeadline(state.call.cpu_budget),
        Some(Trap::StackOverflow) => Fault::StackOverflow,
        Some(trap) => Fault::Trap(trap.to_string()),
        None => Fault::Trap(format!("{err:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_settings_validation_runs_while_disabled_and_never_once_refused() {
        let by_admin = AppStatus::DisabledByAdmin;
        let after_faults = AppStatus::DisabledAfterFaults {
            faults_in_a_row: 5,
            last_fault: "trapped: boom".into(),
        };
        let refused = AppStatus::Refused {
            reason: "its publisher's key left the trust store".into(),
        };
        assert!(runs_while_disabled(Hook::ValidateSettings, &by_admin));
        assert!(runs_while_disabled(Hook::ValidateSettings, &after_faults));
        assert!(!runs_while_disabled(Hook::ValidateSettings, &refused));
        for hook in Hook::ALL
            .into_iter()
            .filter(|h| *h != Hook::ValidateSettings)
        {
            assert!(!runs_while_disabled(hook, &by_admin), "{hook}");
        }
    }
}
