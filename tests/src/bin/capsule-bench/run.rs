//! The benchmark's course. Each configuration (no app; three apps) gets a
//! server of its own with its accounts, one channel and its subscribers;
//! both are set up first, then measured in two phases:
//!
//! 1. **capacity**: closed-loop senders. Each sends its next message once
//!    the last one was answered and every live subscriber has the message
//!    it sent `--in-flight` (4) messages before. So at most senders ×
//!    in-flight messages are on their way, far below any subscriber's
//!    queue, and the rate reached is what the whole path (REST, hooks,
//!    store, fan-out, the subscribers' reads) sustains without dropping
//!    anyone. (With one in flight the server idles between a message's
//!    last delivery and the next POST: 390 against 500 messages/s here.)
//!    `messages_per_s`, `deliveries_per_s` and `apps3_over_none` come
//!    from this phase.
//! 2. **paced**: senders start messages at a fixed total rate (the
//!    target's 200,000 deliveries/s over the subscribers unless `--rate`
//!    says otherwise), whatever happened to earlier ones: the latency a
//!    client sees at that load. `deliver_p50_ms` and `deliver_p99_ms` come
//!    from this phase. An offered rate past capacity overflows the
//!    server's bounded per-connection queues, and the server drops those
//!    clients by design; the report counts them.
//!
//! Each phase is split into rounds that alternate between the two servers
//! (A B, B A, A B, ...): the machine is shared, and a burst of someone
//! else's work then lands on both configurations rather than on one, so
//! their ratio stays meaningful.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::BenchArgs;
use crate::apps;
use crate::cpu::{CoresUsed, Reading};
use crate::ddp::{Ending, Subscriber, Tally};
use crate::phase::{Phase, Round};
use crate::report::{Configuration, Machine, Report};
use crate::rest::{Api, Session};
use crate::senders::{Pacing, Sender, SenderTally};
use crate::server_process::{ADMIN, ADMIN_PASSWORD, Memory, ServerOptions, ServerProcess};
use crate::tracking::{Stamp, Tracker};

/// The delivery target, which sets the default paced rate.
pub const TARGET_DELIVERIES_PER_S: f64 = 200_000.0;
/// Accounts created at once: each costs the server an argon2 hash (19 MiB,
/// tens of ms), so more at once would only inflate its memory peak.
const ACCOUNTS_AT_ONCE: usize = 2;
/// Subscribers connecting at once.
const CONNECTS_AT_ONCE: usize = 64;
/// Closed loop: how long a sender waits for every subscriber to have its
/// message before counting a stall and sending the next.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(2);
/// After a round, how long to wait for deliveries still on their way.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Warm-up of every round after a phase's first (the server is warm).
const LATER_WARMUP: Duration = Duration::from_secs(1);

/// What every configuration is measured with.
#[derive(Clone, Debug)]
pub struct Plan {
    pub subscribers: usize,
    pub senders: usize,
    pub users: usize,
    pub warmup: Duration,
    /// Measured time of each phase, over all its rounds.
    pub duration: Duration,
    pub rounds: usize,
    /// Closed loop: messages each sender may have sent that not every
    /// subscriber has received yet.
    pub in_flight: usize,
    /// Offered messages/s of the paced phase, over all senders.
    pub paced_rate: f64,
}

impl Plan {
    fn new(args: &BenchArgs) -> Plan {
        let subscribers = args.subscribers;
        Plan {
            subscribers,
            senders: args.senders,
            users: args.users.unwrap_or(subscribers / 10).clamp(1, subscribers),
            warmup: Duration::from_secs_f64(args.warmup_secs),
            duration: Duration::from_secs_f64(args.duration_secs),
            rounds: args.rounds.max(1),
            in_flight: args.in_flight.max(1),
            paced_rate: args
                .rate
                .unwrap_or(TARGET_DELIVERIES_PER_S / subscribers as f64),
        }
    }

    fn round_window(&self) -> Duration {
        self.duration / self.rounds as u32
    }
}

/// Which phase a round belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Capacity,
    Paced,
}

