//! `cargo bench -p capsule-server --bench store`: how fast messages are
//! persisted through the REST API, and how fast a page of a long history
//! is read back, on the embedded store.
//!
//! The server runs in this process (`server::start` on 127.0.0.1:0 over a
//! temporary folder); its HTTP clients run here too, so on a small machine
//! the clients take cores from the server. To show where time goes, the
//! same writes and reads are also timed below the HTTP layer: through the
//! chat pipeline (`Chat::send_message`) and through the store alone
//! (`MessageStore::insert_message`, `MessageStore::history`), beside two
//! HTTP floors (`/api/info`, `/api/v1/me`).
//!
//! The 100,000-message room whose history is read is filled through
//! `MessageStore::insert_message` directly (64 concurrent inserts, grouped
//! into commits), not through HTTP, to keep the bench short; the output
//! says so. Each run is capped in time as well as in count.
//!
//! Writes `target/capsule-bench/store.json`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::Rng;
use serde_json::{Value, json};

use capsule_server::chat::{Chat, NewMessage, NewRoom, NewUser, RoomRef};
use capsule_server::config::Config;
use capsule_server::model::{Message, RoomId, RoomKind, Timestamp, User, UserKind};
use capsule_server::server::{self, AdminSeed};
use capsule_server::store::{HistoryQuery, Store};

/// Concurrent REST senders, each with its own keep-alive client.
const SENDERS: usize = 8;
/// Messages posted before measuring (connections, caches, the WAL warm up).
const WARM_UP_MESSAGES: usize = 2_000;
/// Messages posted while measuring...
const MESSAGES: usize = 40_000;
/// ...unless this much time passes first (a slow build must not make the
/// bench run for many minutes; the report says how many were sent).
const POST_TIME_CAP: Duration = Duration::from_secs(30);
const WARM_UP_TIME_CAP: Duration = Duration::from_secs(10);
/// Requests of each HTTP floor run (`/api/info`, `/api/v1/me`).
const FLOOR_REQUESTS: usize = 20_000;
const FLOOR_TIME_CAP: Duration = Duration::from_secs(5);
/// Messages in the room whose history is read.
const HISTORY_MESSAGES: usize = 100_000;
/// Concurrent inserts while filling that room (so commits group).
const FILL_TASKS: usize = 64;
/// History pages requested while measuring, within a time cap.
const HISTORY_REQUESTS: usize = 2_000;
const HISTORY_TIME_CAP: Duration = Duration::from_secs(20);
/// Messages in one history page.
const PAGE: u64 = 50;

const ADMIN: &str = "bench-admin";
const ADMIN_PASSWORD: &str = "bench-admin-password";

/// Targets from the issue.
const TARGET_MESSAGES_PER_S: f64 = 10_000.0;
const TARGET_POST_P99_MS: f64 = 20.0;
const TARGET_HISTORY_P50_MS: f64 = 5.0;

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(run())
}

