//! Runs every command of `docs/app-guide.md`, in order, in a fresh folder,
//! as a developer following the guide would: the guide cannot drift from
//! the tools.
//!
//! The CLI is installed into a temporary root and the builds share
//! `target/guide`, so the run compiles wasmtime once for both the CLI and
//! the new app's tests.

use std::path::Path;
use std::process::Command;

/// The `sh` blocks of the guide, in order.
fn guide_commands(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            command if in_sh && !command.is_empty() => commands.push(command.to_string()),
            _ => {}
        }
    }
    commands
}

#[test]
fn the_guide_finds_its_commands() {
    let commands = guide_commands("text\n```sh\na\nb\n```\n```text\nnot\n```\n```sh\nc\n```\n");
    assert_eq!(commands, ["a", "b", "c"]);
}

#[test]
fn every_command_in_the_app_guide_works() {
    let repo = capsule_testkit::repo_root();
    let guide =
        std::fs::read_to_string(repo.join("docs/app-guide.md")).expect("docs/app-guide.md exists");
    let commands = guide_commands(&guide);
    assert!(
        commands.iter().any(|c| c.starts_with("capsule-app new")),
        "the guide scaffolds an app"
    );

    let work = tempfile::tempdir().unwrap();
    let install_root = work.path().join("cargo-root");
    // The guide's own first line says where the repository is; here it is
    // this checkout.
    let script: Vec<String> = commands
        .iter()
        .map(|c| {
            if c.starts_with("export CAPSULE_REPO=") {
                format!("export CAPSULE_REPO={}", repo.display())
            } else {
                c.clone()
            }
        })
        .collect();
    let script = format!("set -euxo pipefail\n{}\n", script.join("\n"));
    let path = format!(
        "{}:{}",
        install_root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("PATH", path)
        .env("CARGO_INSTALL_ROOT", &install_root)
        .env("CARGO_TARGET_DIR", repo.join("target/guide"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("bash runs");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "a command of the guide failed:\n{log}"
    );
    let package = work
        .path()
        .join("weather-bot/target/capsule/weather-bot-0.1.0.zip");
    assert!(
        Path::new(&package).is_file(),
        "the guide ends with a package: {log}"
    );
    assert!(log.contains("signed by Acme Apps"), "{log}");
    assert!(
        log.contains("2 passed"),
        "the new app's own tests ran: {log}"
    );
}
