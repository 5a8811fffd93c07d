//! Capsule against Rocket.Chat's real-time bot libraries, each installed
//! from its registry and driven by a bot written as its own documentation
//! shows (`tests/bots/`): it connects, logs in, listens to all its rooms,
//! and answers `ping bot` with `pong` and a reaction. The libraries are
//! not changed or configured for Capsule.
//!
//! | library | registry | version | listens with |
//! | --- | --- | --- | --- |
//! | `@rocket.chat/sdk` (hubot-rocketchat's engine) | npm | 0.2.9 | `__my_messages__` (collection form), `getRoomIdByNameOrId`, `joinRoom`, `getRoomNameById` |
//! | `rocketchat-async` | PyPI | 4.3.0 | `rooms/get`, each room's stream, `<uid>/rooms-changed` |
//! | `rocketchat-py-sdk` | PyPI | 0.0.8 | `__my_messages__` |
//!
//! Each is installed once into `<target>/bot-libraries/` under a file lock
//! (test processes may run side by side), and not again while it is
//! there, so later runs need no network. Needs `node` and npm, and
//! `python3` with `venv`.

use capsule_server_harness as common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use capsule_server::model::RoomKind;
use common::tools::{run_to_end, target_dir};
use common::{Session, TestServer};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The bots and the library manifest, beside this file.
fn bots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("bots")
}

/// Where the libraries are installed.
fn libraries_dir() -> PathBuf {
    target_dir().join("bot-libraries")
}

/// Runs `install` unless `installed` says it is done, one installer at a
/// time across test processes.
fn install_once(installed: impl Fn() -> bool, install: impl FnOnce()) {
    if installed() {
        return;
    }
    fs::create_dir_all(libraries_dir()).expect("create the libraries folder");
    let lock = fs::File::create(libraries_dir().join("install.lock")).expect("create the lock");
    lock.lock().expect("take the install lock");
    if !installed() {
        install();
    }
}

/// The PyPI packages, pinned.
const PYTHON_PACKAGES: [&str; 2] = ["rocketchat-async==4.3.0", "rocketchat-py-sdk==0.0.8"];

