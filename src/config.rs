//! Settings: command-line flag > `ZEZARO_*` environment variable > TOML
//! config file > default.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use crate::net::HostPolicy;
use crate::net::ip::{Net, Nets};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    /// The `[replication]` settings (replication/settings.rs).
    #[error("{0}")]
    Replication(String),
}

/// When session cookies carry the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Only when the request came over TLS (directly or as told by a proxy).
    Auto,
    Always,
    Never,
}

impl FromStr for SecureCookies {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            other => Err(format!("expected auto, always or never, got {other:?}")),
        }
    }
}

/// The file form: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    log: Option<String>,
    workers: Option<usize>,
    session_hours: Option<u32>,
    max_body_bytes: Option<usize>,
    max_attachment_bytes: Option<usize>,
    secure_cookies: Option<SecureCookies>,
    login_attempts_per_account: Option<u32>,
    login_attempts_per_address: Option<u32>,
    trusted_proxies: Option<Vec<Net>>,
    event_streams_per_user: Option<usize>,
    event_streams_total: Option<usize>,
    backup_dir: Option<PathBuf>,
    backup_schedule: Option<String>,
    backup_key_file: Option<PathBuf>,
    backup_compress: Option<bool>,
    backup_keep_daily: Option<usize>,
    backup_keep_weekly: Option<usize>,
    backup_keep_monthly: Option<usize>,
    metrics_token: Option<String>,
    export_ttl_hours: Option<u32>,
    public_url: Option<String>,
    mail_allowed_hosts: Option<Vec<String>>,
    replication: Option<crate::replication::settings::FileSection>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: String,
    /// tracing filter, e.g. `info` or `zezaro=debug`.
    pub log: String,
    /// HTTP worker threads; default: one per core.
    pub workers: Option<usize>,
    pub session_hours: u32,
    /// Largest accepted request body (JSON, CSV).
    pub max_body_bytes: usize,
    /// Largest accepted attachment.
    pub max_attachment_bytes: usize,
    pub secure_cookies: SecureCookies,
    /// Failed logins per account / per client address (in 15 minutes)
    /// before each further attempt must wait, longer and longer.
    pub login_attempts_per_account: u32,
    pub login_attempts_per_address: u32,
    /// Reverse proxies (addresses or CIDR networks) whose `Forwarded` /
    /// `X-Forwarded-For` headers name the client; empty: none, the socket
    /// peer is the client.
    pub trusted_proxies: Vec<Net>,
    /// Open live-event streams (`/api/v1/events`) per user.
    pub event_streams_per_user: usize,
    /// Open live-event streams in all; default: from the open-file limit.
    pub event_streams_total: Option<usize>,
    /// Where backups go; default `<data_dir>/backups`.
    pub backup_dir: Option<PathBuf>,
    /// When the backup service runs: cron in UTC, seconds optional.
    pub backup_schedule: String,
    /// Encrypts backups with this key (32 bytes or 64 hex digits); the admin
    /// keeps a copy away from the backups.
    pub backup_key_file: Option<PathBuf>,
    /// gzip the backup archives.
    pub backup_compress: bool,
    /// Retention: newest backup of each of the last N days / weeks / months.
    pub backup_keep_daily: usize,
    pub backup_keep_weekly: usize,
    pub backup_keep_monthly: usize,
    /// Lets `/metrics` be read from other machines with this bearer token.
    pub metrics_token: Option<String>,
    /// A finished client export is deleted this many hours after it was
    /// made (1–720).
    pub export_ttl_hours: u32,
    /// Mail servers (IMAP, SMTP) in private, loopback, link-local or other
    /// reserved networks that mailboxes may use, by host name or network
    /// (`localhost`, `127.0.0.1`, `10.0.0.0/8`); also the only hosts for
    /// plain-text connections. Empty: public mail servers over TLS only.
    pub mail_allowed_hosts: HostPolicy,
    /// The address users open zezaro at (`https://service.example.de`):
    /// links in notification e-mails. Unset: the mails name the case's
    /// number without a link.
    pub public_url: Option<String>,
    /// Continuous replication of the store (and attachments) with
    /// Litestream; `None`: off (replication/).
    pub replication: Option<crate::replication::Replication>,
}

impl Config {
    /// The backup directory, resolved.
    pub fn backup_directory(&self) -> PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:8080".into(),
            log: "info".into(),
            workers: None,
            session_hours: 12,
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 25 * 1024 * 1024,
            secure_cookies: SecureCookies::Auto,
            login_attempts_per_account: 5,
            login_attempts_per_address: 20,
            trusted_proxies: Vec::new(),
            event_streams_per_user: 8,
            event_streams_total: None,
            backup_dir: None,
            backup_schedule: "0 30 2 * * *".into(),
            backup_key_file: None,
            backup_compress: true,
            backup_keep_daily: 7,
            backup_keep_weekly: 4,
            backup_keep_monthly: 12,
            metrics_token: None,
            export_ttl_hours: 24,
            public_url: None,
            mail_allowed_hosts: HostPolicy::public_only(),
            replication: None,
        }
    }
}

/// Values given on the command line (already merged with their
/// environment variables by clap).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    /// `--mail-allowed-hosts`, comma-separated.
    pub mail_allowed_hosts: Option<String>,
    /// `--trusted-proxies` (or `ZEZARO_TRUSTED_PROXIES`).
    pub trusted_proxies: Option<Vec<Net>>,
    /// `serve --replication-target/--replication-path/--litestream`.
    pub replication: crate::replication::settings::Flags,
}

