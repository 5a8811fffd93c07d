//! The figures of one phase: each round's raw counts and samples, and the
//! phase they add up to.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::cpu::CoresUsed;
use crate::stats::Latencies;

/// One measured window of one phase on one server.
#[derive(Debug, Default)]
pub struct Round {
    pub window: Duration,
    /// Messages sent in the window and acknowledged (so stored).
    pub messages: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    pub stalls: u64,
    /// Frames received while the window was open.
    pub deliveries_in_window: u64,
    /// Send-to-receipt latency of each delivery of a window message.
    pub deliveries_us: Vec<u32>,
    /// REST answer latency of each window message.
    pub posts_us: Vec<u32>,
    /// Deliveries of window messages that subscribers still connected
    /// never received (after draining).
    pub deliveries_missing: u64,
    pub subscribers_at_start: usize,
    pub subscribers_disconnected: usize,
    pub drain: Duration,
    pub peak_rss_kib: u64,
    pub cores: CoresUsed,
}

impl Round {
    pub fn messages_per_s(&self) -> f64 {
        self.messages as f64 / self.window.as_secs_f64()
    }

    /// A progress line.
    pub fn one_line(&self) -> String {
        format!(
            "{:.0} messages/s, {:.0} deliveries/s, {} failed, {} undelivered, {} disconnected; CPU: server {:.2}, load generator {:.2}, others {:.2} cores",
            self.messages_per_s(),
            self.deliveries_in_window as f64 / self.window.as_secs_f64(),
            self.failed,
            self.deliveries_missing,
            self.subscribers_disconnected,
            self.cores.server,
            self.cores.bench,
            self.cores.other
        )
    }
}

/// One phase of one configuration: its rounds added up.
pub struct Phase {
    /// The paced phase's offered rate; `None` for closed loop.
    pub offered_messages_per_s: Option<f64>,
    /// Each round's messages/s, in order.
    pub round_messages_per_s: Vec<f64>,
    pub window: Duration,
    pub messages: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    pub stalls: u64,
    pub deliveries_in_window: u64,
    pub deliveries: Latencies,
    pub posts: Latencies,
    pub deliveries_missing: u64,
    pub subscribers_at_start: usize,
    pub subscribers_disconnected: usize,
    pub drain: Duration,
    pub peak_rss_kib: u64,
    pub cores: CoresUsed,
}

