//! `capsule-app trust`: the publisher keys a running Capsule server
//! trusts, through its apps admin API, with an admin's credentials (as
//! `deploy` sends them).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use capsule_package::PublicKey;
use serde_json::Value;

use super::deploy::client::AdminClient;

/// Arguments of `trust`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    /// The server's base URL.
    #[arg(
        long,
        env = "CAPSULE_URL",
        default_value = "http://localhost:3000",
        global = true
    )]
    pub server: String,
    /// An admin's user id (sent as X-User-Id).
    #[arg(long, env = "CAPSULE_USER_ID", global = true)]
    pub user_id: Option<String>,
    /// That admin's auth or personal access token (sent as X-Auth-Token).
    #[arg(
        long,
        env = "CAPSULE_AUTH_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub token: Option<String>,
}

/// What to do with the server's trusted keys.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Trust the publisher key in a public key file (NAME.pub.json, as
    /// `capsule-app keygen` writes it); apps refused for it run again.
    Add {
        /// The public key file.
        key: PathBuf,
    },
    /// The keys the server trusts: id, publisher, and where each comes from.
    List,
    /// Stop trusting a key; the server refuses the apps it signed.
    Remove {
        /// The key's id, as `capsule-app trust list` shows it.
        key_id: String,
    },
}

pub fn run(args: Args) -> Result<()> {
    // clap's `required` does not mix with `global`, so the credentials are
    // checked here, naming both ways to give them.
    let user_id = args
        .user_id
        .as_deref()
        .context("an admin's user id is needed: pass --user-id or set CAPSULE_USER_ID")?;
    let token = args.token.as_deref().context(
        "an admin's auth or personal access token is needed: pass --token or set CAPSULE_AUTH_TOKEN",
    )?;
    let client = AdminClient::new(&args.server, user_id, token);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match &args.command {
            Command::Add { key } => add(&client, key).await,
            Command::List => list(&client).await,
            Command::Remove { key_id } => remove(&client, key_id).await,
        }
    })
}

async fn add(client: &AdminClient, path: &Path) -> Result<()> {
    // Read here first, so a secret signing key given by mistake never
    // leaves this machine, and a broken file is named before any request.
    let key = PublicKey::load(path)
        .with_context(|| format!("{} is not a publisher's public key file", path.display()))?;
    let file: Value = serde_json::from_str(&key.to_json())?;
    let trusted = client.trust(file).await?;
    println!(
        "the server trusts {} ({})",
        trusted.key_id, trusted.publisher
    );
    Ok(())
}

async fn list(client: &AdminClient) -> Result<()> {
    let keys = client.trusted_keys().await?;
    if keys.is_empty() {
        println!("the server trusts no keys");
    }
    for key in keys {
        println!("{}  {}  ({})", key.key_id, key.publisher, key.source);
    }
    Ok(())
}

async fn remove(client: &AdminClient, key_id: &str) -> Result<()> {
    let refused = client.distrust(key_id).await?;
    println!("the server no longer trusts {key_id}");
    if !refused.is_empty() {
        println!("apps refused (signed by it): {}", refused.join(", "));
    }
    Ok(())
}
