//! OSCAL 1.2.3 JSON: the catalogue and the level profiles (public, like the
//! catalogue), and an assessment's results, a POA&M and an SSP (signed in,
//! audited, another organisation's a 404 like everything else). The
//! mapping is `cmmc_services::oscal`.

use actix_web::{HttpResponse, web};
use cmmc_domain::Level;
use cmmc_services::oscal::{catalog, documents::CATALOG_HREF};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    oscal_catalog,
    oscal_profile,
    oscal_assessment_results,
    oscal_poam,
    oscal_ssp,
    import_assessment_results
))]
pub(crate) struct Doc;

/// A document, not cached when it holds an organisation's data.
fn document(value: &Value, private: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if private {
        response.insert_header(("Cache-Control", "private, no-store"));
    }
    response.json(value)
}

/// GET /api/cmmc/oscal/catalog: the 14 domains as groups and the 151
/// practices as controls, with their statements, objectives, assessment
/// methods and objects, Level 3's parameters, and properties for the
/// level, SPRS weights and POA&M eligibility.
#[utoipa::path(get, path = "/api/cmmc/oscal/catalog", tag = "oscal", security(()),
    responses((status = 200, description = "An OSCAL 1.2.3 catalog", body = Object, content_type = "application/json")))]
pub(crate) async fn oscal_catalog(state: web::Data<AppState>) -> HttpResponse {
    document(&catalog::catalog(&state.catalog.get().catalog), false)
}

/// GET /api/cmmc/oscal/profiles/{level}: the practices a level assesses
/// (Level 3: its own 24 and Level 2's 110), selected from the catalog.
#[utoipa::path(get, path = "/api/cmmc/oscal/profiles/{level}", tag = "oscal", security(()),
    params(("level" = String, Path, description = "The CMMC level: 1, 2 or 3", pattern = "^[123]$")),
    responses(
        (status = 200, description = "An OSCAL 1.2.3 profile", body = Object, content_type = "application/json"),
        (status = 404, description = "No such level", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn oscal_profile(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let level = path
        .parse::<i32>()
        .ok()
        .and_then(|n| Level::try_from(n).ok())
        .ok_or_else(|| ApiError::not_found("no such level; the levels are 1, 2 and 3"))?;
    let view = state.catalog.get();
    Ok(document(&catalog::profile(&view.catalog, level, CATALOG_HREF), false))
}

/// GET /api/assessments/{id}/oscal/assessment-results: the assessment as
/// OSCAL assessment-results (a finding per practice, an observation per
/// objective answer, evidence with its SHA-256, the SPRS score and CMMC
/// status as properties). Audited as `assessment.oscal_export`.
#[utoipa::path(get, path = "/api/assessments/{id}/oscal/assessment-results", tag = "oscal", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment: a UUID")),
    responses(
        (status = 200, description = "An OSCAL 1.2.3 assessment-results document", body = Object, content_type = "application/json"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn oscal_assessment_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let value = state.services.oscal_assessment_results(&user.0, &path).await?;
    Ok(document(&value, true))
}

/// GET /api/poams/{poam_id}/oscal: the POA&M as an OSCAL
/// plan-of-action-and-milestones. Audited as `poam.oscal_export`.
#[utoipa::path(get, path = "/api/poams/{poam_id}/oscal", tag = "oscal", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M: a UUID")),
    responses(
        (status = 200, description = "An OSCAL 1.2.3 plan-of-action-and-milestones", body = Object, content_type = "application/json"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The POA&M has no items (OSCAL needs at least one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn oscal_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let value = state.services.oscal_poam(&user.0, &path).await?;
    Ok(document(&value, true))
}

/// Which SSP version.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SspQuery {
    /// The SSP version's id (a UUID); by default the newest published
    /// version, else the newest draft.
    #[param(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    ssp_version: Option<String>,
}

/// GET /api/organizations/{org_id}/oscal/ssp?ssp_version=: an SSP version
/// as an OSCAL system-security-plan importing its level's profile, with an
/// implemented-requirement per practice. Audited as `ssp.oscal_export`.
#[utoipa::path(get, path = "/api/organizations/{org_id}/oscal/ssp", tag = "oscal", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation: a UUID"), SspQuery),
    responses(
        (status = 200, description = "An OSCAL 1.2.3 system-security-plan", body = Object, content_type = "application/json"),
        (status = 400, description = "An unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or SSP version (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has no SSP yet", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn oscal_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<SspQuery>,
) -> Result<HttpResponse, ApiError> {
    let ssp = query.ssp_version.as_deref();
    if ssp.is_some_and(|id| uuid::Uuid::try_parse(id).is_err()) {
        return Err(ApiError::not_found("no such SSP version"));
    }
    let value = state.services.oscal_ssp(&user.0, &path, ssp).await?;
    Ok(document(&value, true))
}

/// Where an imported assessment goes.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// The organisation (a UUID) the draft assessment is created in.
    #[param(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    org_id: String,
}

/// POST /api/assessments/import/oscal?org_id=: an OSCAL assessment-results
/// document (ours, or another tool's using our control ids) becomes a
/// draft assessment of its level with the statuses, objective results and
/// notes it carries. Audited as `assessment.import`.
#[utoipa::path(post, path = "/api/assessments/import/oscal", tag = "oscal", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = Object, description = "An OSCAL 1.2.3 assessment-results document", content_type = "application/json"),
    responses(
        (status = 201, description = "The draft assessment created", body = crate::dto::assessments::AssessmentDto),
        (status = 400, description = "A document that does not validate, names controls or objectives the level does not have, or gives statuses its objectives contradict: the problem names the first one (`errors[0].field` is its JSON pointer); nothing is written", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow both managing assessments and evaluating practices", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the JSON limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn import_assessment_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ImportQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    if uuid::Uuid::try_parse(&query.org_id).is_err() {
        return Err(ApiError::not_found("no such organization"));
    }
    let assessment = state.services.import_oscal_assessment(&user.0, &query.org_id, &body).await?;
    Ok(HttpResponse::Created().json(crate::dto::assessments::AssessmentDto::from(&assessment)))
}