impl Phase {
    /// The sum of `rounds` (latencies pooled, CPU weighted by time).
    pub fn of(offered: Option<f64>, rounds: Vec<Round>) -> Phase {
        let sum = |f: fn(&Round) -> u64| rounds.iter().map(f).sum::<u64>();
        let cores: Vec<(CoresUsed, f64)> = rounds
            .iter()
            .map(|r| (r.cores, r.window.as_secs_f64()))
            .collect();
        Phase {
            offered_messages_per_s: offered,
            round_messages_per_s: rounds.iter().map(Round::messages_per_s).collect(),
            window: rounds.iter().map(|r| r.window).sum(),
            messages: sum(|r| r.messages),
            failed: sum(|r| r.failed),
            first_error: rounds.iter().find_map(|r| r.first_error.clone()),
            stalls: sum(|r| r.stalls),
            deliveries_in_window: sum(|r| r.deliveries_in_window),
            deliveries_missing: sum(|r| r.deliveries_missing),
            subscribers_at_start: rounds.first().map_or(0, |r| r.subscribers_at_start),
            subscribers_disconnected: rounds.iter().map(|r| r.subscribers_disconnected).sum(),
            drain: rounds.iter().map(|r| r.drain).max().unwrap_or_default(),
            peak_rss_kib: rounds.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0),
            cores: CoresUsed::weighted(&cores),
            deliveries: Latencies::new(
                rounds
                    .iter()
                    .flat_map(|r| r.deliveries_us.iter().copied())
                    .collect(),
            ),
            posts: Latencies::new(
                rounds
                    .iter()
                    .flat_map(|r| r.posts_us.iter().copied())
                    .collect(),
            ),
        }
    }

    pub fn messages_per_s(&self) -> f64 {
        self.messages as f64 / self.window.as_secs_f64()
    }

    pub fn deliveries_per_s(&self) -> f64 {
        self.deliveries_in_window as f64 / self.window.as_secs_f64()
    }

    /// Whether every message reached every subscriber and none was dropped.
    pub fn clean(&self) -> bool {
        self.failed == 0 && self.deliveries_missing == 0 && self.subscribers_disconnected == 0
    }

    /// Its figures, each key starting with `prefix_`.
    pub fn figures(&self, prefix: &str, figures: &mut Map<String, Value>) {
        let mut put = |key: &str, value: Value| {
            figures.insert(format!("{prefix}_{key}"), value);
        };
        if let Some(offered) = self.offered_messages_per_s {
            put("offered_messages_per_s", round(offered).into());
        }
        put("messages_per_s", round(self.messages_per_s()).into());
        put("deliveries_per_s", round(self.deliveries_per_s()).into());
        put("deliver_p50_ms", round(self.deliveries.ms(0.5)).into());
        put("deliver_p99_ms", round(self.deliveries.ms(0.99)).into());
        put("deliver_max_ms", round(self.deliveries.max_ms()).into());
        put("post_p50_ms", round(self.posts.ms(0.5)).into());
        put("post_p99_ms", round(self.posts.ms(0.99)).into());
        put("messages", self.messages.into());
        put("messages_failed", self.failed.into());
        put("closed_loop_stalls", self.stalls.into());
        put("deliveries_missing", self.deliveries_missing.into());
        put(
            "subscribers_disconnected",
            self.subscribers_disconnected.into(),
        );
        put("rounds", self.round_messages_per_s.len().into());
        put("window_s", round(self.window.as_secs_f64()).into());
        put("drain_max_ms", round(self.drain.as_secs_f64() * 1e3).into());
        put("server_rss_peak_mib", round(mib(self.peak_rss_kib)).into());
        put("server_cpu_cores", round(self.cores.server).into());
        put("bench_cpu_cores", round(self.cores.bench).into());
        put("other_cpu_cores", round(self.cores.other).into());
    }

    /// Its part of the summary.
    pub fn print(&self, title: &str) {
        let rounds: Vec<String> = self
            .round_messages_per_s
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect();
        println!("  {title}:");
        println!(
            "    {:>9.0} messages/s persisted   {:>9.0} deliveries/s   ({} messages in {:.1} s; rounds: {} messages/s)",
            self.messages_per_s(),
            self.deliveries_per_s(),
            self.messages,
            self.window.as_secs_f64(),
            rounds.join(", ")
        );
        println!(
            "    delivery p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms   REST answer p50 {:.2} ms, p99 {:.2} ms",
            self.deliveries.ms(0.5),
            self.deliveries.ms(0.99),
            self.deliveries.max_ms(),
            self.posts.ms(0.5),
            self.posts.ms(0.99)
        );
        println!(
            "    failed sends {}, undelivered {}, subscribers disconnected {} of {}, closed-loop stalls {}",
            self.failed,
            self.deliveries_missing,
            self.subscribers_disconnected,
            self.subscribers_at_start,
            self.stalls
        );
        println!(
            "    CPU: server {:.2} cores, load generator {:.2}, everything else on the machine {:.2}; server resident peak {:.1} MiB",
            self.cores.server,
            self.cores.bench,
            self.cores.other,
            mib(self.peak_rss_kib)
        );
        if let Some(error) = &self.first_error {
            println!("    first failed send: {error}");
        }
    }
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Three decimals are plenty, and keep the JSON readable.
pub fn round(value: f64) -> f64 {
    (value * 1e3).round() / 1e3
}
