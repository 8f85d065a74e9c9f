//! DataPact: connection settings, contract mappings, sync and its log.

use actix_web::{HttpResponse, web};

use crate::dto::datapact::{
    ConnectionDto, ConnectionRequest, ContractListDto, MappingDto, MappingRequest, SyncLogDto,
    SyncReportDto, SyncResultDto, UpdateMappingRequest,
};
use crate::dto::{Page, PageQuery};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_connection,
    set_connection,
    list_contracts,
    list_mappings,
    create_mapping,
    update_mapping,
    delete_mapping,
    sync,
    list_logs
))]
pub(crate) struct Doc;

/// GET /api/organizations/{org_id}/datapact: the DataPact connection (whether a key is set,
/// never the key).
#[utoipa::path(get, path = "/api/organizations/{org_id}/datapact", tag = "datapact", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    responses(
        (status = 200, description = "The connection", body = ConnectionDto, example = json!({
            "api_url": "https://datapact.example", "api_key_set": true
        })),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_connection(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let connection = state.services.datapact_connection(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ConnectionDto::from(&connection)))
}

/// PUT /api/organizations/{org_id}/datapact `{"api_url", "api_key"}`: sets the DataPact URL
/// and (optionally) key, encrypted at rest; a new URL without a new key clears the stored key.
#[utoipa::path(put, path = "/api/organizations/{org_id}/datapact", tag = "datapact", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    request_body = ConnectionRequest,
    responses(
        (status = 200, description = "The connection as set", body = ConnectionDto, example = json!({
            "api_url": "https://datapact.example", "api_key_set": true
        })),
        (status = 400, description = "A malformed body, an unknown field or a control character; an api_url that is not an http(s) URL or that the outbound policy refuses; an api_key not of 1 to 1024 characters", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An https URL the outbound policy refuses (a loopback, private or link-local address not in CMMC_OUTBOUND_ALLOW), or an http URL to a host not in it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A key was given but CMMC_SECRET_KEY is not configured, so the server cannot protect it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn set_connection(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ConnectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let connection = state
        .services
        .set_datapact_connection(&user.0, &path, &body.api_url, body.api_key.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(ConnectionDto::from(&connection)))
}

/// GET /api/organizations/{org_id}/datapact/contracts: DataPact's contract list, for the
/// mapping screen, as DataPact gives it. Every call made is logged.
#[utoipa::path(get, path = "/api/organizations/{org_id}/datapact/contracts", tag = "datapact", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    responses(
        (status = 200, description = "DataPact's contracts", body = ContractListDto, example = json!({
            "items": [{ "id": "K-1042", "name": "Prime contract" }], "total": 1
        })),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "DataPact is not configured for this organisation (no URL or no key)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 500, description = "The stored DataPact key cannot be decrypted (was the server secret changed?)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 502, description = "DataPact failed (`/problems/upstream`); `errors[0]` is `{\"field\": \"datapact\", \"message\": <kind>}` with kind `timeout`, `unreachable`, `unauthorized`, `not_found`, `rate_limited`, `server_error`, `invalid_response` or `blocked`", body = crate::error::Problem, content_type = "application/problem+json", example = json!({
            "type": "/problems/upstream", "title": "DataPact failed", "status": 502,
            "detail": "DataPact did not answer in time",
            "errors": [{ "field": "datapact", "message": "timeout" }]
        })),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_contracts(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contracts = state.services.datapact_contracts(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ContractListDto::from(&contracts)))
}

/// GET /api/organizations/{org_id}/datapact/mappings: the practice -> contract mappings, by
/// practice id.
#[utoipa::path(get, path = "/api/organizations/{org_id}/datapact/mappings", tag = "datapact", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    responses(
        (status = 200, description = "The mappings, by practice id then contract id", body = Vec<MappingDto>, example = json!([{
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "practice_id": "AC.L2-3.1.1", "datapact_contract_id": "K-1042", "datapact_contract_name": "Prime contract",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
        }])),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_mappings(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mappings = state.services.list_mappings(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(mappings.iter().map(MappingDto::from).collect::<Vec<_>>()))
}

