//! `capsule-app deploy`: install or update a package on a Capsule server
//! through its apps admin API, with an admin's credentials.
//!
//! The steps are the admin's own: upload (a new app, or an update when
//! the id is installed), review the permissions the server says the app
//! asks for, grant them, and enable. Nothing is granted that nobody
//! approved: `--grant`, `--yes`, or a yes on the terminal.

mod body;
pub(crate) mod client;
mod grant;
mod view;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use semver::Version;

use client::AdminClient;
use grant::{GrantChoice, GrantPlan};
use view::AppView;

/// Arguments of `deploy`.
#[derive(clap::Args)]
pub struct Args {
    /// The package to upload.
    pub package: PathBuf,
    /// The server's base URL.
    #[arg(long, env = "CAPSULE_URL", default_value = "http://localhost:3000")]
    pub server: String,
    /// An admin's user id (sent as X-User-Id).
    #[arg(long, env = "CAPSULE_USER_ID")]
    pub user_id: String,
    /// That admin's auth or personal access token (sent as X-Auth-Token).
    #[arg(long, env = "CAPSULE_AUTH_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Grant the permissions the app asks for: `all`, or names separated
    /// by commas (`kv,http-outbound`; each as the app asks for it).
    /// Without it, `deploy` asks on the terminal.
    #[arg(long, value_name = "all|NAMES", value_parser = grant::parse_choice)]
    pub grant: Option<GrantChoice>,
    /// Grant everything the app asks for without asking (for scripts).
    #[arg(long, short)]
    pub yes: bool,
    /// Make sure the app is enabled at the end (also one an admin had
    /// disabled).
    #[arg(long)]
    pub enable: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    // Both checked before anything is sent: a broken package is not worth
    // an upload, nor is one nobody can grant.
    let package = super::read_package(&args.package)?;
    let plan = grant::plan(args.grant.clone(), args.yes, std::io::stdin().is_terminal())
        .map_err(anyhow::Error::msg)?;
    if let GrantPlan::Given(choice) = &plan {
        // The manifest here is the one the server will read.
        let requested: Vec<view::Permission> = package
            .manifest()
            .permissions
            .iter()
            .map(Into::into)
            .collect();
        grant::grant_body(choice, &requested).map_err(anyhow::Error::msg)?;
    }
    let bytes = std::fs::read(&args.package)
        .with_context(|| format!("cannot read {}", args.package.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(deploy(&args, package.manifest(), bytes, plan))
}

async fn deploy(
    args: &Args,
    manifest: &capsule_package::Manifest,
    bytes: Vec<u8>,
    plan: GrantPlan,
) -> Result<()> {
    let client = AdminClient::new(&args.server, &args.user_id, &args.token);
    let id = manifest.id.as_str();
    let installed = client
        .app(id)
        .await
        .context("cannot look up the app on the server")?;
    if let Some(app) = installed
        .as_ref()
        .filter(|a| a.status == view::AWAITING_GRANT)
    {
        // Uploaded before but never granted: this upload replaces it.
        println!(
            "{id} {} waits on the server for a grant: replacing it with {}",
            app.version(),
            manifest.version
        );
    } else if let Some(app) = &installed {
        refuse_older(app, &manifest.version)?;
        println!(
            "{id} {} is installed ({}): updating it to {}",
            app.version(),
            app.status_line(),
            manifest.version
        );
    } else {
        println!("installing {id} {} on {}", manifest.version, args.server);
    }

    let visible = !args.quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = crate::progress::transfer("uploading", bytes.len() as u64, visible);
    let file_name = args
        .package
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app.zip".into());
    let size = bytes.len();
    let uploaded = client
        .upload(
            installed.as_ref().map(|_| id),
            &file_name,
            body::ProgressBody::new(bytes.into(), bar.clone()),
        )
        .await;
    bar.finish_and_clear();
    let mut app = uploaded.context("the upload failed")?;
    let signature = app
        .signature
        .as_ref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    println!(
        "uploaded {id} {} ({size} bytes{signature})",
        manifest.version
    );

    if app.needs_grant(&manifest.version.to_string()) {
        let requested = app.requested();
        let update = app.pending_update.is_some();
        let asked = if update {
            "the update asks for"
        } else {
            "it asks for"
        };
        println!("{asked}:\n{}", grant::review(&requested, app.required()));
        let question = if update {
            format!("grant these and update {id} to {}?", manifest.version)
        } else {
            format!("grant these to {id} and install it?")
        };
        let Some(choice) = decide(&plan, &question)? else {
            let waiting = if update {
                format!(
                    "the update of {id} to {} waits on the server for a grant, while {} runs on",
                    manifest.version,
                    app.version()
                )
            } else {
                format!("{id} waits on the server for a grant")
            };
            bail!(
                "nothing granted: {waiting}; deploy again with `--grant all` (or `--grant NAMES`)"
            );
        };
        let body = grant::grant_body(&choice, &requested).map_err(anyhow::Error::msg)?;
        app = client.grant(id, body).await.context("granting failed")?;
        println!("granted: {}", granted_line(&choice, &requested));
    } else if installed.is_some() {
        println!("the update asks for no new permissions: it keeps its grants");
    }

    if args.enable && app.status != view::ENABLED {
        app = client
            .enable(id)
            .await
            .with_context(|| format!("{id} is installed, but enabling it failed"))?;
    }
    println!("{id} {}: {}", app.version(), app.status_line());
    if let Some(hint) = next_step(&app.status, id) {
        println!("{hint}");
    }
    Ok(())
}

/// What to do about an app that does not run after the deploy.
fn next_step(status: &str, id: &str) -> Option<String> {
    match status {
        view::ENABLED => None,
        "invalid_settings" => Some(format!(
            "set its required settings (POST /api/apps/{id}/settings), then deploy with \
             `--enable` or enable it (POST /api/apps/{id}/status)"
        )),
        "refused" => Some(
            "the server will not run it (the reason is above); fix that, then deploy a new version"
                .to_string(),
        ),
        "disabled_after_faults" => Some(format!(
            "it was disabled after faults; its logs say why (GET /api/apps/{id}/logs)"
        )),
        _ => Some(format!(
            "enable it with `--enable`, or in the admin API (POST /api/apps/{id}/status)"
        )),
    }
}

/// An update must raise the version; said here, before a useless upload.
fn refuse_older(installed: &AppView, uploading: &Version) -> Result<()> {
    let Ok(current) = Version::parse(installed.version()) else {
        // The server will judge a version it wrote oddly.
        return Ok(());
    };
    if uploading <= &current {
        bail!(
            "{} {current} is installed and this package is {uploading}: an update must raise the \
             version; raise `version` in manifest.json and build again",
            installed.id
        );
    }
    Ok(())
}

/// The grant to send, or `None` when the admin declined.
fn decide(plan: &GrantPlan, question: &str) -> Result<Option<GrantChoice>> {
    match plan {
        GrantPlan::Given(choice) => Ok(Some(choice.clone())),
        GrantPlan::Approved => Ok(Some(GrantChoice::All)),
        GrantPlan::Ask => {
            eprint!("{question} [y/N] ");
            std::io::stderr().flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            Ok(grant::is_yes(&answer).then_some(GrantChoice::All))
        }
    }
}

fn granted_line(choice: &GrantChoice, requested: &[view::Permission]) -> String {
    let names: Vec<&str> = match choice {
        GrantChoice::All => requested.iter().map(|p| p.name.as_str()).collect(),
        GrantChoice::Only(names) => names.iter().map(String::as_str).collect(),
    };
    if names.is_empty() {
        "nothing".to_string()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(version: &str) -> AppView {
        AppView {
            id: "weather-bot".into(),
            version: version.into(),
            ..AppView::default()
        }
    }

    #[test]
    fn an_app_that_does_not_run_gets_its_next_step() {
        assert_eq!(next_step("enabled", "a"), None);
        assert!(
            next_step("invalid_settings", "a")
                .unwrap()
                .contains("/api/apps/a/settings")
        );
        assert!(next_step("disabled", "a").unwrap().contains("--enable"));
        assert!(
            next_step("disabled_after_faults", "a")
                .unwrap()
                .contains("/api/apps/a/logs")
        );
    }

    #[test]
    fn an_update_must_raise_the_version() {
        let same = refuse_older(&installed("0.2.0"), &Version::new(0, 2, 0));
        let older = refuse_older(&installed("0.2.0"), &Version::new(0, 1, 9));
        let newer = refuse_older(&installed("0.2.0"), &Version::new(0, 3, 0));

        assert!(same.unwrap_err().to_string().contains("0.2.0 is installed"));
        assert!(older.unwrap_err().to_string().contains("raise `version`"));
        assert!(newer.is_ok());
    }
}