async fn run() -> Result<()> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let config = Config::new(([127, 0, 0, 1], 0).into(), dir.path());
    let seed = AdminSeed {
        username: ADMIN.into(),
        password: ADMIN_PASSWORD.into(),
        email: None,
    };
    let running = server::start(config, Some(seed))
        .await
        .context("starting the server")?;
    let base = format!("http://{}", running.addr());
    let chat = running.chat().clone();
    let admin = chat
        .user_named(ADMIN)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let session = Session::sign_in(&base).await?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // Each layer writes to a fresh channel, so all start from an empty
    // room and end at the same size: per-message costs that grow with a
    // room's history then compare fairly.
    eprintln!("posting up to {WARM_UP_MESSAGES} warm-up messages to #general...");
    let warm_up = post_messages(
        &session,
        "GENERAL",
        Budget::new(WARM_UP_MESSAGES, WARM_UP_TIME_CAP),
    )
    .await?;
    let rest_room = create_room(&chat, &admin, "bench-rest").await?;
    eprintln!(
        "posting {MESSAGES} messages through chat.postMessage with {SENDERS} senders (at most {POST_TIME_CAP:?})..."
    );
    let rest = post_messages(
        &session,
        rest_room.as_str(),
        Budget::new(MESSAGES, POST_TIME_CAP),
    )
    .await?;

    eprintln!(
        "HTTP floors: GET /api/info (no sign-in, no store) and GET /api/v1/me (sign-in check)..."
    );
    let info = get_repeatedly(
        &session,
        "/api/info",
        Budget::new(FLOOR_REQUESTS, FLOOR_TIME_CAP),
    )
    .await?;
    let me = get_repeatedly(
        &session,
        "/api/v1/me",
        Budget::new(FLOOR_REQUESTS, FLOOR_TIME_CAP),
    )
    .await?;

    eprintln!("the same number through Chat::send_message and through the store alone...");
    let pipeline_room = create_room(&chat, &admin, "bench-pipeline").await?;
    let pipeline = send_through_pipeline(
        &chat,
        &admin,
        &pipeline_room,
        Budget::new(rest.operations, POST_TIME_CAP),
    )
    .await?;
    let store_room = create_room(&chat, &admin, "bench-store").await?;
    let store_only =
        insert_into_store(chat.store(), &admin, &store_room, rest.operations, SENDERS).await?;

    eprintln!("filling a room with {HISTORY_MESSAGES} messages through the store...");
    let history_room = create_room(&chat, &admin, "bench-history").await?;
    let writer = create_writer(&chat).await?;
    let fill = insert_into_store(
        chat.store(),
        &writer,
        &history_room,
        HISTORY_MESSAGES,
        FILL_TASKS,
    )
    .await?;
    let span = history_span(chat.store(), &history_room).await?;

    eprintln!("reading up to {HISTORY_REQUESTS} history pages (at most {HISTORY_TIME_CAP:?})...");
    let history = read_history(&session, &history_room, span).await?;
    let store_history = read_store_history(chat.store(), &history_room, span).await?;
    let (membership, counted_membership) =
        read_membership(chat.store(), &admin, &history_room).await?;

    running
        .shutdown()
        .await
        .context("shutting the server down")?;

    let report = Report {
        cores,
        warm_up,
        rest,
        pipeline,
        store_only,
        fill,
        history,
        store_history,
        membership,
        counted_membership,
        info,
        me,
    };
    report.print();
    let path = report.write()?;
    println!("figures written to {}", path.display());
    Ok(())
}

/// How many operations a run may do, and until when.
#[derive(Clone)]
struct Budget {
    total: usize,
    taken: Arc<AtomicUsize>,
    deadline: Instant,
}

impl Budget {
    fn new(total: usize, cap: Duration) -> Budget {
        Budget {
            total,
            taken: Arc::new(AtomicUsize::new(0)),
            deadline: Instant::now() + cap,
        }
    }

    /// Claims one operation; `false` once all are claimed or time is up.
    fn take(&self) -> bool {
        Instant::now() < self.deadline && self.taken.fetch_add(1, Ordering::Relaxed) < self.total
    }
}

/// The admin signed in over HTTP.
#[derive(Clone)]
struct Session {
    base: String,
    user_id: String,
    token: String,
}

impl Session {
    async fn sign_in(base: &str) -> Result<Session> {
        let answer: Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"user": ADMIN, "password": ADMIN_PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let field = |name: &str| {
            answer["data"][name]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("login answered without data.{name}: {answer}"))
        };
        Ok(Session {
            base: base.to_owned(),
            user_id: field("userId")?,
            token: field("authToken")?,
        })
    }

    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        client
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .header("X-User-Id", &self.user_id)
    }
}

/// Throughput and latencies of one run.
struct Run {
    operations: usize,
    elapsed: Duration,
    latencies: Latencies,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.operations as f64 / self.elapsed.as_secs_f64()
    }
}

/// Per-operation latencies, sorted.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn new(mut all: Vec<Duration>) -> Latencies {
        all.sort_unstable();
        Latencies(all)
    }

    /// The `q` quantile in milliseconds (nearest rank).
    fn ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((self.0.len() as f64 * q).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1].as_secs_f64() * 1e3
    }
}

