//! `capsule-app`: what a Capsule app developer runs every day. It scaffolds
//! an app, runs its tests, builds it to a component, packages and signs it,
//! checks and inspects packages, deploys them to a server, and manages the
//! publisher keys a server trusts.
//!
//! Every command has `--help`; every error says what to do next.

mod cargo;
mod commands;
mod progress;
mod scaffold;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, package, sign and deploy Capsule apps.
#[derive(Parser)]
#[command(name = "capsule-app", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new app in a folder NAME that builds and tests at once.
    New(commands::new::Args),
    /// Build the app's component and run its tests (with the test kit).
    Test(commands::test::Args),
    /// Compile the app to wasm32-wasip2 in release mode and package it.
    Build(commands::build::Args),
    /// Package an already built component with its manifest and assets.
    Package(commands::package::Args),
    /// Create a publisher signing key and its public key.
    Keygen(commands::keygen::Args),
    /// Sign a package with a publisher key.
    Sign(commands::sign::Args),
    /// Check a package: its format, manifest and signature.
    Verify(commands::verify::Args),
    /// Show a package's manifest, permissions, size and signer.
    Inspect(commands::inspect::Args),
    /// Install or update a package on a Capsule server: upload, grant, enable.
    Deploy(commands::deploy::Args),
    /// The publisher keys a server trusts: add a public key file, list, remove.
    Trust(commands::trust::Args),
    /// Run apps for an app's tests in this process, talking over stdin and
    /// stdout (started by the test kit; see `capsule_testkit::RemoteApp`).
    #[command(hide = true)]
    TestHost,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New(args) => commands::new::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Build(args) => commands::build::run(args),
        Command::Package(args) => commands::package::run(args),
        Command::Keygen(args) => commands::keygen::run(args),
        Command::Sign(args) => commands::sign::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Deploy(args) => commands::deploy::run(args),
        Command::Trust(args) => commands::trust::run(args),
        Command::TestHost => commands::test::host(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The app folder a command works on: `--dir`, or the current folder.
fn app_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("."))
}
