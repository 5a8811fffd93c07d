//! Making sure the `wasm32-wasip2` standard library is installed.

use std::io::ErrorKind;
use std::process::Command;

use crate::command::run;
use crate::error::BuildError;

/// The target guest apps are built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// Installs the `wasm32-wasip2` target with rustup unless
/// `rustup target list --installed` already lists it.
///
/// Without rustup (a distribution's toolchain, say) there is nothing to
/// install with, so this succeeds and leaves it to the build to say
/// whether the target is there.
pub fn ensure_wasm_target() -> Result<(), BuildError> {
    let mut list = Command::new("rustup");
    list.args(["target", "list", "--installed"]);
    let installed = match run(&mut list) {
        Ok(output) => output.stdout,
        Err(BuildError::Spawn { source, .. }) if source.kind() == ErrorKind::NotFound => {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let installed = String::from_utf8_lossy(&installed);
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    // Test processes start together; two `rustup target add` at once race on
    // rustup's download folder and one fails. Take turns, and look again
    // once it is this process's turn.
    let lock_path = std::env::temp_dir().join("capsule-rustup-target-add.lock");
    let lock = std::fs::File::create(&lock_path).map_err(|e| BuildError::io(&lock_path, e))?;
    lock.lock().map_err(|e| BuildError::io(&lock_path, e))?;
    let mut again = Command::new("rustup");
    again.args(["target", "list", "--installed"]);
    let installed = run(&mut again)?.stdout;
    if String::from_utf8_lossy(&installed)
        .lines()
        .any(|line| line.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", WASM_TARGET]);
    run(&mut add)?;
    Ok(())
}
