//! DataPact: connection settings, contract mappings, sync and its log.

use actix_web::{HttpResponse, web};
use cmmc_services::datapact::{DataPactConnection, Mapping, SyncLog};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dto::{Page, PageQuery};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectionRequest {
    api_url: String,
    /// Left out: the stored key stays.
    api_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingRequest {
    practice_id: String,
    datapact_contract_id: String,
    datapact_contract_name: Option<String>,
}

fn connection_json(c: &DataPactConnection) -> Value {
    json!({ "api_url": c.api_url, "api_key_set": c.api_key_set })
}

fn mapping_json(m: &Mapping) -> Value {
    json!({
        "id": m.id, "org_id": m.org_id, "practice_id": m.practice_id.to_string(), "datapact_contract_id": m.datapact_contract_id,
        "datapact_contract_name": m.datapact_contract_name, "created_at": m.created_at, "updated_at": m.updated_at,
    })
}

fn log_json(l: &SyncLog) -> Value {
    json!({
        "id": l.id, "org_id": l.org_id, "assessment_id": l.assessment_id, "practice_id": l.practice_id.map(|p| p.to_string()),
        "request_payload": l.request_payload, "response_payload": l.response_payload, "status": l.status.as_str(),
        "error_message": l.error_message, "created_at": l.created_at,
    })
}

/// GET /api/organizations/{org_id}/datapact
pub(crate) async fn get_connection(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(connection_json(&state.services.datapact_connection(&user.0, &path).await?)))
}

/// PUT /api/organizations/{org_id}/datapact `{"api_url", "api_key"}`
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
    Ok(HttpResponse::Ok().json(connection_json(&connection)))
}

/// GET /api/organizations/{org_id}/datapact/contracts
pub(crate) async fn list_contracts(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contracts = state.services.datapact_contracts(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": contracts.items, "total": contracts.total })))
}

/// GET /api/organizations/{org_id}/datapact/mappings
pub(crate) async fn list_mappings(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mappings = state.services.list_mappings(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(mappings.iter().map(mapping_json).collect::<Vec<_>>()))
}

/// POST /api/organizations/{org_id}/datapact/mappings
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
    Ok(HttpResponse::Created().json(mapping_json(&mapping)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateMappingRequest {
    datapact_contract_id: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    datapact_contract_name: Option<Option<String>>,
}

/// PATCH /api/organizations/{org_id}/datapact/mappings/{mapping_id}
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
    Ok(HttpResponse::Ok().json(mapping_json(&mapping)))
}

/// DELETE /api/organizations/{org_id}/datapact/mappings/{mapping_id}
pub(crate) async fn delete_mapping(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, mapping_id) = path.into_inner();
    state.services.delete_mapping(&user.0, &org_id, &mapping_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/assessments/{id}/datapact/sync
pub(crate) async fn sync(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let results = state.services.sync_datapact(&user.0, &path).await?;
    let synced = results.iter().filter(|r| r.error_kind.is_none()).count();
    let body: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "practice_id": r.practice_id, "datapact_contract_id": r.datapact_contract_id,
                "outcome": r.outcome.as_str(), "suggested_status": r.suggested_status.map(|s| s.as_str()),
                "error_kind": r.error_kind, "error": r.error,
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "synced": synced, "failed": results.len() - synced, "results": body })))
}

/// GET /api/assessments/{id}/datapact/logs?page=&per_page=
pub(crate) async fn list_logs(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().checked()?;
    let (rows, total) = state.services.datapact_logs(&user.0, &path, page).await?;
    let items = rows.iter().map(log_json).collect();
    Ok(HttpResponse::Ok().json(Page::<Value>::of(items, total, page)))
}
