//! One typed `Settings`, filled in order: defaults, then `bangbang.toml`, then
//! `BANGBANG_*` environment variables, then command-line flags (the last two by clap).
//! The web server's limits live in the file's `[limits]` table; only the one that depends
//! on how the server is deployed (behind a proxy or not) is also an env var and a flag.

use crate::backup::BackupConfig;
use anyhow::{bail, Context};
use bangbang_domain::time;
use bangbang_web::WebConfig;
use chrono::FixedOffset;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8850";
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Where bangbang keeps its data and listens. Flags and env vars arrive as `Some`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StorageArgs {
    /// Folder for the embedded SQLite database (and later, photos).
    #[arg(long, env = "BANGBANG_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Use PostgreSQL instead: postgres://user:password@host:5432/database
    #[arg(long, env = "BANGBANG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// A PostgreSQL streaming replica of --database-url to read lists, figures, reports
    /// and exports from (writes, and a request's own page, stay on the primary).
    #[arg(long, env = "BANGBANG_READ_DATABASE_URL", global = true)]
    pub read_database_url: Option<String>,
    /// Settings file (default: ./bangbang.toml when it exists).
    #[arg(long, env = "BANGBANG_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// `bangbang serve`'s own flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BANGBANG_LISTEN")]
    pub listen: Option<String>,
    /// Take each client's address from the last X-Forwarded-For hop (for the throttles).
    /// Set it only behind a reverse proxy that sets that header.
    #[arg(
        long,
        env = "BANGBANG_TRUST_FORWARDED_FOR",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub trust_forwarded_for: Option<bool>,
    /// The address residents reach the site at, e.g. https://bangbang.example.org (for the
    /// QR poster); without it the poster uses the address it was printed from.
    #[arg(long, env = "BANGBANG_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    /// A PostgreSQL streaming replica to read lists, figures, reports and exports from.
    read_database_url: Option<String>,
    /// The key that signs ledger checkpoints (default `<data_dir>/checkpoint.key`).
    checkpoint_key: Option<PathBuf>,
    /// `serve` takes a ledger checkpoint a day, into `<data_dir>/checkpoints/` (default off).
    checkpoint_daily: Option<bool>,
    /// Database connections per instance (default 8 on SQLite, 16 on PostgreSQL).
    pool_size: Option<u32>,
    public_url: Option<String>,
    /// Where days and months begin and how times are shown: `Asia/Shanghai` (default),
    /// `UTC`, or a fixed offset like `+08:00`. The same for every instance.
    time_zone: Option<String>,
    #[serde(default)]
    limits: LimitSettings,
    #[serde(default)]
    backup: BackupSettings,
}

/// `[backup]`: the daily copies `serve` keeps of an SQLite database.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupSettings {
    dir: Option<PathBuf>,
    daily: Option<bool>,
    keep: Option<usize>,
}

impl BackupSettings {
    fn config(self, data_dir: &Path) -> anyhow::Result<BackupConfig> {
        let d = BackupConfig::defaults(data_dir);
        Ok(BackupConfig {
            dir: self.dir.unwrap_or(d.dir),
            daily: self.daily.unwrap_or(d.daily),
            keep: match self.keep {
                Some(0) => bail!("[backup] keep must be at least 1"),
                Some(keep) => keep,
                None => d.keep,
            },
        })
    }
}

/// `[limits]`: the web server's defences ([`WebConfig`]); a key left out keeps its default.
/// Times are in seconds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitSettings {
    header_read_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    slow_request_timeout_secs: Option<u64>,
    max_concurrent_image_decodes: Option<usize>,
    max_concurrent_imports: Option<usize>,
    sign_in_failures_per_account: Option<u32>,
    sign_in_failures_per_address: Option<u32>,
    sign_in_window_secs: Option<u64>,
    ask_per_address_per_hour: Option<u32>,
    rate_per_address_per_hour: Option<u32>,
    track_misses_per_address_per_hour: Option<u32>,
    trust_forwarded_for: Option<bool>,
}

