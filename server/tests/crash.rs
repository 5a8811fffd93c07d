//! Crash safety of the real `capsule` binary: every message the server
//! acknowledged survives the process being killed mid-load (SIGKILL), the
//! store opens cleanly afterwards, and SIGTERM is a graceful shutdown.
//!
//! These run the binary as a child process on its own data folder, so
//! nothing but the operating system stands between the acknowledgement and
//! the kill.
#![cfg(unix)]

use capsule_server_harness as common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ADMIN, ADMIN_PASSWORD};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Concurrent senders during the load.
const SENDERS: usize = 8;
/// Acknowledged messages after which the server is stopped...
const STOP_AFTER_ACKS: usize = 3_000;
/// ...or this long after the load started, whichever comes first.
const STOP_AFTER: Duration = Duration::from_secs(2);
/// How long the binary may take to start listening or to exit.
const PATIENCE: Duration = Duration::from_secs(30);

/// A `capsule serve` child process and what it logged.
struct ServerProcess {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `capsule serve` on a free loopback port over `data_dir` and
    /// waits until it says it listens (the address comes from its log, so
    /// no port is guessed).
    async fn start(data_dir: &Path) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_capsule"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--data-dir",
            ])
            .arg(data_dir)
            .env("CAPSULE_ADMIN_USERNAME", ADMIN)
            .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the capsule binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (listening, addr) = tokio::sync::oneshot::channel::<String>();
        collect_lines(
            child.stdout.take().expect("stdout is piped"),
            log.clone(),
            Some(listening),
        );
        collect_lines(
            child.stderr.take().expect("stderr is piped"),
            log.clone(),
            None,
        );
        let addr = match tokio::time::timeout(PATIENCE, addr).await {
            Ok(Ok(addr)) => addr,
            Ok(Err(_)) => panic!(
                "the server exited before listening: {:?}\n{}",
                child.wait(),
                log.lock().unwrap().join("\n")
            ),
            Err(_) => panic!(
                "the server did not listen within {PATIENCE:?}:\n{}",
                log.lock().unwrap().join("\n")
            ),
        };
        let server = ServerProcess {
            child,
            base: format!("http://{addr}"),
            log,
        };
        server.assert_healthy().await;
        server
    }

    /// Everything the process wrote so far.
    fn logs(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    async fn assert_healthy(&self) {
        let health = reqwest::get(format!("{}/health", self.base))
            .await
            .expect("/health answers");
        assert_eq!(
            health.status(),
            200,
            "/health after start; log:\n{}",
            self.logs()
        );
    }

    /// Signs the admin in with a client of its own.
    async fn admin(&self) -> Client {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"user": ADMIN, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .expect("login answers")
            .json()
            .await
            .expect("login answers JSON");
        assert_eq!(answer["status"], "success", "{answer}");
        Client {
            http,
            base: self.base.clone(),
            user_id: answer["data"]["userId"]
                .as_str()
                .expect("userId")
                .to_owned(),
            token: answer["data"]["authToken"]
                .as_str()
                .expect("authToken")
                .to_owned(),
        }
    }

    /// SIGKILL: no chance to flush or finish anything.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL is delivered");
    }

    /// SIGTERM: asks for a graceful shutdown.
    fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: `kill` has no memory effects; `pid` is our own child,
        // which has not been reaped yet (we hold its `Child`).
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(
            sent,
            0,
            "SIGTERM to {pid}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Waits for the process to end, killing it after [`PATIENCE`].
    async fn exit_status(mut self) -> (ExitStatus, String) {
        let deadline = std::time::Instant::now() + PATIENCE;
        let mut wait = tokio::time::interval(Duration::from_millis(20));
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting on the child") {
                return (status, self.logs());
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the server did not exit within {PATIENCE:?}; log:\n{}",
                    self.logs()
                );
            }
            wait.tick().await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // A failing test must not leave a server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a pipe into `log` line by line on a thread of its own, and
/// reports the address once the server logs that it listens.
fn collect_lines(
    pipe: impl std::io::Read + Send + 'static,
    log: Arc<Mutex<Vec<String>>>,
    mut listening: Option<tokio::sync::oneshot::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = listening_address(&line)
                && let Some(tell) = listening.take()
            {
                let _ = tell.send(addr);
            }
            log.lock().unwrap().push(line);
        }
    });
}

/// The `addr` of the JSON log line `Capsule is listening`.
fn listening_address(line: &str) -> Option<String> {
    let event: Value = serde_json::from_str(line).ok()?;
    let fields = event.get("fields")?;
    if fields["message"] != "Capsule is listening" {
        return None;
    }
    fields["addr"].as_str().map(str::to_owned)
}

/// A signed-in HTTP client.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    user_id: String,
    token: String,
}

impl Client {
    /// The same sign-in over a fresh connection pool.
    fn fresh(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            ..self.clone()
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .header("X-User-Id", &self.user_id)
    }

