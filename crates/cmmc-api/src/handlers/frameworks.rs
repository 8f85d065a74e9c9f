//! The framework crosswalks (public, like the catalogue, served from
//! memory) and an assessment's readiness projections onto SP 800-171 Rev 3
//! and SP 800-53 Rev 5.

use actix_web::{HttpResponse, web};

use crate::dto::frameworks::{FrameworkDto, MappingDto, ReadinessDto, RequirementDto};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_frameworks,
    list_requirements,
    requirement_mappings,
    practice_mappings,
    readiness_sp800_171r3,
    readiness_sp800_53r5
))]
pub(crate) struct Doc;

/// GET /api/frameworks
#[utoipa::path(get, path = "/api/frameworks", tag = "frameworks", security(()),
    responses((status = 200, description = "The frameworks the crosswalks name", body = Vec<FrameworkDto>)))]
pub(crate) async fn list_frameworks(state: web::Data<AppState>) -> HttpResponse {
    let view = state.catalog.get();
    let list: Vec<FrameworkDto<'_>> =
        view.crosswalks.frameworks.iter().map(FrameworkDto::from).collect();
    HttpResponse::Ok().json(list)
}

/// GET /api/frameworks/{framework}/requirements
#[utoipa::path(get, path = "/api/frameworks/{framework}/requirements", tag = "frameworks", security(()),
    params(("framework" = String, Path, description = "A framework id, e.g. `sp800-171r3`")),
    responses(
        (status = 200, description = "Its requirements (or controls), in order", body = Vec<RequirementDto>),
        (status = 404, description = "No such framework", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_requirements(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = state.catalog.get();
    let requirements = view
        .crosswalks
        .requirements(&path)
        .ok_or_else(|| ApiError::not_found("no such framework"))?;
    let list: Vec<RequirementDto<'_>> = requirements.iter().map(RequirementDto::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

/// GET /api/frameworks/{framework}/requirements/{requirement_id}/mappings:
/// the CMMC practices that map to it, directly or derived.
#[utoipa::path(get, path = "/api/frameworks/{framework}/requirements/{requirement_id}/mappings", tag = "frameworks", security(()),
    params(
        ("framework" = String, Path, description = "A framework id, e.g. `sp800-53r5`"),
        ("requirement_id" = String, Path, description = "A requirement or control id, e.g. `AC-2(3)`"),
    ),
    responses(
        (status = 200, description = "The practices that map to it (empty when none does)", body = Vec<MappingDto>),
        (status = 404, description = "No such framework or requirement", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn requirement_mappings(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (framework, id) = path.into_inner();
    let view = state.catalog.get();
    view.crosswalks
        .requirement(&framework, &id)
        .ok_or_else(|| ApiError::not_found("no such framework or requirement"))?;
    let list: Vec<MappingDto<'_>> = view
        .crosswalks
        .requirement_mappings(&framework, &id)
        .iter()
        .map(MappingDto::from)
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// GET /api/cmmc/practices/{practice_id}/mappings: every mapping of the
/// practice (its SP 800-171 Rev 2 requirement, Rev 3 successors, SP 800-53
/// Rev 4 and Rev 5 controls, ISO/IEC 27001 controls), direct or derived.
#[utoipa::path(get, path = "/api/cmmc/practices/{practice_id}/mappings", tag = "frameworks", security(()),
    params(("practice_id" = String, Path, description = "A practice id, e.g. `AC.L2-3.1.1`")),
    responses(
        (status = 200, description = "Its mappings (Level 2 practices; empty for Levels 1 and 3)", body = Vec<MappingDto>),
        (status = 404, description = "No such practice", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn practice_mappings(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = state.catalog.get();
    view.practice_json(&path).ok_or_else(|| ApiError::not_found("no such practice"))?;
    let list: Vec<MappingDto<'_>> =
        view.crosswalks.practice_mappings(&path).iter().map(MappingDto::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

async fn readiness(
    state: &AppState,
    user: &CurrentUser,
    assessment_id: &str,
    framework: &str,
) -> Result<HttpResponse, ApiError> {
    let view = state.catalog.get();
    let projection =
        state.services.readiness(&user.0, assessment_id, &view.crosswalks, framework).await?;
    Ok(HttpResponse::Ok().json(ReadinessDto::from(&projection)))
}

/// GET /api/assessments/{id}/readiness/sp800-171r3: the answers projected
/// onto the 97 Rev 3 requirements. A projection, not an assessment.
#[utoipa::path(get, path = "/api/assessments/{id}/readiness/sp800-171r3", tag = "frameworks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment (a UUID)")),
    responses(
        (status = 200, description = "Each Rev 3 requirement with its Rev 2 sources and projected state; counts per state and per family", body = ReadinessDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A Level 1 assessment: it holds no Level 2 answers", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn readiness_sp800_171r3(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    readiness(&state, &user, &path, "sp800-171r3").await
}

/// GET /api/assessments/{id}/readiness/sp800-53r5: the answers projected
/// onto the SP 800-53 Rev 5 controls the practices map to, by family.
#[utoipa::path(get, path = "/api/assessments/{id}/readiness/sp800-53r5", tag = "frameworks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment (a UUID)")),
    responses(
        (status = 200, description = "Each control a practice maps to, with its sources and projected state; counts per state and per family", body = ReadinessDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A Level 1 assessment: it holds no Level 2 answers", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn readiness_sp800_53r5(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    readiness(&state, &user, &path, "sp800-53r5").await
}
