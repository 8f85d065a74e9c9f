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
    ("CMMC_SECRET_KEY", "secret_key"),
    ("CMMC_BCRYPT_COST", "bcrypt_cost"),
    ("CMMC_ACCESS_TOKEN_TTL_SECS", "access_token_ttl_secs"),
    ("CMMC_REFRESH_TOKEN_TTL_SECS", "refresh_token_ttl_secs"),
    ("CMMC_LOCKOUT_SECS", "lockout_secs"),
    ("CMMC_REQUIRE_ADMIN_MFA", "require_admin_mfa"),
    ("CMMC_UPLOAD_DIR", "upload_dir"),
    ("CMMC_MAX_UPLOAD_BYTES", "max_upload_bytes"),
    ("CMMC_DATAPACT_TIMEOUT_SECS", "datapact_timeout_secs"),
    ("CMMC_DATAPACT_MAX_RETRY_AFTER_SECS", "datapact_max_retry_after_secs"),
    ("CMMC_UPLOAD_STALE_SECS", "upload_stale_secs"),
    ("CMMC_REQUEST_TIMEOUT_SECS", "request_timeout_secs"),
    ("CMMC_SHUTDOWN_GRACE_SECS", "shutdown_grace_secs"),
    ("CMMC_OUTBOUND_ALLOW", "outbound_allow"),
    ("CMMC_PUBLIC_URL", "public_url"),
    ("CMMC_WEB_IDLE_TIMEOUT_SECS", "web_idle_timeout_secs"),
];

