//! Providers and their customer responsibility matrices; an assessment's
//! scope; applying providers to an assessment.

use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_domain::provider::{ProviderInput, ResponsibilityInput};
use cmmc_services::providers::ProviderChanges;

use super::assets::{IMPORT_MAX_BYTES, csv_attachment, is_csv, read_body};
use crate::dto::assets::ImportReportDto;
use crate::dto::providers::{
    ApplyProviders, ApplyReportDto, CreateProvider, ProviderDto, ReplaceResponsibilities,
    ReplacedDto, ResponsibilityDto, ScopeDto, SetScope, UpdateProvider,
};
use crate::dto::{Page, PageQuery};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_providers,
    create_provider,
    get_provider,
    update_provider,
    delete_provider,
    list_responsibilities,
    replace_responsibilities,
    import_responsibilities,
    export_responsibilities,
    get_scope,
    set_scope,
    apply_providers
))]
pub(crate) struct Doc;

/// DELETE /api/providers/{provider_id}: removes it with its matrix.
/// Audited as `provider.delete`.
#[utoipa::path(delete, path = "/api/providers/{provider_id}", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    responses(
        (status = 204, description = "Deleted, with its responsibility matrix; what assessments inherited stays recorded"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Assets of the inventory name it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_provider(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.services.delete_provider(&user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /api/organizations/{org_id}/providers?page=&per_page=
#[utoipa::path(get, path = "/api/organizations/{org_id}/providers", tag = "providers", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), PageQuery),
    responses(
        (status = 200, description = "A page of the organisation's providers, by name", body = Page<ProviderDto>),
        (status = 400, description = "A bad page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_providers(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().checked()?;
    let (items, total) = state.services.list_providers(&user.0, &path, page).await?;
    let items = items.iter().map(ProviderDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}

/// POST /api/organizations/{org_id}/providers: adds a provider. Audited as `provider.create`.
#[utoipa::path(post, path = "/api/organizations/{org_id}/providers", tag = "providers", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = CreateProvider,
    responses(
        (status = 201, description = "The provider", body = ProviderDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has a provider with this name", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_provider(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateProvider>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = ProviderInput {
        name: b.name,
        kind: b.kind,
        authorization: b.authorization,
        services: b.services,
    };
    let provider = state.services.create_provider(&user.0, &path, input).await?;
    Ok(HttpResponse::Created().json(ProviderDto::from(&provider)))
}

/// GET /api/providers/{provider_id}
#[utoipa::path(get, path = "/api/providers/{provider_id}", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    responses(
        (status = 200, description = "The provider", body = ProviderDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_provider(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = state.services.get_provider(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ProviderDto::from(&provider)))
}

/// PATCH /api/providers/{provider_id}: audited as `provider.update`.
#[utoipa::path(patch, path = "/api/providers/{provider_id}", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    request_body = UpdateProvider,
    responses(
        (status = 200, description = "The provider as changed", body = ProviderDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another provider of the organisation has this name", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_provider(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdateProvider>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let changes = ProviderChanges {
        name: b.name,
        kind: b.kind,
        authorization: b.authorization,
        services: b.services,
    };
    let provider = state.services.update_provider(&user.0, &path, changes).await?;
    Ok(HttpResponse::Ok().json(ProviderDto::from(&provider)))
}

/// GET /api/providers/{provider_id}/responsibilities: the customer
/// responsibility matrix, by practice and objective.
#[utoipa::path(get, path = "/api/providers/{provider_id}/responsibilities", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    responses(
        (status = 200, description = "The matrix", body = Vec<ResponsibilityDto>),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_responsibilities(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = state.services.list_responsibilities(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(ResponsibilityDto::from).collect::<Vec<_>>()))
}

/// PUT /api/providers/{provider_id}/responsibilities: replaces the matrix
/// (rows kept by practice and objective keep their ids). Audited as
/// `provider.responsibilities`.
#[utoipa::path(put, path = "/api/providers/{provider_id}/responsibilities", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    request_body = ReplaceResponsibilities,
    responses(
        (status = 200, description = "The matrix as replaced, with the counts", body = ReplacedDto),
        (status = 400, description = "A bad field (named `responsibilities[i].field`), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A practice or objective the catalogue does not have, or a row given twice", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn replace_responsibilities(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ReplaceResponsibilities>,
) -> Result<HttpResponse, ApiError> {
    let inputs: Vec<ResponsibilityInput> = body
        .into_inner()
        .responsibilities
        .into_iter()
        .map(|r| ResponsibilityInput {
            practice_id: r.practice_id,
            objective: r.objective,
            responsibility: r.responsibility,
            provider_statement: r.provider_statement,
        })
        .collect();
    let (report, rows) = state.services.replace_responsibilities(&user.0, &path, &inputs).await?;
    Ok(HttpResponse::Ok().json(ReplacedDto::of(report, &rows)))
}

/// POST /api/providers/{provider_id}/responsibilities/import: a `text/csv`
/// matrix (`practice_id,objective,responsibility,provider_statement`).
/// Every row is checked before anything is written; then all are upserted
/// by practice and objective. Audited as `provider.responsibilities_import`.
#[utoipa::path(post, path = "/api/providers/{provider_id}/responsibilities/import", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    request_body(content = String, description = "A CSV file with a header row naming the columns", content_type = "text/csv"),
    responses(
        (status = 200, description = "How many rows were inserted, updated and left unchanged", body = ImportReportDto),
        (status = 400, description = "Rows that break the rules: `errors` lists each with its `line` (1 is the header), `column` and `problem`; nothing was written", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over 16 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn import_responsibilities(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let csv = is_csv(&request);
    let body = read_body(payload, IMPORT_MAX_BYTES).await?;
    let report = state.services.import_responsibilities(&user.0, &path, &body, csv).await?;
    Ok(HttpResponse::Ok().json(ImportReportDto::from(report)))
}

/// GET /api/providers/{provider_id}/responsibilities/export: the matrix as
/// CSV, which imports back unchanged. Audited as `provider.responsibilities_export`.
#[utoipa::path(get, path = "/api/providers/{provider_id}/responsibilities/export", tag = "providers", security(("bearer" = [])),
    params(("provider_id" = String, Path, description = "The provider (a UUID)")),
    responses(
        (status = 200, description = "The CSV file, as an attachment", content(("text/csv; charset=utf-8"))),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_responsibilities(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let bytes = state.services.export_responsibilities(&user.0, &path).await?;
    Ok(csv_attachment(bytes, "responsibilities.csv"))
}

/// GET /api/assessments/{id}/scope: the assets scoped, as recorded, with
/// the counts per category and the 32 CFR 170.19 warnings.
#[utoipa::path(get, path = "/api/assessments/{id}/scope", tag = "providers", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment (a UUID)")),
    responses(
        (status = 200, description = "The scope", body = ScopeDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_scope(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.services.get_scope(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ScopeDto::from(&scope)))
}

/// PUT /api/assessments/{id}/scope: sets the scope to these assets, each
/// copied as it is now. Audited as `assessment.scope`.
#[utoipa::path(put, path = "/api/assessments/{id}/scope", tag = "providers", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment (a UUID)")),
    request_body = SetScope,
    responses(
        (status = 200, description = "The scope as set, with counts and warnings", body = ScopeDto),
        (status = 400, description = "Too many assets, a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is completed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An asset the organisation does not have, or one given twice", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn set_scope(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<SetScope>,
) -> Result<HttpResponse, ApiError> {
    let scope = state.services.set_scope(&user.0, &path, &body.asset_ids).await?;
    Ok(HttpResponse::Ok().json(ScopeDto::from(&scope)))
}

/// POST /api/assessments/{id}/providers/apply: fills in what the providers'
/// matrices say they meet, and attaches what they share. Audited as
/// `assessment.providers_apply`.
#[utoipa::path(post, path = "/api/assessments/{id}/providers/apply", tag = "providers", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment (a UUID)")),
    request_body = ApplyProviders,
    responses(
        (status = 200, description = "The counts, in objectives, and any provider flagged", body = ApplyReportDto),
        (status = 400, description = "No providers or too many, a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow evaluating practices", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not in progress", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A provider the organisation does not have, or one named twice", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn apply_providers(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ApplyProviders>,
) -> Result<HttpResponse, ApiError> {
    let report = state.services.apply_providers(&user.0, &path, &body.provider_ids).await?;
    Ok(HttpResponse::Ok().json(ApplyReportDto::from(&report)))
}
