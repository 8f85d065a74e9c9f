//! From settings to a ready [`Services`]: the one way every process of the
//! tracker starts (the API server, `cargo xtask`, the tests, and other
//! services that use the crates as a library).
//!
//! It is a crate of its own, beside `cmmc-services`, because starting needs
//! the migrations and the seed, which sit beside the services in the
//! layering and must not become their dependencies; and because it lets the
//! API crate know nothing of the store, the migrations, the seed or SeaORM.
//!
//! [`start`] connects, migrates, seeds (when `auto_seed`), derives the keys
//! from the server secret and checks them against the database, prepares
//! the upload directory (sweeping what a killed server left), and builds the
//! services. [`ops`] holds the operator commands of `cargo xtask` and the
//! `cmmc-api` binary.

pub mod ops;
pub mod settings;
pub mod telemetry;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use cmmc_services::{Keys, Services};

pub use settings::{Settings, SettingsError};

/// The version of the reference data built into this binary.
#[must_use]
pub fn reference_data_version() -> Option<String> {
    cmmc_seed::ReferenceData::embedded_version()
}

/// Connects to the database of `settings`, migrates it, seeds the reference
/// data when `auto_seed` is on, and builds the services.
///
/// # Errors
/// When any step fails; the message names the step and the setting.
pub async fn start(settings: &Settings) -> anyhow::Result<Services> {
    let started = Instant::now();
    let url = &settings.database_url;
    let request_timeout = Duration::from_secs(settings.request_timeout_secs);
    let db = cmmc_store::connect_with(url, settings.db_max_connections, request_timeout)
        .await
        .with_context(|| format!("opening the database {}", cmmc_store::connect::redact(url)))?;
    migration::migrate_up(&db).await.context("migrating the database")?;
    if settings.auto_seed {
        let report = cmmc_seed::seed_from(&db, settings.data_dir.as_deref())
            .await
            .context("seeding the reference data")?;
        tracing::info!(%report, "reference data seeded");
        let report = cmmc_seed::seed_frameworks_from(&db, settings.data_dir.as_deref())
            .await
            .context("seeding the framework crosswalks")?;
        tracing::info!(%report, "framework crosswalks seeded");
    }
    let keys = Keys::derive(&settings.server_secret()?).context("the server secret")?;
    cmmc_services::evidence::ensure_upload_dir(&settings.upload_dir).with_context(|| {
        format!("upload_dir (CMMC_UPLOAD_DIR) {}", settings.upload_dir.display())
    })?;
    let services = Services::with_evidence(db, keys, settings.auth(), settings.evidence())
        .await
        .context("starting the services")?
        .with_datapact(settings.datapact())
        .with_secret_configured(settings.secret_key.is_some());
    services.sweep_and_log(Duration::from_secs(settings.upload_stale_secs)).await;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis(), "services ready");
    Ok(services)
}
