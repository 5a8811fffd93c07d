//! `capsule-bench devloop`: an app developer's loop, timed.
//!
//! On a warm machine (the cargo registry holds the sources, and
//! `capsule-app` is installed: the benchmark installs it from this
//! checkout into its own folder first, untimed), it does what
//! `docs/app-guide.md` tells a new developer to do, in a fresh folder,
//! with `capsule-app`'s defaults: its build folder shared by all apps
//! starts empty, as on a machine where no app was built before:
//!
//! - `new_to_deployed_s`: `capsule-app new`, an edit of the app's answer
//!   (and of its test), `capsule-app test`, `build`, `sign`, `deploy` to a
//!   running server, and the edited command answered to a user through
//!   the REST API;
//! - `first_test_s`: the `capsule-app test` inside it;
//! - `rebuild_deploy_s`: another edit of the deployed app (and its
//!   version), `build --key`, `deploy`, the new answer seen;
//! - `second_app_first_test_s`: `new` and `test` of a second app.
//!
//! The publisher key is made and trusted by the server before the clock
//! starts: a developer does that once. Writes
//! `target/capsule-bench/devloop.json`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::phase::round;
use crate::report::{Machine, target_dir};
use crate::server_process::{ADMIN, ADMIN_PASSWORD, ServerOptions, ServerProcess};

/// The goals from the issue (seconds).
const TARGET_FIRST_TEST_S: f64 = 60.0;
const GOAL_FIRST_TEST_S: f64 = 20.0;

/// What to measure.
#[derive(Clone, Debug, clap::Args)]
pub struct DevloopArgs {
    /// Where to write the JSON figures [default: <target>/capsule-bench/devloop.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Keep the work folder (apps, keys, the CLI) and print where it is.
    #[arg(long)]
    pub keep: bool,
    /// Use this build folder for the apps instead of an empty one (e.g.
    /// the workspace's `target`, warm; the figures then say so).
    #[arg(long)]
    pub target_dir: Option<PathBuf>,
}

/// Runs the loop and writes its figures.
pub async fn run(args: DevloopArgs) -> Result<()> {
    let work = tempfile::tempdir().context("a work folder")?;
    let dev = Developer::install(work.path(), args.target_dir.clone())?;
    dev.run(&["keygen", "--name", "Bench Apps", "--out", "bench-key.json"])?;
    let data = work.path().join("server-data");
    let server = ServerProcess::spawn(
        &data,
        &ServerOptions {
            trusted_keys: vec![work.path().join("bench-key.pub.json")],
            ..ServerOptions::default()
        },
    )
    .await?;
    let admin = Admin::sign_in(&format!("http://{}", server.addr())).await?;

    let started = Instant::now();
    dev.run(&["new", "loop-one", "--author", "Bench Apps"])?;
    let app = work.path().join("loop-one");
    edit_answer(&app, "Hello from", "Hi from")?;
    let test_started = Instant::now();
    dev.run_in(&app, &["test"])?;
    let first_test = test_started.elapsed();
    deploy(&dev, &app, &admin)?;
    admin.expect_answer("loop-one", "Hi from loop-one").await?;
    let new_to_deployed = started.elapsed();

    let started = Instant::now();
    edit_answer(&app, "Hi from", "Hey from")?;
    bump_version(&app, "0.1.0", "0.1.1")?;
    deploy(&dev, &app, &admin)?;
    admin.expect_answer("loop-one", "Hey from loop-one").await?;
    let rebuild_deploy = started.elapsed();

    let started = Instant::now();
    dev.run(&["new", "loop-two", "--author", "Bench Apps"])?;
    dev.run_in(&work.path().join("loop-two"), &["test"])?;
    let second_first_test = started.elapsed();
    server.stop().await?;

    let machine = Machine::describe();
    let seconds = |d: Duration| round(d.as_secs_f64());
    let figures = json!({
        "machine": {"cores": machine.cores, "cpu": machine.cpu, "memory_gib": round(machine.memory_gib)},
        "first_test_s": seconds(first_test),
        "new_to_deployed_s": seconds(new_to_deployed),
        "rebuild_deploy_s": seconds(rebuild_deploy),
        "second_app_first_test_s": seconds(second_first_test),
        "apps_build_in": args.target_dir.as_ref().map_or("capsule-app's shared build folder, empty at the start".to_owned(), |d| d.display().to_string()),
        "targets": {"first_test_s": TARGET_FIRST_TEST_S, "first_test_s_goal": GOAL_FIRST_TEST_S},
    });
    let path = args.out.clone().map_or_else(
        || Ok::<_, anyhow::Error>(target_dir()?.join("capsule-bench").join("devloop.json")),
        Ok,
    )?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&figures)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{}", serde_json::to_string_pretty(&figures)?);
    eprintln!("figures written to {}", path.display());
    if args.keep {
        eprintln!("work folder kept: {}", work.keep().display());
    }
    Ok(())
}

