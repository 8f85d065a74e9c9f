//! [`Services`]: the one handle through which every workflow runs.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::keys::Keys;

/// How sign-in behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// bcrypt work factor; at least 12.
    pub bcrypt_cost: u32,
    /// How long an access token is accepted.
    pub access_token_ttl: Duration,
    /// How long a sign-in (its refresh tokens) lasts at most.
    pub refresh_token_ttl: Duration,
    /// Failed logins within `lockout` that lock an account (NIST SP 800-171 3.1.8).
    pub max_failed_logins: u32,
    /// The window for counting failures, and how long a lock lasts.
    pub lockout: Duration,
    /// How many earlier passwords may not be reused (3.5.8).
    pub password_history: usize,
    /// Every system administrator must sign in with a second factor (3.5.3).
    pub require_admin_mfa: bool,
    /// A browser's sign-in unused for this long ends (3.1.11).
    pub browser_idle_timeout: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            bcrypt_cost: 12,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(12 * 60 * 60),
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            password_history: 5,
            require_admin_mfa: false,
            browser_idle_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// The database, the keys and the settings every workflow needs. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) db: DatabaseConnection,
    pub(crate) keys: Arc<Keys>,
    pub(crate) auth: AuthSettings,
    /// A bcrypt hash checked against when a login names no user, so that
    /// answering takes as long as for a real user.
    pub(crate) dummy_hash: Arc<String>,
    pub(crate) evidence: Arc<crate::evidence::EvidenceSettings>,
    pub(crate) datapact: crate::datapact::DataPactSettings,
    /// Whether the server secret was configured (not generated); secrets of
    /// other systems are stored only then.
    pub(crate) secret_configured: bool,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("auth", &self.auth).finish_non_exhaustive()
    }
}

/// Settings that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ServicesConfigError {
    #[error("bcrypt cost must be 12 to 31, not {0}")]
    BcryptCost(u32),
    #[error("hashing failed: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error("the hashing task failed: {0}")]
    Task(String),
    #[error(
        "this database was written with another server secret: set CMMC_SECRET_KEY to the secret its servers use (with SQLite, the one in the <database file>.secret file they generated); refusing to write audit rows that would fail verification"
    )]
    SecretMismatch,
    #[error("checking the server secret against the database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

impl Services {
    /// Builds the services on `db`.
    ///
    /// # Errors
    /// [`ServicesConfigError`] for a bcrypt cost below 12 or above 31.
    pub async fn new(
        db: DatabaseConnection,
        keys: Keys,
        auth: AuthSettings,
    ) -> Result<Self, ServicesConfigError> {
        let evidence = crate::evidence::EvidenceSettings {
            upload_dir: "uploads".into(),
            max_upload_bytes: 25 * 1024 * 1024,
        };
        Self::with_evidence(db, keys, auth, evidence).await
    }

    /// Like [`Services::new`], with where evidence files go and how large they may be.
    ///
    /// # Errors
    /// As for [`Services::new`].
    pub async fn with_evidence(
        db: DatabaseConnection,
        keys: Keys,
        auth: AuthSettings,
        evidence: crate::evidence::EvidenceSettings,
    ) -> Result<Self, ServicesConfigError> {
        if !(12..=31).contains(&auth.bcrypt_cost) {
            return Err(ServicesConfigError::BcryptCost(auth.bcrypt_cost));
        }
        check_secret(&db, &keys).await?;
        let cost = auth.bcrypt_cost;
        let dummy_hash = tokio::task::spawn_blocking(move || {
            bcrypt::hash("no such user: constant-time dummy", cost)
        })
        .await
        .map_err(|err| ServicesConfigError::Task(err.to_string()))??;
        Ok(Self {
            db,
            keys: Arc::new(keys),
            auth,
            dummy_hash: Arc::new(dummy_hash),
            evidence: Arc::new(evidence),
            datapact: crate::datapact::DataPactSettings::default(),
            secret_configured: true,
        })
    }

