//! `capsule`: the chat server's command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use capsule_server::apps::manager::record::Actor;
use capsule_server::chat::NewUser;
use capsule_server::config::{Config, LogFormat, ServeArgs};
use capsule_server::server::{self, AdminSeed};

/// Capsule: a chat server whose integrations are signed, sandboxed
/// WebAssembly apps.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `capsule` serves with these settings.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Administration on the server's data folder.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The publisher keys the server trusts, on its data folder. Stop the
    /// server first: it reads its trusted keys when it starts (against a
    /// running server, use `capsule-app trust` or the apps admin API).
    Keys(KeysArgs),
}

#[derive(clap::Args)]
struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    /// Data folder of the server [default: ./capsule-data]
    #[arg(long, env = "CAPSULE_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// TOML configuration file, for the keys it trusts [default: ./capsule.toml if present]
    #[arg(long, env = "CAPSULE_CONFIG", global = true)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Trust the publisher key in a public key file (as `capsule-app keygen` writes it).
    Add {
        /// The public key file, e.g. acme.pub.json.
        file: PathBuf,
    },
    /// The trusted keys: id, publisher, and where each comes from (`config` or `api`).
    List,
    /// Stop trusting a key; the apps it signed are refused.
    Remove {
        /// The key's id, as `capsule keys list` shows it.
        key_id: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account (also on a server with closed registration).
    CreateUser {
        #[arg(long)]
        username: String,
        /// The password; read from CAPSULE_ADMIN_PASSWORD when not given.
        #[arg(long, env = "CAPSULE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Data folder of the server [default: ./capsule-data]
        #[arg(long, env = "CAPSULE_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour(std::io::stdout().is_terminal()));
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Logging for a command that prints its own answer on stdout: only
/// warnings and errors by default, and on stderr, so the answer stays
/// readable (and parseable) on its own.
fn init_command_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(std::io::stderr().is_terminal()))
        .init();
}

/// Colour only for a person at a terminal: a log file, a pipe or a
/// service manager's journal gets plain text, and `NO_COLOR` turns colour
/// off everywhere.
fn colour(to_a_terminal: bool) -> bool {
    to_a_terminal && std::env::var_os("NO_COLOR").is_none()
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Admin(AdminCommand::CreateUser {
            username,
            password,
            email,
            name,
            data_dir,
        })) => {
            init_logging(LogFormat::Text);
            let args = ServeArgs {
                data_dir,
                ..ServeArgs::default()
            };
            let config = args.resolve()?;
            create_user(&config, username, password, email, name).await
        }
        Some(Command::Keys(args)) => {
            init_command_logging();
            keys(args).await
        }
    }
}

/// `capsule keys`: through the app manager, as the apps admin API does,
/// so a change is audited and re-checked against the installed apps.
async fn keys(args: KeysArgs) -> Result<()> {
    let config = ServeArgs {
        data_dir: args.data_dir,
        config: args.config,
        ..ServeArgs::default()
    }
    .resolve()?;
    let apps = server::prepare(server::open_store(&config)?, &config, None)
        .await?
        .apps;
    match args.command {
        KeysCommand::Add { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let key = apps
                .add_trusted_key(Actor::command_line(), &text)
                .await
                .with_context(|| format!("cannot trust the key in {}", file.display()))?;
            println!("trusted {} ({})", key.key_id, key.publisher);
        }
        KeysCommand::List => {
            let keys = apps.trusted_keys().await?;
            if keys.is_empty() {
                println!("no trusted keys");
            }
            for key in keys {
                println!("{}  {}  ({})", key.key_id, key.publisher, key.source);
            }
        }
        KeysCommand::Remove { key_id } => {
            let refused = apps
                .remove_trusted_key(Actor::command_line(), &key_id)
                .await?;
            println!("no longer trusted: {key_id}");
            if !refused.is_empty() {
                println!("apps refused (signed by it): {}", refused.join(", "));
            }
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    let config = args.resolve()?;
    init_logging(config.log_format);
    tracing::info!(data_dir = %config.data_dir.display(), listen = %config.listen, "starting Capsule {}", env!("CARGO_PKG_VERSION"));
    let running = server::start(config, AdminSeed::from_env()).await?;
    running
        .serve_until(shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

async fn create_user(
    config: &Config,
    username: String,
    password: String,
    email: Option<String>,
    name: Option<String>,
) -> Result<()> {
    let store = server::open_store(config)?;
    let chat = server::prepare(store, config, None).await?.chat;
    let user = chat
        .create_user(NewUser::admin(
            &username,
            name.as_deref().unwrap_or(&username),
            &password,
            email.as_deref(),
        ))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created admin {} ({})", user.username, user.id);
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
