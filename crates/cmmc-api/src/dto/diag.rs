//! The bodies of the liveness and database diagnostics routes.

use serde::Serialize;

/// The answer of GET /api/health.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    pub(crate) status: &'static str,
}

/// The answer of GET /api/diag/db.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DatabaseDiag {
    /// Whether the database answered.
    pub(crate) reachable: bool,
    /// `sqlite` or `postgres`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) backend: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) migration_version: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) table_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference_data_version: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference_data_checksum: Option<Option<String>>,
}