    /// Sets how calls to DataPact behave.
    #[must_use]
    pub fn with_datapact(mut self, settings: crate::datapact::DataPactSettings) -> Self {
        self.datapact = settings;
        self
    }

    /// Says whether the server secret was configured rather than generated.
    #[must_use]
    pub const fn with_secret_configured(mut self, configured: bool) -> Self {
        self.secret_configured = configured;
        self
    }

    /// The keys derived from the server secret.
    #[must_use]
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The catalogue as seeded now.
    ///
    /// # Errors
    /// Database errors; [`crate::ServiceError::Unexpected`] for a corrupt row.
    pub async fn load_catalog(&self) -> Result<crate::catalog::Catalog, crate::ServiceError> {
        crate::catalog::load(&self.db).await
    }

    /// The checksum of the reference data seeded last, if any.
    ///
    /// # Errors
    /// Database errors.
    pub async fn catalog_checksum(&self) -> Result<Option<String>, crate::ServiceError> {
        crate::catalog::current_checksum(&self.db).await
    }

    /// Whether the database at `url` (the one these services use) answers,
    /// and what it holds.
    ///
    /// # Errors
    /// [`crate::ServiceError::DatabaseUnavailable`] when it cannot be reached.
    pub async fn database_status(
        &self,
        url: &str,
    ) -> Result<crate::diag::DatabaseStatus, crate::ServiceError> {
        crate::diag::database_status(&self.db, url).await
    }

    /// Sweeps the upload directory (see [`crate::file_store::sweep`]).
    ///
    /// # Errors
    /// When the directory cannot be read, or the database fails.
    pub async fn sweep_uploads(
        &self,
        stale_after: Duration,
        dry_run: bool,
    ) -> Result<crate::file_store::SweepReport, crate::ServiceError> {
        crate::file_store::sweep(&self.db, &self.evidence.upload_dir, stale_after, dry_run).await
    }

    /// Sweeps the upload directory and logs what it removed; a failure is
    /// logged, not returned (the next sweep tries again).
    pub async fn sweep_and_log(&self, stale_after: Duration) {
        match self.sweep_uploads(stale_after, false).await {
            Ok(report) if report.stale_temporary.is_empty() && report.unreferenced.is_empty() => {}
            Ok(report) => tracing::warn!(
                stale_temporary = ?report.stale_temporary,
                unreferenced = ?report.unreferenced,
                bytes = report.bytes,
                "removed files of unfinished uploads from the upload directory"
            ),
            Err(err) => tracing::warn!(error = %err, "could not sweep the upload directory"),
        }
    }
}

/// Stops a process whose server secret is not the one that wrote the
/// database: the first process records the secret's fingerprint (never the
/// secret); every later one must match it. A database from before
/// fingerprints is judged by its audit trail's global head.
async fn check_secret(db: &DatabaseConnection, keys: &Keys) -> Result<(), ServicesConfigError> {
    use cmmc_store::entities::server_secrets;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let fingerprint = keys.fingerprint();
    let stored = server_secrets::Entity::find_by_id("current".to_owned()).one(db).await?;
    let stored = match stored {
        Some(row) => row.fingerprint,
        None => {
            if !crate::audit::global_head_matches(db, keys).await? {
                return Err(ServicesConfigError::SecretMismatch);
            }
            let now = chrono::Utc::now();
            let row = server_secrets::ActiveModel {
                id: Set("current".to_owned()),
                fingerprint: Set(fingerprint.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            };
            server_secrets::Entity::insert(row)
                .on_conflict(OnConflict::column(server_secrets::Column::Id).do_nothing().to_owned())
                .exec_without_returning(db)
                .await?;
            // Another process may have recorded its own first.
            server_secrets::Entity::find_by_id("current".to_owned())
                .one(db)
                .await?
                .map_or(fingerprint.clone(), |row| row.fingerprint)
        }
    };
    if stored == fingerprint { Ok(()) } else { Err(ServicesConfigError::SecretMismatch) }
}
