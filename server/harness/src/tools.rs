//! What tests that drive outside tools (Python and Node client libraries,
//! Chromium, schemathesis) share: where the build's target folder is, a
//! Python virtualenv with a PyPI package, and running a command to its end.

use std::path::{Path, PathBuf};
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

/// The folder of a Python virtualenv `<target>/<name>` holding the PyPI
/// `requirement` (`schemathesis==4.32.5`), created and installed when
/// `python -c <probe>` fails in it. Needs `python3` with `venv`; pip
/// reaches PyPI. One venv per tool: tests run side by side, and two
/// installs into one venv at once could break it.
pub fn python_venv(name: &str, requirement: &str, probe: &str) -> PathBuf {
    let venv = target_dir().join(name);
    let python = venv.join("bin").join("python");
    if !runs(&python, probe) {
        run_to_end(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run_to_end(
            Command::new(venv.join("bin").join("pip")).args(["install", "--quiet", requirement]),
            &format!("pip install {requirement}"),
        );
        assert!(
            runs(&python, probe),
            "{requirement} is installed in {} but `{probe}` fails",
            venv.display()
        );
    }
    venv
}

fn runs(python: &Path, probe: &str) -> bool {
    Command::new(python)
        .args(["-c", probe])
        .output()
        .is_ok_and(|o| o.status.success())
}
