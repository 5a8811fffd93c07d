//! Server configuration: flags, then environment variables, then a TOML
//! file, then defaults (the first that sets a value wins).
//!
//! | setting | flag | environment | TOML key | default |
//! | --- | --- | --- | --- | --- |
//! | listen address | `--listen` | `CAPSULE_LISTEN` | `listen` | `0.0.0.0:3000` |
//! | data folder | `--data-dir` | `CAPSULE_DATA_DIR` | `data_dir` | `./capsule-data` |
//! | durability | `--durability` | `CAPSULE_DURABILITY` | `durability` | `normal` |
//! | request body limit | `--max-body-bytes` | `CAPSULE_MAX_BODY_BYTES` | `max_body_bytes` | 1 MiB |
//! | log format | `--log-format` | `CAPSULE_LOG_FORMAT` | `log_format` | `text` |
//! | public URL | `--site-url` | `CAPSULE_SITE_URL` | `site_url` | `http://localhost:3000` |
//! | app packages to provision at start | `--app PATH` (repeat it) | `CAPSULE_APPS` (comma-separated) | `apps = [...]` | none |
//! | trusted publisher keys | `--trusted-key PATH` (repeat it) | `CAPSULE_TRUSTED_KEYS` (comma-separated) | `trusted_keys = [...]` | none |
//! | development mode | `--development` | `CAPSULE_DEVELOPMENT` | `development` | `false` |
//! | real-time queue per connection | `--realtime-queue-frames` | `CAPSULE_REALTIME_QUEUE_FRAMES` | `realtime_queue_frames` | 4096 |
//! | trusted reverse proxies ([`trusted_proxies`]) | `--trusted-proxy ADDRESS_OR_CIDR` (repeat it) | `CAPSULE_TRUSTED_PROXIES` (comma-separated) | `trusted_proxies = [...]` | loopback |
//! | header read timeout (seconds) | `--header-read-timeout-secs` | `CAPSULE_HEADER_READ_TIMEOUT_SECS` | `header_read_timeout_secs` | 30 |
//! | body read timeout (seconds) | `--body-read-timeout-secs` | `CAPSULE_BODY_READ_TIMEOUT_SECS` | `body_read_timeout_secs` | 30 |
//! | open connections in all | `--max-connections` | `CAPSULE_MAX_CONNECTIONS` | `max_connections` | 16384 |
//! | open connections per client address | `--max-connections-per-address` | `CAPSULE_MAX_CONNECTIONS_PER_ADDRESS` | `max_connections_per_address` | 256 |
//!
//! The file is `--config` / `CAPSULE_CONFIG`, or `capsule.toml` in the
//! working folder when that exists. Paths are taken as written (relative
//! ones from the working folder).
//!
//! Listing an app package is the admin's approval of it: at start the app
//! manager installs it if absent (granted everything its manifest asks
//! for, enabled) or updates it to a newer file; from then on its state is
//! in the store, so an admin's changes (disabled, grants, settings)
//! survive a restart. A package must be signed by
//! one of the trusted keys (publisher public key files, as `capsule-app
//! keygen` writes them) unless development mode is on, which also loads
//! unsigned packages and packages signed by unknown keys, with a warning
//! in the log: never on a production server.

pub mod edge;
mod ranges;
pub mod scheduler;
pub mod trusted_proxies;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use trusted_proxies::{ProxyRange, TrustedProxies};

/// How hard a commit of the embedded store tries to reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Survives a killed process; the default.
    #[default]
    Normal,
    /// Also survives a power cut: an fsync per group commit.
    Full,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub durability: Durability,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    pub site_url: String,
    /// App packages (zips) to provision at start.
    pub apps: Vec<PathBuf>,
    /// Publisher public key files whose signatures are trusted.
    pub trusted_keys: Vec<PathBuf>,
    /// Load unsigned packages and packages signed by unknown keys.
    pub development: bool,
    /// Frames a real-time connection may have waiting before it counts
    /// as too far behind and is dropped.
    pub realtime_queue_frames: usize,
    /// The reverse proxies whose `X-Forwarded-For` entries are believed.
    pub trusted_proxies: TrustedProxies,
    /// The app job scheduler's limits and waits (not read from files or
    /// flags: the defaults are the server's; tests shorten them).
    pub scheduler: scheduler::Tuning,
    /// Timeouts and connection caps at the HTTP edge.
    pub edge: edge::EdgeLimits,
}

