//! Building a guest workspace and finding what it produced.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::command::{cargo, describe, run};
use crate::error::BuildError;
use crate::toolchain::{WASM_TARGET, ensure_wasm_target};

/// One built guest app.
#[derive(Debug, Clone)]
pub struct GuestApp {
    /// The app's crate name, e.g. `sandbox-probe`.
    pub name: String,
    /// Absolute path of the app's component (`.wasm`).
    pub wasm: PathBuf,
    /// Absolute path of the app's `manifest.json`.
    pub manifest_path: PathBuf,
    /// The parsed `manifest.json`.
    pub manifest: Value,
}

impl GuestApp {
    /// The component's bytes.
    pub fn read_wasm(&self) -> std::io::Result<Vec<u8>> {
        std::fs::read(&self.wasm)
    }
}

/// The apps of one guest workspace, by crate name.
#[derive(Debug, Clone, Default)]
pub struct GuestArtifacts {
    /// Every app, keyed by crate name.
    pub apps: BTreeMap<String, GuestApp>,
}

impl GuestArtifacts {
    /// The app named `name`, if the workspace has one.
    pub fn get(&self, name: &str) -> Option<&GuestApp> {
        self.apps.get(name)
    }

    /// The app named `name`.
    ///
    /// # Panics
    ///
    /// When there is no such app; the message lists the ones there are.
    /// Meant for tests, where a typo should fail loudly.
    pub fn app(&self, name: &str) -> &GuestApp {
        self.get(name).unwrap_or_else(|| {
            let known: Vec<&str> = self.apps.keys().map(String::as_str).collect();
            panic!("no guest app `{name}`; there are: {}", known.join(", "))
        })
    }

    /// Path of the component of the app named `name`; panics like
    /// [`app`](Self::app).
    pub fn wasm(&self, name: &str) -> &Path {
        &self.app(name).wasm
    }

    /// Parsed manifest of the app named `name`; panics like
    /// [`app`](Self::app).
    pub fn manifest(&self, name: &str) -> &Value {
        &self.app(name).manifest
    }

    /// Every app, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &GuestApp> {
        self.apps.values()
    }
}

/// Builds the guest workspace in `workspace_dir` (a directory with a
/// `Cargo.toml` holding `[workspace]`) in release mode for `wasm32-wasip2`,
/// and returns its apps.
///
/// The build goes to `<repo>/target/wasm` so every guest workspace shares
/// one cache, and runs under a file lock there: when many test processes
/// start at once (nextest runs one per test) the first builds and the
/// others wait, then find everything fresh. Variables an outer cargo sets
/// (`RUSTFLAGS`, `CARGO_TARGET_DIR`, ...) are removed so the host's build
/// settings do not leak into the guests.
///
/// Every workspace member with a `cdylib` target is an app and must have a
/// `manifest.json` next to its `Cargo.toml`.
pub fn build_guests(workspace_dir: &Path) -> Result<GuestArtifacts, BuildError> {
    let workspace_dir = workspace_dir
        .canonicalize()
        .map_err(|e| BuildError::io(workspace_dir, e))?;
    let manifest_path = workspace_dir.join("Cargo.toml");
    let target_dir = crate::wasm_target_dir();

    let _lock = BuildLock::acquire(&target_dir)?;
    ensure_wasm_target()?;

    release_build(&manifest_path, &target_dir, &workspace_dir, &[])?;

    let release_dir = target_dir.join(WASM_TARGET).join("release");
    let mut apps = BTreeMap::new();
    for member in metadata(&manifest_path, &workspace_dir)?.members {
        let wasm = release_dir.join(member.wasm_file_name());
        let app = guest_app(member, wasm)?;
        apps.insert(app.name.clone(), app);
    }
    Ok(GuestArtifacts { apps })
}

/// Builds the one app crate in `app_dir` (the directory of its
/// `Cargo.toml`, alone or a member of a workspace) in release mode for
/// `wasm32-wasip2`, and returns it.
///
/// The build goes to `target_dir` when given, else to `$CARGO_TARGET_DIR`
/// when the caller's environment sets it, else where cargo itself would put
/// it for that crate (`<app_dir>/target`, or the workspace's `target`, or
/// what `.cargo/config.toml` says): a developer's own `cargo build` and the
/// test kit then share one cache. Only the crate's library is built, under
/// the same file lock and with the same environment clean-up as
/// [`build_guests`].
pub fn build_app(app_dir: &Path, target_dir: Option<&Path>) -> Result<GuestApp, BuildError> {
    let app_dir = app_dir
        .canonicalize()
        .map_err(|e| BuildError::io(app_dir, e))?;
    let manifest_path = app_dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        return Err(BuildError::NotACrate { dir: app_dir });
    }
    let metadata = metadata(&manifest_path, &app_dir)?;
    let member = metadata
        .members
        .into_iter()
        .find(|m| m.dir.canonicalize().is_ok_and(|dir| dir == app_dir))
        .ok_or_else(|| BuildError::NotAnApp {
            dir: app_dir.clone(),
        })?;
    let target_dir = match target_dir {
        Some(dir) => dir.to_owned(),
        // The caller's own choice of target directory; an outer cargo
        // does not set this for the processes it runs.
        None => std::env::var_os("CARGO_TARGET_DIR")
            .filter(|dir| !dir.is_empty())
            .map_or(metadata.target_directory, PathBuf::from),
    };

    let _lock = BuildLock::acquire(&target_dir)?;
    ensure_wasm_target()?;
    release_build(&manifest_path, &target_dir, &app_dir, &["--lib"])?;

    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(member.wasm_file_name());
    guest_app(member, wasm)
}

