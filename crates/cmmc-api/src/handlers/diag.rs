//! Liveness and database diagnostics.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::AppState;

/// GET /api/health: the process is up. Touches nothing else.
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// GET /api/diag/db: migration version, table count and reference-data
/// version; 503 with `{"reachable": false}` while the database cannot be
/// reached, and 200 again once it can, without a restart.
pub(crate) async fn diag_db(state: web::Data<AppState>) -> HttpResponse {
    match state.services.database_status(&state.database_url).await {
        Ok(status) => HttpResponse::Ok().json(json!({
            "reachable": true,
            "backend": status.backend,
            "migration_version": status.migration_version,
            "table_count": status.table_count,
            "reference_data_version": status.reference_data_version,
            "reference_data_checksum": status.reference_data_checksum,
        })),
        Err(err) => {
            tracing::warn!(error = %err, cause = ?std::error::Error::source(&err).map(ToString::to_string), "database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({ "reachable": false }))
        }
    }
}