impl Config {
    /// Defaults with the data folder at `data_dir`, listening on `listen`.
    pub fn new(listen: SocketAddr, data_dir: &Path) -> Config {
        Config {
            listen,
            data_dir: data_dir.to_owned(),
            durability: Durability::Normal,
            max_body_bytes: 1024 * 1024,
            log_format: LogFormat::Text,
            site_url: format!("http://localhost:{}", listen.port()),
            apps: Vec::new(),
            trusted_keys: Vec::new(),
            development: false,
            realtime_queue_frames: 4096,
            trusted_proxies: TrustedProxies::loopback(),
            scheduler: scheduler::Tuning::default(),
            edge: edge::EdgeLimits::default(),
        }
    }
}

/// The settings a TOML file may hold; every key is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub durability: Option<Durability>,
    pub max_body_bytes: Option<usize>,
    pub log_format: Option<LogFormat>,
    pub site_url: Option<String>,
    pub apps: Option<Vec<PathBuf>>,
    pub trusted_keys: Option<Vec<PathBuf>>,
    pub development: Option<bool>,
    pub realtime_queue_frames: Option<usize>,
    /// An empty list trusts no proxy.
    pub trusted_proxies: Option<Vec<ProxyRange>>,
    // The edge's timeouts and connection caps (`edge::EdgeLimits`).
    pub header_read_timeout_secs: Option<u64>,
    pub body_read_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_connections_per_address: Option<usize>,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    /// A value is out of its range (see `ranges.rs`).
    #[error(
        "`{key}` (flag `--{flag}`, environment `CAPSULE_{env}`) is {value}; it takes a number from {min} to {max}",
        flag = .key.replace('_', "-"),
        env = .key.to_uppercase()
    )]
    OutOfRange {
        key: &'static str,
        value: usize,
        min: usize,
        max: usize,
    },
}

impl FileConfig {
    /// Reads `path`, or `capsule.toml` when it exists and no path is given.
    pub fn load(path: Option<&Path>) -> Result<FileConfig, ConfigError> {
        let path = match path {
            Some(path) => path.to_owned(),
            None if Path::new("capsule.toml").exists() => PathBuf::from("capsule.toml"),
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path,
            source: Box::new(source),
        })
    }
}

