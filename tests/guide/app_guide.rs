//! Runs every command of `docs/app-guide.md`, in order, in a fresh folder,
//! as a developer following the guide would: the guide cannot drift from
//! the tools.
//!
//! The CLI is installed into a temporary root, and the builds use the
//! workspace's own target folder: the workspace-hack crate
//! (`tests/workspace-hack`, kept by cargo-hakari) gives the CLI the same
//! dependency features as the workspace build, and `capsule-app new`
//! writes the workspace's lock file, so the install reuses the runtime the
//! test run compiled. The new app's tests run the app in the installed
//! CLI's `test-host`. The guide ends by deploying to a server: here a
//! real Capsule server on 127.0.0.1, whose admin (this test) trusts the
//! publisher key the guide creates with `capsule-app trust add`, as the
//! guide tells admins to, and whose REST API then shows the app enabled
//! and doing what the guide says it does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use capsule_server::config::Config;
use capsule_server::server::{self, AdminSeed, RunningServer};
use serde_json::{Value, json};

/// The section whose commands need a server.
const DEPLOY_SECTION: &str = "Deploy it";
/// What the script prints when it waits for the admin to trust the key.
const ADMIN_TURN: &str = "@@ the guide waits for the admin of the server";

const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "admin-password-1";

/// One command of a `sh` block, with the `## ` section it is in.
#[derive(Debug, PartialEq)]
struct GuideCommand {
    section: String,
    command: String,
}

/// The `sh` blocks of the guide, in order.
fn guide_commands(markdown: &str) -> Vec<GuideCommand> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut section = String::new();
    for line in markdown.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            heading if !in_sh && heading.starts_with("## ") => {
                section = heading.trim_start_matches("## ").to_string();
            }
            command if in_sh && !command.is_empty() => commands.push(GuideCommand {
                section: section.clone(),
                command: command.to_string(),
            }),
            _ => {}
        }
    }
    commands
}

/// The guide's commands as one bash script for this checkout and this
/// server: the `export` lines that name the repository and the server are
/// filled in, and before the deploy section the script waits (reading a
/// line) while the admin trusts the key the guide made.
fn script(commands: &[GuideCommand], exports: &[(&str, String)]) -> String {
    let mut lines = vec!["set -euxo pipefail".to_string()];
    let mut waited = false;
    for c in commands {
        if !waited && c.section.contains(DEPLOY_SECTION) {
            lines.push(format!("echo '{ADMIN_TURN}'"));
            lines.push("read -r _".to_string());
            waited = true;
        }
        let filled = exports.iter().find_map(|(name, value)| {
            c.command
                .starts_with(&format!("export {name}="))
                .then(|| format!("export {name}={value}"))
        });
        lines.push(filled.unwrap_or_else(|| c.command.clone()));
    }
    lines.join("\n") + "\n"
}

#[test]
fn the_guide_finds_its_commands_and_their_sections() {
    let commands = guide_commands(
        "text\n## 1. One\n```sh\na\nb\n```\n```text\nnot\n```\n## 2. Two\n```sh\n## c\n```\n",
    );
    let found: Vec<(&str, &str)> = commands
        .iter()
        .map(|c| (c.section.as_str(), c.command.as_str()))
        .collect();
    assert_eq!(
        found,
        [("1. One", "a"), ("1. One", "b"), ("2. Two", "## c")]
    );
}

#[test]
fn the_script_fills_the_exports_and_waits_before_deploying() {
    let commands = guide_commands(
        "## 5. Sign it\n```sh\nexport CAPSULE_REPO=~/x\nsign\n```\n## 6. Deploy it\n```sh\nexport CAPSULE_URL=http://localhost:3000\ndeploy\n```\n",
    );

    let script = script(
        &commands,
        &[
            ("CAPSULE_REPO", "/repo".into()),
            ("CAPSULE_URL", "http://127.0.0.1:9".into()),
        ],
    );

    assert_eq!(
        script,
        format!(
            "set -euxo pipefail\nexport CAPSULE_REPO=/repo\nsign\necho '{ADMIN_TURN}'\nread -r _\nexport CAPSULE_URL=http://127.0.0.1:9\ndeploy\n"
        )
    );
}

