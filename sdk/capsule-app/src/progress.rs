//! Progress for long steps: a spinner on a terminal, plain lines elsewhere;
//! a byte count for uploads.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Runs `work` while showing `what`; says how long it took.
pub fn step<T>(what: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("the template is valid"),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    let started = std::time::Instant::now();
    let result = work();
    bar.finish_and_clear();
    if result.is_ok() {
        eprintln!("  {what}: done in {:.1?}", started.elapsed());
    }
    result
}

/// A bar counting the `total` bytes of an upload of `what`, on stderr;
/// hidden when `visible` is false (`--quiet`, or output that is not a
/// terminal).
pub fn transfer(what: &str, total: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
