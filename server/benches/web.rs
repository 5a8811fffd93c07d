//! The web client's figures (issue 14): `cargo bench -p capsule-server
//! --bench web`. Starts the real `capsule` binary (bench profile) on a
//! loopback port with a fresh data folder, runs
//! `server/web/bench/web-bench.mjs` (headless Debian Chromium driven by
//! playwright-core, axe-core in the page, Lighthouse 12.2.3), prints a
//! table against the targets and writes
//! `target/capsule-bench/web.json`. What each figure measures is in
//! docs/performance.md ("Web client").

#[allow(dead_code)]
#[path = "../tests/web_support/mod.rs"]
mod web_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Map, Value};
use web_support::{ADMIN, ADMIN_PASSWORD, CHROMIUM, Capsule, free_port, target_dir, web_dir};

/// The targets: figure, bound, and whether the bound is a ceiling.
const TARGETS: &[(&str, f64, Bound)] = &[
    ("bundle_gzip_kib", 150.0, Bound::AtMost),
    ("room_ready_ms", 500.0, Bound::AtMost),
    ("jump_to_first_ms", 1000.0, Bound::AtMost),
    ("send_to_other_p50_ms", 50.0, Bound::AtMost),
    ("lighthouse_performance", 95.0, Bound::AtLeast),
    ("lighthouse_accessibility", 95.0, Bound::AtLeast),
    ("axe_serious_violations", 0.0, Bound::AtMost),
];

#[derive(Clone, Copy)]
enum Bound {
    AtMost,
    AtLeast,
}

fn main() -> Result<()> {
    web_support::ensure_chromium();
    ensure!(
        capsule_server::web::client_built(),
        "this server was built without its web client (Node.js 20.19+ and npm are needed)"
    );
    install_lighthouse()?;

    let folder = tempfile::tempdir()?;
    let server = Capsule::start(&folder.path().join("data"), free_port(), &[]);
    let figures = run_script(&server)?;
    print_table(&figures);

    let out = target_dir().join("capsule-bench");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("web.json");
    std::fs::write(&path, serde_json::to_string_pretty(&figures)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// `npm ci` in `server/web/bench` (Lighthouse is kept out of the client's
/// own dependencies, which every server build installs).
fn install_lighthouse() -> Result<()> {
    let bench = web_dir().join("bench");
    if bench.join("node_modules/lighthouse").exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&bench)
        .status()
        .context("running npm ci in server/web/bench (Node.js 20.19+ and npm are needed)")?;
    ensure!(
        status.success(),
        "npm ci in server/web/bench failed ({status})"
    );
    Ok(())
}

/// Runs the measuring script against `server`; answers its `FIGURES` line.
fn run_script(server: &Capsule) -> Result<Map<String, Value>> {
    let mut node = Command::new("node")
        .arg(web_dir().join("bench/web-bench.mjs"))
        .current_dir(web_dir())
        .env("CAPSULE_URL", format!("http://127.0.0.1:{}", server.port))
        .env("CAPSULE_ADMIN", ADMIN)
        .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("CHROMIUM", CHROMIUM)
        .env("CHROME_PATH", CHROMIUM)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting node (Node.js 20.19+ is needed)")?;
    let mut figures = None;
    for line in BufReader::new(node.stdout.take().context("node's stdout")?).lines() {
        let line = line?;
        match line.strip_prefix("FIGURES ") {
            Some(json) => figures = Some(serde_json::from_str(json).context("the FIGURES line")?),
            None => println!("{line}"),
        }
    }
    let status = node.wait()?;
    if !status.success() {
        bail!(
            "web-bench.mjs failed ({status})\n--- server log ---\n{}",
            server.log_text()
        );
    }
    figures.context("web-bench.mjs printed no FIGURES line")
}

fn print_table(figures: &Map<String, Value>) {
    println!(
        "\n{:<28} {:>10} {:>10}  verdict",
        "figure", "value", "target"
    );
    for (name, value) in figures {
        let value = value.as_f64().unwrap_or(f64::NAN);
        let target = TARGETS.iter().find(|(target, _, _)| target == name);
        let (bound, verdict) = match target {
            Some((_, limit, Bound::AtMost)) => (format!("<= {limit}"), value <= *limit),
            Some((_, limit, Bound::AtLeast)) => (format!(">= {limit}"), value >= *limit),
            None => {
                println!("{name:<28} {value:>10}");
                continue;
            }
        };
        let verdict = if verdict { "met" } else { "MISSED" };
        println!("{name:<28} {value:>10} {bound:>10}  {verdict}");
    }
}