/// The server the guide deploys to, and its admin's credentials.
struct Server {
    running: Option<RunningServer>,
    _dir: tempfile::TempDir,
    base: String,
    http: reqwest::Client,
    user_id: String,
    auth_token: String,
}

impl Server {
    /// A fresh server on 127.0.0.1 with an admin, signed in.
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path());
        let seed = AdminSeed {
            username: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
            email: None,
        };
        let running = server::start(config, Some(seed))
            .await
            .expect("the server starts");
        let base = format!("http://{}", running.addr());
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"user": ADMIN, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Server {
            running: Some(running),
            _dir: dir,
            base,
            http,
            user_id: login["data"]["userId"].as_str().expect("signed in").into(),
            auth_token: login["data"]["authToken"].as_str().unwrap().into(),
        }
    }

    /// Calls the REST API as the admin; the JSON answer, which must be a
    /// success.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-User-Id", &self.user_id)
            .header("X-Auth-Token", &self.auth_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON answer");
        assert!(
            status.is_success() && answer["success"] == true,
            "{path}: {status} {answer}"
        );
        answer
    }

    /// A personal access token for the admin, as the guide tells the
    /// developer to get one.
    async fn personal_access_token(&self) -> String {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/api/v1/users.generatePersonalAccessToken",
                Some(json!({"tokenName": "app-guide"})),
            )
            .await;
        answer["token"].as_str().expect("a token").into()
    }

    async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("clean shutdown");
        }
    }
}

/// The public key file the guide's `keygen` wrote in `dir`.
fn public_key_in(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".pub.json"))
        .unwrap_or_else(|| panic!("the guide made a public key file in {}", dir.display()))
}

