//! `capsule-bench`: the chat load benchmark.
//!
//! `cargo run --release -p capsule-tests --bin capsule-bench` starts the
//! real server in a child process (this executable again, with a hidden
//! subcommand that starts it as `capsule serve` does), creates users and
//! one channel over REST, connects S DDP WebSocket subscribers to the
//! channel's `stream-room-messages`, and has P REST senders post to it.
//! It does so on two servers: one with no app, one with three apps whose
//! pre-send-modify hooks run on every message. Each is measured in two
//! phases (see `run.rs`): capacity, with senders that wait for every
//! delivery before sending again, and latency at a fixed offered rate. It
//! prints a summary and writes `target/capsule-bench/chat.json`.
//!
//! `capsule-bench edge` measures instead the server's memory while it
//! holds thousands of connections that never finish a request, and after
//! they close ([`edge`]; writes `target/capsule-bench/edge.json`).
//!
//! `capsule-bench devloop` times an app developer's loop with
//! `capsule-app`, from a new app to its command answered by a running
//! server ([`devloop`]; writes `target/capsule-bench/devloop.json`).

mod apps;
mod cpu;
mod ddp;
mod devloop;
mod edge;
mod phase;
mod report;
mod rest;
mod run;
mod senders;
mod server_process;
mod stats;
mod tracking;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

/// The chat load benchmark: WebSocket subscribers and REST senders in one
/// room, with no app and with three apps.
#[derive(Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Subcommand)]
enum Mode {
    /// Server memory with thousands of half-open connections held, and
    /// after they close.
    Edge(edge::EdgeArgs),
    /// An app developer's loop, timed: new, test, build, sign, deploy,
    /// answered; an edit redeployed; a second app's first test.
    Devloop(devloop::DevloopArgs),
    /// Serve as `capsule serve` does, for the benchmark that started this
    /// process (prints the bound address, stops when stdin closes).
    #[command(hide = true)]
    ServeChild(server_process::ChildArgs),
}

/// What to measure.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// WebSocket subscribers in the room.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// REST senders, each with its own keep-alive connection and user.
    #[arg(long, default_value_t = 8)]
    pub senders: usize,
    /// Accounts the subscribers sign in as (connections are spread evenly
    /// over them) [default: subscribers / 10, at least 1]. Each account
    /// costs an argon2 hash on the server at set-up.
    #[arg(long)]
    pub users: Option<usize>,
    /// Measured seconds of each phase (over all its rounds).
    #[arg(long, default_value_t = 15.0)]
    pub duration_secs: f64,
    /// Seconds of load before each phase's measurement starts (later
    /// rounds warm up for at most 1 s).
    #[arg(long, default_value_t = 3.0)]
    pub warmup_secs: f64,
    /// Rounds each phase's measured time is split into, alternating
    /// between the servers with and without apps.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Only the run without apps (no `apps3_over_none`).
    #[arg(long)]
    pub skip_apps: bool,
    /// Capacity phase: messages each sender may have sent that not every
    /// subscriber has received yet.
    #[arg(long, default_value_t = 4)]
    pub in_flight: usize,
    /// Offered messages/s of the latency phase, over all senders
    /// [default: 200,000 deliveries/s divided by the subscribers].
    #[arg(long)]
    pub rate: Option<f64>,
    /// Where to write the JSON figures [default: <target>/capsule-bench/chat.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let args = match cli.mode {
        Some(Mode::ServeChild(args)) => return server_process::serve_child(args),
        Some(Mode::Edge(args)) => {
            let limit = server_process::raise_open_file_limit()?;
            eprintln!("open-file limit raised to {limit} (the server inherits it)");
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .context("building the tokio runtime")?;
            return runtime.block_on(edge::run(args));
        }
        Some(Mode::Devloop(args)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("building the tokio runtime")?;
            return runtime.block_on(devloop::run(args));
        }
        None => cli.bench,
    };
    anyhow::ensure!(args.subscribers > 0, "--subscribers must be at least 1");
    anyhow::ensure!(args.senders > 0, "--senders must be at least 1");
    anyhow::ensure!(
        args.duration_secs > 0.0 && args.warmup_secs >= 0.0,
        "--duration-secs must be positive and --warmup-secs not negative"
    );
    anyhow::ensure!(args.rate.is_none_or(|r| r > 0.0), "--rate must be positive");
    let limit = server_process::raise_open_file_limit()?;
    eprintln!("open-file limit raised to {limit} (the server inherits it)");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(run::run(args))
}
