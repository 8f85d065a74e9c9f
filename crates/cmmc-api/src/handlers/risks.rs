//! The risk register: its risks, the heat map of open ones, and its CSV export.

use actix_web::{HttpResponse, web};
use cmmc_services::risks::{NewRisk, RiskChanges, RiskFilter, RiskSource};

use super::assets::csv_attachment;
use crate::dto::risks::{CreateRisk, HeatmapDto, RiskDto, RiskQuery, UpdateRisk};
use crate::dto::{Page, PageQuery};
use crate::error::{ApiError, FieldError, ProblemKind};
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_risks,
    create_risk,
    get_risk,
    update_risk,
    delete_risk,
    risk_heatmap,
    export_risks
))]
pub(crate) struct Doc;

/// GET /api/organizations/{org_id}/risks?status=&band=&category=&owner_id=&page=&per_page=
#[utoipa::path(get, path = "/api/organizations/{org_id}/risks", tag = "risks", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), RiskQuery),
    responses(
        (status = 200, description = "A page of the register, highest score first", body = Page<RiskDto>),
        (status = 400, description = "A bad filter or page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_risks(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<RiskQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = PageQuery::new(q.page, q.per_page).checked()?;
    let filter = RiskFilter {
        status: q.status,
        band: q.band,
        category: q.category,
        owner_id: q.owner_id,
        page,
    };
    let (items, total) = state.services.list_risks(&user.0, &path, filter).await?;
    let items = items.iter().map(RiskDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}

/// POST /api/organizations/{org_id}/risks: adds a risk, or raises one from a
/// finding or an unmet practice. Audited as `risk.create`.
#[utoipa::path(post, path = "/api/organizations/{org_id}/risks", tag = "risks", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = CreateRisk,
    responses(
        (status = 201, description = "The risk", body = RiskDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow keeping the register (or accepting a risk)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An owner, link or source the organisation does not have; acceptance without a reason; closing with open POA&M items", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_risk(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateRisk>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let source = match (b.from_finding_id, b.from_practice) {
        (Some(_), Some(_)) => {
            let message = "give from_finding_id or from_practice, not both";
            return Err(ApiError {
                kind: ProblemKind::Unprocessable,
                detail: format!("from_practice: {message}"),
                errors: vec![FieldError::new("from_practice", message)],
                cause: None,
            });
        }
        (Some(finding_id), None) => Some(RiskSource::Finding { finding_id }),
        (None, Some(p)) => Some(RiskSource::Practice {
            assessment_id: p.assessment_id,
            practice_id: p.practice_id,
        }),
        (None, None) => None,
    };
    let new = NewRisk {
        title: b.title,
        description: b.description,
        category: b.category,
        likelihood: b.likelihood,
        impact: b.impact,
        status: b.status,
        owner_id: b.owner_id,
        treatment_plan: b.treatment_plan,
        review_date: b.review_date,
        acceptance_reason: b.acceptance_reason,
        practice_ids: b.practice_ids,
        finding_ids: b.finding_ids,
        poam_item_ids: b.poam_item_ids,
        asset_ids: b.asset_ids,
        source,
    };
    let risk = state.services.create_risk(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(RiskDto::from(&risk)))
}

/// GET /api/risks/{risk_id}
#[utoipa::path(get, path = "/api/risks/{risk_id}", tag = "risks", security(("bearer" = [])),
    params(("risk_id" = String, Path, description = "The risk (a UUID)")),
    responses(
        (status = 200, description = "The risk", body = RiskDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such risk (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_risk(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let risk = state.services.get_risk(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(RiskDto::from(&risk)))
}

/// PATCH /api/risks/{risk_id}: audited as `risk.update`. Accepting is
/// `status: accepted` with `acceptance_reason`.
#[utoipa::path(patch, path = "/api/risks/{risk_id}", tag = "risks", security(("bearer" = [])),
    params(("risk_id" = String, Path, description = "The risk (a UUID)")),
    request_body = UpdateRisk,
    responses(
        (status = 200, description = "The risk as changed", body = RiskDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow keeping the register (or accepting a risk)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such risk (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An owner or link the organisation does not have; acceptance without a reason; closing with open POA&M items", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_risk(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdateRisk>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let changes = RiskChanges {
        title: b.title,
        description: b.description,
        category: b.category,
        likelihood: b.likelihood,
        impact: b.impact,
        status: b.status,
        owner_id: b.owner_id,
        treatment_plan: b.treatment_plan,
        review_date: b.review_date,
        acceptance_reason: b.acceptance_reason,
        practice_ids: b.practice_ids,
        finding_ids: b.finding_ids,
        poam_item_ids: b.poam_item_ids,
        asset_ids: b.asset_ids,
    };
    let risk = state.services.update_risk(&user.0, &path, changes).await?;
    Ok(HttpResponse::Ok().json(RiskDto::from(&risk)))
}

/// DELETE /api/risks/{risk_id}: audited as `risk.delete`.
#[utoipa::path(delete, path = "/api/risks/{risk_id}", tag = "risks", security(("bearer" = [])),
    params(("risk_id" = String, Path, description = "The risk (a UUID)")),
    responses(
        (status = 204, description = "Deleted, with its links"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow keeping the register", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such risk (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_risk(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.services.delete_risk(&user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /api/organizations/{org_id}/risks/heatmap: open risks by likelihood and impact.
#[utoipa::path(get, path = "/api/organizations/{org_id}/risks/heatmap", tag = "risks", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "A 5 x 5 grid of counts of open risks", body = HeatmapDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn risk_heatmap(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let grid = state.services.risk_heatmap(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(HeatmapDto::from(grid)))
}

/// GET /api/organizations/{org_id}/risks/export: the register as CSV.
/// Audited as `risk.export`.
#[utoipa::path(get, path = "/api/organizations/{org_id}/risks/export", tag = "risks", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "The register as a CSV file, one risk a row, as an attachment", content(("text/csv; charset=utf-8"))),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_risks(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let bytes = state.services.export_risks_csv(&user.0, &path).await?;
    Ok(csv_attachment(bytes, "risks.csv"))
}
