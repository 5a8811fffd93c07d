//! Running the web client's browser scenarios (`server/web/e2e/*.mjs`):
//! Debian's Chromium (installed with apt-get when missing, once for all
//! the test processes), the real `capsule` binary on a loopback port with
//! a fresh data folder, and `node` driving the browser with
//! playwright-core. A scenario asks for a server restart with the line
//! `CONTROL restart`; the test kills the server, starts it again on the
//! same port and data, and answers `restarted`.

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const CHROMIUM: &str = "/usr/bin/chromium";
const EMOJI_FONT: &str = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
const SCENARIO_LIMIT: Duration = Duration::from_secs(240);

/// One browser scenario at a time: two cores cannot run several
/// Chromiums and servers at once without timing out.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The client's source folder.
pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// The workspace's target folder, as every test that installs tools finds it.
pub use capsule_server_harness::tools::target_dir;

/// Where the scenarios write their screenshots.
pub fn screenshots_dir() -> PathBuf {
    target_dir().join("web-screenshots")
}

fn browser_installed() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(EMOJI_FONT).exists()
}

/// Installs Debian's Chromium unless it is there (one installer at a time
/// across test processes).
pub fn ensure_chromium() {
    if browser_installed() {
        return;
    }
    let lock = fs::File::create(std::env::temp_dir().join("capsule-chromium-install.lock"))
        .expect("create the install lock");
    lock.lock().expect("take the install lock");
    if browser_installed() {
        return;
    }
    let install = || {
        Command::new("apt-get")
            // The emoji font, so reactions and shortcodes draw as they would
            // on a person's machine (screenshots show them).
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "fonts-noto-color-emoji",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").arg("update").status();
        assert!(
            install(),
            "cannot install Chromium with `apt-get install chromium` (run the tests as root, or install it)"
        );
    }
    assert!(
        browser_installed(),
        "apt-get installed Chromium but {CHROMIUM} or {EMOJI_FONT} is missing"
    );
}

/// What a scenario needs beyond a fresh server: flags for the server and
/// variables for the scenario.
#[derive(Default)]
pub struct Setup {
    pub server_args: Vec<OsString>,
    pub env: Vec<(&'static str, OsString)>,
}

/// The `capsule` binary serving on a loopback port.
pub struct Capsule {
    child: Child,
    pub port: u16,
    data: PathBuf,
    log: PathBuf,
    args: Vec<OsString>,
}

impl Capsule {
    /// Starts the server on `port` with its data in `data`, and waits until it answers.
    pub fn start(data: &Path, port: u16, args: &[OsString]) -> Capsule {
        let log = data.with_extension("log");
        let log_file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_capsule"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env("CAPSULE_ADMIN_USERNAME", ADMIN)
            .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            .spawn()
            .expect("the capsule binary starts");
        let capsule = Capsule {
            child,
            port,
            data: data.to_owned(),
            log,
            args: args.to_vec(),
        };
        capsule.wait_healthy();
        capsule
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if health(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the server did not answer /health within 60 s:\n{}",
            self.log_text()
        );
    }

    fn restart(&mut self) {
        self.child.kill().expect("stop the server");
        self.child.wait().expect("the server stops");
        *self = Capsule::start(&self.data.clone(), self.port, &self.args.clone());
    }

    /// What the server has logged.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Capsule {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn health(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nhost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}

/// A loopback port nobody listens on.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Runs `server/web/e2e/<script>` against a fresh server and asserts it passed.
pub fn run_scenario(script: &str) {
    run_scenario_with(script, Setup::default());
}

/// [`run_scenario`] with server flags and scenario variables.
pub fn run_scenario_with(script: &str, setup: Setup) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    ensure_chromium();
    assert!(
        capsule_server::web::client_built(),
        "this server was built without its web client (Node.js 20.19+ is needed to build and test it)"
    );
    let folder = tempfile::tempdir().expect("temp dir");
    let data = folder.path().join("data");
    let mut server = Capsule::start(&data, free_port(), &setup.server_args);

    let mut node = Command::new("node")
        .arg(web_dir().join("e2e").join(script))
        .current_dir(web_dir())
        .env("CAPSULE_URL", format!("http://127.0.0.1:{}", server.port))
        .env("CAPSULE_ADMIN", ADMIN)
        .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("CHROMIUM", CHROMIUM)
        .env("CAPSULE_SCREENSHOTS", screenshots_dir())
        .envs(setup.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (Node.js 20.19+ is needed for the browser tests)");
    let watchdog = watchdog(node.id());
    let mut to_node = node.stdin.take().expect("stdin");
    let from_node = BufReader::new(node.stdout.take().expect("stdout"));
    let mut transcript = String::new();
    for line in from_node.lines() {
        let line = line.expect("read the scenario's output");
        println!("{line}");
        if line == "CONTROL restart" {
            server.restart();
            writeln!(to_node, "restarted").expect("answer the scenario");
        } else {
            transcript.push_str(&line);
            transcript.push('\n');
        }
    }
    let status = node.wait().expect("node ends");
    drop(watchdog);
    assert!(
        status.success(),
        "the browser scenario {script} failed ({status}):\n{transcript}\n--- server log ---\n{}",
        server.log_text()
    );
}

/// Kills the scenario if it runs past its limit, so a hung browser fails
/// the test instead of hanging the run.
fn watchdog(pid: u32) -> std::sync::mpsc::Sender<()> {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            finished.recv_timeout(SCENARIO_LIMIT)
        {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    });
    done
}
