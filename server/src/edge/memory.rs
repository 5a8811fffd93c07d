//! Giving memory back after a wave of connections.
//!
//! Each connection's buffers are small blocks from glibc malloc's
//! per-thread arenas. Freed, they stay in the arenas: after thousands of
//! connections close, the process keeps their memory resident for good.
//! `malloc_trim` hands the free pages of every arena back to the system;
//! it runs once a wave of closings has ended, on a blocking thread (it
//! walks every arena).

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
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    }
}

fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's
    // arenas to the system; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
