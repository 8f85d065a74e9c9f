//! System security plans: versions, statements, publishing, new versions.

use actix_web::{HttpResponse, web};
use cmmc_services::ssps::{NewSsp, SspChanges, StatementFields};
use utoipa::OpenApi;

use crate::dto::ssps::{CreateSsp, NewVersionBody, SspDto, StatementBody, StatementDto, UpdateSsp};
use crate::error::{ApiError, ProblemKind};
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(paths(
    create_ssp,
    list_ssps,
    get_ssp,
    update_ssp,
    put_statement,
    list_statements,
    publish_ssp,
    new_version
))]
pub(crate) struct Doc;

/// POST /api/organizations/{org_id}/ssps: the first version of an SSP, a draft.
#[utoipa::path(post, path = "/api/organizations/{org_id}/ssps", tag = "ssps", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = CreateSsp,
    responses(
        (status = 201, description = "The new draft", body = SspDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad name, version, level, scope type, description, CAGE code or person", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has an SSP of that name and version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateSsp>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewSsp {
        name: b.name,
        version: b.version,
        level: b.level,
        system_description: b.system_description,
        scope_type: b.scope_type,
        boundary_description: b.boundary_description,
        environment: b.environment,
        cage_codes: b.cage_codes,
        people: b.people.into_iter().map(Into::into).collect(),
    };
    let ssp = state.services.create_ssp(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(SspDto::from(&ssp)))
}

/// GET /api/organizations/{org_id}/ssps: every version, by name, newest first.
#[utoipa::path(get, path = "/api/organizations/{org_id}/ssps", tag = "ssps", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "The organisation's SSP versions", body = Vec<SspDto>),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_ssps(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ssps = state.services.list_ssps(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ssps.iter().map(SspDto::from).collect::<Vec<_>>()))
}

/// GET /api/ssps/{ssp_id}: one version.
#[utoipa::path(get, path = "/api/ssps/{ssp_id}", tag = "ssps", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version (a UUID)")),
    responses(
        (status = 200, description = "The version", body = SspDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ssp = state.services.get_ssp(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(SspDto::from(&ssp)))
}

/// PATCH /api/ssps/{ssp_id}: changes a draft; a published version is immutable (409).
#[utoipa::path(patch, path = "/api/ssps/{ssp_id}", tag = "ssps", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version (a UUID)")),
    request_body = UpdateSsp,
    responses(
        (status = 200, description = "The version as changed", body = SspDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad value", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is published; or the new name and version are taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdateSsp>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let changes = SspChanges {
        name: b.name,
        version: b.version,
        system_description: b.system_description,
        scope_type: b.scope_type,
        boundary_description: b.boundary_description,
        environment: b.environment,
        cage_codes: b.cage_codes,
        people: b.people.map(|people| people.into_iter().map(Into::into).collect()),
    };
    let ssp = state.services.update_ssp(&user.0, &path, changes).await?;
    Ok(HttpResponse::Ok().json(SspDto::from(&ssp)))
}

/// PUT /api/ssps/{ssp_id}/statements/{practice_id}: states how one
/// requirement of the version's level is implemented (201 when new).
#[utoipa::path(put, path = "/api/ssps/{ssp_id}/statements/{practice_id}", tag = "ssps", security(("bearer" = [])),
    params(
        ("ssp_id" = String, Path, description = "The SSP version (a UUID)"),
        ("practice_id" = String, Path, description = "A requirement of the version's level, such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
    ),
    request_body = StatementBody,
    responses(
        (status = 200, description = "The statement, replaced", body = StatementDto),
        (status = 201, description = "The statement, new", body = StatementDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad status, narrative, role or date", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's), or the practice is not a requirement of its level", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is published", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A planned status without a planned date, a planned date on a status that has none, or an objective the practice does not have", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn put_statement(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<StatementBody>,
) -> Result<HttpResponse, ApiError> {
    let (ssp_id, practice_id) = path.into_inner();
    let b = body.into_inner();
    let fields = StatementFields {
        implementation_status: b.implementation_status,
        narrative: b.narrative,
        responsible_role: b.responsible_role,
        planned_date: b.planned_date,
        objectives: b.objectives,
    };
    let (statement, created) =
        state.services.put_ssp_statement(&user.0, &ssp_id, &practice_id, fields).await?;
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(StatementDto::from(&statement)))
}

/// GET /api/ssps/{ssp_id}/statements: the statements, in catalogue order.
#[utoipa::path(get, path = "/api/ssps/{ssp_id}/statements", tag = "ssps", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version (a UUID)")),
    responses(
        (status = 200, description = "The statements made so far", body = Vec<StatementDto>),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_statements(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let statements = state.services.list_ssp_statements(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(statements.iter().map(StatementDto::from).collect::<Vec<_>>()))
}

/// POST /api/ssps/{ssp_id}/publish: the draft gets today's date and becomes immutable.
#[utoipa::path(post, path = "/api/ssps/{ssp_id}/publish", tag = "ssps", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version (a UUID)")),
    responses(
        (status = 200, description = "The published version", body = SspDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Published already; or it names no system owner or security official, or a requirement of its level has no statement (the detail lists what is missing)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn publish_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ssp = state.services.publish_ssp(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(SspDto::from(&ssp)))
}

/// POST /api/ssps/{ssp_id}/versions: a new draft copied from this version
/// (content and statements). The body is optional.
#[utoipa::path(post, path = "/api/ssps/{ssp_id}/versions", tag = "ssps", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version to copy (a UUID)")),
    request_body(content = Option<NewVersionBody>, description = "Optional: the new version's label"),
    responses(
        (status = 201, description = "The new draft", body = SspDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has that name and version already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn new_version(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: NewVersionBody = if body.iter().all(u8::is_ascii_whitespace) {
        NewVersionBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::new(ProblemKind::InvalidBody, format!("the body: {err}")))?
    };
    let ssp = state.services.new_ssp_version(&user.0, &path, body.version.as_deref()).await?;
    Ok(HttpResponse::Created().json(SspDto::from(&ssp)))
}
