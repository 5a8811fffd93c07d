//! Builds the web client (`server/web`) and embeds it.
//!
//! With Node.js 20.19+ and npm on the PATH, `npm ci` installs the client's
//! packages from the committed lock (only when `node_modules` is missing
//! or was installed from another lock) and `vite build` writes the client
//! into `OUT_DIR/web`, never into the source tree. Then `web_assets.rs` in
//! `OUT_DIR` lists every file with `include_bytes!`, which
//! `src/web/assets.rs` includes: the `capsule` binary carries the client.
//!
//! Without Node.js the server still builds (with a cargo warning) and
//! serves a page at `/` that says how to get the client.
//! `CAPSULE_WEB_CLIENT=off` skips the client on purpose.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Node.js Vite 8 runs on.
const NODE_MIN: (u32, u32) = (20, 19);

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let web = manifest.join("web");
    for input in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed=web/{input}");
    }
    println!("cargo:rerun-if-env-changed=CAPSULE_WEB_CLIENT");

    let dist = out.join("web");
    let files = match build_client(&web, &dist) {
        Ok(()) => list_files(&dist),
        Err(Skipped(reason)) => {
            // Installing Node.js changes PATH: build the client then.
            println!("cargo:rerun-if-env-changed=PATH");
            println!(
                "cargo:warning=the web client is not built into this server: {reason}. \
                 `/` will say how to get it (install Node.js {}.{}+ with npm and rebuild).",
                NODE_MIN.0, NODE_MIN.1
            );
            Vec::new()
        }
    };
    write_table(&out.join("web_assets.rs"), &dist, &files);
}

/// Why the client was not built (the server builds without it).
struct Skipped(String);

fn build_client(web: &Path, dist: &Path) -> Result<(), Skipped> {
    if std::env::var("CAPSULE_WEB_CLIENT").is_ok_and(|v| v == "off") {
        return Err(Skipped("CAPSULE_WEB_CLIENT=off".into()));
    }
    check_node()?;
    // Two builds at once (say a debug and a release one) share one
    // node_modules: the second waits for the first to install it.
    let lock_path = web.join(".build.lock");
    let lock = fs::File::create(&lock_path)
        .map_err(|e| Skipped(format!("cannot create {}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| Skipped(format!("cannot lock {}: {e}", lock_path.display())))?;
    install_packages(web)?;
    let status = Command::new(npm())
        .args(["run", "build", "--", "--outDir"])
        .arg(dist)
        .args(["--emptyOutDir", "--logLevel", "warn"])
        .current_dir(web)
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| Skipped(format!("cannot run npm: {e}")))?;
    if !status.success() {
        // The tools are there but the client does not compile: that is a
        // bug to fix, not a machine without Node.js.
        panic!("`npm run build` in {} failed ({status})", web.display());
    }
    Ok(())
}

fn npm() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

fn check_node() -> Result<(), Skipped> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| Skipped("Node.js is not installed".into()))?;
    let version = String::from_utf8_lossy(&output.stdout);
    let mut parts = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if found < NODE_MIN {
        return Err(Skipped(format!(
            "Node.js {} is too old (the client needs {}.{}+)",
            version.trim(),
            NODE_MIN.0,
            NODE_MIN.1
        )));
    }
    Command::new(npm())
        .arg("--version")
        .output()
        .map_err(|_| Skipped("npm is not installed".into()))?;
    Ok(())
}

/// Runs `npm ci` unless node_modules was installed from this very lock.
fn install_packages(web: &Path) -> Result<(), Skipped> {
    let lock = fs::read(web.join("package-lock.json"))
        .map_err(|e| Skipped(format!("cannot read package-lock.json: {e}")))?;
    let stamp = web
        .join("node_modules")
        .join(".capsule-installed-lock.json");
    if fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    let status = Command::new(npm())
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(web)
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| Skipped(format!("cannot run npm: {e}")))?;
    if !status.success() {
        return Err(Skipped(format!("`npm ci` failed ({status})")));
    }
    fs::write(&stamp, &lock).map_err(|e| Skipped(format!("cannot write {}: {e}", stamp.display())))
}

/// Every file under `dir`, as paths relative to it with `/` separators.
fn list_files(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir");
                let parts: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push(parts.join("/"));
            }
        }
    }
    files.sort();
    files
}

fn write_table(target: &Path, dist: &Path, files: &[String]) {
    let mut code = String::from(
        "/// The built web client: each file's path (from `/`) and bytes.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for file in files {
        let absolute = dist.join(file);
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            format!("/{file}"),
            absolute.display().to_string()
        ));
    }
    code.push_str("];\n");
    let mut out = fs::File::create(target).expect("create web_assets.rs");
    out.write_all(code.as_bytes()).expect("write web_assets.rs");
}