impl LimitSettings {
    /// The limits, each from the file or its default; zero is refused (a zero timeout
    /// or throttle would shut everyone out).
    fn web_config(self, trust_forwarded_for: Option<bool>) -> anyhow::Result<WebConfig> {
        let d = WebConfig::default();
        fn at_least_one<T: PartialEq + From<u8>>(
            key: &str,
            value: Option<T>,
            default: T,
        ) -> anyhow::Result<T> {
            match value {
                Some(v) if v == T::from(0) => bail!("[limits] {key} must be at least 1"),
                Some(v) => Ok(v),
                None => Ok(default),
            }
        }
        let secs = |key: &str, value: Option<u64>, default: Duration| {
            at_least_one(key, value, default.as_secs()).map(Duration::from_secs)
        };
        Ok(WebConfig {
            header_read_timeout: secs(
                "header_read_timeout_secs",
                self.header_read_timeout_secs,
                d.header_read_timeout,
            )?,
            request_timeout: secs(
                "request_timeout_secs",
                self.request_timeout_secs,
                d.request_timeout,
            )?,
            slow_request_timeout: secs(
                "slow_request_timeout_secs",
                self.slow_request_timeout_secs,
                d.slow_request_timeout,
            )?,
            max_concurrent_image_decodes: at_least_one(
                "max_concurrent_image_decodes",
                self.max_concurrent_image_decodes,
                d.max_concurrent_image_decodes,
            )?,
            max_concurrent_imports: at_least_one(
                "max_concurrent_imports",
                self.max_concurrent_imports,
                d.max_concurrent_imports,
            )?,
            sign_in_failures_per_account: at_least_one(
                "sign_in_failures_per_account",
                self.sign_in_failures_per_account,
                d.sign_in_failures_per_account,
            )?,
            sign_in_failures_per_address: at_least_one(
                "sign_in_failures_per_address",
                self.sign_in_failures_per_address,
                d.sign_in_failures_per_address,
            )?,
            sign_in_window: secs(
                "sign_in_window_secs",
                self.sign_in_window_secs,
                d.sign_in_window,
            )?,
            ask_per_address_per_hour: at_least_one(
                "ask_per_address_per_hour",
                self.ask_per_address_per_hour,
                d.ask_per_address_per_hour,
            )?,
            rate_per_address_per_hour: at_least_one(
                "rate_per_address_per_hour",
                self.rate_per_address_per_hour,
                d.rate_per_address_per_hour,
            )?,
            track_misses_per_address_per_hour: at_least_one(
                "track_misses_per_address_per_hour",
                self.track_misses_per_address_per_hour,
                d.track_misses_per_address_per_hour,
            )?,
            trust_forwarded_for: trust_forwarded_for
                .or(self.trust_forwarded_for)
                .unwrap_or(d.trust_forwarded_for),
            public_url: None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// A streaming replica of the PostgreSQL database, for reads that may lag.
    pub read_database_url: Option<String>,
    /// Where the checkpoint key was set; see [`Settings::checkpoint_key`].
    pub checkpoint_key_file: Option<PathBuf>,
    /// `serve` takes a ledger checkpoint a day.
    pub checkpoint_daily: bool,
    /// Database connections per instance; `None`: the store's default.
    pub pool_size: Option<u32>,
    /// The deployment's local time zone.
    pub time_zone: FixedOffset,
    /// The web server's limits and throttles.
    pub web: WebConfig,
    /// Daily backups of an SQLite database.
    pub backup: BackupConfig,
}

impl Settings {
    pub fn load(storage: &StorageArgs, serve: &ServeArgs) -> anyhow::Result<Settings> {
        let file = match &storage.config {
            Some(path) => read_file(path)?,
            None if Path::new("bangbang.toml").exists() => read_file(Path::new("bangbang.toml"))?,
            None => FileSettings::default(),
        };
        let mut web = file.limits.web_config(serve.trust_forwarded_for)?;
        web.public_url = match serve.public_url.clone().or(file.public_url) {
            Some(url) => Some(public_url(&url)?),
            None => None,
        };
        let pool_size = match file.pool_size {
            // One connection for the daily backup, at least one for requests.
            Some(n) if n < 2 => bail!("pool_size must be at least 2"),
            n => n,
        };
        let time_zone = match file.time_zone.as_deref() {
            None => time::CHINA,
            Some(text) => time::parse_zone(text).with_context(|| {
                format!(
                    "time_zone must be Asia/Shanghai, UTC or a fixed offset like +08:00, \
                     not {text:?} (zones with daylight saving are not supported)"
                )
            })?,
        };
        let data_dir = storage
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        Ok(Settings {
            web,
            pool_size,
            time_zone,
            backup: file.backup.config(&data_dir)?,
            listen: serve
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir,
            database_url: storage.database_url.clone().or(file.database_url),
            read_database_url: storage.read_database_url.clone().or(file.read_database_url),
            checkpoint_key_file: file.checkpoint_key,
            checkpoint_daily: file.checkpoint_daily.unwrap_or(false),
        })
    }

    /// The key that signs ledger checkpoints, kept outside the database.
    pub fn checkpoint_key(&self) -> PathBuf {
        self.checkpoint_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("checkpoint.key"))
    }

    /// The URL of the database in use: PostgreSQL if one was given, else SQLite in the
    /// data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("bangbang.db").display()
            ),
        }
    }
}