/// Flags and environment variables of `capsule serve`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file [default: ./capsule.toml if present]
    #[arg(long, env = "CAPSULE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 0.0.0.0:3000]
    #[arg(long, env = "CAPSULE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Folder of the embedded store [default: ./capsule-data]
    #[arg(long, env = "CAPSULE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `normal` survives a killed server; `full` also a power cut [default: normal]
    #[arg(long, env = "CAPSULE_DURABILITY", value_parser = parse_durability)]
    pub durability: Option<Durability>,
    /// Largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "CAPSULE_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// `text` or `json` log lines [default: text]
    #[arg(long, env = "CAPSULE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// The URL users reach the server at [default: http://localhost:PORT]
    #[arg(long, env = "CAPSULE_SITE_URL")]
    pub site_url: Option<String>,
    /// An app package (zip) to load; repeat for more [env: comma-separated]
    #[arg(
        long = "app",
        value_name = "PATH",
        env = "CAPSULE_APPS",
        value_delimiter = ','
    )]
    pub apps: Vec<PathBuf>,
    /// A publisher public key file to trust; repeat for more [env: comma-separated]
    #[arg(
        long = "trusted-key",
        value_name = "PATH",
        env = "CAPSULE_TRUSTED_KEYS",
        value_delimiter = ','
    )]
    pub trusted_keys: Vec<PathBuf>,
    /// Also load unsigned or untrusted app packages (never in production)
    #[arg(
        long,
        env = "CAPSULE_DEVELOPMENT",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub development: Option<bool>,
    /// Frames a real-time connection may queue before it is dropped as too slow [default: 4096]
    #[arg(long, env = "CAPSULE_REALTIME_QUEUE_FRAMES")]
    pub realtime_queue_frames: Option<usize>,
    /// A reverse proxy (address or CIDR range) whose `X-Forwarded-For` is believed; repeat for more [default: loopback] [env: comma-separated]
    #[arg(
        long = "trusted-proxy",
        value_name = "ADDRESS_OR_CIDR",
        env = "CAPSULE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<ProxyRange>,
    /// Seconds a client has to send a request's headers [default: 30]
    #[arg(long, env = "CAPSULE_HEADER_READ_TIMEOUT_SECS")]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds a request body may go without a byte arriving [default: 30]
    #[arg(long, env = "CAPSULE_BODY_READ_TIMEOUT_SECS")]
    pub body_read_timeout_secs: Option<u64>,
    /// Open connections the server holds in all [default: 16384]
    #[arg(long, env = "CAPSULE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Open connections one client address may hold [default: 256]
    #[arg(long, env = "CAPSULE_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<usize>,
}

fn parse_durability(text: &str) -> Result<Durability, String> {
    match text {
        "normal" => Ok(Durability::Normal),
        "full" => Ok(Durability::Full),
        other => Err(format!(
            "`{other}` is not a durability; use `normal` or `full`"
        )),
    }
}

impl ServeArgs {
    /// Merges these over the file's settings and the defaults.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let file = FileConfig::load(self.config.as_deref())?;
        let config = merge(self, &file);
        ranges::check(&config)?;
        Ok(config)
    }
}

fn merge(args: &ServeArgs, file: &FileConfig) -> Config {
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 3000)));
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("capsule-data"));
    let mut config = Config::new(listen, &data_dir);
    config.durability = args.durability.or(file.durability).unwrap_or_default();
    if let Some(bytes) = args.max_body_bytes.or(file.max_body_bytes) {
        config.max_body_bytes = bytes;
    }
    config.log_format = args.log_format.or(file.log_format).unwrap_or_default();
    if let Some(url) = args.site_url.clone().or_else(|| file.site_url.clone()) {
        config.site_url = url;
    }
    config.apps = first_listed(&args.apps, &file.apps);
    config.trusted_keys = first_listed(&args.trusted_keys, &file.trusted_keys);
    config.development = args.development.or(file.development).unwrap_or(false);
    if let Some(frames) = args.realtime_queue_frames.or(file.realtime_queue_frames) {
        config.realtime_queue_frames = frames.max(1);
    }
    if !args.trusted_proxies.is_empty() {
        config.trusted_proxies = TrustedProxies::new(args.trusted_proxies.clone());
    } else if let Some(ranges) = &file.trusted_proxies {
        config.trusted_proxies = TrustedProxies::new(ranges.clone());
    }

    config.edge = edge::EdgeLimits::merge(
        edge::EdgeSettings {
            header_read_timeout_secs: args.header_read_timeout_secs,
            body_read_timeout_secs: args.body_read_timeout_secs,
            max_connections: args.max_connections,
            max_connections_per_address: args.max_connections_per_address,
        },
        edge::EdgeSettings {
            header_read_timeout_secs: file.header_read_timeout_secs,
            body_read_timeout_secs: file.body_read_timeout_secs,
            max_connections: file.max_connections,
            max_connections_per_address: file.max_connections_per_address,
        },
    );
    config
}

