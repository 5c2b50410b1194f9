//! One typed `Settings`, filled in order: defaults, then `bangbang.toml`, then
//! `BANGBANG_*` environment variables, then command-line flags (the last two by clap).

use serde::Deserialize;
use std::path::{Path, PathBuf};

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
    /// Settings file (default: ./bangbang.toml when it exists).
    #[arg(long, env = "BANGBANG_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl Settings {
    pub fn load(storage: &StorageArgs, listen: Option<String>) -> anyhow::Result<Settings> {
        let file = match &storage.config {
            Some(path) => read_file(path)?,
            None if Path::new("bangbang.toml").exists() => read_file(Path::new("bangbang.toml"))?,
            None => FileSettings::default(),
        };
        Ok(Settings {
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir: storage
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
            database_url: storage.database_url.clone().or(file.database_url),
        })
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
        let s = Settings::load(&storage, None).unwrap();
        assert_eq!(
            (s.listen.as_str(), s.data_dir.to_str().unwrap()),
            ("0.0.0.0:9000", "/srv/bb")
        );
        let s = Settings::load(&storage, Some("127.0.0.1:1".into())).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        std::fs::write(&file, "lisen = 1\n").unwrap();
        let err = Settings::load(&storage, None).unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
    }
}