/// The public base URL, checked at start-up: http(s), a host, and nothing after it (the
/// site's links start at its root). Returned without a trailing slash.
fn public_url(text: &str) -> anyhow::Result<String> {
    let url = text.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let fine = host.is_some_and(|host| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || "-.:[]".contains(c))
    });
    if !fine {
        bail!(
            "public_url must be the site's address like https://bangbang.example.org \
             (http or https, a host and perhaps a port, nothing after it); got {text:?}"
        );
    }
    Ok(url.to_string())
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read settings file {}: {e}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("settings file {} is not valid: {e}", path.display()))
}

/// A database URL fit for logs: any password is replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://bb:secret@db:5432/bb"),
            "postgres://bb:***@db:5432/bb"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact("sqlite://./data/bangbang.db"),
            "sqlite://./data/bangbang.db"
        );
    }

    #[test]
    fn flags_beat_the_file_and_defaults_fill_the_rest() {
        let dir = std::env::temp_dir().join(format!("bb-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bangbang.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/bb\"\n").unwrap();
        let storage = StorageArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let none = ServeArgs::default();
        let s = Settings::load(&storage, &none).unwrap();
        assert_eq!(
            (s.listen.as_str(), s.data_dir.to_str().unwrap()),
            ("0.0.0.0:9000", "/srv/bb")
        );
        let flags = ServeArgs {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::load(&storage, &flags).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        std::fs::write(&file, "lisen = 1\n").unwrap();
        let err = Settings::load(&storage, &none).unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
    }

    #[test]
    fn backup_pool_and_public_url() {
        let dir = std::env::temp_dir().join(format!("bb-backup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bangbang.toml");
        let storage = StorageArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let none = ServeArgs::default();
        std::fs::write(&file, "data_dir = \"/srv/bb\"\n").unwrap();
        let s = Settings::load(&storage, &none).unwrap();
        assert_eq!(s.backup, BackupConfig::defaults(Path::new("/srv/bb")));
        assert_eq!(s.backup.dir, Path::new("/srv/bb/backups"));
        assert!(s.backup.daily, "a laptop office gets daily backups unasked");
        assert_eq!((s.pool_size, s.web.public_url), (None, None));

        std::fs::write(
            &file,
            "pool_size = 4\npublic_url = \"https://bangbang.example.org/\"\n\
             [backup]\ndir = \"/mnt/usb\"\ndaily = false\nkeep = 30\n",
        )
        .unwrap();
        let s = Settings::load(&storage, &none).unwrap();
        assert_eq!(
            s.backup,
            BackupConfig {
                dir: "/mnt/usb".into(),
                daily: false,
                keep: 30
            }
        );
        assert_eq!(s.pool_size, Some(4));
        assert_eq!(
            s.time_zone,
            time::CHINA,
            "China's time unless the file says otherwise"
        );
        assert_eq!(
            s.web.public_url.as_deref(),
            Some("https://bangbang.example.org")
        );
        let flag = ServeArgs {
            public_url: Some("http://192.168.1.20:8850".into()),
            ..Default::default()
        };
        assert_eq!(
            Settings::load(&storage, &flag)
                .unwrap()
                .web
                .public_url
                .as_deref(),
            Some("http://192.168.1.20:8850")
        );

        std::fs::write(&file, "time_zone = \"UTC\"\n").unwrap();
        assert_eq!(
            Settings::load(&storage, &none).unwrap().time_zone,
            FixedOffset::east_opt(0).unwrap()
        );

        for (text, says) in [
            ("[backup]\nkeep = 0\n", "keep must be at least 1"),
            ("[backup]\nkept = 3\n", "not valid"),
            ("pool_size = 1\n", "pool_size must be at least 2"),
            (
                "public_url = \"bangbang.example.org\"\n",
                "public_url must be",
            ),
            (
                "public_url = \"https://x.org/desk?a=1\"\n",
                "public_url must be",
            ),
            (
                "public_url = \"javascript:alert(1)\"\n",
                "public_url must be",
            ),
            ("public_url = \"https://\"\n", "public_url must be"),
            ("time_zone = \"Europe/Berlin\"\n", "time_zone must be"),
            ("time_zone = \"+25:00\"\n", "time_zone must be"),
        ] {
            std::fs::write(&file, text).unwrap();
            let err = Settings::load(&storage, &none).unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn limits_come_from_the_file_then_the_flag() {
        let dir = std::env::temp_dir().join(format!("bb-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bangbang.toml");
        let storage = StorageArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let none = ServeArgs::default();
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\n").unwrap();
        let web = Settings::load(&storage, &none).unwrap().web;
        let d = WebConfig::default();
        assert_eq!(
            (web.request_timeout, web.max_concurrent_image_decodes),
            (d.request_timeout, d.max_concurrent_image_decodes)
        );
        std::fs::write(
            &file,
            "[limits]\nheader_read_timeout_secs = 5\nrequest_timeout_secs = 20\n\
             slow_request_timeout_secs = 300\nmax_concurrent_image_decodes = 1\n\
             sign_in_failures_per_account = 3\nsign_in_failures_per_address = 9\n\
             sign_in_window_secs = 600\nask_per_address_per_hour = 4\n\
             rate_per_address_per_hour = 6\ntrack_misses_per_address_per_hour = 7\n\
             trust_forwarded_for = true\n",
        )
        .unwrap();
        let web = Settings::load(&storage, &none).unwrap().web;
        assert_eq!(web.header_read_timeout, Duration::from_secs(5));
        assert_eq!(web.request_timeout, Duration::from_secs(20));
        assert_eq!(web.slow_request_timeout, Duration::from_secs(300));
        assert_eq!(web.max_concurrent_image_decodes, 1);
        assert_eq!(
            (
                web.sign_in_failures_per_account,
                web.sign_in_failures_per_address,
                web.sign_in_window,
            ),
            (3, 9, Duration::from_secs(600))
        );
        assert_eq!(
            (
                web.ask_per_address_per_hour,
                web.rate_per_address_per_hour,
                web.track_misses_per_address_per_hour,
            ),
            (4, 6, 7)
        );
        assert!(web.trust_forwarded_for);
        let flag = ServeArgs {
            trust_forwarded_for: Some(false),
            ..Default::default()
        };
        assert!(
            !Settings::load(&storage, &flag)
                .unwrap()
                .web
                .trust_forwarded_for
        );
        std::fs::write(&file, "[limits]\nrequest_timeout_secs = 0\n").unwrap();
        let err = Settings::load(&storage, &none).unwrap_err().to_string();
        assert!(
            err.contains("request_timeout_secs must be at least 1"),
            "{err}"
        );
        std::fs::write(&file, "[limits]\nrequest_timeout = 5\n").unwrap();
        let err = Settings::load(&storage, &none).unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
    }
}