/// The list from the flags or environment when it names anything, else
/// the file's.
fn first_listed(args: &[PathBuf], file: &Option<Vec<PathBuf>>) -> Vec<PathBuf> {
    if args.is_empty() {
        file.clone().unwrap_or_default()
    } else {
        args.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"127.0.0.1:4000\"\ndata_dir = \"/var/lib/capsule\"\nmax_body_bytes = 10",
        )
        .unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:5000".parse().unwrap()),
            ..ServeArgs::default()
        };
        let config = merge(&args, &file);
        assert_eq!(config.listen.port(), 5000);
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/capsule"));
        assert_eq!(config.max_body_bytes, 10);
        assert_eq!(config.durability, Durability::Normal);
    }

    #[test]
    fn defaults_listen_on_port_3000() {
        let config = merge(&ServeArgs::default(), &FileConfig::default());
        assert_eq!(config.listen.port(), 3000);
        assert_eq!(config.data_dir, PathBuf::from("capsule-data"));
    }

    #[test]
    fn apps_and_keys_come_from_the_flags_else_the_file() {
        let file: FileConfig = toml::from_str(
            "apps = [\"a.zip\", \"b.zip\"]\ntrusted_keys = [\"k.json\"]\ndevelopment = true",
        )
        .unwrap();
        let config = merge(&ServeArgs::default(), &file);
        assert_eq!(
            config.apps,
            [PathBuf::from("a.zip"), PathBuf::from("b.zip")]
        );
        assert_eq!(config.trusted_keys, [PathBuf::from("k.json")]);
        assert!(config.development);
        let args = ServeArgs {
            apps: vec![PathBuf::from("c.zip")],
            development: Some(false),
            ..ServeArgs::default()
        };
        let config = merge(&args, &file);
        assert_eq!(config.apps, [PathBuf::from("c.zip")]);
        assert!(!config.development);
    }

    #[test]
    fn app_flags_repeat_and_their_variable_splits_on_commas() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let cli = Cli::parse_from([
            "capsule",
            "--app",
            "a.zip",
            "--app",
            "b.zip,c.zip",
            "--development",
        ]);
        assert_eq!(cli.serve.apps.len(), 3);
        assert_eq!(cli.serve.development, Some(true));
        let cli = Cli::parse_from(["capsule", "--development=no"]);
        assert_eq!(cli.serve.development, Some(false));
        assert_eq!(Cli::parse_from(["capsule"]).serve.development, None);
    }

    #[test]
    fn trusted_proxies_come_from_the_flags_else_the_file_else_loopback() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let loopback = merge(&ServeArgs::default(), &FileConfig::default());
        assert_eq!(loopback.trusted_proxies, TrustedProxies::loopback());
        let file: FileConfig = toml::from_str("trusted_proxies = [\"10.0.0.0/8\"]").unwrap();
        let from_file = merge(&ServeArgs::default(), &file);
        assert!(
            from_file
                .trusted_proxies
                .trusts("10.1.2.3".parse().unwrap())
        );
        assert!(
            !from_file
                .trusted_proxies
                .trusts("127.0.0.1".parse().unwrap())
        );
        let none: FileConfig = toml::from_str("trusted_proxies = []").unwrap();
        assert!(
            merge(&ServeArgs::default(), &none)
                .trusted_proxies
                .ranges()
                .is_empty()
        );
        let cli = Cli::parse_from([
            "capsule",
            "--trusted-proxy",
            "192.0.2.1",
            "--trusted-proxy",
            "fd00::/8,10.0.0.0/8",
        ]);
        let from_flags = merge(&cli.serve, &file);
        assert_eq!(from_flags.trusted_proxies.ranges().len(), 3);
        assert!(
            from_flags
                .trusted_proxies
                .trusts("192.0.2.1".parse().unwrap())
        );
    }

    #[test]
    fn a_trusted_proxy_that_is_not_an_address_is_refused() {
        let error =
            toml::from_str::<FileConfig>("trusted_proxies = [\"proxy.local\"]").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`proxy.local` is not an IP address"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let error = toml::from_str::<FileConfig>("lisen = \"x\"").unwrap_err();
        assert!(error.to_string().contains("lisen"), "{error}");
    }
}