/// `capsule-app` as a developer runs it: installed in the work folder's
/// cargo root, with the user's environment (nothing cargo sets for the
/// benchmark's own process), cargo's default target folders.
struct Developer {
    work: PathBuf,
    cli: PathBuf,
    /// The build folder `capsule-app` shares between the apps.
    build_dir: PathBuf,
}

impl Developer {
    /// Installs `capsule-app` from this checkout (untimed: the machine is
    /// warm), reusing the workspace's build.
    fn install(work: &Path, target_dir: Option<PathBuf>) -> Result<Developer> {
        let repo = capsule_testkit::repo_root();
        let root = work.join("cargo-root");
        let mut install = Command::new("cargo");
        capsule_xtask::with_the_users_environment(&mut install)
            .args(["install", "--debug", "--locked", "--quiet", "--path"])
            .arg(repo.join("sdk/capsule-app"))
            .arg("--root")
            .arg(&root)
            .env("CARGO_TARGET_DIR", repo.join("target"));
        run_to_end(&mut install, "cargo install capsule-app")?;
        Ok(Developer {
            work: work.to_owned(),
            cli: root.join("bin").join("capsule-app"),
            build_dir: target_dir.unwrap_or_else(|| work.join("capsule-app-cache")),
        })
    }

    fn run(&self, args: &[&str]) -> Result<()> {
        self.run_in(&self.work, args)
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> Result<()> {
        let mut command = Command::new(&self.cli);
        capsule_xtask::with_the_users_environment(&mut command)
            .args(args)
            .current_dir(dir)
            // capsule-app's shared build folder (a fresh machine's, or the
            // one the run names), for wasm32-wasip2, with no flags meant
            // for the host.
            .env_remove("CARGO_TARGET_DIR")
            .env("CAPSULE_APP_BUILD_DIR", &self.build_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET");
        run_to_end(&mut command, &format!("capsule-app {}", args.join(" ")))
    }
}

/// Builds, signs and deploys the app in `app` with the admin's token.
fn deploy(dev: &Developer, app: &Path, admin: &Admin) -> Result<()> {
    dev.run_in(app, &["build", "--key", "../bench-key.json"])?;
    let package = std::fs::read_dir(app.join("target/capsule"))
        .context("the build wrote target/capsule")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "zip"))
        .max_by_key(|path| path.metadata().and_then(|m| m.modified()).ok())
        .context("the build made a package")?;
    let mut command = Command::new(&dev.cli);
    capsule_xtask::with_the_users_environment(&mut command)
        .arg("deploy")
        .arg(&package)
        .args(["--grant", "all", "--enable", "--quiet"])
        .current_dir(app)
        .env("CAPSULE_URL", &admin.base)
        .env("CAPSULE_USER_ID", &admin.user_id)
        .env("CAPSULE_AUTH_TOKEN", &admin.token);
    run_to_end(&mut command, "capsule-app deploy")
}

/// Changes the greeting of a scaffolded app, in the app and its test.
fn edit_answer(app: &Path, from: &str, to: &str) -> Result<()> {
    replace_in(&app.join("src/lib.rs"), from, to)?;
    replace_in(&app.join("tests/app.rs"), from, to)
}

fn bump_version(app: &Path, from: &str, to: &str) -> Result<()> {
    replace_in(
        &app.join("manifest.json"),
        &format!("\"version\": \"{from}\""),
        &format!("\"version\": \"{to}\""),
    )
}

fn replace_in(file: &Path, from: &str, to: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    if !text.contains(from) {
        bail!("{} holds no `{from}` to edit", file.display());
    }
    std::fs::write(file, text.replace(from, to))
        .with_context(|| format!("writing {}", file.display()))
}

fn run_to_end(command: &mut Command, what: &str) -> Result<()> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The server's admin, signed in over REST.
struct Admin {
    http: reqwest::Client,
    base: String,
    user_id: String,
    token: String,
}

impl Admin {
    async fn sign_in(base: &str) -> Result<Admin> {
        // No kept-alive connections: the server closes idle ones (its
        // header read timeout) while an app builds between two calls.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()?;
        let login: Value = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"user": ADMIN, "password": ADMIN_PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let data = &login["data"];
        Ok(Admin {
            http,
            base: base.to_owned(),
            user_id: data["userId"]
                .as_str()
                .context("login answers a user id")?
                .into(),
            token: data["authToken"]
                .as_str()
                .context("login answers a token")?
                .into(),
        })
    }

    /// Runs `/<command>` in the general room as the admin: its answer must
    /// be `expected`.
    async fn expect_answer(&self, command: &str, expected: &str) -> Result<()> {
        let answer: Value = self
            .http
            .post(format!("{}/api/v1/commands.run", self.base))
            .header("X-User-Id", &self.user_id)
            .header("X-Auth-Token", &self.token)
            .json(&json!({"command": command, "params": "", "roomId": "GENERAL"}))
            .send()
            .await?
            .json()
            .await?;
        let text = answer["result"]["text"].as_str().unwrap_or_default();
        if !text.starts_with(expected) {
            bail!("/{command} answered {answer}, not `{expected}...`");
        }
        Ok(())
    }
}