#[test]
fn every_command_in_the_app_guide_works() {
    let repo = capsule_testkit::repo_root();
    let guide =
        std::fs::read_to_string(repo.join("docs/app-guide.md")).expect("docs/app-guide.md exists");
    let commands = guide_commands(&guide);
    assert!(
        commands
            .iter()
            .any(|c| c.command.starts_with("capsule-app new")),
        "the guide scaffolds an app"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.section.contains(DEPLOY_SECTION)
                && c.command.starts_with("capsule-app deploy")),
        "the guide deploys the app"
    );
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let server = tokio.block_on(Server::start());
    let token = tokio.block_on(server.personal_access_token());

    let work = tempfile::tempdir().unwrap();
    let install_root = work.path().join("cargo-root");
    // The guide's own `export` lines say where the repository and the
    // server are; here they are this checkout and the test's server.
    let script = script(
        &commands,
        &[
            ("CAPSULE_REPO", repo.display().to_string()),
            ("CAPSULE_URL", server.base.clone()),
            ("CAPSULE_USER_ID", server.user_id.clone()),
            ("CAPSULE_AUTH_TOKEN", token),
        ],
    );
    let path = format!(
        "{}:{}",
        install_root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    let mut bash = capsule_xtask::with_the_users_environment(&mut command)
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("PATH", path)
        .env("CARGO_INSTALL_ROOT", &install_root)
        .env(
            "CARGO_TARGET_DIR",
            capsule_server_harness::tools::target_dir(),
        )
        // Everything the guide builds is on the machine once the workspace
        // is: a new app builds without the network.
        .env("CARGO_NET_OFFLINE", "true")
        // The new app builds for wasm32-wasip2, where flags meant for the
        // host (coverage, sanitizers) would break it.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    let mut stderr = bash.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = bash.stdin.take().unwrap();
    let mut stdout = String::new();
    let mut trusted_key = None;
    for line in BufReader::new(bash.stdout.take().unwrap()).lines() {
        let line = line.expect("the script's output is text");
        if line == ADMIN_TURN {
            // The admin's part: trust the publisher key the developer
            // handed over, with the command the guide names for it.
            let trusted = Command::new(install_root.join("bin/capsule-app"))
                .args(["trust", "add"])
                .arg(public_key_in(work.path()))
                .env("CAPSULE_URL", &server.base)
                .env("CAPSULE_USER_ID", &server.user_id)
                .env("CAPSULE_AUTH_TOKEN", &server.auth_token)
                .output()
                .expect("the installed capsule-app runs");
            assert!(
                trusted.status.success(),
                "capsule-app trust add: {}",
                String::from_utf8_lossy(&trusted.stderr)
            );
            trusted_key = Some(String::from_utf8_lossy(&trusted.stdout).into_owned());
            writeln!(stdin, "trusted").expect("the script waits for the admin");
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    drop(stdin);
    let status = bash.wait().expect("bash ends");
    let log = format!("{stdout}\n{}", stderr.join().unwrap());
    assert!(status.success(), "a command of the guide failed:\n{log}");
    let trusted_key =
        trusted_key.unwrap_or_else(|| panic!("the script reached the deploy section: {log}"));
    assert!(trusted_key.contains("Acme Apps"), "{trusted_key}");

    let package = work
        .path()
        .join("weather-bot/target/capsule/weather-bot-0.1.0.zip");
    assert!(package.is_file(), "the guide builds a package: {log}");
    assert!(log.contains("signed by Acme Apps"), "{log}");
    assert_eq!(
        log.matches("2 passed").count(),
        2,
        "both new apps' own tests ran: {log}"
    );
    // The second app's test compiled the app alone: the SDK and the test
    // kit were compiled for the first.
    let second = log
        .rsplit_once("capsule-app new standup-bot")
        .map(|(_, after)| after)
        .expect("the guide makes a second app");
    assert!(second.contains("Compiling standup-bot"), "{second}");
    for shared in ["capsule-sdk ", "capsule-testkit ", "tokio "] {
        assert!(
            !second.contains(&format!("Compiling {shared}")),
            "the second app compiled {shared}again:\n{second}"
        );
    }
    // Neither the install (which reuses the workspace's runtime) nor the
    // new app's tests (which run the app in capsule-app test-host) compile
    // the runtime.
    for runtime_crate in ["wasmtime ", "cranelift-codegen ", "capsule-runtime "] {
        assert!(
            !log.contains(&format!("Compiling {runtime_crate}")),
            "the guide compiled {runtime_crate}again:\n{log}"
        );
    }
    assert!(
        log.contains("weather-bot 0.1.0: enabled"),
        "deploy says the app runs: {log}"
    );

    // The app is installed and enabled, and does what the guide says: it
    // expands `:shrug:` and answers `/weather-bot`.
    let app = tokio.block_on(server.call(reqwest::Method::GET, "/api/apps/weather-bot", None));
    let posted = tokio.block_on(server.call(
        reqwest::Method::POST,
        "/api/v1/chat.postMessage",
        Some(json!({"roomId": "GENERAL", "text": "deployed :shrug:"})),
    ));
    let ran = tokio.block_on(server.call(
        reqwest::Method::POST,
        "/api/v1/commands.run",
        Some(json!({"command": "weather-bot", "params": "guide", "roomId": "GENERAL"})),
    ));
    tokio.block_on(server.stop());

    assert_eq!(app["app"]["status"], "enabled", "{app}\n{log}");
    assert_eq!(app["app"]["version"], "0.1.0", "{app}");
    assert_eq!(posted["message"]["msg"], "deployed ¯\\_(ツ)_/¯", "{posted}");
    assert_eq!(ran["result"]["outcome"], "answered", "{ran}");
    assert_eq!(
        ran["result"]["text"], "Hello from weather-bot, guide!",
        "{ran}"
    );
}
