//! The `capsule` binary as an admin runs it: `capsule keys` on a data
//! folder, trusted by the server then started on that folder, and the log
//! it writes to a file or a pipe (plain text, no colour codes).
#![cfg(unix)]

use capsule_server_harness as common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use capsule_package::SigningKey;
use common::{ADMIN, ADMIN_PASSWORD};
use serde_json::{Value, json};

/// How long the binary may take to start listening.
const PATIENCE: Duration = Duration::from_secs(30);

/// `capsule keys ARGS --data-dir DATA`, run to its end.
fn keys(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capsule"))
        .arg("keys")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("CAPSULE_CONFIG")
        .env_remove("RUST_LOG")
        .current_dir(data_dir)
        .output()
        .expect("the capsule binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "capsule failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A `capsule serve` child with its text log on a pipe.
struct Served {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
    /// The lines read up to the one that said where it listens.
    log: Vec<String>,
}

impl Served {
    /// Starts the binary over `data_dir` with text logs to a pipe and waits
    /// for its `Capsule is listening` line.
    fn start(data_dir: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_capsule"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "text"])
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("NO_COLOR")
            .env_remove("CAPSULE_CONFIG")
            .env("CAPSULE_ADMIN_USERNAME", ADMIN)
            .env("CAPSULE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the capsule binary starts");
        let (send, lines) = mpsc::channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let send = send.clone();
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut log = Vec::new();
        loop {
            let Ok(line) = lines.recv_timeout(PATIENCE) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not say it listens:\n{}", log.join("\n"));
            };
            let address = listening_address(&line);
            log.push(line);
            if let Some(address) = address {
                return Served {
                    child,
                    base: format!("http://{address}"),
                    lines,
                    log,
                };
            }
        }
    }

    /// SIGTERM, and wait for the exit; everything it logged.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        self.child.wait().expect("the server exits");
        // The readers end at the pipes' end of file, closing the channel.
        self.log.extend(self.lines.iter());
        self.log
    }
}

/// The address in the `Capsule is listening addr=...` line, read past any
/// colour codes so that a coloured log is still found (and then refused).
fn listening_address(line: &str) -> Option<String> {
    let plain = without_escapes(line);
    let rest = plain.split_once("Capsule is listening")?.1;
    let address = rest.split_once("addr=")?.1;
    Some(address.split_whitespace().next()?.to_owned())
}

fn without_escapes(line: &str) -> String {
    let mut plain = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters... final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_added_on_the_data_folder_is_trusted_by_the_server_started_on_it() {
    let data = tempfile::tempdir().unwrap();
    let key = SigningKey::generate("Acme Apps");
    let key_id = key.key_id().to_owned();
    let file = data.path().join("acme.pub.json");
    std::fs::write(&file, key.public_key().to_json()).unwrap();
    let secret = data.path().join("acme.json");
    std::fs::write(&secret, key.to_json()).unwrap();

    let added = stdout(&keys(data.path(), &["add", file.to_str().unwrap()]));
    let listed = stdout(&keys(data.path(), &["list"]));
    let refused = keys(data.path(), &["add", secret.to_str().unwrap()]);
    let served = Served::start(data.path());
    let http = reqwest::Client::new();
    let admin = common::sign_in(&http, &served.base, ADMIN, ADMIN_PASSWORD).await;
    let trusted: Value = http
        .get(format!("{}/api/apps/trusted-keys", served.base))
        .header("X-User-Id", &admin.user_id)
        .header("X-Auth-Token", &admin.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    served.stop();
    let removed = stdout(&keys(data.path(), &["remove", &key_id]));
    let after = stdout(&keys(data.path(), &["list"]));

    assert!(
        added.contains(&key_id) && added.contains("Acme Apps"),
        "{added}"
    );
    assert_eq!(
        listed,
        format!("{key_id}  Acme Apps  (api)\n"),
        "only the answer is on stdout"
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("acme.json") && said.contains("SECRET"),
        "{said}"
    );
    assert_eq!(
        trusted["keys"],
        json!([{"keyId": key_id, "publisher": "Acme Apps", "source": "api"}]),
        "{trusted}"
    );
    assert!(removed.contains(&key_id), "{removed}");
    assert!(!after.contains(&key_id), "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_has_no_colour_codes_when_it_is_not_a_terminal() {
    let data = tempfile::tempdir().unwrap();

    let served = Served::start(data.path());
    reqwest::get(format!("{}/health", served.base))
        .await
        .expect("/health answers");
    let log = served.stop().join("\n");

    assert!(log.contains("Capsule is listening"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "a log written to a pipe has no escape codes:\n{log:?}"
    );
}
