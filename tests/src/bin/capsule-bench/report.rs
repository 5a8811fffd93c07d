//! What was measured: the human summary and `chat.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

use crate::phase::{Phase, mib, round};
use crate::run::{Plan, TARGET_DELIVERIES_PER_S};
use crate::server_process::Memory;

/// Targets from the issue.
const TARGET_P99_MS: f64 = 50.0;
const TARGET_APPS_RATIO: f64 = 0.85;
const TARGET_RSS_MIB: f64 = 200.0;

/// The machine the figures come from.
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub memory_gib: f64,
}

impl Machine {
    /// This machine, from the standard library and `/proc`.
    pub fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown CPU".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib: memory_kib / (1024.0 * 1024.0),
        }
    }
}

/// One configuration: a server, its set-up and its two phases.
pub struct Configuration {
    pub name: String,
    pub apps: usize,
    pub setup: Duration,
    /// Memory once the accounts and the channel exist, before any
    /// subscriber connects (each account cost an argon2 hash).
    pub accounts: Memory,
    /// Memory with every subscriber connected, before any load.
    pub idle: Memory,
    /// Memory after both phases.
    pub end: Memory,
    pub capacity: Phase,
    pub paced: Phase,
    /// Subscribers the server dropped, by the reason they saw.
    pub disconnections: BTreeMap<String, usize>,
}

impl Configuration {
    /// The largest resident set sampled while under load.
    fn peak_rss_kib(&self) -> u64 {
        self.capacity
            .peak_rss_kib
            .max(self.paced.peak_rss_kib)
            .max(self.end.rss_kib)
    }

    fn figures(&self, figures: &mut Map<String, Value>) {
        let name = &self.name;
        self.capacity.figures(&format!("{name}_capacity"), figures);
        self.paced.figures(&format!("{name}_paced"), figures);
        let mut put = |key: &str, value: Value| {
            figures.insert(format!("{name}_{key}"), value);
        };
        put("apps", self.apps.into());
        put("setup_s", round(self.setup.as_secs_f64()).into());
        put("server_rss_mib", round(mib(self.peak_rss_kib())).into());
        put("server_rss_idle_mib", round(mib(self.idle.rss_kib)).into());
        put(
            "server_rss_after_accounts_mib",
            round(mib(self.accounts.rss_kib)).into(),
        );
        put("server_hwm_mib", round(mib(self.end.hwm_kib)).into());
        put(
            "subscribers_disconnected",
            self.disconnections.values().sum::<usize>().into(),
        );
    }

    fn print(&self, in_flight: usize) {
        println!(
            "{} (set up in {:.1} s; server resident {:.1} MiB after creating the accounts, {:.1} MiB with every subscriber connected, {:.1} MiB peak under load, high-water mark {:.1} MiB):",
            if self.apps == 0 {
                "No app".to_owned()
            } else {
                format!("{} apps, a pre-send-modify hook each", self.apps)
            },
            self.setup.as_secs_f64(),
            mib(self.accounts.rss_kib),
            mib(self.idle.rss_kib),
            mib(self.peak_rss_kib()),
            mib(self.end.hwm_kib)
        );
        self.capacity.print(&format!(
            "capacity (closed loop: at most {in_flight} messages per sender not yet delivered to every subscriber)",
        ));
        self.paced.print(&format!(
            "paced ({:.0} messages/s offered)",
            self.paced.offered_messages_per_s.unwrap_or_default()
        ));
        for (reason, count) in &self.disconnections {
            println!("  {count} subscribers disconnected: {reason}");
        }
    }
}

/// Everything measured in one run.
pub struct Report {
    pub machine: Machine,
    pub plan: Plan,
    pub none: Configuration,
    pub apps3: Option<Configuration>,
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

impl Report {
    /// `messages_per_s` with apps over without, both at capacity: over the
    /// whole phase, and the lowest and highest of the rounds (each round
    /// with apps beside its neighbour without).
    fn apps_ratio(&self) -> Option<(f64, f64, f64)> {
        let apps = self.apps3.as_ref()?;
        let (with, without) = (&apps.capacity, &self.none.capacity);
        let rounds: Vec<f64> = with
            .round_messages_per_s
            .iter()
            .zip(&without.round_messages_per_s)
            .map(|(w, wo)| w / wo)
            .collect();
        let low = rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let high = rounds.iter().copied().fold(0.0, f64::max);
        Some((with.messages_per_s() / without.messages_per_s(), low, high))
    }

