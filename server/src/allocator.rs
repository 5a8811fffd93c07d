//! The server's memory allocator: jemalloc, for every Rust allocation of
//! any program that links this crate (`capsule`, its tests, the
//! benchmark's server child).
//!
//! A connection that has not finished its request holds hyper's 8 KiB
//! read and write buffers, of which it has written a few hundred bytes.
//! glibc's malloc puts a header before every block and packs blocks end
//! to end, so the pages of those buffers end up resident though unused;
//! jemalloc keeps its bookkeeping outside the blocks and serves 8 KiB
//! from page-aligned slabs, so a page nobody wrote stays out of the
//! resident set. 10,000 half-open connections held 128 MiB instead of
//! 184 (with the edge's 8 KiB head cap; docs/performance.md, edge
//! benchmark).
//!
//! C libraries (SQLite) still allocate with glibc's malloc.

/// Every Rust allocation goes to jemalloc.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's name for "every arena" in `arena.<i>.*` controls
/// (`MALLCTL_ARENAS_ALL`).
const PURGE_EVERY_ARENA: &std::ffi::CStr = c"arena.4096.purge";

/// Hands the free pages of both allocators back to the system: jemalloc's
/// unused pages (it would otherwise keep them for its decay time, 10 s,
/// and only while the process allocates) and glibc's free arena pages.
pub fn return_free_memory() {
    // SAFETY: `arena.<i>.purge` takes and returns no value: both pointer
    // pairs are null, as jemalloc's mallctl documents for it.
    let purged = unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_EVERY_ARENA.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    if purged != 0 {
        tracing::warn!(error = purged, "jemalloc could not purge its arenas");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of glibc's arenas to
    // the system; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
