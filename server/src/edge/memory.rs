//! Giving memory back after a wave of connections.
//!
//! Freed, each connection's buffers stay in the allocator's arenas: after
//! thousands of connections close, the process would keep their memory
//! resident (glibc's malloc for good, jemalloc until its decay runs).
//! Once a wave of closings has ended, the free pages of every arena are
//! handed back to the system, on a blocking thread (it walks every
//! arena).

use std::time::Duration;

use super::Admission;

/// How often the closings are looked at.
const LOOK_EVERY: Duration = Duration::from_secs(2);
/// Closings that make a wave worth trimming after.
const WAVE: usize = 512;
/// Closings after which memory is trimmed even while they go on.
const STEADY_FLOW: usize = 65_536;

/// Trims the allocator's free memory after waves of closed connections,
/// until aborted.
pub async fn trim_after_closings(admission: Admission) {
    let mut pending = 0usize;
    let mut ticks = tokio::time::interval(LOOK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let closed = admission.take_closed();
        pending += closed;
        let wave_ended = closed == 0 && pending >= WAVE;
        if wave_ended || pending >= STEADY_FLOW {
            pending = 0;
            let _ = tokio::task::spawn_blocking(crate::allocator::return_free_memory).await;
        }
    }
}
