//! Misbehaviour that needs no capability: CPU, memory, stack, output size.
//!
//! `black_box` keeps the optimiser from proving the loops pointless and
//! deleting them, which `opt-level = 3` with LTO would otherwise do.

use std::hint::black_box;

/// Bytes per allocation in [`bomb`].
const CHUNK: usize = 1 << 20;

/// Length of the text [`big`] returns.
const BIG_LEN: usize = 2 << 20;

/// Never returns; burns CPU until the host interrupts it.
pub fn spin() -> String {
    let mut n: u64 = 0;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Allocates 1 MiB chunks, writes every byte of each and leaks them, until
/// an allocation fails; then says how many it got (if the host let it get
/// that far without trapping).
pub fn bomb() -> String {
    // Allocated up front: once memory is exhausted, formatting the answer
    // must not need a new allocation.
    let mut answer = String::with_capacity(64);
    let mut chunks: u64 = 0;
    loop {
        let mut chunk: Vec<u8> = Vec::new();
        if chunk.try_reserve_exact(CHUNK).is_err() {
            break;
        }
        // Touch every byte, so the memory is really committed.
        chunk.resize(CHUNK, 0xA5);
        black_box(chunk.leak());
        chunks += 1;
    }
    use std::fmt::Write as _;
    let _ = write!(answer, "bomb: allocated {chunks} MiB");
    answer
}

/// Recurses until the stack is exhausted.
pub fn stack() -> String {
    let depth = recurse(black_box(0), &[0; 32]);
    format!("stack: returned from depth {depth}")
}

/// Each level keeps a 256-byte frame alive across the call and lends it to
/// the callee, so the compiler can neither turn the recursion into a loop
/// nor drop the frame; and it works on the result after the call returns,
/// so it is no tail call either. The exit condition can never hold but the
/// compiler cannot know that.
#[inline(never)]
fn recurse(depth: u64, parent: &[u64; 32]) -> u64 {
    let frame = black_box([depth ^ parent[(depth % 32) as usize]; 32]);
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1, &frame).wrapping_mul(3) ^ frame[(depth % 32) as usize]
}

/// A 2 MiB text, for the host's output-size limit.
pub fn big() -> String {
    "x".repeat(BIG_LEN)
}
