//! `capsule-bench edge`: the server's memory under hostile connections.
//!
//! Starts the real server in its own process (with its default limits),
//! opens N connections that never finish their request (half of them
//! stop inside the headers, half announce a body and send a few bytes of
//! it), measures the server's resident set while they are held, closes
//! them, and measures it again once the server has seen them close. Two
//! waves, so memory kept after the first shows in the second. The
//! connections come from many loopback addresses (127.0.0.2 and up), as
//! many clients would, so that the per-address cap does not refuse them.
//! Writes `target/capsule-bench/edge.json`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::phase::{mib, round};
use crate::report::{Machine, target_dir};
use crate::server_process::{ServerOptions, ServerProcess};

/// Targets from the issue (MiB).
const TARGET_HELD_MIB: f64 = 128.0;
const TARGET_AFTER_CLOSE_MIB: f64 = 64.0;
/// Connections from one source address (under the server's default cap
/// of 256).
const PER_ADDRESS: usize = 200;
/// How long the server gets to accept, or to see closed, every
/// connection.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long after the last close the memory is read: the server trims
/// its allocator once a wave of closings has ended (a few seconds).
const AFTER_CLOSE_WAIT: Duration = Duration::from_secs(6);

/// What to measure.
#[derive(Clone, Debug, clap::Args)]
pub struct EdgeArgs {
    /// Half-open connections held in each wave.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Where to write the JSON figures [default: <target>/capsule-bench/edge.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One wave's figures (KiB of server RSS).
struct Wave {
    held_kib: u64,
    after_close_kib: u64,
    open_secs: f64,
}

/// Runs the edge benchmark and writes its figures.
pub async fn run(args: EdgeArgs) -> Result<()> {
    let data = tempfile::tempdir().context("a data folder for the server")?;
    let server = ServerProcess::spawn(data.path(), &ServerOptions::default()).await?;
    let addr = server.addr();
    let metrics = MetricsProbe::new(addr);
    // The server has settled after start: sign-in hashing and store
    // opening are behind it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline_kib = server.memory()?.rss_kib;
    eprintln!("server RSS at rest: {:.1} MiB", mib(baseline_kib));
    let mut waves = Vec::new();
    for wave in 1..=2 {
        let figures = half_open_wave(&server, &metrics, args.connections).await?;
        eprintln!(
            "wave {wave}: {} half-open connections opened in {:.1} s; server RSS held {:.1} MiB, after close {:.1} MiB",
            args.connections,
            figures.open_secs,
            mib(figures.held_kib),
            mib(figures.after_close_kib)
        );
        waves.push(figures);
    }
    let still_serves = metrics.connections().await.is_ok();
    server.stop().await?;
    if !still_serves {
        bail!("the server stopped answering after the waves");
    }

    let machine = Machine::describe();
    let figures = json!({
        "machine": {"cores": machine.cores, "cpu": machine.cpu, "memory_gib": round(machine.memory_gib)},
        "half_open_connections": args.connections,
        "baseline_rss_mib": round(mib(baseline_kib)),
        "half_open_held_rss_mib": round(mib(waves[0].held_kib)),
        "half_open_after_close_rss_mib": round(mib(waves[0].after_close_kib)),
        "second_wave_held_rss_mib": round(mib(waves[1].held_kib)),
        "second_wave_after_close_rss_mib": round(mib(waves[1].after_close_kib)),
        "targets": {
            "half_open_held_rss_mib": TARGET_HELD_MIB,
            "half_open_after_close_rss_mib": TARGET_AFTER_CLOSE_MIB,
        },
    });
    let path = args.out.clone().map_or_else(
        || Ok::<_, anyhow::Error>(target_dir()?.join("capsule-bench").join("edge.json")),
        Ok,
    )?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&figures)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{}", serde_json::to_string_pretty(&figures)?);
    println!("figures written to {}", path.display());
    Ok(())
}

/// Opens `count` half-open connections, measures, closes them, measures.
async fn half_open_wave(
    server: &ServerProcess,
    metrics: &MetricsProbe,
    count: usize,
) -> Result<Wave> {
    let started = Instant::now();
    let mut held = Vec::with_capacity(count);
    for n in 0..count {
        held.push(half_open(server.addr(), n).await?);
    }
    let open_secs = started.elapsed().as_secs_f64();
    eprintln!("{count} connections opened in {open_secs:.1} s");
    metrics
        .wait_for(|open| open >= count as u64, "accept every connection")
        .await?;
    // Let every connection read what it was sent and park.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held_kib = server.memory()?.rss_kib;
    drop(held);
    metrics
        .wait_for(|open| open == 0, "see every connection close")
        .await?;
    tokio::time::sleep(AFTER_CLOSE_WAIT).await;
    let after_close_kib = server.memory()?.rss_kib;
    Ok(Wave {
        held_kib,
        after_close_kib,
        open_secs,
    })
}

/// The `n`th half-open connection: from 127.0.0.(2 + n / PER_ADDRESS),
/// stopping inside the headers (even `n`) or inside an announced body
/// (odd `n`).
async fn half_open(server: SocketAddr, n: usize) -> Result<TcpStream> {
    let host = 2 + n / PER_ADDRESS;
    let source = Ipv4Addr::new(127, (host / 250) as u8, (host % 250) as u8 + 1, 1);
    let socket = TcpSocket::new_v4()?;
    socket
        .bind(SocketAddr::from((source, 0)))
        .with_context(|| format!("binding to {source}"))?;
    let mut stream = socket
        .connect(server)
        .await
        .with_context(|| format!("connecting from {source}"))?;
    let request: &[u8] = if n.is_multiple_of(2) {
        b"GET /api/info HTTP/1.1\r\nhost: bench\r\nuser-agent: half-open"
    } else {
        b"POST /api/v1/login HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n\
          content-length: 1000\r\n\r\n{\"user\":"
    };
    stream.write_all(request).await?;
    Ok(stream)
}

/// Reads the server's open-connection gauge from `/metrics`.
struct MetricsProbe {
    http: reqwest::Client,
    url: String,
}

impl MetricsProbe {
    fn new(addr: SocketAddr) -> MetricsProbe {
        MetricsProbe {
            // A fresh connection each time: a kept one would count.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client"),
            url: format!("http://{addr}/metrics"),
        }
    }

    /// Open connections, not counting the one asking.
    async fn connections(&self) -> Result<u64> {
        let text = self.http.get(&self.url).send().await?.text().await?;
        let open = text
            .lines()
            .find_map(|line| line.strip_prefix("capsule_http_connections "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .context("/metrics has no capsule_http_connections")?;
        Ok((open as u64).saturating_sub(1))
    }

    async fn wait_for(&self, done: impl Fn(u64) -> bool, what: &str) -> Result<()> {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        loop {
            let open = self.connections().await?;
            if done(open) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server did not {what} within {SETTLE_TIMEOUT:?} ({open} open)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
