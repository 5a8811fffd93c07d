//! `capsule-app deploy`: upload a package to a Capsule server's apps API.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

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
}

pub fn run(args: Args) -> Result<()> {
    // Checked locally first: a broken package is not worth an upload.
    let manifest = super::read_package(&args.package)?.manifest().clone();
    let bytes = std::fs::read(&args.package)?;
    let url = format!("{}/api/apps", args.server.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (status, body) = runtime.block_on(async {
        let file_name = args
            .package
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "app.zip".into());
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name)
            .mime_str("application/zip")?;
        let form = reqwest::multipart::Form::new().part("app", part);
        let response = reqwest::Client::new()
            .post(&url)
            .header("X-User-Id", &args.user_id)
            .header("X-Auth-Token", &args.token)
            .multipart(form)
            .send()
            .await
            .with_context(|| {
                format!("cannot reach {url}: is the server running, and is --server right?")
            })?;
        let status = response.status();
        anyhow::Ok((status, response.text().await.unwrap_or_default()))
    })?;
    match status.as_u16() {
        200..=299 => {
            println!("uploaded {} {}: {body}", manifest.id, manifest.version);
            Ok(())
        }
        401 => bail!(
            "the server refused the credentials: check --user-id and --token (an admin's token)"
        ),
        403 => bail!("this user may not install apps: deploy with an admin's credentials"),
        404 => bail!("{url} does not exist: is --server a Capsule server?"),
        _ => bail!("the server refused the package ({status}): {body}"),
    }
}