/// The [`GuestApp`] for a built `member` whose component is `wasm`: checks
/// the component is there and reads the `manifest.json` beside the
/// member's `Cargo.toml`.
fn guest_app(member: Member, wasm: PathBuf) -> Result<GuestApp, BuildError> {
    if !wasm.is_file() {
        return Err(BuildError::MissingArtifact {
            app: member.name,
            path: wasm,
        });
    }
    let manifest_path = member.dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&manifest_path).map_err(|e| BuildError::io(&manifest_path, e))?;
    let manifest = serde_json::from_str(&text).map_err(|source| BuildError::Manifest {
        path: manifest_path.clone(),
        source,
    })?;
    Ok(GuestApp {
        name: member.name,
        wasm,
        manifest_path,
        manifest,
    })
}

/// A workspace member that builds a `cdylib`.
struct Member {
    /// The package name.
    name: String,
    /// The name of its library target, which names the `.wasm` file.
    lib_name: String,
    /// The directory of its `Cargo.toml`.
    dir: PathBuf,
}

impl Member {
    /// The file name cargo gives the member's component.
    fn wasm_file_name(&self) -> String {
        format!("{}.wasm", self.lib_name.replace('-', "_"))
    }
}

/// What `cargo metadata` says about a workspace.
struct Metadata {
    /// Where cargo builds it (with the caller's `CARGO_TARGET_DIR` ignored,
    /// as for every command here).
    target_directory: PathBuf,
    /// The members that build a `cdylib`.
    members: Vec<Member>,
}

/// Reads the workspace of `manifest_path` with `cargo metadata`, run in
/// `dir` so that cargo finds the same `.cargo/config.toml` a build there
/// would. Renamed packages and targets are handled the way cargo handles
/// them.
fn metadata(manifest_path: &Path, dir: &Path) -> Result<Metadata, BuildError> {
    let mut cmd = cargo();
    cmd.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--manifest-path",
    ])
    .arg(manifest_path)
    .current_dir(dir);
    let output = run(&mut cmd)?;
    let unexpected = |reason: &str| BuildError::UnexpectedOutput {
        command: describe(&cmd),
        reason: reason.to_owned(),
    };
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| unexpected(&format!("not JSON: {e}")))?;
    let target_directory = metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| unexpected("no `target_directory`"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or_else(|| unexpected("no `packages` array"))?;

    let mut members = Vec::new();
    for package in packages {
        let name = package["name"]
            .as_str()
            .ok_or_else(|| unexpected("a package without a name"))?;
        let manifest = package["manifest_path"]
            .as_str()
            .ok_or_else(|| unexpected("a package without a manifest path"))?;
        let dir = Path::new(manifest)
            .parent()
            .ok_or_else(|| unexpected("a manifest path without a parent"))?;
        let targets = package["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let cdylib = targets.iter().find(|t| {
            t["crate_types"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"))
        });
        if let Some(lib_name) = cdylib.and_then(|t| t["name"].as_str()) {
            members.push(Member {
                name: name.to_owned(),
                lib_name: lib_name.to_owned(),
                dir: dir.to_owned(),
            });
        }
    }
    Ok(Metadata {
        target_directory,
        members,
    })
}

/// An exclusive lock on `<target dir>/.capsule-guest-build.lock`, held for
/// as long as the value lives; the operating system drops it if the
/// process dies.
struct BuildLock {
    _file: File,
}

impl BuildLock {
    fn acquire(target_dir: &Path) -> Result<Self, BuildError> {
        std::fs::create_dir_all(target_dir).map_err(|e| BuildError::io(target_dir, e))?;
        let path = target_dir.join(".capsule-guest-build.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| BuildError::io(&path, e))?;
        file.lock().map_err(|e| BuildError::io(&path, e))?;
        Ok(Self { _file: file })
    }
}

/// `cargo build --release --target wasm32-wasip2` of one manifest, quietly,
/// into `target_dir`.
fn release_build(
    manifest_path: &Path,
    target_dir: &Path,
    cwd: &Path,
    extra: &[&str],
) -> Result<(), BuildError> {
    let mut build = cargo();
    build
        .args(["build", "--release", "--target", WASM_TARGET])
        .args(extra)
        .arg("--manifest-path")
        .arg(manifest_path)
        .arg("--quiet")
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(cwd);
    run(&mut build).map(drop)
}

/// Builds the app in `app_dir` unless this process already did.
///
/// The lock is held while cargo runs, so tests that start together wait
/// for one build instead of queueing on cargo's own lock one by one.
pub(crate) fn built_once(
    app_dir: &Path,
    target_dir: Option<&Path>,
) -> Result<GuestApp, BuildError> {
    type Key = (PathBuf, Option<PathBuf>);
    static BUILT: Mutex<Option<HashMap<Key, GuestApp>>> = Mutex::new(None);

    let key = (
        app_dir
            .canonicalize()
            .map_err(|e| BuildError::io(app_dir, e))?,
        target_dir.map(Path::to_owned),
    );
    // A test that panicked while building leaves nothing half-done in the map.
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_default();
    if let Some(app) = built.get(&key) {
        return Ok(app.clone());
    }
    let app = build_app(&key.0, target_dir)?;
    built.insert(key, app.clone());
    Ok(app)
}
