//! Instances of an app: created from the app's `InstancePre`, kept warm in
//! a small pool for reuse, thrown away after any fault that could have left
//! them in a bad state.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::InstancePre;
use wasmtime::{Store, UpdateDeadline};

use crate::app::state::{AppShared, HostState};
use crate::bindings::v0_1::guest;
use crate::engine::CapsuleEngine;

/// Where each export interface sits in the component, looked up once at load.
pub(crate) struct ExportIndices {
    pub lifecycle: Option<guest::lifecycle::GuestIndices>,
    pub settings_validation: Option<guest::settings_validation::GuestIndices>,
    pub message_events: Option<guest::message_events::GuestIndices>,
    pub room_events: Option<guest::room_events::GuestIndices>,
    pub commands: Option<guest::commands::GuestIndices>,
    pub endpoints: Option<guest::endpoints::GuestIndices>,
    pub jobs: Option<guest::jobs::GuestIndices>,
    pub ui: Option<guest::ui::GuestIndices>,
}

impl ExportIndices {
    /// Looks up every export interface; an interface the component does not
    /// export is `None`.
    pub fn new(pre: &InstancePre<HostState>) -> ExportIndices {
        ExportIndices {
            lifecycle: guest::lifecycle::GuestIndices::new(pre).ok(),
            settings_validation: guest::settings_validation::GuestIndices::new(pre).ok(),
            message_events: guest::message_events::GuestIndices::new(pre).ok(),
            room_events: guest::room_events::GuestIndices::new(pre).ok(),
            commands: guest::commands::GuestIndices::new(pre).ok(),
            endpoints: guest::endpoints::GuestIndices::new(pre).ok(),
            jobs: guest::jobs::GuestIndices::new(pre).ok(),
            ui: guest::ui::GuestIndices::new(pre).ok(),
        }
    }
}

/// The exported interfaces of one live instance.
pub(crate) struct Exports {
    pub lifecycle: Option<guest::lifecycle::Guest>,
    pub settings_validation: Option<guest::settings_validation::Guest>,
    pub message_events: Option<guest::message_events::Guest>,
    pub room_events: Option<guest::room_events::Guest>,
    pub commands: Option<guest::commands::Guest>,
    pub endpoints: Option<guest::endpoints::Guest>,
    pub jobs: Option<guest::jobs::Guest>,
    pub ui: Option<guest::ui::Guest>,
}

/// A live instance and its store, ready for a call.
pub(crate) struct WarmInstance {
    pub store: Store<HostState>,
    pub exports: Exports,
}

/// Creates a new instance of the app. Instantiation runs under the given
/// CPU budget too, since a component's start code is guest code.
pub(crate) async fn instantiate(
    engine: &CapsuleEngine,
    pre: &InstancePre<HostState>,
    indices: &ExportIndices,
    shared: &Arc<AppShared>,
    cpu: Duration,
) -> wasmtime::Result<WarmInstance> {
    let mut store = Store::new(engine.engine(), HostState::new(shared.clone()));
    store.limiter(|state| &mut state.limiter);
    let tick = engine.tick();
    store.epoch_deadline_callback(move |ctx| {
        let call = &ctx.data().call;
        let used = call.guest_time();
        if used >= call.cpu_budget {
            return Ok(UpdateDeadline::Interrupt);
        }
        // Not yet over budget (time in host calls does not count): check
        // again when the rest of the budget has passed, yielding to the
        // executor meanwhile so a busy guest does not starve other tasks.
        Ok(UpdateDeadline::Yield(ticks_for(
            call.cpu_budget - used,
            tick,
        )))
    });
    store
        .data_mut()
        .begin_call(0, cpu, cpu.max(Duration::from_secs(1)));
    store.set_epoch_deadline(ticks_for(cpu, tick));
    let instance = pre.instantiate_async(&mut store).await?;
    let exports = Exports {
        lifecycle: load(&indices.lifecycle, |i| i.load(&mut store, &instance))?,
        settings_validation: load(&indices.settings_validation, |i| {
            i.load(&mut store, &instance)
        })?,
        message_events: load(&indices.message_events, |i| i.load(&mut store, &instance))?,
        room_events: load(&indices.room_events, |i| i.load(&mut store, &instance))?,
        commands: load(&indices.commands, |i| i.load(&mut store, &instance))?,
        endpoints: load(&indices.endpoints, |i| i.load(&mut store, &instance))?,
        jobs: load(&indices.jobs, |i| i.load(&mut store, &instance))?,
        ui: load(&indices.ui, |i| i.load(&mut store, &instance))?,
    };
    Ok(WarmInstance { store, exports })
}

fn load<I, G>(
    index: &Option<I>,
    f: impl FnOnce(&I) -> wasmtime::Result<G>,
) -> wasmtime::Result<Option<G>> {
    index.as_ref().map(f).transpose()
}

/// Epoch ticks covering `budget`, rounded up, at least one.
pub(crate) fn ticks_for(budget: Duration, tick: Duration) -> u64 {
    let ticks = budget.as_nanos().div_ceil(tick.as_nanos().max(1));
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_to_whole_ticks() {
        let tick = Duration::from_millis(2);
        assert_eq!(ticks_for(Duration::from_millis(20), tick), 10);
        assert_eq!(ticks_for(Duration::from_millis(21), tick), 11);
        assert_eq!(ticks_for(Duration::ZERO, tick), 1, "at least one tick");
    }
}