/// The server's settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` (the file is created when missing) or `postgres://...`.
    pub database_url: String,
    /// The address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Seed the reference data from `data_dir` on start.
    pub auto_seed: bool,
    /// Where the reference data YAML lives; unset, the data built into the
    /// binary is used.
    pub data_dir: Option<PathBuf>,
    /// A tracing filter, e.g. `info` or `cmmc_api=debug,info`.
    pub log: String,
    /// The most database connections this server opens.
    pub db_max_connections: u32,
    /// How often, in seconds, the server checks whether another process reseeded the catalogue.
    pub catalog_refresh_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// The server secret (at least 32 characters) that keys the audit chain
    /// and encrypts secrets at rest; every server of a deployment shares it.
    /// Required with PostgreSQL; with SQLite one is generated beside the
    /// database file when unset.
    pub secret_key: Option<String>,
    /// bcrypt work factor, 12 or more.
    pub bcrypt_cost: u32,
    /// How long an access token lives.
    pub access_token_ttl_secs: u64,
    /// How long a sign-in lasts at most (its refresh tokens).
    pub refresh_token_ttl_secs: u64,
    /// The window for counting failed logins, and how long a lockout lasts.
    pub lockout_secs: u64,
    /// Every system administrator must sign in with a second factor.
    pub require_admin_mfa: bool,
    /// Where evidence files are stored (named by their SHA-256).
    pub upload_dir: PathBuf,
    /// The largest evidence file accepted; larger uploads get 413.
    pub max_upload_bytes: u64,
    /// The longest one call to DataPact may take.
    pub datapact_timeout_secs: u64,
    /// The longest a DataPact 429's Retry-After is honoured (once).
    pub datapact_max_retry_after_secs: u64,
    /// A temporary upload file untouched this long belongs to an upload that
    /// will never finish (a killed server); the sweep removes it. The sweep
    /// runs at start and every half of this.
    pub upload_stale_secs: u64,
    /// The longest a request may wait on the database before it answers 503
    /// (also PostgreSQL's `statement_timeout`). Uploads and downloads are
    /// bounded only while they talk to the database, not while bytes flow.
    pub request_timeout_secs: u64,
    /// How long a stopping server (SIGTERM) lets requests in flight finish.
    pub shutdown_grace_secs: u64,
    /// Hosts, addresses and CIDRs outbound calls may reach although they are
    /// loopback, private or link-local (comma separated); empty by default.
    pub outbound_allow: String,
    /// The address people and identity providers reach the server at, e.g.
    /// `https://cmmc.example.com`; empty means `http://` and the bind
    /// address. When it is `https://`, the web interface's cookies are `Secure`.
    pub public_url: String,
    /// A web interface sign-in unused for this long ends (NIST SP 800-171 3.1.11).
    pub web_idle_timeout_secs: u64,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &cmmc_store::connect::redact(&self.database_url))
            .field("bind", &self.bind)
            .field("auto_seed", &self.auto_seed)
            .field("data_dir", &self.data_dir)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// A setting that is missing or wrong.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Reads `cmmc.toml` (or the file named by `CMMC_CONFIG`) and the environment.
    ///
    /// # Errors
    /// [`SettingsError`] naming the setting (and its environment variable) that is wrong.
    pub fn load() -> Result<Self, SettingsError> {
        let overrides: Vec<(&str, Option<String>)> =
            ENVIRONMENT.iter().map(|(var, key)| (*key, std::env::var(var).ok())).collect();
        match std::env::var("CMMC_CONFIG") {
            // A file named explicitly must exist.
            Ok(file) => {
                if !std::path::Path::new(&file).is_file() {
                    return Err(SettingsError(format!(
                        "CMMC_CONFIG names {file:?}, which is not a file"
                    )));
                }
                Self::from_sources(Some(&file), &overrides)
            }
            Err(_) => Self::from_sources(Some("cmmc.toml"), &overrides),
        }
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
            .and_then(|b| b.set_default("log", "info"))
            .and_then(|b| b.set_default("db_max_connections", 16))
            .and_then(|b| b.set_default("catalog_refresh_secs", 5))
            .and_then(|b| b.set_default("workers", 0))
            .and_then(|b| b.set_default("bcrypt_cost", 12))
            .and_then(|b| b.set_default("access_token_ttl_secs", 900))
            .and_then(|b| b.set_default("refresh_token_ttl_secs", 43_200))
            .and_then(|b| b.set_default("lockout_secs", 900))
            .and_then(|b| b.set_default("require_admin_mfa", false))
            .and_then(|b| b.set_default("upload_dir", "uploads"))
            .and_then(|b| b.set_default("max_upload_bytes", 25 * 1024 * 1024))
            .and_then(|b| b.set_default("datapact_timeout_secs", 10))
            .and_then(|b| b.set_default("datapact_max_retry_after_secs", 30))
            .and_then(|b| b.set_default("upload_stale_secs", 3600))
            .and_then(|b| b.set_default("request_timeout_secs", 10))
            .and_then(|b| b.set_default("shutdown_grace_secs", 30))
            .and_then(|b| b.set_default("outbound_allow", ""))
            .and_then(|b| b.set_default("public_url", ""))
            .and_then(|b| b.set_default("web_idle_timeout_secs", 900))
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
        let mut settings: Self = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|err| SettingsError(with_variable_names(&err.to_string())))?;
        settings.data_dir = settings.data_dir.filter(|dir| !dir.as_os_str().is_empty());
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
        if let Some(secret) = &self.secret_key
            && secret.chars().count() < 32
        {
            return Err(SettingsError(
                "secret_key (CMMC_SECRET_KEY) must be at least 32 characters".into(),
            ));
        }
        if !(12..=31).contains(&self.bcrypt_cost) {
            return Err(SettingsError("bcrypt_cost (CMMC_BCRYPT_COST) must be 12 to 31".into()));
        }
        for (value, name) in [
            (self.access_token_ttl_secs, "access_token_ttl_secs (CMMC_ACCESS_TOKEN_TTL_SECS)"),
            (self.refresh_token_ttl_secs, "refresh_token_ttl_secs (CMMC_REFRESH_TOKEN_TTL_SECS)"),
            (self.lockout_secs, "lockout_secs (CMMC_LOCKOUT_SECS)"),
            (self.max_upload_bytes, "max_upload_bytes (CMMC_MAX_UPLOAD_BYTES)"),
            (self.datapact_timeout_secs, "datapact_timeout_secs (CMMC_DATAPACT_TIMEOUT_SECS)"),
            (self.upload_stale_secs, "upload_stale_secs (CMMC_UPLOAD_STALE_SECS)"),
            (self.request_timeout_secs, "request_timeout_secs (CMMC_REQUEST_TIMEOUT_SECS)"),
            (self.web_idle_timeout_secs, "web_idle_timeout_secs (CMMC_WEB_IDLE_TIMEOUT_SECS)"),
        ] {
            if value == 0 {
                return Err(SettingsError(format!("{name} must be at least 1")));
            }
        }
        if let Err(err) = self.outbound_policy() {
            return Err(SettingsError(format!("outbound_allow (CMMC_OUTBOUND_ALLOW): {err}")));
        }
        let url = self.public_url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SettingsError(format!(
                "public_url (CMMC_PUBLIC_URL) {url:?} must start with https:// or http://"
            )));
        }
        if let Some(dir) = &self.data_dir
            && !dir.is_dir()
        {
            return Err(SettingsError(format!(
                "data_dir (CMMC_DATA_DIR) {} is not a directory; leave it unset to use the reference data built into the binary",
                dir.display()
            )));
        }
        Ok(())
    }

    /// Whether people reach the server over TLS (the public URL is `https://`).
    #[must_use]
    pub fn served_over_tls(&self) -> bool {
        self.public_url.trim().starts_with("https://")
    }

    /// How calls to DataPact behave.
    #[must_use]
    pub fn datapact(&self) -> cmmc_services::datapact::DataPactSettings {
        cmmc_services::datapact::DataPactSettings {
            timeout: std::time::Duration::from_secs(self.datapact_timeout_secs),
            max_retry_after: std::time::Duration::from_secs(self.datapact_max_retry_after_secs),
            outbound: self.outbound_policy().unwrap_or_default(),
        }
    }

    /// The outbound policy with `outbound_allow` (validated at load).
    ///
    /// # Errors
    /// An allow-list entry that is not a host, an address or a CIDR.
    pub fn outbound_policy(
        &self,
    ) -> Result<cmmc_services::outbound::OutboundPolicy, cmmc_services::outbound::OutboundError>
    {
        cmmc_services::outbound::OutboundPolicy::parse(&self.outbound_allow)
    }

    /// Where evidence goes.
    #[must_use]
    pub fn evidence(&self) -> cmmc_services::evidence::EvidenceSettings {
        cmmc_services::evidence::EvidenceSettings {
            upload_dir: self.upload_dir.clone(),
            max_upload_bytes: self.max_upload_bytes,
        }
    }

    /// How sign-in behaves.
    #[must_use]
    pub fn auth(&self) -> cmmc_services::AuthSettings {
        cmmc_services::AuthSettings {
            bcrypt_cost: self.bcrypt_cost,
            access_token_ttl: std::time::Duration::from_secs(self.access_token_ttl_secs),
            refresh_token_ttl: std::time::Duration::from_secs(self.refresh_token_ttl_secs),
            lockout: std::time::Duration::from_secs(self.lockout_secs),
            require_admin_mfa: self.require_admin_mfa,
            browser_idle_timeout: std::time::Duration::from_secs(self.web_idle_timeout_secs),
            ..cmmc_services::AuthSettings::default()
        }
    }

    /// The server secret: configured, or (SQLite only) read from or written
    /// to `<database file>.secret`, readable by the owner alone.
    ///
    /// # Errors
    /// With PostgreSQL and no `secret_key`; when the key file cannot be read or written.
    pub fn server_secret(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.secret_key {
            return Ok(secret.clone());
        }
        let Some(path) = sqlite_file(&self.database_url) else {
            anyhow::bail!(
                "secret_key (CMMC_SECRET_KEY) is required with PostgreSQL: every server of a deployment must share it"
            );
        };
        let key_path = PathBuf::from(format!("{path}.secret"));
        if key_path.exists() {
            let secret = std::fs::read_to_string(&key_path)
                .map_err(|err| anyhow::format_err!("reading {}: {err}", key_path.display()))?;
            return Ok(secret.trim().to_owned());
        }
        let secret = cmmc_services::keys::generate_secret()?;
        write_private(&key_path, &secret)?;
        tracing::warn!(path = %key_path.display(), "no CMMC_SECRET_KEY set; generated a server secret beside the SQLite database");
        Ok(secret)
    }

    /// The socket address to listen on (validated at load).
    #[must_use]
    pub fn bind_addr(&self) -> Option<SocketAddr> {
        self.bind.parse().ok()
    }
}

/// The file of a `sqlite://PATH` URL (None for `:memory:` and other backends).
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.to_owned())
}

/// Writes `contents` to a new file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| anyhow::format_err!("creating {}: {err}", path.display()))?;
    file.write_all(contents.as_bytes())
        .map_err(|err| anyhow::format_err!("writing {}: {err}", path.display()))?;
    Ok(())
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