    /// Posts `text` to `#general`; the message id when the server
    /// acknowledged it (200 and `success`), else why not.
    async fn post(&self, text: &str) -> Result<String, String> {
        let response = self
            .request(reqwest::Method::POST, "/api/v1/chat.postMessage")
            .json(&json!({"roomId": "GENERAL", "text": text}))
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("{status}, no JSON body: {e}"))?;
        match body["message"]["_id"].as_str() {
            Some(id) if status == 200 && body["success"] == true => Ok(id.to_owned()),
            _ => Err(format!("{status}: {body}")),
        }
    }

    /// Every message id in `#general`, paged 100 at a time by offset.
    async fn general_history_ids(&self) -> HashSet<String> {
        let mut ids = HashSet::new();
        let mut offset = 0;
        loop {
            let page: Value = self
                .request(
                    reqwest::Method::GET,
                    &format!("/api/v1/channels.history?roomId=GENERAL&count=100&offset={offset}"),
                )
                .send()
                .await
                .expect("channels.history answers")
                .json()
                .await
                .expect("channels.history answers JSON");
            assert_eq!(
                page["success"], true,
                "channels.history at offset {offset}: {page}"
            );
            let messages = page["messages"].as_array().expect("a messages array");
            ids.extend(
                messages
                    .iter()
                    .filter_map(|m| m["_id"].as_str().map(str::to_owned)),
            );
            if messages.len() < 100 {
                return ids;
            }
            offset += messages.len();
        }
    }
}

/// What the load did before the server went away.
struct Load {
    acknowledged: Vec<String>,
    /// Refusals (or lost answers) while the server was meant to be up.
    failures: Vec<String>,
}

/// Runs [`SENDERS`] concurrent senders until the server stops answering,
/// calling `stop` once [`STOP_AFTER_ACKS`] messages were acknowledged or
/// [`STOP_AFTER`] passed, and returns every acknowledged id.
async fn load_until_stopped(client: &Client, stop: impl FnOnce()) -> Load {
    let acks = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let stopped = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let (client, acks, enough, stopped) = (
            client.fresh(),
            acks.clone(),
            enough.clone(),
            stopped.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut load = Load {
                acknowledged: Vec::new(),
                failures: Vec::new(),
            };
            for n in 0.. {
                match client.post(&format!("sender {sender} message {n}")).await {
                    Ok(id) => {
                        load.acknowledged.push(id);
                        if acks.fetch_add(1, Ordering::Relaxed) + 1 == STOP_AFTER_ACKS {
                            enough.notify_one();
                        }
                    }
                    Err(why) => {
                        if !stopped.load(Ordering::SeqCst) {
                            load.failures.push(why);
                        }
                        break;
                    }
                }
            }
            load
        }));
    }
    let _ = tokio::time::timeout(STOP_AFTER, enough.notified()).await;
    stopped.store(true, Ordering::SeqCst);
    stop();
    let mut total = Load {
        acknowledged: Vec::new(),
        failures: Vec::new(),
    };
    for sender in senders {
        let load = sender.await.expect("a sender task finishes");
        total.acknowledged.extend(load.acknowledged);
        total.failures.extend(load.failures);
    }
    total
}

/// Asserts the restarted server holds every acknowledged message and
/// still takes new ones.
async fn assert_everything_acknowledged_survived(server: &ServerProcess, acknowledged: &[String]) {
    let client = server.admin().await;
    let stored = client.general_history_ids().await;
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages are missing after the restart, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(5)]
    );
    let after = client
        .post("after the restart")
        .await
        .expect("a new message is accepted after the restart");
    assert!(
        client.general_history_ids().await.contains(&after),
        "the new message is in the history"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_message_survives_sigkill_during_load() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = ServerProcess::start(data.path()).await;
    let client = server.admin().await;

    let load = load_until_stopped(&client, || server.kill()).await;
    let (status, log) = server.exit_status().await;

    assert!(
        load.failures.is_empty(),
        "posts failed before the kill: {:?}",
        &load.failures[..load.failures.len().min(5)]
    );
    assert!(
        !status.success(),
        "a killed server does not exit successfully: {status}"
    );
    assert!(
        load.acknowledged.len() >= 100,
        "only {} messages acknowledged before the kill; log:\n{log}",
        load.acknowledged.len()
    );
    println!(
        "{} messages acknowledged before SIGKILL; all must survive",
        load.acknowledged.len()
    );
    let restarted = ServerProcess::start(data.path()).await;
    assert_everything_acknowledged_survived(&restarted, &load.acknowledged).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_load_shuts_down_gracefully_and_restarts_cleanly() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(data.path()).await;
    let client = server.admin().await;

    let load = load_until_stopped(&client, || server.terminate()).await;
    let (status, log) = server.exit_status().await;

    assert!(
        status.success(),
        "SIGTERM ends the server with success, not {status}; log:\n{log}"
    );
    assert!(
        log.contains("shutting down"),
        "the server logs its shutdown; log:\n{log}"
    );
    assert!(
        load.failures.is_empty(),
        "posts failed before SIGTERM: {:?}",
        &load.failures[..load.failures.len().min(5)]
    );
    println!(
        "{} messages acknowledged before SIGTERM; all must survive",
        load.acknowledged.len()
    );
    let restarted = ServerProcess::start(data.path()).await;
    assert_everything_acknowledged_survived(&restarted, &load.acknowledged).await;
}
