//! The runtime benchmark: `cargo bench -p capsule-runtime`.
//!
//! Measures hook latency (one app, a chain of ten, none), instantiation,
//! loading from the compiled-component cache, memory per idle app and how
//! long a looping app overruns its deadline. Prints a table and writes
//! `target/capsule-bench/runtime.json`. Not a test: it asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use capsule_runtime::{
    AppSpec, Capability, Deadline, EngineConfig, GrantSet, Hook, InstanceAllocation, Limits,
    MemoryBridge, Message, PreSend, Runtime, RuntimeConfig, UserRef,
};
use serde_json::{Map, Value, json};

/// Samples per latency figure.
const SAMPLES: usize = 20_000;
/// Distinct idle apps loaded to measure memory per app.
const IDLE_APPS: usize = 50;

fn main() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio starts");
    let figures = tokio.block_on(run());
    let dir = capsule_testkit::repo_root().join("target/capsule-bench");
    std::fs::create_dir_all(&dir).expect("create target/capsule-bench");
    let path = dir.join("runtime.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&Value::Object(figures)).unwrap(),
    )
    .expect("write runtime.json");
    println!("\nwrote {}", path.display());
}

fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(capsule_testkit::test_apps().wasm(name)).expect("test app built")
}

fn runtime(config: RuntimeConfig) -> (Runtime, Arc<MemoryBridge>) {
    let chat = Arc::new(MemoryBridge::new());
    let runtime = Runtime::new(config, chat.clone()).expect("runtime starts");
    chat.attach(&runtime);
    (runtime, chat)
}

fn message(text: &str) -> Message {
    Message {
        id: "m1".into(),
        room_id: "r1".into(),
        sender: UserRef {
            id: "u1".into(),
            username: "alice".into(),
            name: None,
        },
        text: text.into(),
        thread_id: None,
        created_at: 0,
        edited_at: None,
        attachments: vec![],
        mentions: vec![],
        alias: None,
        app_id: None,
    }
}

/// A 200-byte message.
fn message_200() -> Message {
    let text = "Capsule benchmark message: the quick brown fox jumps over the lazy dog. ".repeat(3);
    message(&text[..200])
}

fn bench_spec(id: &str) -> AppSpec {
    AppSpec::new(id).implementing([Hook::PreSendModify])
}

/// Percentile of sorted samples.
fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn sample_pre_send(runtime: &Runtime, msg: &Message, n: usize) -> Vec<u64> {
    for _ in 0..n / 10 {
        let _ = runtime.pre_send(msg.clone(), 0).await;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let m = msg.clone();
        let t = Instant::now();
        let outcome = runtime.pre_send(m, 0).await;
        out.push(t.elapsed().as_nanos() as u64);
        assert!(
            matches!(outcome, PreSend::Accepted { ref skipped, .. } if skipped.is_empty()),
            "{outcome:?}"
        );
    }
    out.sort_unstable();
    out
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// Appends a custom section so each copy is a distinct component (its own
/// cache key and compiled code), as distinct apps would be.
fn distinct_copy(wasm: &[u8], i: usize) -> Vec<u8> {
    let name = format!("capsule-bench-copy-{i}");
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0); // custom section id
    out.push(payload.len() as u8); // fits one LEB128 byte
    out.extend_from_slice(&payload);
    out
}

fn row(figures: &mut Map<String, Value>, key: &str, value: f64, what: &str) {
    println!("{key:>28}  {value:>12.1}  {what}");
    figures.insert(key.into(), json!((value * 10.0).round() / 10.0));
}