/// The venv's python with both Python libraries.
fn python_with_libraries() -> PathBuf {
    let venv = libraries_dir().join("python");
    let python = venv.join("bin").join("python");
    let installed = || {
        Command::new(&python)
            .args(["-c", "import rocketchat_async, rocketchat_py_sdk.driver"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    install_once(installed, || {
        run_to_end(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run_to_end(
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet"])
                .args(PYTHON_PACKAGES),
            "pip install the bot libraries",
        );
    });
    python
}

/// The `node_modules` folder holding `@rocket.chat/sdk`, installed from
/// the committed manifest and lock.
fn js_sdk_modules() -> PathBuf {
    let dir = libraries_dir().join("js-sdk");
    let modules = dir.join("node_modules");
    let manifest = modules
        .join("@rocket.chat")
        .join("sdk")
        .join("package.json");
    install_once(
        || manifest.exists(),
        || {
            fs::create_dir_all(&dir).expect("create the js-sdk folder");
            for file in ["package.json", "package-lock.json"] {
                fs::copy(bots_dir().join("js-sdk").join(file), dir.join(file))
                    .expect("copy the manifest");
            }
            run_to_end(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir),
                "npm ci (@rocket.chat/sdk)",
            );
        },
    );
    modules
}

/// A running bot: the lines it prints, as they come.
struct Bot {
    lines: mpsc::UnboundedReceiver<String>,
    transcript: Vec<String>,
    child: std::process::Child,
}

impl Bot {
    /// Starts `command` as the bot `who` against `server`.
    fn start(mut command: Command, server: &TestServer, who: &Session, room: &str) -> Bot {
        let mut child = command
            .env("CAPSULE_URL", &server.base)
            .env("BOT_USERNAME", &who.username)
            .env("BOT_PASSWORD", format!("{}-password", who.username))
            .env("BOT_ROOM", room)
            .env("PYTHONUNBUFFERED", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the bot starts");
        let (send, lines) = mpsc::unbounded_channel();
        for output in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Bot {
            lines,
            transcript: Vec::new(),
            child,
        }
    }

    /// Waits for a line starting with `word`: the rest of it.
    async fn said(&mut self, word: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| {
                    let _ = self.child.kill();
                    panic!(
                        "the bot never said {word}; it said:\n{}",
                        self.transcript.join("\n")
                    )
                });
            println!("bot: {line}");
            self.transcript.push(line.clone());
            if let Some(rest) = line.strip_prefix(word) {
                return rest.trim().to_owned();
            }
        }
    }

    /// Waits for the bot to end, which it must do successfully.
    async fn finished(mut self) {
        let status = tokio::task::spawn_blocking(move || self.child.wait())
            .await
            .expect("the wait finishes")
            .expect("the bot is waited for");
        assert!(status.success(), "the bot failed ({status})");
    }
}

/// Checks that the bot answered `ping` in `room`: `pong` after it, by the
/// bot, and its reaction on it.
async fn assert_answered(server: &TestServer, alice: &Session, room: &str, ping: &Value) {
    let history = server
        .get(
            &format!("/api/v1/groups.history?roomId={room}&count=20"),
            Some(alice),
        )
        .await;
    let history = if history.status.is_success() {
        history.ok()
    } else {
        server
            .get(
                &format!("/api/v1/channels.history?roomId={room}&count=20"),
                Some(alice),
            )
            .await
            .ok()
    };
    let messages = history["messages"].as_array().expect("a history").clone();
    let pong = messages
        .iter()
        .find(|m| m["msg"] == "pong")
        .unwrap_or_else(|| panic!("no pong in {history}"));
    assert_eq!(pong["u"]["username"], "bot");
    let ping = messages
        .iter()
        .find(|m| m["_id"] == ping["_id"])
        .expect("the ping is there");
    assert_eq!(
        ping["reactions"][":thumbsup:"]["usernames"],
        json!(["bot"]),
        "{ping}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_javascript_sdk_bot_joins_by_name_listens_to_all_its_rooms_and_answers() {
    let modules = tokio::task::spawn_blocking(js_sdk_modules)
        .await
        .expect("npm finishes");
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bot = server.signed_in("bot").await;
    let room = server.room_of(&alice, RoomKind::Channel, "bots", &[]).await;
    let mut command = Command::new("node");
    command
        .arg(bots_dir().join("js_sdk_bot.js"))
        .env("NODE_PATH", &modules);
    let mut running = Bot::start(command, &server, &bot, "bots");
    running.said("READY").await;

    let ping = server.say(&alice, &room, "ping bot").await;
    let answer: Value =
        serde_json::from_str(&running.said("ANSWERED").await).expect("the bot says what it saw");
    running.finished().await;
    assert_eq!(answer["rid"], room.as_str());
    assert_eq!(answer["roomName"], "bots");
    assert_eq!(
        answer["meta"],
        json!({"roomParticipant": true, "roomType": "c", "roomName": "bots"})
    );
    assert_answered(&server, &alice, &room, &ping).await;
    // The SDK marks what it sends as its integration's.
    let hello = server
        .get(
            &format!("/api/v1/channels.history?roomId={room}&count=20"),
            Some(&alice),
        )
        .await
        .ok();
    let hello = hello["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["msg"] == "hello from the bot")
        .cloned()
        .expect("the bot's greeting");
    assert_eq!(hello["bot"], json!({"i": "js.SDK"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rocketchat_async_bot_follows_its_channels_and_those_it_joins_later() {
    let python = tokio::task::spawn_blocking(python_with_libraries)
        .await
        .expect("pip finishes");
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bot = server.signed_in("bot").await;
    server
        .room_of(&alice, RoomKind::Channel, "bots", &[&bot])
        .await;
    let mut command = Command::new(python);
    command.arg(bots_dir().join("rocketchat_async_bot.py"));
    let mut running = Bot::start(command, &server, &bot, "bots");
    running.said("READY").await;

    // Added to a private group after it started, it follows that too.
    let later = server
        .room_of(&alice, RoomKind::PrivateGroup, "later", &[&bot])
        .await;
    assert_eq!(running.said("FOLLOWING").await, later);
    let ping = server.say(&alice, &later, "ping bot").await;
    assert_eq!(running.said("ANSWERED").await, later);
    running.finished().await;
    assert_answered(&server, &alice, &later, &ping).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rocketchat_py_sdk_bot_listens_to_all_its_rooms_and_answers() {
    let python = tokio::task::spawn_blocking(python_with_libraries)
        .await
        .expect("pip finishes");
    let server = TestServer::start().await;
    let alice = server.signed_in("alice").await;
    let bot = server.signed_in("bot").await;
    let room = server
        .room_of(&alice, RoomKind::PrivateGroup, "bots", &[&bot])
        .await;
    let mut command = Command::new(python);
    command.arg(bots_dir().join("rocketchat_py_sdk_bot.py"));
    let mut running = Bot::start(command, &server, &bot, "bots");
    running.said("READY").await;

    let ping = server.say(&alice, &room, "ping bot").await;
    assert_eq!(running.said("ANSWERED").await, room);
    running.finished().await;
    assert_answered(&server, &alice, &room, &ping).await;
}
