//! Affirmations (32 CFR 170.22) and the organisation's standing.

use actix_web::{HttpResponse, web};
use cmmc_services::affirmations::NewAffirmation;
use utoipa::OpenApi;

use crate::dto::affirmations::{AffirmationDto, ComplianceDto, CreateAffirmation};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(paths(create_affirmation, list_affirmations, compliance))]
pub(crate) struct Doc;

/// POST /api/organizations/{org_id}/affirmations: an Affirming Official's
/// affirmation, for a completed assessment or the current status. Never
/// changed once made; audited as `affirmation.create`.
#[utoipa::path(post, path = "/api/organizations/{org_id}/affirmations", tag = "affirmations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = CreateAffirmation,
    responses(
        (status = 201, description = "The affirmation", body = AffirmationDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad name, title, email, phone or statement", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage (affirming in your own name as a senior official: assessment.read)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not completed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An assessment_id that is not an assessment of the organisation; an official_user_id that is not your own, or you are not an active senior official of the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_affirmation(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateAffirmation>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewAffirmation {
        assessment_id: b.assessment_id,
        official_user_id: b.official_user_id,
        official_name: b.official_name,
        official_title: b.official_title,
        official_email: b.official_email,
        official_phone: b.official_phone,
        statement: b.statement,
    };
    let made = state.services.create_affirmation(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(AffirmationDto::from(&made)))
}

/// GET /api/organizations/{org_id}/affirmations: newest first.
#[utoipa::path(get, path = "/api/organizations/{org_id}/affirmations", tag = "affirmations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "The organisation's affirmations", body = Vec<AffirmationDto>),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_affirmations(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let all = state.services.list_affirmations(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(AffirmationDto::from).collect::<Vec<_>>()))
}

/// GET /api/organizations/{org_id}/compliance: the current standing.
#[utoipa::path(get, path = "/api/organizations/{org_id}/compliance", tag = "affirmations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "Level, status, score, status date, validity end, next affirmation due, and what is missing or expiring", body = ComplianceDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn compliance(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let standing = state.services.compliance(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ComplianceDto::from(&standing)))
}
