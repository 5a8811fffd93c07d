//! `capsule-app deploy` against a real Capsule server on 127.0.0.1: a
//! signed package is uploaded, reviewed, granted and enabled; an update
//! that asks for more waits for its grant; what the server refuses is
//! told with what to do; nothing is granted that nobody approved. And
//! `capsule-app trust`, which decides whose packages that server runs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};

use capsule_package::{self as package, Files, MANIFEST_FILE, SigningKey};
use capsule_server::config::Config;
use capsule_server::server::{self, AdminSeed, RunningServer};
use serde_json::{Value, json};

const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "admin-password-1";

/// Credentials as `deploy` takes them.
#[derive(Clone)]
struct Session {
    user_id: String,
    token: String,
}

/// A server whose admin trusts `publisher`, and a folder for packages.
struct Fixture {
    running: Option<RunningServer>,
    dir: tempfile::TempDir,
    base: String,
    http: reqwest::Client,
    admin: Session,
    publisher: SigningKey,
}

impl Fixture {
    async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let publisher = SigningKey::generate("Deploy Tests");
        let key_file = dir.path().join("publisher.pub.json");
        std::fs::write(&key_file, publisher.public_key().to_json()).unwrap();
        let mut config = Config::new(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            &dir.path().join("data"),
        );
        config.trusted_keys = vec![key_file];
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
        let admin = login(&http, &base, ADMIN, ADMIN_PASSWORD).await;
        Fixture {
            running: Some(running),
            dir,
            base,
            http,
            admin,
            publisher,
        }
    }

    /// The test app `modifier` at `version` asking for `permissions`,
    /// signed by `key`; the package's path.
    fn package(&self, version: &str, permissions: Value, key: &SigningKey) -> PathBuf {
        let name = format!("modifier-{version}-{}.zip", key.key_id());
        self.modifier_package(&name, key, |manifest| {
            manifest["version"] = json!(version);
            manifest["permissions"] = permissions;
        })
    }

    /// The test app `modifier` renamed to `id`, signed by the publisher;
    /// the package's path.
    fn package_with_id(&self, id: &str) -> PathBuf {
        let name = format!("renamed-{}.zip", id.len());
        self.modifier_package(&name, &self.publisher, |manifest| {
            manifest["id"] = json!(id);
        })
    }

    /// The test app `modifier` with its manifest changed by `edit`,
    /// signed by `key`, written to `name` in the fixture's folder.
    fn modifier_package(
        &self,
        name: &str,
        key: &SigningKey,
        edit: impl FnOnce(&mut Value),
    ) -> PathBuf {
        let app = capsule_testkit::test_apps().app("modifier");
        let mut manifest: Value =
            serde_json::from_slice(&std::fs::read(&app.manifest_path).unwrap()).unwrap();
        edit(&mut manifest);
        let files = Files::from([
            (
                MANIFEST_FILE.to_owned(),
                serde_json::to_vec(&manifest).unwrap(),
            ),
            ("app.wasm".to_owned(), app.read_wasm().unwrap()),
        ]);
        let path = self.dir.path().join(name);
        std::fs::write(&path, package::build(&package::sign(&files, key)).unwrap()).unwrap();
        path
    }

    /// Runs `capsule-app verify PACKAGE` trusting the publisher, as a
    /// developer checks a package before deploying it.
    async fn verify(&self, package: &PathBuf) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_capsule-app"));
        command
            .arg("verify")
            .arg(package)
            .arg("--key")
            .arg(self.dir.path().join("publisher.pub.json"));
        tokio::task::spawn_blocking(move || command.output().expect("capsule-app runs"))
            .await
            .unwrap()
    }

    /// Uploads `package` as the admin over the apps admin API, as any
    /// client would: status and JSON body.
    async fn upload(&self, package: &PathBuf) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(std::fs::read(package).unwrap())
            .file_name("app.zip")
            .mime_str("application/zip")
            .unwrap();
        let response = self
            .http
            .post(format!("{}/api/apps", self.base))
            .header("X-User-Id", &self.admin.user_id)
            .header("X-Auth-Token", &self.admin.token)
            .multipart(reqwest::multipart::Form::new().part("app", part))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// Runs `capsule-app deploy PACKAGE ARGS...` as `who`, off the
    /// server's threads.
    async fn deploy(&self, package: &PathBuf, args: &[&str], who: &Session) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_capsule-app"));
        command
            .arg("deploy")
            .arg(package)
            .args(args)
            .env("CAPSULE_URL", &self.base)
            .env("CAPSULE_USER_ID", &who.user_id)
            .env("CAPSULE_AUTH_TOKEN", &who.token);
        tokio::task::spawn_blocking(move || command.output().expect("capsule-app runs"))
            .await
            .unwrap()
    }

    /// Runs `capsule-app trust ARGS...` as the admin.
    async fn trust(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_capsule-app"));
        command
            .arg("trust")
            .args(args)
            .env("CAPSULE_URL", &self.base)
            .env("CAPSULE_USER_ID", &self.admin.user_id)
            .env("CAPSULE_AUTH_TOKEN", &self.admin.token);
        tokio::task::spawn_blocking(move || command.output().expect("capsule-app runs"))
            .await
            .unwrap()
    }

    /// `GET path` as the admin: status and JSON body.
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("X-User-Id", &self.admin.user_id)
            .header("X-Auth-Token", &self.admin.token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// `POST path` as the admin; the JSON body of a success.
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-User-Id", &self.admin.user_id)
            .header("X-Auth-Token", &self.admin.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.unwrap();
        }
    }
}

