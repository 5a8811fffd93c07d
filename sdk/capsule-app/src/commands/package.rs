//! `capsule-app package`: an already built component, the manifest, the icon
//! and `assets/` into a package zip, signed when a key is given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use capsule_package::{Files, MANIFEST_FILE, Manifest, Package, SigningKey, build, sign};

use crate::cargo::AppCrate;

/// Arguments of `package`.
#[derive(clap::Args)]
pub struct Args {
    /// The app folder (holding Cargo.toml and manifest.json); default: the current folder.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The component to package; default: the crate's release build for wasm32-wasip2.
    #[arg(long)]
    pub component: Option<PathBuf>,
    #[command(flatten)]
    pub output: Output,
}

/// Where a package goes and whether it is signed (`build` and `package`).
#[derive(clap::Args)]
pub struct Output {
    /// Sign with this signing key (from `capsule-app keygen`).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Where to write the package; default: target/capsule/ID-VERSION.zip in the app folder.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let dir = crate::app_dir(args.dir);
    let component = match args.component {
        Some(path) => path,
        None => AppCrate::locate(&dir)?.component_path(),
    };
    let written = package_app(
        &dir,
        &component,
        args.output.key.as_deref(),
        args.output.out,
    )?;
    println!("{}", written.display());
    Ok(())
}

/// Packages the app in `dir` with `component`; returns the package's path.
pub fn package_app(
    dir: &Path,
    component: &Path,
    key: Option<&Path>,
    out: Option<PathBuf>,
) -> Result<PathBuf> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_bytes = std::fs::read(&manifest_path).with_context(|| {
        format!(
            "cannot read {}: every app needs one (see `capsule-app new`)",
            manifest_path.display()
        )
    })?;
    let manifest = Manifest::parse(&manifest_bytes)
        .with_context(|| format!("fix {}", manifest_path.display()))?;
    let wasm = std::fs::read(component).with_context(|| {
        format!(
            "cannot read the component {}: build it first with `capsule-app build`",
            component.display()
        )
    })?;
    let mut files = Files::new();
    files.insert(MANIFEST_FILE.to_string(), manifest_bytes);
    files.insert(manifest.component.clone(), wasm);
    if let Some(icon) = &manifest.icon {
        let bytes = std::fs::read(dir.join(icon)).with_context(|| {
            format!("the manifest names the icon `{icon}`, but it cannot be read")
        })?;
        files.insert(icon.clone(), bytes);
    }
    add_assets(&dir.join("assets"), "assets", &mut files)?;
    // Checked as the server will check it, so a bad package fails here.
    let mut files = Package::from_files(files)
        .context("the package would be refused")?
        .into_files();
    if let Some(key_path) = key {
        let key = SigningKey::load(key_path)
            .with_context(|| format!("cannot load the signing key {}", key_path.display()))?;
        files = sign(&files, &key);
    }
    let zip = build(&files).context("cannot write the package zip")?;
    // In the app's own folder, wherever cargo's target folder is: the
    // package belongs to the app.
    let out = out.unwrap_or_else(|| {
        dir.join("target")
            .join("capsule")
            .join(format!("{}-{}.zip", manifest.id, manifest.version))
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, zip).with_context(|| format!("cannot write {}", out.display()))?;
    // Absolute, so the printed path works from any folder.
    Ok(out.canonicalize().unwrap_or(out))
}

/// Adds every file under `folder` as `prefix/...`, forward slashes.
fn add_assets(folder: &Path, prefix: &str, files: &mut Files) -> Result<()> {
    if !folder.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry
            .file_name()
            .into_string()
            .map_err(|n| anyhow::anyhow!("asset name {n:?} is not UTF-8"))?;
        let path = format!("{prefix}/{name}");
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            bail!(
                "{} is a symbolic link; packages hold only plain files",
                entry.path().display()
            );
        } else if kind.is_dir() {
            add_assets(&entry.path(), &path, files)?;
        } else {
            files.insert(path, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}
