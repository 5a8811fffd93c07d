//! CPU time from `/proc`: the server's, the load generator's, and the
//! whole machine's (the machine is shared, so the report says how busy the
//! rest of it was while measuring).

use anyhow::{Context, Result};

/// Clock ticks per second of `/proc`'s counters.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64
}

/// CPU time (user and system) that process `pid` has used so far, in
/// seconds, from `/proc/<pid>/stat`.
pub fn process_seconds(pid: u32) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name in brackets may hold spaces: count fields after it.
    let after_name = text
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("{path} has no command name"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime); field 3 is fields[0].
    let ticks = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .map(|t| t as f64)
            .with_context(|| format!("{path}: no field {}", i + 3))
    };
    Ok((ticks(11)? + ticks(12)?) / ticks_per_second())
}

/// CPU time every core of the machine has spent busy so far (user, nice,
/// system, interrupts, steal), in seconds, from `/proc/stat`.
pub fn machine_busy_seconds() -> Result<f64> {
    let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = text
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("/proc/stat has no `cpu` line")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest is in user).
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum();
    Ok(busy as f64 / ticks_per_second())
}

/// CPU readings at one moment.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub server: f64,
    pub bench: f64,
    pub machine: f64,
}

impl Reading {
    /// Now, for the server process `server_pid` and this process.
    pub fn now(server_pid: u32) -> Result<Reading> {
        Ok(Reading {
            server: process_seconds(server_pid)?,
            bench: process_seconds(std::process::id())?,
            machine: machine_busy_seconds()?,
        })
    }
}

/// Cores used on average between two readings `seconds` apart.
#[derive(Clone, Copy, Debug, Default)]
pub struct CoresUsed {
    pub server: f64,
    pub bench: f64,
    /// Everything else on the machine (other processes, other agents).
    pub other: f64,
}

impl CoresUsed {
    pub fn between(before: Reading, after: Reading, seconds: f64) -> CoresUsed {
        let server = (after.server - before.server) / seconds;
        let bench = (after.bench - before.bench) / seconds;
        let machine = (after.machine - before.machine) / seconds;
        CoresUsed {
            server,
            bench,
            other: (machine - server - bench).max(0.0),
        }
    }

    /// The average of `parts`, weighted by their lengths in seconds.
    pub fn weighted(parts: &[(CoresUsed, f64)]) -> CoresUsed {
        let total: f64 = parts.iter().map(|(_, s)| s).sum();
        if total <= 0.0 {
            return CoresUsed::default();
        }
        let mean =
            |f: fn(&CoresUsed) -> f64| parts.iter().map(|(c, s)| f(c) * s).sum::<f64>() / total;
        CoresUsed {
            server: mean(|c| c.server),
            bench: mean(|c| c.bench),
            other: mean(|c| c.other),
        }
    }
}