async fn run() -> Map<String, Value> {
    let mut f = Map::new();
    let msg = message_200();
    let bench = wasm("bench");
    println!("{:>28}  {:>12}  what", "figure", "value");

    // Dispatch with no app at all.
    let (none, _) = runtime(RuntimeConfig::default());
    let base = sample_pre_send(&none, &msg, SAMPLES).await;
    row(
        &mut f,
        "baseline_p50_ns",
        pct(&base, 0.5) as f64,
        "pre-send dispatch, no app",
    );

    // One modify hook, warm.
    let (one, _) = runtime(RuntimeConfig::default());
    one.load(bench_spec("b0"), &bench).await.unwrap();
    let hook = sample_pre_send(&one, &msg, SAMPLES).await;
    row(
        &mut f,
        "hook_p50_ns",
        pct(&hook, 0.5) as f64,
        "one modify hook, 200-byte message, warm instance",
    );
    row(&mut f, "hook_p99_ns", pct(&hook, 0.99) as f64, "");

    // Ten apps chained.
    for i in 1..10 {
        one.load(bench_spec(&format!("b{i}")), &bench)
            .await
            .unwrap();
    }
    let chain = sample_pre_send(&one, &msg, SAMPLES / 2).await;
    row(
        &mut f,
        "chain10_p50_ns",
        pct(&chain, 0.5) as f64,
        "ten modify hooks chained",
    );
    row(&mut f, "chain10_p99_ns", pct(&chain, 0.99) as f64, "");

    // A hook that makes one host call (reads a setting).
    let (hc, chat) = runtime(RuntimeConfig::default());
    chat.set_setting("m", "tag", capsule_runtime::SettingValue::Text("t".into()));
    hc.load(
        bench_spec("m").granted(GrantSet::none().with(Capability::Settings)),
        &wasm("modifier"),
    )
    .await
    .unwrap();
    let hostcall = sample_pre_send(&hc, &msg, SAMPLES).await;
    row(
        &mut f,
        "hook_hostcall_p50_ns",
        pct(&hostcall, 0.5) as f64,
        "modify hook that reads a setting (one host call)",
    );

    // A fresh instance per event instead of the warm pool.
    let (fresh, _) = runtime(RuntimeConfig::default());
    let no_pool = Limits {
        warm_instances: 0,
        ..Limits::default()
    };
    fresh
        .load(bench_spec("f").with_limits(no_pool), &bench)
        .await
        .unwrap();
    let per_event = sample_pre_send(&fresh, &msg, SAMPLES / 4).await;
    row(
        &mut f,
        "fresh_instance_hook_p50_ns",
        pct(&per_event, 0.5) as f64,
        "same hook, fresh instance per event",
    );

    // Instantiation alone, default and pooling allocators.
    for (key, allocation) in [
        ("instantiate_p50_us", InstanceAllocation::OnDemand),
        (
            "instantiate_pooling_p50_us",
            InstanceAllocation::Pooling { max_instances: 64 },
        ),
    ] {
        let config = RuntimeConfig {
            engine: EngineConfig {
                allocation,
                ..EngineConfig::default()
            },
            ..RuntimeConfig::default()
        };
        let (rt, _) = runtime(config);
        rt.load(bench_spec("i"), &bench).await.unwrap();
        let mut times: Vec<u64> = Vec::new();
        for _ in 0..2000 {
            times.push(rt.probe_instantiate("i").await.unwrap().as_nanos() as u64);
        }
        times.sort_unstable();
        row(
            &mut f,
            key,
            pct(&times, 0.5) as f64 / 1000.0,
            "create an instance from its InstancePre",
        );
    }

    // Loading a ~1 MiB component: compiling it once, then from the disk cache.
    let heavy = wasm("heavy");
    let cache = tempfile::tempdir().unwrap();
    let config = RuntimeConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let (rt, _) = runtime(config);
    let t = Instant::now();
    rt.load(bench_spec("heavy"), &heavy).await.unwrap();
    let compile = t.elapsed();
    let mut loads = Vec::new();
    for _ in 0..30 {
        rt.unload("heavy").unwrap();
        rt.clear_memory_cache();
        let t = Instant::now();
        let report = rt.load(bench_spec("heavy"), &heavy).await.unwrap();
        loads.push(t.elapsed().as_micros() as u64);
        assert_eq!(report.cache, capsule_runtime::CacheOutcome::Disk);
    }
    loads.sort_unstable();
    row(
        &mut f,
        "component_kib",
        heavy.len() as f64 / 1024.0,
        "size of the component loaded below",
    );
    row(
        &mut f,
        "compile_ms",
        compile.as_secs_f64() * 1000.0,
        "first load: compile and write the cache",
    );
    row(
        &mut f,
        "load_cached_ms",
        pct(&loads, 0.5) as f64 / 1000.0,
        "load from the disk cache (p50 of 30)",
    );

    // Host memory per loaded, idle app (distinct components).
    let (rt, _) = runtime(RuntimeConfig::default());
    let modifier = wasm("bench");
    let copies: Vec<Vec<u8>> = (0..IDLE_APPS)
        .map(|i| distinct_copy(&modifier, i))
        .collect();
    // Warm the shared parts (the linker, the first compile's code paths).
    rt.load(bench_spec("warmup"), &distinct_copy(&modifier, 9999))
        .await
        .unwrap();
    let _ = rt.pre_send(msg.clone(), 0).await;
    let before = rss_kib();
    for (i, copy) in copies.iter().enumerate() {
        rt.load(bench_spec(&format!("idle{i}")), copy)
            .await
            .unwrap();
    }
    let loaded = rss_kib();
    let _ = rt.pre_send(msg.clone(), 0).await;
    let warm = rss_kib();
    row(
        &mut f,
        "idle_app_kib",
        (loaded - before) as f64 / IDLE_APPS as f64,
        "host memory per loaded app, never called",
    );
    row(
        &mut f,
        "idle_warm_app_kib",
        (warm - before) as f64 / IDLE_APPS as f64,
        "host memory per app holding one warm instance",
    );

    // A looping app: how long past its 20 ms CPU deadline it keeps running.
    let (rt, _) = runtime(RuntimeConfig::default());
    let limits = Limits {
        pre_send: Deadline {
            cpu: Duration::from_millis(20),
            wall: Duration::from_secs(10),
        },
        max_faults_in_a_row: u32::MAX,
        ..Limits::default()
    };
    let grants = GrantSet::none()
        .with(Capability::MessageWrite)
        .with(Capability::Kv)
        .with(Capability::UserRead)
        .with_http_hosts(["127.0.0.1:9"])
        .unwrap();
    rt.load(
        bench_spec("hostile").granted(grants).with_limits(limits),
        &wasm("hostile"),
    )
    .await
    .unwrap();
    let looping = message("loop");
    let mut overruns = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let outcome = rt.pre_send(looping.clone(), 0).await;
        overruns.push(
            t.elapsed()
                .saturating_sub(Duration::from_millis(20))
                .as_micros() as u64,
        );
        assert!(matches!(outcome, PreSend::Accepted { ref skipped, .. } if skipped.len() == 1));
    }
    overruns.sort_unstable();
    row(
        &mut f,
        "loop_overrun_ms",
        *overruns.last().unwrap() as f64 / 1000.0,
        "worst of 20: time past a 20 ms CPU deadline",
    );
    row(
        &mut f,
        "loop_overrun_p50_ms",
        pct(&overruns, 0.5) as f64 / 1000.0,
        "",
    );

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    f.insert(
        "machine_cpus".into(),
        json!(std::thread::available_parallelism().map_or(0, |n| n.get())),
    );
    f.insert("machine_cpu_model".into(), json!(cpu));
    f
}
