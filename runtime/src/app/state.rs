//! State shared by every instance of one app, and the per-store state a
//! host call sees.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use wasmtime::ResourceLimiter;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

use crate::app::health::Health;
use crate::app::log::{AppLog, LogLevel, LogSource};
use crate::bridge::Bridge;
use crate::limits::Limits;
use crate::refusal::Refusal;
use capsule_contract::{Capability, GrantSet};

/// What every instance of one app shares: worked out once, at load.
pub(crate) struct AppShared {
    pub id: Arc<str>,
    pub grants: RwLock<Arc<GrantSet>>,
    pub bridge: Arc<dyn Bridge>,
    pub limits: Limits,
    pub log: Arc<AppLog>,
    pub health: Health,
    pub writes: Mutex<WriteBucket>,
    pub http: Arc<dyn crate::http_transport::HttpTransport>,
}

/// A token bucket over the app's write host calls.
pub(crate) struct WriteBucket {
    tokens: f64,
    last: Instant,
}

impl WriteBucket {
    pub fn new(burst: u32) -> WriteBucket {
        WriteBucket {
            tokens: f64::from(burst),
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, per_second: f64, burst: u32) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * per_second;
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The state of the call in progress in one store.
pub(crate) struct CallState {
    /// Pipeline depth of the event being handled.
    pub depth: u32,
    /// Host calls refused during this call, each kind once.
    pub refusals: Vec<Refusal>,
    pub started: Instant,
    /// Time spent waiting in host calls, which the CPU deadline excludes.
    pub host_time: Duration,
    pub cpu_budget: Duration,
    pub wall_deadline: Instant,
}

impl CallState {
    fn idle() -> CallState {
        let now = Instant::now();
        CallState {
            depth: 0,
            refusals: Vec::new(),
            started: now,
            host_time: Duration::ZERO,
            cpu_budget: Duration::from_secs(1),
            wall_deadline: now,
        }
    }

    /// Guest time used so far: elapsed time less time in host calls.
    pub fn guest_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.host_time)
    }

    /// Time left before the wall-clock deadline.
    pub fn wall_remaining(&self) -> Duration {
        self.wall_deadline.saturating_duration_since(Instant::now())
    }
}

/// Caps linear memory and remembers that the cap was hit, so that the trap
/// that follows (an allocator abort) is reported as a memory fault.
pub(crate) struct MemoryCap {
    pub limit: usize,
    pub hit: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The data of one app instance's store.
pub(crate) struct HostState {
    pub app: Arc<AppShared>,
    pub call: CallState,
    pub limiter: MemoryCap,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    pub fn new(app: Arc<AppShared>) -> HostState {
        let wasi = crate::wasi::sandboxed_ctx(&app.log);
        let limiter = MemoryCap {
            limit: app.limits.memory_bytes,
            hit: false,
        };
        HostState {
            app,
            call: CallState::idle(),
            limiter,
            wasi,
            table: ResourceTable::new(),
        }
    }

    /// Starts a new call: resets what the previous one left.
    pub fn begin_call(&mut self, depth: u32, cpu: Duration, wall: Duration) {
        let now = Instant::now();
        self.limiter.hit = false;
        self.call = CallState {
            depth,
            refusals: Vec::new(),
            started: now,
            host_time: Duration::ZERO,
            cpu_budget: cpu,
            wall_deadline: now + wall,
        };
    }

    /// The app's grants, checked for `capability`; a missing grant is
    /// refused (answered with `denied`).
    pub fn grant(&mut self, capability: Capability) -> Result<Arc<GrantSet>, Refusal> {
        let grants = self.app.grants.read().clone();
        if grants.has(capability) {
            Ok(grants)
        } else {
            Err(self.refuse(Refusal::Denied {
                capability,
                detail: format!("the app has no `{capability}` grant"),
            }))
        }
    }

    /// Checks a room-scoped capability for one room.
    pub fn room_grant(&mut self, capability: Capability, room: &str) -> Result<(), Refusal> {
        let grants = self.grant(capability)?;
        if grants.allows_room(room) {
            Ok(())
        } else {
            Err(self.refuse(Refusal::Denied {
                capability,
                detail: format!("the `{capability}` grant does not include room `{room}`"),
            }))
        }
    }

    /// Takes a write permit from the app's rate limit for a write through
    /// `capability`.
    pub fn write_permit(&mut self, capability: Capability) -> Result<(), Refusal> {
        let limits = &self.app.limits;
        if self
            .app
            .writes
            .lock()
            .try_take(limits.writes_per_second, limits.write_burst)
        {
            Ok(())
        } else {
            Err(self.refuse(Refusal::RateLimited { capability }))
        }
    }

    /// Records a refused host call and returns it, for the guest to get as
    /// an error value. Counted every time (metrics and the app's health),
    /// never as a fault.
    pub fn refuse(&mut self, refusal: Refusal) -> Refusal {
        metrics::counter!(
            "capsule_app_refusals_total",
            "app" => self.app.id.clone(),
            "capability" => refusal.capability().name(),
            "kind" => refusal.kind()
        )
        .increment(1);
        self.app.health.record_refusal(&refusal);
        // A flood of identical refusals is logged once per call.
        if !self.call.refusals.contains(&refusal) {
            tracing::info!(app = %self.app.id, kind = refusal.kind(), "app host call refused: {refusal}");
            self.app
                .log
                .push(LogLevel::Warn, LogSource::Host, refusal.to_string());
            self.call.refusals.push(refusal.clone());
        }
        refusal
    }

    /// Runs a host-side future, counting its time as host time so that the
    /// CPU deadline only measures the guest's own code.
    pub async fn host_wait<T>(&mut self, fut: impl std::future::Future<Output = T>) -> T {
        let start = Instant::now();
        let out = fut.await;
        self.call.host_time += start.elapsed();
        out
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_bucket_allows_a_burst_then_refills_at_the_rate() {
        let mut bucket = WriteBucket::new(3);
        let taken = (0..10).filter(|_| bucket.try_take(1000.0, 3)).count();
        assert_eq!(taken, 3, "only the burst passes at once");
        bucket.last -= Duration::from_millis(2);
        assert!(
            bucket.try_take(1000.0, 3),
            "2 ms at 1000/s refills two tokens"
        );
        assert!(bucket.try_take(1000.0, 3));
        assert!(!bucket.try_take(1000.0, 3));
    }

    #[test]
    fn the_write_bucket_never_holds_more_than_the_burst() {
        let mut bucket = WriteBucket::new(2);
        bucket.last -= Duration::from_secs(3600);
        let taken = (0..10).filter(|_| bucket.try_take(100.0, 2)).count();
        assert_eq!(taken, 2);
    }
}
