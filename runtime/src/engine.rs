//! The one wasmtime [`Engine`] every app shares, and the thread that ticks
//! its epoch so that CPU deadlines can interrupt guest code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How instances get their memory.
#[derive(Clone, Debug, PartialEq)]
pub enum InstanceAllocation {
    /// mmap on demand: no up-front reservation, no slot limit.
    OnDemand,
    /// Pre-reserved slots: faster instantiation, at most `max_instances`
    /// live component instances across all apps.
    Pooling { max_instances: u32 },
}

/// Engine-wide settings.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
    /// The epoch tick; CPU deadlines are enforced to within about one tick.
    pub tick: Duration,
    /// Wasm stack available to a guest call; deeper recursion traps.
    pub max_wasm_stack: usize,
    /// How instances get their memory.
    pub allocation: InstanceAllocation,
    /// Largest linear memory any app may be given (the pooling allocator
    /// reserves this per slot).
    pub max_memory_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            tick: Duration::from_millis(2),
            max_wasm_stack: 512 << 10,
            allocation: InstanceAllocation::OnDemand,
            max_memory_bytes: 256 << 20,
        }
    }
}

/// The shared engine and its epoch ticker. Dropping it stops the ticker.
pub struct CapsuleEngine {
    engine: Engine,
    tick: Duration,
    stop: Arc<AtomicBool>,
}

impl CapsuleEngine {
    /// Builds the engine and starts its epoch ticker thread.
    pub fn new(config: &EngineConfig) -> wasmtime::Result<CapsuleEngine> {
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .max_wasm_stack(config.max_wasm_stack)
            // The fiber that runs an async call needs room for the wasm
            // stack plus the host frames below it.
            .async_stack_size(config.max_wasm_stack + (1 << 20))
            .cranelift_opt_level(wasmtime::OptLevel::Speed);
        if let InstanceAllocation::Pooling { max_instances } = config.allocation {
            let mut pool = PoolingAllocationConfig::default();
            pool.total_component_instances(max_instances)
                .total_core_instances(max_instances * 2)
                .total_memories(max_instances)
                .total_tables(max_instances * 2)
                .total_stacks(max_instances)
                .max_memory_size(config.max_memory_bytes);
            wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&wasm)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker_engine = engine.weak();
        let ticker_stop = stop.clone();
        let tick = config.tick;
        std::thread::Builder::new()
            .name("capsule-epoch".into())
            .spawn(move || {
                while !ticker_stop.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    match ticker_engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| wasmtime::format_err!("cannot start the epoch ticker: {e}"))?;
        Ok(CapsuleEngine { engine, tick, stop })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The epoch tick.
    pub fn tick(&self) -> Duration {
        self.tick
    }
}

impl Drop for CapsuleEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
