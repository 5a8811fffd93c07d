//! The three apps of the apps run: the `bench` test app (a pre-send-modify
//! hook that appends ` ✓`) packaged three times under distinct ids, signed
//! with a key generated for this run, which the server is told to trust:
//! the secure default path, as an admin would install signed apps.

use std::path::Path;

use anyhow::{Context, Result};
use capsule_package::{self as package, Files, MANIFEST_FILE, Package, SigningKey};

use crate::server_process::ServerOptions;

/// How many copies of the app the apps run loads.
pub const APPS: usize = 3;

/// Builds the `bench` test app (once; cached in `target/wasm`), writes
/// `bench-1.zip` .. `bench-3.zip` and the public key into `dir`, and
/// returns the server options that load them.
pub fn bench_packages(dir: &Path) -> Result<ServerOptions> {
    let workspace = capsule_testkit::repo_root().join("tests/apps");
    let guests = capsule_testkit::build_guests(&workspace)
        .with_context(|| format!("building the test apps in {}", workspace.display()))?;
    let bench = guests
        .get("bench")
        .context("tests/apps has no `bench` app")?;
    let component = bench
        .read_wasm()
        .with_context(|| format!("reading {}", bench.wasm.display()))?;
    let key = SigningKey::generate("capsule-bench");
    let key_path = dir.join("capsule-bench.public.json");
    std::fs::write(&key_path, key.public_key().to_json())
        .with_context(|| format!("writing {}", key_path.display()))?;
    let mut options = ServerOptions {
        trusted_keys: vec![key_path],
        ..ServerOptions::default()
    };
    for n in 1..=APPS {
        let mut manifest = bench.manifest.clone();
        manifest["id"] = format!("bench-{n}").into();
        manifest["name"] = format!("Bench {n}").into();
        let component_name = manifest["component"]
            .as_str()
            .unwrap_or("app.wasm")
            .to_owned();
        let files = Files::from([
            (
                MANIFEST_FILE.to_owned(),
                serde_json::to_vec_pretty(&manifest)?,
            ),
            (component_name, component.clone()),
        ]);
        // Checked as the server will check it, so a mistake here is named
        // here rather than as a start-up failure of the server.
        Package::from_files(files.clone()).context("the repackaged bench app")?;
        let zip = package::build(&package::sign(&files, &key)).context("zipping the bench app")?;
        let path = dir.join(format!("bench-{n}.zip"));
        std::fs::write(&path, zip).with_context(|| format!("writing {}", path.display()))?;
        options.apps.push(path);
    }
    Ok(options)
}