/// Runs the whole benchmark, prints the summary and writes the figures.
pub async fn run(args: BenchArgs) -> Result<()> {
    let plan = Plan::new(&args);
    let machine = Machine::describe();
    eprintln!(
        "{} subscribers over {} accounts, {} senders; each phase {:?} in {} rounds after {:?} of warm-up; paced phase at {:.0} messages/s",
        plan.subscribers,
        plan.users,
        plan.senders,
        plan.duration,
        plan.rounds,
        plan.warmup,
        plan.paced_rate
    );
    let packages = tempfile::tempdir().context("a folder for the app packages")?;
    let mut scenes = vec![Scene::set_up(&plan, "none", &ServerOptions::default()).await?];
    if !args.skip_apps {
        eprintln!(
            "building the bench test app and packaging it {} times...",
            apps::APPS
        );
        let dir = packages.path().to_owned();
        let options = tokio::task::spawn_blocking(move || apps::bench_packages(&dir))
            .await
            .context("packaging the apps")??;
        scenes.push(Scene::set_up(&plan, "apps3", &options).await?);
    }

    let mut capacity = measure(&mut scenes, Kind::Capacity).await?;
    let mut paced = measure(&mut scenes, Kind::Paced).await?;
    let mut configurations = Vec::new();
    for scene in scenes.into_iter().rev() {
        let capacity = Phase::of(None, capacity.pop().unwrap_or_default());
        let paced = Phase::of(Some(plan.paced_rate), paced.pop().unwrap_or_default());
        configurations.push(scene.finish(capacity, paced).await?);
    }
    configurations.reverse();
    let mut configurations = configurations.into_iter();
    let report = Report {
        machine,
        plan,
        none: configurations.next().context("the run without apps")?,
        apps3: configurations.next(),
    };
    report.print();
    let path = report.write(args.out.as_deref())?;
    println!("figures written to {}", path.display());
    Ok(())
}

/// The rounds of one phase, alternating between the scenes; each scene's
/// rounds in order.
async fn measure(scenes: &mut [Scene], kind: Kind) -> Result<Vec<Vec<Round>>> {
    let mut rounds: Vec<Vec<Round>> = scenes.iter().map(|_| Vec::new()).collect();
    let count = scenes.first().map_or(1, |s| s.plan.rounds);
    for n in 0..count {
        let mut order: Vec<usize> = (0..scenes.len()).collect();
        if n % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let scene = &mut scenes[i];
            let warmup = if n == 0 {
                scene.plan.warmup
            } else {
                scene.plan.warmup.min(LATER_WARMUP)
            };
            let round = scene.round(kind, warmup).await?;
            eprintln!(
                "[{}] {kind:?} round {}/{count}: {}",
                scene.name,
                n + 1,
                round.one_line()
            );
            rounds[i].push(round);
        }
    }
    Ok(rounds)
}

/// A subscriber's reading task and what it counts.
struct Reader {
    tally: Arc<Mutex<Tally>>,
    task: JoinHandle<Ending>,
}

impl Reader {
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One configuration's server with everything connected to it.
struct Scene {
    name: String,
    apps: usize,
    plan: Plan,
    server: ServerProcess,
    /// The server's data folder, removed after the server stopped.
    data: tempfile::TempDir,
    tracker: Arc<Tracker>,
    readers: Vec<Reader>,
    stop_readers: watch::Sender<bool>,
    senders: Vec<(Api, Session)>,
    room: String,
    phases_begun: u32,
    setup: Duration,
    accounts: Memory,
    idle: Memory,
}

impl Scene {
    /// Starts a server, creates the accounts and the channel, connects the
    /// subscribers and checks one message end to end.
    async fn set_up(plan: &Plan, name: &str, options: &ServerOptions) -> Result<Scene> {
        eprintln!("[{name}] starting the server...");
        let data = tempfile::tempdir().context("a data folder for the server")?;
        // Every subscriber and sender connects from 127.0.0.1, past the
        // server's per-address cap, which is there for the internet.
        let options = ServerOptions {
            max_connections_per_address: Some(plan.subscribers + plan.senders + 64),
            ..options.clone()
        };
        let server = ServerProcess::spawn(data.path(), &options).await?;
        let set_up = Scene::connect(plan, name, options.apps.len(), server, data);
        set_up
            .await
            .with_context(|| format!("setting up the `{name}` run"))
    }

