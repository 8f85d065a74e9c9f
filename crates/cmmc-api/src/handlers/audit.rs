//! The audit trail: listing and verifying.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use cmmc_services::audit::AuditFilter;

use crate::dto::audit::{AuditQuery, VerificationDto, VerifyQuery};
use crate::dto::{AuditEntryDto, Page};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_audit, verify_audit))]
pub(crate) struct Doc;

fn time(field: &str, value: Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(&v).map(|t| t.with_timezone(&Utc)).map_err(|err| {
                ApiError::invalid_parameter(field, format!("{v:?} is not an RFC 3339 time: {err}"))
            })
        })
        .transpose()
}

/// GET /api/audit
#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "The matching audit rows, newest first", body = Page<AuditEntryDto>,
            example = json!({"items": [{"id": "9a4e1c3d-2b7f-4e60-8d15-3c9b0a7e6f21", "user_id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "action": "organization.update", "resource_type": "organization", "resource_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "details": {"target_level": {"before": 2, "after": 3}}, "ip_address": "203.0.113.7", "created_at": "2026-11-24T10:30:00.123456Z", "seq": 42, "hash": "3f7a9c0e5b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a"}], "total": 1, "page": 1, "per_page": 50})),
        (status = 400, description = "A from or to that is not an RFC 3339 time, a page or per_page out of range, an unknown parameter, or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only an org_admin or a system administrator reads the audit trail", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_audit(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        org_id: query.org_id,
        user_id: query.user_id,
        action: query.action,
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        from: time("from", query.from)?,
        to: time("to", query.to)?,
        page: cmmc_services::Page::new(query.page, query.per_page)?,
    };
    let page = state.services.list_audit(&user.0, filter).await?;
    let items = page.items.iter().map(AuditEntryDto::from).collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// GET /api/audit/verify
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit", security(("bearer" = [])),
    params(VerifyQuery),
    responses(
        (status = 200, description = "The result of walking the hash chains: intact, or the first fault (a broken trail is still a 200)", body = VerificationDto,
            example = json!({"checked": 1284, "first_invalid_id": null, "problem": null, "valid": true})),
        (status = 400, description = "An unknown parameter or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only an org_admin or a system administrator verifies the audit trail", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "org_id names another organisation than the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn verify_audit(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let res = state.services.verify_audit(&user.0, query.into_inner().org_id).await?;
    Ok(HttpResponse::Ok().json(VerificationDto::from(res)))
}
