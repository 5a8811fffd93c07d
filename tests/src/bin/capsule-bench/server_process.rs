//! The server under test, in a process of its own so that its memory is
//! its own: this executable re-run with the hidden `serve-child`
//! subcommand, which starts the server through the library as
//! `capsule serve` does.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;
use tracing_subscriber::EnvFilter;

use capsule_server::config::Config;
use capsule_server::server::{self, AdminSeed};

/// The line the child prints, followed by its address, once it listens.
const LISTENING: &str = "capsule-bench-server-listening";
/// How long the child may take to start (loading apps compiles them).
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a graceful stop may take before the child is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The first admin's credentials, handed to the child as `capsule serve`
/// takes them (`CAPSULE_ADMIN_USERNAME`, `CAPSULE_ADMIN_PASSWORD`).
pub const ADMIN: &str = "bench-admin";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// Arguments of the hidden `serve-child` subcommand.
#[derive(Clone, Debug, clap::Args)]
pub struct ChildArgs {
    /// Data folder of the embedded store.
    #[arg(long)]
    data_dir: PathBuf,
    /// App packages to load at start.
    #[arg(long = "app")]
    apps: Vec<PathBuf>,
    /// Public keys trusted to sign those packages.
    #[arg(long = "trusted-key")]
    trusted_keys: Vec<PathBuf>,
    /// Open connections one client address may hold, over the server's
    /// default.
    #[arg(long)]
    max_connections_per_address: Option<usize>,
}

/// The child's side: serve on 127.0.0.1 (a free port) until stdin closes
/// (the benchmark is done, or died) or a signal comes.
pub fn serve_child(args: ChildArgs) -> Result<()> {
    // `capsule serve` runs on `#[tokio::main]`: this is the same runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the server's runtime")?;
    runtime.block_on(async move {
        // Warnings only by default: the benchmark's output stays readable,
        // and dropped slow clients still show.
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        let config = child_config(&args);
        let running = server::start(config, AdminSeed::from_env())
            .await
            .context("starting the server")?;
        println!("{LISTENING} {}", running.addr());
        running
            .serve_until(stdin_closed_or_signal())
            .await
            .context("serving")
    })
}

fn child_config(args: &ChildArgs) -> Config {
    let mut config = Config::new(([127, 0, 0, 1], 0).into(), &args.data_dir);
    // Signed packages and trusted keys: the secure default, not
    // `development`.
    config.apps = args.apps.clone();
    config.trusted_keys = args.trusted_keys.clone();
    if let Some(cap) = args.max_connections_per_address {
        config.edge.max_connections_per_address = cap;
    }
    config
}

/// Completes when stdin reaches its end or on Ctrl-C / SIGTERM.
async fn stdin_closed_or_signal() {
    let (closed, on_close) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        let _ = closed.send(());
    });
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = on_close => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
    }
}

/// Raises this process's soft limit on open files to the hard limit (the
/// server child inherits it): a thousand subscribers hold a thousand
/// sockets on each side. Returns the new soft limit.
pub fn raise_open_file_limit() -> Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            bail!(
                "getrlimit(RLIMIT_NOFILE): {}",
                std::io::Error::last_os_error()
            );
        }
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            bail!(
                "setrlimit(RLIMIT_NOFILE, {}): {}",
                limit.rlim_max,
                std::io::Error::last_os_error()
            );
        }
    }
    Ok(limit.rlim_cur)
}

/// What the server is started with.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// App packages to load.
    pub apps: Vec<PathBuf>,
    /// Public keys that signed them.
    pub trusted_keys: Vec<PathBuf>,
    /// Open connections one client address may hold (the server's default
    /// when `None`): the chat benchmark's clients all come from 127.0.0.1.
    pub max_connections_per_address: Option<usize>,
}

/// A running server child.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pid: u32,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the server on a fresh store in `data_dir` and waits until it
    /// listens.
    pub async fn spawn(data_dir: &Path, options: &ServerOptions) -> Result<ServerProcess> {
        let exe = std::env::current_exe().context("locating this executable")?;
        let mut command = Command::new(exe);
        command.arg("serve-child").arg("--data-dir").arg(data_dir);
        for app in &options.apps {
            command.arg("--app").arg(app);
        }
        for key in &options.trusted_keys {
            command.arg("--trusted-key").arg(key);
        }
        if let Some(cap) = options.max_connections_per_address {
            command
                .arg("--max-connections-per-address")
                .arg(cap.to_string());
        }
        command
            .env("CAPSULE_ADMIN_USERNAME", ADMIN)
            .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("CAPSULE_ADMIN_EMAIL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().context("starting the server child")?;
        let pid = child.id().context("the server child has no pid")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the child's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.strip_prefix(LISTENING) {
                    return Ok(addr.trim().parse::<SocketAddr>()?);
                }
                eprintln!("server: {line}");
            }
            bail!("the server exited before listening (its log is above)")
        })
        .await
        .context("the server did not start in time")??;
        // Anything else it prints goes to our stderr.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("server: {line}");
            }
        });
        Ok(ServerProcess {
            child,
            stdin,
            pid,
            addr,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its resident memory now, and its high-water mark.
    pub fn memory(&self) -> Result<Memory> {
        Memory::of(self.pid)
    }

    /// Samples [`memory`](Self::memory) every 200 ms until the sampler is
    /// stopped, keeping the largest resident set seen.
    pub fn sample_memory(&self) -> MemorySampler {
        MemorySampler::start(self.pid)
    }

    /// Closes its stdin (its signal to shut down gracefully) and waits;
    /// kills it if it takes too long.
    pub async fn stop(mut self) -> Result<()> {
        drop(self.stdin.take());
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => {
                let status = status.context("waiting for the server")?;
                if !status.success() {
                    bail!("the server exited with {status}");
                }
                Ok(())
            }
            Err(_) => {
                self.child.kill().await.context("killing the server")?;
                bail!("the server did not stop within {STOP_TIMEOUT:?} and was killed")
            }
        }
    }
}

/// A process's memory from `/proc/<pid>/status`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the most it has been resident.
    pub hwm_kib: u64,
}

impl Memory {
    fn of(pid: u32) -> Result<Memory> {
        let path = format!("/proc/{pid}/status");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let field = |name: &str| -> Result<u64> {
            let line = text
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("{path} has no {name}"))?;
            line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .with_context(|| format!("{path}: cannot read `{line}`"))
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
        })
    }
}

/// Samples a process's resident set in the background.
pub struct MemorySampler {
    peak_kib: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl MemorySampler {
    fn start(pid: u32) -> MemorySampler {
        let peak_kib = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = oneshot::channel();
        let peak = peak_kib.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        if let Ok(memory) = Memory::of(pid) {
                            peak.fetch_max(memory.rss_kib, Ordering::Relaxed);
                        }
                    }
                }
            }
        });
        MemorySampler {
            peak_kib,
            stop: Some(stop),
            task,
        }
    }

    /// Stops sampling; the largest resident set seen, in KiB.
    pub async fn finish(mut self) -> u64 {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        self.peak_kib.load(Ordering::Relaxed)
    }
}