    async fn connect(
        plan: &Plan,
        name: &str,
        apps: usize,
        server: ServerProcess,
        data: tempfile::TempDir,
    ) -> Result<Scene> {
        let started = Instant::now();
        let addr = server.addr();
        let api = Api::new(addr)?;
        let admin = api.login(ADMIN, ADMIN_PASSWORD).await?;
        let names: Vec<String> = (0..plan.users)
            .map(|i| format!("sub-{i}"))
            .chain((0..plan.senders).map(|i| format!("sender-{i}")))
            .collect();
        eprintln!("[{name}] creating {} accounts...", names.len());
        let mut sessions: Vec<Session> = stream::iter(&names)
            .map(|username| api.create_user(&admin, username))
            .buffered(ACCOUNTS_AT_ONCE)
            .try_collect()
            .await?;
        let sender_sessions = sessions.split_off(plan.users);
        let room = api.create_channel(&admin, "bench-room", &names).await?;
        let accounts = server.memory()?;

        eprintln!("[{name}] connecting {} subscribers...", plan.subscribers);
        let subscribers: Vec<Subscriber> = stream::iter(0..plan.subscribers)
            .map(|i| Subscriber::subscribe(addr, &sessions[i % plan.users], &room))
            .buffered(CONNECTS_AT_ONCE)
            .try_collect()
            .await?;
        let tracker = Arc::new(Tracker::new(plan.senders, plan.in_flight));
        let (stop_readers, stopped) = watch::channel(false);
        let readers = subscribers
            .into_iter()
            .map(|subscriber| {
                let tally = Arc::new(Mutex::new(Tally::default()));
                let reading = subscriber.read(tracker.clone(), tally.clone(), stopped.clone());
                Reader {
                    tally,
                    task: tokio::spawn(reading),
                }
            })
            .collect();
        let senders = sender_sessions
            .into_iter()
            .map(|session| Ok((Api::new(addr)?, session)))
            .collect::<Result<Vec<_>>>()?;
        let mut scene = Scene {
            name: name.to_owned(),
            apps,
            plan: plan.clone(),
            server,
            data,
            tracker,
            readers,
            stop_readers,
            senders,
            room,
            phases_begun: 0,
            setup: Duration::ZERO,
            accounts,
            idle: Memory::default(),
        };
        scene.probe().await?;
        scene.setup = started.elapsed();
        scene.idle = scene.server.memory()?;
        eprintln!(
            "[{name}] set up in {:.1} s; server resident {:.1} MiB after the accounts, {:.1} MiB with {} subscribers connected",
            scene.setup.as_secs_f64(),
            scene.accounts.rss_kib as f64 / 1024.0,
            scene.idle.rss_kib as f64 / 1024.0,
            plan.subscribers
        );
        Ok(scene)
    }