    pub fn print(&self) {
        let (machine, plan, none) = (&self.machine, &self.plan, &self.none);
        println!();
        println!(
            "Capsule chat load benchmark: {} cores ({}), {:.0} GiB; the server (its own process) and the load generator share them",
            machine.cores, machine.cpu, machine.memory_gib
        );
        println!(
            "{} WebSocket subscribers (DDP, stream-room-messages) over {} accounts in one channel; {} REST senders (chat.sendMessage, keep-alive); {:.0} s measured per phase in {} rounds",
            plan.subscribers,
            plan.users,
            plan.senders,
            plan.duration.as_secs_f64(),
            plan.rounds
        );
        println!();
        none.print(plan.in_flight);
        if let Some(apps) = &self.apps3 {
            println!();
            apps.print(plan.in_flight);
        }
        println!();
        println!("Against the targets ({} subscribers):", plan.subscribers);
        let deliveries = none.capacity.deliveries_per_s();
        println!(
            "  deliveries/s at capacity   {deliveries:>9.0}   target >= {TARGET_DELIVERIES_PER_S:.0} with 1,000 subscribers: {}",
            verdict(deliveries >= TARGET_DELIVERIES_PER_S && none.capacity.clean())
        );
        let p99 = none.paced.deliveries.ms(0.99);
        println!(
            "  delivery p99 when paced    {p99:>9.2} ms   target <= {TARGET_P99_MS} ms at {:.0} deliveries/s: {}",
            none.paced.deliveries_per_s(),
            verdict(p99 <= TARGET_P99_MS && none.paced.clean())
        );
        match self.apps_ratio() {
            Some((ratio, low, high)) => println!(
                "  apps3_over_none            {ratio:>9.3}   (rounds {low:.3} to {high:.3}) target >= {TARGET_APPS_RATIO}: {}",
                verdict(ratio >= TARGET_APPS_RATIO)
            ),
            None => println!("  apps3_over_none            not measured"),
        }
        let rss = mib(none.peak_rss_kib());
        println!(
            "  server resident memory     {rss:>9.1} MiB   target <= {TARGET_RSS_MIB} MiB with 1,000 connections: {}",
            verdict(rss <= TARGET_RSS_MIB)
        );
        println!(
            "  (of which {:.1} MiB were resident before any subscriber connected)",
            mib(none.accounts.rss_kib)
        );
        println!();
    }

    fn figures(&self) -> Value {
        let none = &self.none;
        let mut figures = Map::new();
        let headline = json!({
            "messages_per_s": round(none.capacity.messages_per_s()),
            "deliveries_per_s": round(none.capacity.deliveries_per_s()),
            "deliver_p50_ms": round(none.paced.deliveries.ms(0.5)),
            "deliver_p99_ms": round(none.paced.deliveries.ms(0.99)),
            "server_rss_mib": round(mib(none.peak_rss_kib())),
            "server_hwm_mib": round(mib(none.end.hwm_kib)),
            "subscribers": self.plan.subscribers,
            "subscriber_accounts": self.plan.users,
            "senders": self.plan.senders,
            "duration_s": round(self.plan.duration.as_secs_f64()),
            "warmup_s": round(self.plan.warmup.as_secs_f64()),
            "rounds": self.plan.rounds,
            "capacity_in_flight_per_sender": self.plan.in_flight,
            "paced_offered_messages_per_s": round(self.plan.paced_rate),
            "messages_failed": none.capacity.failed + none.paced.failed,
            "deliveries_missing": none.capacity.deliveries_missing + none.paced.deliveries_missing,
            "subscribers_disconnected": none.disconnections.values().sum::<usize>(),
            "machine_cores": self.machine.cores,
            "machine_memory_gib": round(self.machine.memory_gib),
        });
        if let Value::Object(headline) = headline {
            figures.extend(headline);
        }
        if let Some((ratio, low, high)) = self.apps_ratio() {
            figures.insert("apps3_over_none".into(), round(ratio).into());
            figures.insert("apps3_over_none_round_min".into(), round(low).into());
            figures.insert("apps3_over_none_round_max".into(), round(high).into());
        }
        none.figures(&mut figures);
        if let Some(apps) = &self.apps3 {
            apps.figures(&mut figures);
        }
        Value::Object(figures)
    }

    /// Writes the figures to `out`, or `<target>/capsule-bench/chat.json`.
    pub fn write(&self, out: Option<&Path>) -> Result<PathBuf> {
        write_figures("chat", out, &self.figures())
    }
}

/// Writes a benchmark's `figures` to `out`, or to
/// `<target>/capsule-bench/<name>.json`; the path written.
pub fn write_figures(name: &str, out: Option<&Path>, figures: &Value) -> Result<PathBuf> {
    let path = match out {
        Some(path) => path.to_owned(),
        None => target_dir()?
            .join("capsule-bench")
            .join(format!("{name}.json")),
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    let text = serde_json::to_string_pretty(figures)? + "\n";
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// `CARGO_TARGET_DIR` when it is absolute, else two folders above this
/// executable (`target/release/capsule-bench`).
pub fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return Ok(dir);
    }
    let exe = std::env::current_exe().context("locating the bench executable")?;
    exe.ancestors()
        .nth(2)
        .map(PathBuf::from)
        .context("the bench executable is not inside a target folder")
}