async fn login(http: &reqwest::Client, base: &str, user: &str, password: &str) -> Session {
    let answer: Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user": user, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Session {
        user_id: answer["data"]["userId"]
            .as_str()
            .unwrap_or_else(|| panic!("{user} signs in: {answer}"))
            .into(),
        token: answer["data"]["authToken"].as_str().unwrap().into(),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "deploy failed:\n{}{}",
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

#[track_caller]
fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "deploy should fail:\n{}",
        stdout(output)
    );
    stderr(output)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_package_is_uploaded_reviewed_granted_and_enabled() {
    let fx = Fixture::start().await;
    let package = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);

    let out = fx
        .deploy(&package, &["--grant", "all", "--enable"], &fx.admin)
        .await;

    let printed = succeeded(&out);
    assert!(printed.contains("installing modifier 0.1.0"), "{printed}");
    assert!(printed.contains("it asks for:\n  - settings"), "{printed}");
    assert!(printed.contains("granted: settings"), "{printed}");
    assert!(printed.contains("modifier 0.1.0: enabled"), "{printed}");
    assert!(
        !stderr(&out).contains("uploading"),
        "no progress bar off a terminal: {}",
        stderr(&out)
    );
    let (_, app) = fx.get("/api/apps/modifier").await;
    assert_eq!(app["app"]["status"], "enabled", "{app}");
    let posted = fx
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": "GENERAL", "text": "hi"}),
        )
        .await;
    assert_eq!(posted["message"]["msg"], "hi [mod]", "{posted}");
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_that_asks_for_more_waits_for_its_grant_while_the_old_version_runs() {
    let fx = Fixture::start().await;
    let first = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);
    succeeded(&fx.deploy(&first, &["--yes"], &fx.admin).await);
    let update = fx.package(
        "0.2.0",
        json!([{"name": "settings"}, {"name": "kv"}]),
        &fx.publisher,
    );

    // A grant that leaves out what the component uses is refused, naming
    // it, and the update waits.
    let partial = fx.deploy(&update, &["--grant", "kv"], &fx.admin).await;
    let (_, waiting) = fx.get("/api/apps/modifier").await;

    let refused = failed(&partial);
    assert!(refused.contains("`settings`"), "{refused}");
    assert!(refused.contains("ungranted"), "{refused}");
    assert!(
        stdout(&partial).contains(
            "the update asks for:\n  - settings [used by the component: required]\n  - kv\n"
        ),
        "{}",
        stdout(&partial)
    );
    assert_eq!(waiting["app"]["version"], "0.1.0", "{waiting}");
    assert_eq!(waiting["app"]["status"], "enabled", "{waiting}");
    assert_eq!(
        waiting["app"]["pendingUpdate"]["version"], "0.2.0",
        "{waiting}"
    );
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_granted_all_replaces_the_installed_version_which_cannot_come_back() {
    let fx = Fixture::start().await;
    let first = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);
    succeeded(&fx.deploy(&first, &["--yes"], &fx.admin).await);
    let update = fx.package(
        "0.2.0",
        json!([{"name": "settings"}, {"name": "kv"}]),
        &fx.publisher,
    );

    let granted = fx.deploy(&update, &["--grant", "all"], &fx.admin).await;
    let (_, updated) = fx.get("/api/apps/modifier").await;
    let again = fx.deploy(&update, &["--yes"], &fx.admin).await;
    let older = fx.deploy(&first, &["--yes"], &fx.admin).await;

    let printed = succeeded(&granted);
    assert!(
        printed.contains("modifier 0.1.0 is installed (enabled): updating it to 0.2.0"),
        "{printed}"
    );
    assert!(printed.contains("granted: settings, kv"), "{printed}");
    assert!(printed.contains("modifier 0.2.0: enabled"), "{printed}");
    assert_eq!(updated["app"]["version"], "0.2.0", "{updated}");
    assert!(updated["app"]["pendingUpdate"].is_null(), "{updated}");
    let same = failed(&again);
    assert!(
        same.contains("0.2.0 is installed and this package is 0.2.0"),
        "{same}"
    );
    assert!(failed(&older).contains("raise `version`"));
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_app_is_updated_and_enabled_with_enable() {
    let fx = Fixture::start().await;
    let first = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);
    succeeded(&fx.deploy(&first, &["--yes"], &fx.admin).await);
    fx.post(
        "/api/apps/modifier/status",
        json!({"status": "manually_disabled"}),
    )
    .await;
    let update = fx.package("0.1.1", json!([{"name": "settings"}]), &fx.publisher);

    let out = fx.deploy(&update, &["--yes", "--enable"], &fx.admin).await;

    let printed = succeeded(&out);
    assert!(printed.contains("is installed (disabled"), "{printed}");
    assert!(printed.contains("it keeps its grants"), "{printed}");
    assert!(printed.contains("modifier 0.1.1: enabled"), "{printed}");
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_grant_or_yes_a_script_is_refused_before_uploading() {
    let fx = Fixture::start().await;
    let package = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);

    let out = fx.deploy(&package, &[], &fx.admin).await;

    assert!(failed(&out).contains("--grant all"));
    let (_, apps) = fx.get("/api/apps").await;
    assert_eq!(apps["apps"], json!([]), "nothing was uploaded: {apps}");
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_what_to_do() {
    let fx = Fixture::start().await;
    let package = fx.package("0.1.0", json!([{"name": "settings"}]), &fx.publisher);
    let stranger = SigningKey::generate("Someone Else");
    let untrusted = fx.package("0.1.0", json!([{"name": "settings"}]), &stranger);
    fx.http
        .post(format!("{}/api/v1/users.register", fx.base))
        .json(&json!({"username": "bob", "email": "bob@example.com", "pass": "bob-password-1", "name": "Bob"}))
        .send()
        .await
        .unwrap();
    let bob = login(&fx.http, &fx.base, "bob", "bob-password-1").await;
    let wrong = Session {
        user_id: fx.admin.user_id.clone(),
        token: "not-the-token".into(),
    };

    let unauthorized = fx.deploy(&package, &["--yes"], &wrong).await;
    let forbidden = fx.deploy(&package, &["--yes"], &bob).await;
    let unsigned = fx.deploy(&untrusted, &["--yes"], &fx.admin).await;
    let unknown_name = fx
        .deploy(&package, &["--grant", "message-write"], &fx.admin)
        .await;

    assert!(failed(&unauthorized).contains("check --user-id and --token"));
    assert!(failed(&forbidden).contains("deploy with an admin's credentials"));
    let refused = failed(&unsigned);
    assert!(
        refused.contains(&format!("signed with key `{}`", stranger.key_id())),
        "{refused}"
    );
    assert!(refused.contains("trust your publisher key"), "{refused}");
    let named = failed(&unknown_name);
    assert!(
        named.contains("the app does not ask for `message-write`; it asks for: settings"),
        "{named}"
    );
    let (_, apps) = fx.get("/api/apps").await;
    assert_eq!(apps["apps"], json!([]), "nothing was uploaded: {apps}");
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_refuses_the_ids_the_server_refuses_in_the_same_words() {
    let fx = Fixture::start().await;
    let refused_ids = [
        (".", "is not a valid app id"),
        ("..", "is not a valid app id"),
        ("audit", "is reserved"),
    ];

    for (id, why) in refused_ids {
        let package = fx.package_with_id(id);

        let verified = fx.verify(&package).await;
        let (status, body) = fx.upload(&package).await;

        let cli_said = String::from_utf8_lossy(&verified.stderr).into_owned();
        assert!(!verified.status.success(), "verify passed `{id}`");
        assert_eq!(status, 400, "the server's answer to `{id}`: {body}");
        let server_said = body["error"].as_str().unwrap();
        let server_said = server_said
            .strip_suffix(&format!(" [{}]", body["errorType"].as_str().unwrap()))
            .unwrap_or(server_said);
        assert!(
            server_said.contains(&format!("id: `{id}` {why}")),
            "{server_said}"
        );
        assert!(
            cli_said.contains(server_said),
            "the CLI says what the server says;\nCLI: {cli_said}\nserver: {server_said}"
        );
    }
    assert_eq!(
        fx.upload(&fx.package_with_id("..")).await.1["errorType"],
        "error-app-invalid-package"
    );
    assert_eq!(
        fx.upload(&fx.package_with_id("audit")).await.1["errorType"],
        "error-app-reserved-id"
    );
    let (_, apps) = fx.get("/api/apps").await;
    assert_eq!(apps["apps"], json!([]), "nothing was installed: {apps}");
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_adds_lists_and_removes_a_publisher_key_from_its_file() {
    let fx = Fixture::start().await;
    let other = SigningKey::generate("Other Publisher");
    let other_id = other.key_id().to_owned();
    let public_file = fx.dir.path().join("other.pub.json");
    std::fs::write(&public_file, other.public_key().to_json()).unwrap();
    let secret_file = fx.dir.path().join("other.json");
    std::fs::write(&secret_file, other.to_json()).unwrap();
    let package = fx.package("0.1.0", json!([{"name": "settings"}]), &other);
    let public_path = public_file.to_str().unwrap();

    let untrusted = fx.deploy(&package, &["--yes"], &fx.admin).await;
    let added = fx.trust(&["add", public_path]).await;
    let deployed = fx.deploy(&package, &["--yes"], &fx.admin).await;
    let listed = fx.trust(&["list"]).await;
    let removed = fx.trust(&["remove", &other_id]).await;
    let (_, app) = fx.get("/api/apps/modifier").await;
    let secret = fx.trust(&["add", secret_file.to_str().unwrap()]).await;
    let unknown = fx.trust(&["remove", "0123456789abcdef"]).await;

    assert!(failed(&untrusted).contains("capsule-app trust add"));
    let said = succeeded(&added);
    assert!(
        said.contains(&other_id) && said.contains("Other Publisher"),
        "{said}"
    );
    succeeded(&deployed);
    let said = succeeded(&listed);
    assert!(
        said.contains(&format!("{other_id}  Other Publisher  (api)")),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "{}  Deploy Tests  (config)",
            fx.publisher.key_id()
        )),
        "{said}"
    );
    let said = succeeded(&removed);
    assert!(
        said.contains("apps refused (signed by it): modifier"),
        "{said}"
    );
    assert_eq!(app["app"]["status"], "refused", "{app}");
    let said = failed(&secret);
    assert!(said.contains("SECRET"), "{said}");
    let said = failed(&unknown);
    assert!(said.contains("trusts no such key"), "{said}");
    fx.stop().await;
}