    /// One stamped message before measuring: it must be stored as the apps
    /// changed it and reach every subscriber, or the figures would mean
    /// nothing.
    async fn probe(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.tracker.live() < self.plan.subscribers {
            if Instant::now() > deadline {
                bail!(
                    "only {} of {} subscribers are reading",
                    self.tracker.live(),
                    self.plan.subscribers
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (api, session) = &self.senders[0];
        self.tracker.arm(0, 0);
        let stamp = Stamp {
            phase: 0,
            sender: 0,
            seq: 0,
            sent_us: self.tracker.now_us(),
        };
        let stored = api
            .send_message(session, &self.room, "cb-probe", &stamp.text())
            .await?;
        let expected = stamp.text() + &" ✓".repeat(self.apps);
        if stored["msg"] != expected.as_str() {
            bail!(
                "the first message was stored as {} instead of {expected:?}",
                stored["msg"]
            );
        }
        if !self
            .tracker
            .wait_delivered(0, 0, Duration::from_secs(10))
            .await
        {
            bail!("not every subscriber received the first message within 10 s");
        }
        Ok(())
    }

    /// One measured round: warm up, measure for the round's window, stop
    /// the senders, drain.
    async fn round(&mut self, kind: Kind, warmup: Duration) -> Result<Round> {
        self.phases_begun += 1;
        let phase = self.phases_begun;
        let tracker = self.tracker.clone();
        tracker.begin_phase(phase);
        for reader in &self.readers {
            *reader.tally() = Tally::default();
        }
        let pacing = match kind {
            Kind::Capacity => Pacing::ClosedLoop {
                delivery_timeout: DELIVERY_TIMEOUT,
            },
            Kind::Paced => Pacing::Every {
                interval: Duration::from_secs_f64(self.plan.senders as f64 / self.plan.paced_rate),
            },
        };
        let live_before = tracker.live();
        let sampler = self.server.sample_memory();
        let (stop, stopped) = watch::channel(false);
        let count = self.senders.len() as u32;
        let tasks: Vec<JoinHandle<SenderTally>> = self
            .senders
            .iter()
            .enumerate()
            .map(|(index, (api, session))| {
                let sender = Sender {
                    index,
                    api: api.clone(),
                    session: session.clone(),
                    room: self.room.clone(),
                    tracker: tracker.clone(),
                };
                // Paced senders are spread evenly over the interval.
                let offset = match pacing {
                    Pacing::Every { interval } => interval * index as u32 / count,
                    Pacing::ClosedLoop { .. } => Duration::ZERO,
                };
                tokio::spawn(sender.run(phase, pacing, offset, stopped.clone()))
            })
            .collect();

        tokio::time::sleep(warmup).await;
        let pid = self.server.pid();
        let cpu_before = Reading::now(pid)?;
        tracker.open_window();
        tokio::time::sleep(self.plan.round_window()).await;
        tracker.close_window();
        let cpu_after = Reading::now(pid)?;
        let _ = stop.send(true);
        let mut sent = Vec::with_capacity(tasks.len());
        for task in tasks {
            sent.push(task.await.context("a sender panicked")?);
        }
        let window = tracker.window();

        // Wait for deliveries still on their way to the subscribers left.
        let expected: u64 = sent.iter().map(|t| t.acked_in_window).sum();
        let drain_started = Instant::now();
        while self.behind(expected) > 0 && drain_started.elapsed() < DRAIN_TIMEOUT {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let drain = drain_started.elapsed();
        let peak_rss_kib = sampler.finish().await;

        let deliveries_missing = self.behind(expected);
        let mut deliveries_us = Vec::new();
        let mut deliveries_in_window = 0;
        for reader in &self.readers {
            let mut tally = reader.tally();
            deliveries_in_window += tally.received_in_window;
            deliveries_us.append(&mut tally.latencies_us);
        }
        Ok(Round {
            window,
            messages: expected,
            failed: sent.iter().map(|t| t.failed).sum(),
            first_error: sent.iter().find_map(|t| t.first_error.clone()),
            stalls: sent.iter().map(|t| t.stalls).sum(),
            deliveries_in_window,
            deliveries_us,
            posts_us: sent
                .iter_mut()
                .flat_map(|t| std::mem::take(&mut t.post_latencies_us))
                .collect(),
            deliveries_missing,
            subscribers_at_start: live_before,
            subscribers_disconnected: live_before.saturating_sub(tracker.live()),
            drain,
            peak_rss_kib,
            cores: CoresUsed::between(cpu_before, cpu_after, window.as_secs_f64()),
        })
    }

    /// Deliveries of `expected` window messages that the subscribers still
    /// reading have not received.
    fn behind(&self, expected: u64) -> u64 {
        self.readers
            .iter()
            .filter(|r| !r.task.is_finished())
            .map(|r| expected.saturating_sub(r.tally().window_messages()))
            .sum()
    }

    /// Disconnects the subscribers, stops the server and hands back the
    /// configuration's figures.
    async fn finish(self, capacity: Phase, paced: Phase) -> Result<Configuration> {
        let _ = self.stop_readers.send(true);
        let mut disconnections = BTreeMap::new();
        for reader in self.readers {
            match reader.task.await {
                Ok(Ending::Stopped) => {}
                Ok(Ending::Closed(reason) | Ending::Failed(reason)) => {
                    *disconnections.entry(reason).or_insert(0) += 1;
                }
                Err(error) => *disconnections.entry(error.to_string()).or_insert(0) += 1,
            }
        }
        let end = self.server.memory()?;
        self.server.stop().await?;
        drop(self.data);
        Ok(Configuration {
            name: self.name,
            apps: self.apps,
            setup: self.setup,
            accounts: self.accounts,
            idle: self.idle,
            end,
            capacity,
            paced,
            disconnections,
        })
    }
}
