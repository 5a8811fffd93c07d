//! What tests that drive outside tools (Python and Node client libraries,
//! Chromium) share: where the build's target folder is, and running a
//! command to its end.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `CARGO_TARGET_DIR` when absolute, else the `target` folder the running
/// test executable lives in (`target/debug/deps/<test>-*`): where tests
/// install the tools they need, once.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return dir;
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    exe.ancestors()
        .nth(3)
        .expect("the test runs inside a target folder")
        .to_owned()
}

/// Runs `command` to its end; its output. Panics, with the output, when
/// it cannot start or fails; `what` names it in the message.
pub fn run_to_end(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
