//! Configuration: built-in defaults, then an optional `cmmc.toml`, then
//! environment variables. A bad setting stops start-up with a message naming it.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// The environment variables we read, and the setting each one sets.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("DATABASE_URL", "database_url"),
    ("CMMC_BIND", "bind"),
    ("CMMC_AUTO_SEED", "auto_seed"),
    ("CMMC_DATA_DIR", "data_dir"),
    ("RUST_LOG", "log"),
    ("CMMC_DB_MAX_CONNECTIONS", "db_max_connections"),
    ("CMMC_CATALOG_REFRESH_SECS", "catalog_refresh_secs"),
    ("CMMC_WORKERS", "workers"),
];

/// The server's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` (the file is created when missing) or `postgres://...`.
    pub database_url: String,
    /// The address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Seed the reference data from `data_dir` on start.
    pub auto_seed: bool,
    /// Where the reference data YAML lives.
    pub data_dir: PathBuf,
    /// A tracing filter, e.g. `info` or `cmmc_api=debug,info`.
    pub log: String,
    /// The most database connections this server opens.
    pub db_max_connections: u32,
    /// How often, in seconds, the server checks whether another process reseeded the catalogue.
    pub catalog_refresh_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
}

/// A setting that is missing or wrong.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Reads `cmmc.toml` (or the file named by `CMMC_CONFIG`) and the environment.
    ///
    /// # Errors
    /// [`SettingsError`] naming the setting (and its environment variable) that is wrong.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("CMMC_CONFIG").unwrap_or_else(|_| "cmmc.toml".to_owned());
        let overrides: Vec<(&str, Option<String>)> =
            ENVIRONMENT.iter().map(|(var, key)| (*key, std::env::var(var).ok())).collect();
        Self::from_sources(Some(&file), &overrides)
    }

    /// Builds settings from defaults, an optional file, and `overrides`
    /// (setting, value) as the environment would give them.
    ///
    /// # Errors
    /// [`SettingsError`] naming the setting that is wrong.
    pub fn from_sources(
        file: Option<&str>,
        overrides: &[(&str, Option<String>)],
    ) -> Result<Self, SettingsError> {
        let mut builder = config::Config::builder()
            .set_default("database_url", "sqlite://cmmc.db")
            .and_then(|b| b.set_default("bind", "127.0.0.1:8080"))
            .and_then(|b| b.set_default("auto_seed", true))
            .and_then(|b| b.set_default("data_dir", "data/cmmc"))
            .and_then(|b| b.set_default("log", "info"))
            .and_then(|b| b.set_default("db_max_connections", 16))
            .and_then(|b| b.set_default("catalog_refresh_secs", 5))
            .and_then(|b| b.set_default("workers", 0))
            .map_err(|err| SettingsError(err.to_string()))?;
        if let Some(file) = file {
            builder = builder.add_source(
                config::File::with_name(file).format(config::FileFormat::Toml).required(false),
            );
        }
        for (key, value) in overrides {
            builder = builder
                .set_override_option(*key, value.clone())
                .map_err(|err| SettingsError(err.to_string()))?;
        }
        let settings: Self = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|err| SettingsError(with_variable_names(&err.to_string())))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if cmmc_store::Backend::of_url(&self.database_url).is_none() {
            return Err(SettingsError(format!(
                "database_url (DATABASE_URL) {:?} is not a sqlite:// or postgres:// URL",
                cmmc_store::connect::redact(&self.database_url)
            )));
        }
        if self.bind.parse::<SocketAddr>().is_err() {
            return Err(SettingsError(format!(
                "bind (CMMC_BIND) {:?} is not an address like 127.0.0.1:8080",
                self.bind
            )));
        }
        if self.db_max_connections == 0 {
            return Err(SettingsError(
                "db_max_connections (CMMC_DB_MAX_CONNECTIONS) must be at least 1".into(),
            ));
        }
        if self.catalog_refresh_secs == 0 {
            return Err(SettingsError(
                "catalog_refresh_secs (CMMC_CATALOG_REFRESH_SECS) must be at least 1".into(),
            ));
        }
        if self.auto_seed && !self.data_dir.is_dir() {
            return Err(SettingsError(format!(
                "data_dir (CMMC_DATA_DIR) {} is not a directory, and auto_seed (CMMC_AUTO_SEED) is on",
                self.data_dir.display()
            )));
        }
        Ok(())
    }

    /// The socket address to listen on (validated at load).
    #[must_use]
    pub fn bind_addr(&self) -> Option<SocketAddr> {
        self.bind.parse().ok()
    }
}

/// Adds the environment variable to a message that names a setting's key.
fn with_variable_names(message: &str) -> String {
    let mut out = message.to_owned();
    for (var, key) in ENVIRONMENT {
        if message.contains(&format!("`{key}`")) || message.contains(&format!("\"{key}\"")) {
            out.push_str(&format!(" (setting {key}, environment variable {var})"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, Option<String>)> {
        pairs.iter().map(|(k, v)| (*k, Some((*v).to_owned()))).collect()
    }

    #[test]
    fn defaults_use_an_embedded_sqlite_file() {
        let settings = Settings::from_sources(None, &env(&[("auto_seed", "false")])).unwrap();
        assert_eq!(settings.database_url, "sqlite://cmmc.db");
        assert_eq!(settings.bind, "127.0.0.1:8080");
        assert_eq!(settings.db_max_connections, 16);
    }

    #[test]
    fn a_bad_boolean_names_its_setting() {
        let err =
            Settings::from_sources(None, &env(&[("auto_seed", "maybe")])).unwrap_err().to_string();
        assert!(err.contains("auto_seed"), "{err}");
    }

    #[test]
    fn a_bad_bind_address_names_its_variable() {
        let err =
            Settings::from_sources(None, &env(&[("auto_seed", "false"), ("bind", "nowhere")]))
                .unwrap_err()
                .to_string();
        assert!(err.contains("CMMC_BIND"), "{err}");
    }

    #[test]
    fn an_unsupported_database_names_its_variable_without_the_password() {
        let err = Settings::from_sources(
            None,
            &env(&[("auto_seed", "false"), ("database_url", "mysql://u:pw@h/db")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }

    #[test]
    fn zero_connections_are_refused() {
        let err = Settings::from_sources(
            None,
            &env(&[("auto_seed", "false"), ("db_max_connections", "0")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("CMMC_DB_MAX_CONNECTIONS"), "{err}");
    }
}