impl Config {
    pub fn resolve(flags: Overrides) -> Result<Config, ConfigError> {
        let file = match &flags.config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let d = Config::default();
        Ok(Config {
            data_dir: flags.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            listen: flags.listen.or(file.listen).unwrap_or(d.listen),
            log: env("ZEZARO_LOG")?.or(file.log).unwrap_or(d.log),
            workers: env("ZEZARO_WORKERS")?.or(file.workers).or(d.workers),
            session_hours: env("ZEZARO_SESSION_HOURS")?
                .or(file.session_hours)
                .unwrap_or(d.session_hours),
            max_body_bytes: env("ZEZARO_MAX_BODY_BYTES")?
                .or(file.max_body_bytes)
                .unwrap_or(d.max_body_bytes),
            max_attachment_bytes: env("ZEZARO_MAX_ATTACHMENT_BYTES")?
                .or(file.max_attachment_bytes)
                .unwrap_or(d.max_attachment_bytes),
            secure_cookies: env("ZEZARO_SECURE_COOKIES")?
                .or(file.secure_cookies)
                .unwrap_or(d.secure_cookies),
            login_attempts_per_account: env("ZEZARO_LOGIN_ATTEMPTS_PER_ACCOUNT")?
                .or(file.login_attempts_per_account)
                .unwrap_or(d.login_attempts_per_account),
            login_attempts_per_address: env("ZEZARO_LOGIN_ATTEMPTS_PER_ADDRESS")?
                .or(file.login_attempts_per_address)
                .unwrap_or(d.login_attempts_per_address),
            trusted_proxies: flags
                .trusted_proxies
                .or(env::<Nets>("ZEZARO_TRUSTED_PROXIES")?.map(|nets| nets.0))
                .or(file.trusted_proxies)
                .unwrap_or(d.trusted_proxies),
            event_streams_per_user: env("ZEZARO_EVENT_STREAMS_PER_USER")?
                .or(file.event_streams_per_user)
                .unwrap_or(d.event_streams_per_user),
            event_streams_total: env("ZEZARO_EVENT_STREAMS_TOTAL")?
                .or(file.event_streams_total)
                .or(d.event_streams_total),
            backup_dir: env("ZEZARO_BACKUP_DIR")?.or(file.backup_dir),
            backup_schedule: env("ZEZARO_BACKUP_SCHEDULE")?
                .or(file.backup_schedule)
                .unwrap_or(d.backup_schedule),
            backup_key_file: env("ZEZARO_BACKUP_KEY_FILE")?.or(file.backup_key_file),
            backup_compress: env("ZEZARO_BACKUP_COMPRESS")?
                .or(file.backup_compress)
                .unwrap_or(d.backup_compress),
            backup_keep_daily: env("ZEZARO_BACKUP_KEEP_DAILY")?
                .or(file.backup_keep_daily)
                .unwrap_or(d.backup_keep_daily),
            backup_keep_weekly: env("ZEZARO_BACKUP_KEEP_WEEKLY")?
                .or(file.backup_keep_weekly)
                .unwrap_or(d.backup_keep_weekly),
            backup_keep_monthly: env("ZEZARO_BACKUP_KEEP_MONTHLY")?
                .or(file.backup_keep_monthly)
                .unwrap_or(d.backup_keep_monthly),
            metrics_token: env("ZEZARO_METRICS_TOKEN")?.or(file.metrics_token),
            public_url: env("ZEZARO_PUBLIC_URL")?
                .or(file.public_url)
                .map(|u: String| u.trim().trim_end_matches('/').to_string())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            export_ttl_hours: env("ZEZARO_EXPORT_TTL_HOURS")?
                .or(file.export_ttl_hours)
                .unwrap_or(d.export_ttl_hours)
                .clamp(1, 720),
            replication: crate::replication::settings::resolve(file.replication, flags.replication)
                .map_err(ConfigError::Replication)?,
            mail_allowed_hosts: match flags.mail_allowed_hosts {
                Some(list) => list.parse().map_err(|message| ConfigError::Env {
                    name: "--mail-allowed-hosts".into(),
                    message,
                })?,
                None => match env::<HostPolicy>("ZEZARO_MAIL_ALLOWED_HOSTS")? {
                    Some(policy) => policy,
                    None => match &file.mail_allowed_hosts {
                        Some(list) => {
                            HostPolicy::parse(list).map_err(|message| ConfigError::Parse {
                                path: flags.config_file.clone().unwrap_or_default(),
                                message: format!("mail_allowed_hosts: {message}"),
                            })?
                        }
                        None => d.mail_allowed_hosts,
                    },
                },
            },
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|err| ConfigError::Parse {
        path: path.to_owned(),
        message: err.message().to_string(),
    })
}

fn env<T: FromStr>(name: &str) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => {
            value
                .parse()
                .map(Some)
                .map_err(|err: T::Err| ConfigError::Env {
                    name: name.into(),
                    message: err.to_string(),
                })
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_come_from_the_file() {
        let dir = tempfile_dir();
        let path = dir.join("zezaro.toml");
        std::fs::write(
            &path,
            "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\nevent_streams_per_user = 3\n",
        )
        .expect("write");
        let file = read_file(&path).expect("parses");
        let nets = file.trusted_proxies.expect("set");
        assert_eq!(nets.len(), 2);
        assert!(nets[1].contains("10.1.2.3".parse().expect("ip")));
        assert_eq!(file.event_streams_per_user, Some(3));
        std::fs::write(&path, "trusted_proxies = [\"proxy.lan\"]\n").expect("write");
        assert!(matches!(read_file(&path), Err(ConfigError::Parse { .. })));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "zezaro-config-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }
}
