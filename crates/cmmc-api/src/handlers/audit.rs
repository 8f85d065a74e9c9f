//! The audit trail: listing and verifying.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use cmmc_services::audit::AuditFilter;
use serde::Deserialize;
use serde_json::json;

use crate::dto::{AuditEntryDto, Page};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    org_id: Option<String>,
    user_id: Option<String>,
    action: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<String>,
    /// RFC 3339, inclusive.
    from: Option<String>,
    /// RFC 3339, exclusive.
    to: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyQuery {
    org_id: Option<String>,
}

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
pub(crate) async fn verify_audit(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let res = state.services.verify_audit(&user.0, query.into_inner().org_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "valid": res.valid,
        "checked": res.checked,
        "first_invalid_id": res.first_invalid_id,
        "problem": res.problem,
    })))
}
