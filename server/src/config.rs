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
//!
//! The file is `--config` / `CAPSULE_CONFIG`, or `capsule.toml` in the
//! working folder when that exists.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::store::embedded::Durability;

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
        Ok(merge(self, &file))
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
    config
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
    fn an_unknown_key_in_the_file_is_refused() {
        let error = toml::from_str::<FileConfig>("lisen = \"x\"").unwrap_err();
        assert!(error.to_string().contains("lisen"), "{error}");
    }
}