/// Builds the `n`th request of one client.
type MakeRequest =
    Arc<dyn Fn(&Session, &reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync>;

/// Posts messages to `room` from [`SENDERS`] concurrent clients until
/// the budget is spent.
async fn post_messages(session: &Session, room: &str, budget: Budget) -> Result<Run> {
    let room = room.to_owned();
    let make: MakeRequest = Arc::new(move |session, client, n| {
        let body = json!({"roomId": room, "text": format!("benchmark message {n}")});
        session
            .request(client, reqwest::Method::POST, "/api/v1/chat.postMessage")
            .json(&body)
    });
    http_load(session, budget, make).await
}

/// GETs `path` from [`SENDERS`] concurrent clients until the budget is
/// spent: the HTTP floor under the endpoints measured.
async fn get_repeatedly(session: &Session, path: &'static str, budget: Budget) -> Result<Run> {
    let make: MakeRequest =
        Arc::new(move |session, client, _| session.request(client, reqwest::Method::GET, path));
    http_load(session, budget, make).await
}

/// [`SENDERS`] keep-alive clients, each sending one request after another
/// until the budget is spent; every answer must be a 200.
async fn http_load(session: &Session, budget: Budget, make: MakeRequest) -> Result<Run> {
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..SENDERS {
        let (session, budget, make) = (session.clone(), budget.clone(), make.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            for n in 0.. {
                if !budget.take() {
                    break;
                }
                let request = make(&session, &client, n);
                let begun = Instant::now();
                let response = request.send().await?;
                let status = response.status();
                let bytes = response.bytes().await?;
                latencies.push(begun.elapsed());
                if status != 200 {
                    bail!("answered {status}: {}", String::from_utf8_lossy(&bytes));
                }
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await??);
    }
    Ok(Run {
        operations: latencies.len(),
        elapsed: started.elapsed(),
        latencies: Latencies::new(latencies),
    })
}

async fn create_room(chat: &Chat, admin: &User, name: &str) -> Result<RoomId> {
    let room = chat
        .create_room(
            admin,
            NewRoom {
                kind: RoomKind::Channel,
                name: name.into(),
                members: Vec::new(),
                read_only: false,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating #{name}: {e}"))?;
    Ok(room.id)
}

/// Another user, who wrote the long history the admin then reads (so it is
/// unread for the admin, as for a member coming back to a busy room).
async fn create_writer(chat: &Chat) -> Result<User> {
    chat.create_user(NewUser {
        username: "bench-writer".into(),
        name: "Bench Writer".into(),
        email: None,
        password: None,
        roles: vec!["user".into()],
        kind: UserKind::User,
        active: true,
        verified: true,
        join_default_channels: false,
        require_password_change: false,
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating the writer: {e}"))
}

/// Sends messages through the chat pipeline (authorization, validation,
/// mentions, store) from [`SENDERS`] concurrent tasks, without HTTP.
async fn send_through_pipeline(
    chat: &Chat,
    admin: &User,
    room: &RoomId,
    budget: Budget,
) -> Result<Run> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..SENDERS {
        let (chat, admin, room, budget) =
            (chat.clone(), admin.clone(), room.clone(), budget.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for n in 0.. {
                if !budget.take() {
                    break;
                }
                let new = NewMessage::text(
                    RoomRef::Id(room.clone()),
                    &format!("pipeline message {n} from task {task}"),
                );
                let started = Instant::now();
                chat.send_message(&admin, new)
                    .await
                    .map_err(|e| anyhow::anyhow!("send_message: {e}"))?;
                latencies.push(started.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.extend(handle.await??);
    }
    Ok(Run {
        operations: latencies.len(),
        elapsed: started.elapsed(),
        latencies: Latencies::new(latencies),
    })
}

/// Inserts `total` messages by `author` straight into the store from
/// `tasks` concurrent tasks. Message `i` is timestamped `i` ms after now
/// (so after the room was created and its members joined), one per ms, so
/// a `latest` anywhere in the history lands on a page boundary of its own.
async fn insert_into_store(
    store: &Arc<dyn Store>,
    author: &User,
    room: &RoomId,
    total: usize,
    tasks: usize,
) -> Result<Run> {
    let first_ts = Timestamp::now().millis() + 1;
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (store, sender, room) = (store.clone(), author.to_ref(), room.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            // Task `t` inserts messages t, t + tasks, t + 2 tasks, ...
            for i in (task..total).step_by(tasks) {
                let mut message =
                    Message::new(&room, sender.clone(), &format!("history message {i}"));
                message.ts = Timestamp(first_ts + i as i64);
                message.updated_at = message.ts;
                let started = Instant::now();
                store
                    .insert_message(&message)
                    .await
                    .context("insert_message")?;
                latencies.push(started.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    for handle in handles {
        latencies.extend(handle.await??);
    }
    Ok(Run {
        operations: total,
        elapsed: started.elapsed(),
        latencies: Latencies::new(latencies),
    })
}

/// The oldest and newest timestamps of a room's history.
async fn history_span(store: &Arc<dyn Store>, room: &RoomId) -> Result<(i64, i64)> {
    let newest = store
        .history(
            room,
            &HistoryQuery {
                count: 1,
                ..HistoryQuery::default()
            },
        )
        .await?;
    let newest = newest
        .first()
        .context("the filled room has messages")?
        .ts
        .millis();
    Ok((newest - HISTORY_MESSAGES as i64 + 1, newest))
}

/// Every other request reads the newest page; the others read the page
/// before a random point of the history (`latest`), as a client scrolling
/// back does.
fn history_latest(n: usize, (oldest, newest): (i64, i64)) -> Option<Timestamp> {
    (n % 2 == 1).then(|| Timestamp(rand::thread_rng().gen_range(oldest + PAGE as i64..=newest)))
}

/// `channels.history?count=50` over HTTP, one request at a time.
async fn read_history(session: &Session, room: &RoomId, span: (i64, i64)) -> Result<Run> {
    let client = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(HISTORY_REQUESTS);
    let started = Instant::now();
    for n in 0..HISTORY_REQUESTS {
        if started.elapsed() > HISTORY_TIME_CAP {
            break;
        }
        let mut path = format!("/api/v1/channels.history?roomId={room}&count={PAGE}");
        if let Some(latest) = history_latest(n, span) {
            path.push_str(&format!("&latest={}", latest.to_iso()));
        }
        let begun = Instant::now();
        let response = session
            .request(&client, reqwest::Method::GET, &path)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        latencies.push(begun.elapsed());
        let got = body["messages"].as_array().map_or(0, Vec::len);
        if status != 200 || got != PAGE as usize {
            bail!("channels.history ({path}) answered {status} with {got} messages: {body:.300}");
        }
    }
    Ok(Run {
        operations: latencies.len(),
        elapsed: started.elapsed(),
        latencies: Latencies::new(latencies),
    })
}

/// The same pages read from the store directly.
async fn read_store_history(
    store: &Arc<dyn Store>,
    room: &RoomId,
    span: (i64, i64),
) -> Result<Run> {
    let mut latencies = Vec::with_capacity(HISTORY_REQUESTS);
    let started = Instant::now();
    for n in 0..HISTORY_REQUESTS {
        if started.elapsed() > HISTORY_TIME_CAP {
            break;
        }
        let query = HistoryQuery {
            latest: history_latest(n, span),
            count: PAGE,
            ..HistoryQuery::default()
        };
        let begun = Instant::now();
        let page = store.history(room, &query).await?;
        latencies.push(begun.elapsed());
        if page.len() != PAGE as usize {
            bail!(
                "the store's history answered {} messages, not {PAGE}",
                page.len()
            );
        }
    }
    Ok(Run {
        operations: latencies.len(),
        elapsed: started.elapsed(),
        latencies: Latencies::new(latencies),
    })
}

/// The admin's membership of the filled room, where all its messages are
/// unread for them, read both ways: without counts (what authorizing every
/// request reads) and with unread and mention counts (what
/// `subscriptions.getOne` and `channels.counters` read).
async fn read_membership(
    store: &Arc<dyn Store>,
    admin: &User,
    room: &RoomId,
) -> Result<(Run, Run)> {
    const READS: usize = 50;
    let (mut plain, mut counted) = (Vec::with_capacity(READS), Vec::with_capacity(READS));
    let started = Instant::now();
    for _ in 0..READS {
        let begun = Instant::now();
        store
            .membership(room, &admin.id)
            .await?
            .context("the admin is a member")?;
        plain.push(begun.elapsed());
        let begun = Instant::now();
        let membership = store
            .subscription(room, &admin.id)
            .await?
            .context("the admin is a member")?;
        counted.push(begun.elapsed());
        // Counting stops at the cap: a room this full reads as capped.
        if membership.unread < capsule_server::store::UNREAD_CAP.min(HISTORY_MESSAGES as u64) {
            bail!(
                "the filled room should be unread for the admin, who has {} unread",
                membership.unread
            );
        }
    }
    let elapsed = started.elapsed();
    Ok((
        Run {
            operations: READS,
            elapsed,
            latencies: Latencies::new(plain),
        },
        Run {
            operations: READS,
            elapsed,
            latencies: Latencies::new(counted),
        },
    ))
}

/// Everything measured.
struct Report {
    cores: usize,
    warm_up: Run,
    rest: Run,
    pipeline: Run,
    store_only: Run,
    fill: Run,
    history: Run,
    store_history: Run,
    membership: Run,
    counted_membership: Run,
    info: Run,
    me: Run,
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

impl Report {
    fn print(&self) {
        let (rest, pipeline, store, fill) =
            (&self.rest, &self.pipeline, &self.store_only, &self.fill);
        let (history, store_history, membership) =
            (&self.history, &self.store_history, &self.membership);
        let capped = |run: &Run, wanted: usize| {
            if run.operations < wanted {
                format!(" (time cap reached: {} of {wanted})", run.operations)
            } else {
                String::new()
            }
        };
        println!();
        println!(
            "Capsule store benchmark ({} cores; the server and its clients share them)",
            self.cores
        );
        println!();
        println!(
            "Messages persisted through chat.postMessage ({SENDERS} keep-alive senders, a fresh channel, {} messages after {} warm-up){}:",
            rest.operations,
            self.warm_up.operations,
            capped(rest, MESSAGES)
        );
        println!(
            "  {:>8.0} messages/s   target >= {TARGET_MESSAGES_PER_S:.0}: {}",
            rest.per_second(),
            verdict(rest.per_second() >= TARGET_MESSAGES_PER_S)
        );
        println!(
            "  p50 {:.2} ms, p99 {:.2} ms   target p99 <= {TARGET_POST_P99_MS} ms: {}",
            rest.latencies.ms(0.5),
            rest.latencies.ms(0.99),
            verdict(rest.latencies.ms(0.99) <= TARGET_POST_P99_MS)
        );
        println!(
            "The same number of messages below HTTP, each into a fresh channel ({SENDERS} concurrent tasks):"
        );
        println!(
            "  Chat::send_message            {:>8.0} messages/s  p50 {:.2} ms  p99 {:.2} ms{}",
            pipeline.per_second(),
            pipeline.latencies.ms(0.5),
            pipeline.latencies.ms(0.99),
            capped(pipeline, rest.operations)
        );
        println!(
            "  MessageStore::insert_message  {:>8.0} messages/s  p50 {:.2} ms  p99 {:.2} ms",
            store.per_second(),
            store.latencies.ms(0.5),
            store.latencies.ms(0.99)
        );
        println!(
            "  time per message: REST {:.0} us, pipeline {:.0} us, store {:.0} us (wall time / messages)",
            1e6 / rest.per_second(),
            1e6 / pipeline.per_second(),
            1e6 / store.per_second()
        );
        let (info, me) = (&self.info, &self.me);
        println!("HTTP floors ({SENDERS} keep-alive clients, same process):");
        println!(
            "  GET /api/info (no sign-in, no store)   {:>8.0} requests/s  p50 {:.2} ms  p99 {:.2} ms",
            info.per_second(),
            info.latencies.ms(0.5),
            info.latencies.ms(0.99)
        );
        println!(
            "  GET /api/v1/me (token and user reads)  {:>8.0} requests/s  p50 {:.2} ms  p99 {:.2} ms",
            me.per_second(),
            me.latencies.ms(0.5),
            me.latencies.ms(0.99)
        );
        println!();
        println!(
            "History room filled with {} messages directly through MessageStore::insert_message (not HTTP), {FILL_TASKS} concurrent inserts: {:.0} messages/s",
            fill.operations,
            fill.per_second()
        );
        println!(
            "channels.history?count={PAGE} on that room, {} requests one at a time, half at a random `latest` deep in the history{}:",
            history.operations,
            capped(history, HISTORY_REQUESTS)
        );
        println!(
            "  p50 {:.2} ms, p99 {:.2} ms   target p50 <= {TARGET_HISTORY_P50_MS} ms: {}",
            history.latencies.ms(0.5),
            history.latencies.ms(0.99),
            verdict(history.latencies.ms(0.5) <= TARGET_HISTORY_P50_MS)
        );
        println!(
            "  the store's history alone: p50 {:.2} ms, p99 {:.2} ms",
            store_history.latencies.ms(0.5),
            store_history.latencies.ms(0.99)
        );
        println!(
            "  the store's membership read, {HISTORY_MESSAGES} unread (counted up to the cap): {:.2} ms p50 without counts (authorizes each request), {:.2} ms with counts (subscriptions.getOne, channels.counters)",
            membership.latencies.ms(0.5),
            self.counted_membership.latencies.ms(0.5)
        );
        println!();
    }

    fn figures(&self) -> Value {
        json!({
            "messages_per_s": round(self.rest.per_second()),
            "post_p50_ms": round(self.rest.latencies.ms(0.5)),
            "post_p99_ms": round(self.rest.latencies.ms(0.99)),
            "history_page_p50_ms": round(self.history.latencies.ms(0.5)),
            "history_page_p99_ms": round(self.history.latencies.ms(0.99)),
            "senders": SENDERS,
            "messages": self.rest.operations,
            "machine_cores": self.cores,
            "warm_up_messages": self.warm_up.operations,
            "pipeline_messages_per_s": round(self.pipeline.per_second()),
            "pipeline_p50_ms": round(self.pipeline.latencies.ms(0.5)),
            "pipeline_p99_ms": round(self.pipeline.latencies.ms(0.99)),
            "store_insert_messages_per_s": round(self.store_only.per_second()),
            "store_insert_p50_ms": round(self.store_only.latencies.ms(0.5)),
            "store_insert_p99_ms": round(self.store_only.latencies.ms(0.99)),
            "history_room_messages": self.fill.operations,
            "history_fill_tasks": FILL_TASKS,
            "history_fill_messages_per_s": round(self.fill.per_second()),
            "history_requests": self.history.operations,
            "history_page_messages": PAGE,
            "store_history_page_p50_ms": round(self.store_history.latencies.ms(0.5)),
            "store_history_page_p99_ms": round(self.store_history.latencies.ms(0.99)),
            "store_membership_read_p50_ms": round(self.membership.latencies.ms(0.5)),
            "store_subscription_with_counts_read_p50_ms": round(self.counted_membership.latencies.ms(0.5)),
            "info_requests_per_s": round(self.info.per_second()),
            "info_p50_ms": round(self.info.latencies.ms(0.5)),
            "me_requests_per_s": round(self.me.per_second()),
            "me_p50_ms": round(self.me.latencies.ms(0.5)),
        })
    }

    /// Writes the figures to `<target>/capsule-bench/store.json`.
    fn write(&self) -> Result<PathBuf> {
        let folder = capsule_server_harness::tools::target_dir().join("capsule-bench");
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let path = folder.join("store.json");
        let text = serde_json::to_string_pretty(&self.figures())? + "\n";
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// Three decimals are plenty, and keep the JSON readable.
fn round(value: f64) -> f64 {
    (value * 1e3).round() / 1e3
}
