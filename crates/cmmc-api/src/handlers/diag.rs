//! Liveness and database diagnostics.

use actix_web::{HttpResponse, web};

use crate::dto::diag::{DatabaseDiag, Health};
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, diag_db))]
pub(crate) struct Doc;

/// GET /api/health: the process is up. Touches nothing else.
#[utoipa::path(get, path = "/api/health", tag = "health", security(()),
    responses((status = 200, description = "The process is up", body = Health, example = json!({"status": "ok"}))))]
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// GET /api/diag/db: migration version, table count and reference-data
/// version; 503 with `{"reachable": false}` while the database cannot be
/// reached, and 200 again once it can, without a restart.
#[utoipa::path(get, path = "/api/diag/db", tag = "health", security(()),
    responses(
        (status = 200, description = "The database answers", body = DatabaseDiag),
        (status = 503, description = "The database cannot be reached: `{\"reachable\": false}`", body = DatabaseDiag),
    ))]
pub(crate) async fn diag_db(state: web::Data<AppState>) -> HttpResponse {
    match state.services.database_status(&state.database_url).await {
        Ok(status) => HttpResponse::Ok().json(DatabaseDiag {
            reachable: true,
            backend: Some(status.backend),
            migration_version: Some(status.migration_version),
            table_count: Some(status.table_count),
            reference_data_version: Some(status.reference_data_version),
            reference_data_checksum: Some(status.reference_data_checksum),
        }),
        Err(err) => {
            tracing::warn!(error = %err, cause = ?std::error::Error::source(&err).map(ToString::to_string), "database unreachable");
            HttpResponse::ServiceUnavailable().json(DatabaseDiag {
                reachable: false,
                backend: None,
                migration_version: None,
                table_count: None,
                reference_data_version: None,
                reference_data_checksum: None,
            })
        }
    }
}