/// POST /api/organizations/{org_id}/datapact/mappings: maps a practice to a DataPact contract.
#[utoipa::path(post, path = "/api/organizations/{org_id}/datapact/mappings", tag = "datapact", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    request_body = MappingRequest,
    responses(
        (status = 201, description = "The mapping", body = MappingDto, example = json!({
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "practice_id": "AC.L2-3.1.1", "datapact_contract_id": "K-1042", "datapact_contract_name": "Prime contract",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
        })),
        (status = 400, description = "A malformed body, an unknown field or a control character; a practice_id that is not a practice id or not in the catalogue; a contract id not of 1 to 128 characters; a contract name over 256 characters", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A well-formed practice_id that is not in the catalogue", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The practice is already mapped to this contract", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_mapping(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<MappingRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mapping = state
        .services
        .create_mapping(
            &user.0,
            &path,
            &body.practice_id,
            &body.datapact_contract_id,
            body.datapact_contract_name,
        )
        .await?;
    Ok(HttpResponse::Created().json(MappingDto::from(&mapping)))
}

/// PATCH /api/organizations/{org_id}/datapact/mappings/{mapping_id}: changes a mapping's
/// contract id or display name.
#[utoipa::path(patch, path = "/api/organizations/{org_id}/datapact/mappings/{mapping_id}", tag = "datapact", security(("bearer" = [])),
    params(
        ("org_id" = String, Path, description = "The organisation id (a UUID)"),
        ("mapping_id" = String, Path, description = "The mapping id (a UUID)"),
    ),
    request_body = UpdateMappingRequest,
    responses(
        (status = 200, description = "The mapping as changed", body = MappingDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a contract id not of 1 to 128 characters; a contract name over 256 characters", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such mapping of the organisation (or another organisation than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The practice is already mapped to the new contract id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_mapping(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateMappingRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, mapping_id) = path.into_inner();
    let body = body.into_inner();
    let mapping = state
        .services
        .update_mapping(
            &user.0,
            &org_id,
            &mapping_id,
            body.datapact_contract_id.as_deref(),
            body.datapact_contract_name,
        )
        .await?;
    Ok(HttpResponse::Ok().json(MappingDto::from(&mapping)))
}

/// DELETE /api/organizations/{org_id}/datapact/mappings/{mapping_id}: removes a mapping.
#[utoipa::path(delete, path = "/api/organizations/{org_id}/datapact/mappings/{mapping_id}", tag = "datapact", security(("bearer" = [])),
    params(
        ("org_id" = String, Path, description = "The organisation id (a UUID)"),
        ("mapping_id" = String, Path, description = "The mapping id (a UUID)"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.configure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such mapping of the organisation (or another organisation than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_mapping(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, mapping_id) = path.into_inner();
    state.services.delete_mapping(&user.0, &org_id, &mapping_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/assessments/{id}/datapact/sync: fetches each mapped contract's compliance and
/// records DataPact's suggested status beside each practice, never touching the assessor's
/// own status. One failing contract does not stop the others: each failure is in `results`.
#[utoipa::path(post, path = "/api/assessments/{id}/datapact/sync", tag = "datapact", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment id (a UUID)")),
    responses(
        (status = 200, description = "What happened to each mapped practice of the assessment (DataPact failures included, by kind)", body = SyncReportDto, example = json!({
            "synced": 1, "failed": 1,
            "results": [
                { "practice_id": "AC.L2-3.1.1", "datapact_contract_id": "K-1042", "outcome": "success",
                  "suggested_status": "met", "error_kind": null, "error": null },
                { "practice_id": "IA.L2-3.5.3", "datapact_contract_id": "K-2001", "outcome": "timeout",
                  "suggested_status": null, "error_kind": "timeout", "error": "DataPact did not answer in time" }
            ]
        })),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow datapact.sync", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is completed (read-only), or DataPact is not configured for its organisation (no URL or no key)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 500, description = "The stored DataPact key cannot be decrypted (was the server secret changed?)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn sync(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let results = state.services.sync_datapact(&user.0, &path).await?;
    let synced = results.iter().filter(|r| r.error_kind.is_none()).count();
    Ok(HttpResponse::Ok().json(SyncReportDto {
        synced,
        failed: results.len() - synced,
        results: results.iter().map(SyncResultDto::from).collect(),
    }))
}

/// GET /api/assessments/{id}/datapact/logs?page=&per_page=: the DataPact calls made for an
/// assessment, newest first.
#[utoipa::path(get, path = "/api/assessments/{id}/datapact/logs", tag = "datapact", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment id (a UUID)"), PageQuery),
    responses(
        (status = 200, description = "A page of the calls, newest first", body = Page<SyncLogDto>, example = json!({
            "items": [{
                "id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "practice_id": "AC.L2-3.1.1",
                "request_payload": { "method": "GET", "url": "https://datapact.example/api/contracts/K-1042/compliance" },
                "response_payload": { "contract_id": "K-1042", "status": "compliant", "score": 97 },
                "status": "success", "error_message": null, "created_at": "2025-03-01T09:30:00Z"
            }],
            "total": 1, "page": 1, "per_page": 50
        })),
        (status = 400, description = "A page or per_page out of range, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_logs(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().checked()?;
    let (rows, total) = state.services.datapact_logs(&user.0, &path, page).await?;
    let items = rows.iter().map(SyncLogDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}
