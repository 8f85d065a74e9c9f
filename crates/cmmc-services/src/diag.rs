//! The database's state, for operators.

use cmmc_store::{Backend, diag};
use sea_orm::DatabaseConnection;

use crate::ServiceError;

/// What `/api/diag/db` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    pub backend: &'static str,
    pub migration_version: Option<String>,
    pub table_count: i64,
    pub reference_data_version: Option<String>,
    pub reference_data_checksum: Option<String>,
}

/// Asks the database at `url` (served by the pool `db`) for its state.
///
/// # Errors
/// [`ServiceError::DatabaseUnavailable`] when it cannot be reached (for SQLite:
/// when its file can no longer be opened and read).
pub async fn database_status(
    db: &DatabaseConnection,
    url: &str,
) -> Result<DatabaseStatus, ServiceError> {
    if Backend::of_url(url) == Some(Backend::Sqlite) {
        diag::probe_sqlite_file(url)
            .await
            .map_err(|err| ServiceError::DatabaseUnavailable(Box::new(err)))?;
    }
    let facts =
        diag::facts(db).await.map_err(|err| ServiceError::DatabaseUnavailable(Box::new(err)))?;
    // Before the first migration there is no version table to read.
    let version = if facts.table_count > 0 {
        cmmc_store::catalog::latest_version(db).await.ok().flatten()
    } else {
        None
    };
    Ok(DatabaseStatus {
        backend: facts.backend,
        migration_version: facts.migration_version,
        table_count: facts.table_count,
        reference_data_version: version.as_ref().map(|v| v.version.clone()),
        reference_data_checksum: version.map(|v| v.checksum),
    })
}
