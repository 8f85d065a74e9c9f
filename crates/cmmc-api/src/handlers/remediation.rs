//! Findings, POA&Ms and the dashboard.

use actix_web::{HttpResponse, web};
use cmmc_services::remediation::{FindingChanges, NewFinding, NewPoamItem, PoamItemChanges};

use crate::dto::remediation::{
    CreateFinding, CreatePoam, CreatePoamItem, DashboardDto, FindingDto, FindingQuery, PoamDto,
    PoamItemDto, PoamQuery, PoamSummaryDto, UpdateFinding, UpdatePoam, UpdatePoamItem,
};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_finding,
    list_findings,
    get_finding,
    update_finding,
    delete_finding,
    generate_poam,
    create_poam,
    list_poams,
    get_poam,
    update_poam,
    delete_poam,
    add_poam_item,
    update_poam_item,
    delete_poam_item,
    dashboard
))]
pub(crate) struct Doc;

/// POST /api/assessments/{id}/findings: records a finding (open).
#[utoipa::path(post, path = "/api/assessments/{id}/findings", tag = "remediation", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment id (a UUID)")),
    request_body = CreateFinding,
    responses(
        (status = 201, description = "The finding, open", body = FindingDto, example = json!({
            "id": "5b0a4c0e-3f4e-4d8a-9a57-1c2f3e4d5a6b", "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "practice_id": "IA.L2-3.5.3", "finding_type": "deficiency", "severity": "high",
            "title": "No MFA for admins", "description": null, "status": "open",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
        })),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad finding_type, severity or title; a practice_id that is not a practice of this assessment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A practice_id that is not a practice of this assessment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow finding.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateFinding>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewFinding {
        finding_type: b.finding_type,
        severity: b.severity,
        title: b.title,
        description: b.description,
        practice_id: b.practice_id,
    };
    let finding = state.services.create_finding(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(FindingDto::from(&finding)))
}

/// GET /api/assessments/{id}/findings?status=&severity=: the assessment's findings, oldest first.
#[utoipa::path(get, path = "/api/assessments/{id}/findings", tag = "remediation", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment id (a UUID)"), FindingQuery),
    responses(
        (status = 200, description = "The matching findings, oldest first", body = Vec<FindingDto>, example = json!([{
            "id": "5b0a4c0e-3f4e-4d8a-9a57-1c2f3e4d5a6b", "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "practice_id": "IA.L2-3.5.3", "finding_type": "deficiency", "severity": "high",
            "title": "No MFA for admins", "description": null, "status": "open",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
        }])),
        (status = 400, description = "A bad status or severity, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_findings(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<FindingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let found = state
        .services
        .list_findings(&user.0, &path, q.status.as_deref(), q.severity.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(found.iter().map(FindingDto::from).collect::<Vec<_>>()))
}

/// GET /api/assessments/{id}/findings/{finding_id}: one finding.
#[utoipa::path(get, path = "/api/assessments/{id}/findings/{finding_id}", tag = "remediation", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment id (a UUID)"),
        ("finding_id" = String, Path, description = "The finding id (a UUID)"),
    ),
    responses(
        (status = 200, description = "The finding", body = FindingDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment or finding of it (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, finding_id) = path.into_inner();
    let finding = state.services.get_finding(&user.0, &id, &finding_id).await?;
    Ok(HttpResponse::Ok().json(FindingDto::from(&finding)))
}

/// PATCH /api/assessments/{id}/findings/{finding_id}: changes a finding; a status change
/// follows the remediation workflow.
#[utoipa::path(patch, path = "/api/assessments/{id}/findings/{finding_id}", tag = "remediation", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment id (a UUID)"),
        ("finding_id" = String, Path, description = "The finding id (a UUID)"),
    ),
    request_body = UpdateFinding,
    responses(
        (status = 200, description = "The finding as changed", body = FindingDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad finding_type, severity, title or status", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow finding.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment or finding of it (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A status step the workflow does not allow (e.g. resolved -> open)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateFinding>,
) -> Result<HttpResponse, ApiError> {
    let (id, finding_id) = path.into_inner();
    let b = body.into_inner();
    let changes = FindingChanges {
        finding_type: b.finding_type,
        severity: b.severity,
        title: b.title,
        description: b.description,
        status: b.status,
    };
    let finding = state.services.update_finding(&user.0, &id, &finding_id, changes).await?;
    Ok(HttpResponse::Ok().json(FindingDto::from(&finding)))
}

/// DELETE /api/assessments/{id}/findings/{finding_id}: deletes an open finding (one in
/// remediation or closed is a record).
#[utoipa::path(delete, path = "/api/assessments/{id}/findings/{finding_id}", tag = "remediation", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment id (a UUID)"),
        ("finding_id" = String, Path, description = "The finding id (a UUID)"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow finding.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment or finding of it (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The finding is not open", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, finding_id) = path.into_inner();
    state.services.delete_finding(&user.0, &id, &finding_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/assessments/{id}/poam: generates a draft POA&M, one item per unmet practice and
/// per unresolved finding of no unmet practice, each scheduled for the 180-day closeout deadline.
#[utoipa::path(post, path = "/api/assessments/{id}/poam", tag = "remediation", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment id (a UUID)")),
    responses(
        (status = 201, description = "The generated draft POA&M with its items", body = PoamDto, example = json!({
            "id": "9d4c2f1a-7b6e-4c3d-8a2b-1f0e9d8c7b6a", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "title": "POA&M for 2025 self-assessment",
            "status": "draft", "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z",
            "items": [{
                "id": "c56a4180-65aa-42ec-a945-5fd21dec0538", "poam_id": "9d4c2f1a-7b6e-4c3d-8a2b-1f0e9d8c7b6a",
                "finding_id": "5b0a4c0e-3f4e-4d8a-9a57-1c2f3e4d5a6b", "practice_id": "IA.L2-3.5.3",
                "milestone": "Implement IA.L2-3.5.3 Multifactor authentication", "scheduled_completion": "2025-08-28",
                "actual_completion": null, "status": "open", "overdue": false, "resources_required": null,
                "risk_accepted": false, "poam_eligible": false,
                "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
            }]
        })),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn generate_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poam = state.services.generate_poam(&user.0, &path).await?;
    Ok(HttpResponse::Created().json(PoamDto::from(&poam)))
}

/// GET /api/poams?org_id=&assessment_id=: the POA&Ms you may see, newest first.
#[utoipa::path(get, path = "/api/poams", tag = "remediation", security(("bearer" = [])),
    params(PoamQuery),
    responses(
        (status = 200, description = "The POA&Ms, newest first, without their items", body = Vec<PoamSummaryDto>, example = json!([{
            "id": "9d4c2f1a-7b6e-4c3d-8a2b-1f0e9d8c7b6a", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "title": "Q1 plan", "status": "active",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-02T10:00:00Z"
        }])),
        (status = 400, description = "An unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_poams(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PoamQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let found =
        state.services.list_poams(&user.0, q.org_id.as_deref(), q.assessment_id.as_deref()).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(PoamSummaryDto::from).collect::<Vec<_>>()))
}

/// GET /api/poams/{poam_id}: one POA&M with its items.
#[utoipa::path(get, path = "/api/poams/{poam_id}", tag = "remediation", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M id (a UUID)")),
    responses(
        (status = 200, description = "The POA&M with its items", body = PoamDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let poam = state.services.get_poam(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(PoamDto::from(&poam)))
}

/// PATCH /api/poams/{poam_id}: renames a POA&M or moves it draft -> active -> completed.
#[utoipa::path(patch, path = "/api/poams/{poam_id}", tag = "remediation", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M id (a UUID)")),
    request_body = UpdatePoam,
    responses(
        (status = 200, description = "The POA&M as changed, with its items", body = PoamDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad title or status", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A status step the workflow does not allow (e.g. draft -> completed)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdatePoam>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let poam = state.services.update_poam(&user.0, &path, b.title, b.status).await?;
    Ok(HttpResponse::Ok().json(PoamDto::from(&poam)))
}

/// DELETE /api/poams/{poam_id}: deletes a draft POA&M and its items.
#[utoipa::path(delete, path = "/api/poams/{poam_id}", tag = "remediation", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M id (a UUID)")),
    responses(
        (status = 204, description = "Deleted, with its items"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The POA&M is not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.services.delete_poam(&user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/poams: an empty draft POA&M for an assessment (items are added one by one).
#[utoipa::path(post, path = "/api/poams", tag = "remediation", security(("bearer" = [])),
    request_body = CreatePoam,
    responses(
        (status = 201, description = "The draft POA&M, without items", body = PoamDto, example = json!({
            "id": "9d4c2f1a-7b6e-4c3d-8a2b-1f0e9d8c7b6a", "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "title": "Q1 plan", "status": "draft",
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z", "items": []
        })),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad title", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreatePoam>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let poam = state.services.create_poam(&user.0, &body.assessment_id, &body.title).await?;
    Ok(HttpResponse::Created().json(PoamDto::from(&poam)))
}

/// DELETE /api/poams/{poam_id}/items/{item_id}: removes an item from a POA&M that is not completed.
#[utoipa::path(delete, path = "/api/poams/{poam_id}/items/{item_id}", tag = "remediation", security(("bearer" = [])),
    params(
        ("poam_id" = String, Path, description = "The POA&M id (a UUID)"),
        ("item_id" = String, Path, description = "The item id (a UUID)"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M or item of it (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The POA&M is completed (read-only)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_poam_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (poam_id, item_id) = path.into_inner();
    state.services.delete_poam_item(&user.0, &poam_id, &item_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/poams/{poam_id}/items: adds an item (open) to a POA&M that is not completed.
#[utoipa::path(post, path = "/api/poams/{poam_id}/items", tag = "remediation", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M id (a UUID)")),
    request_body = CreatePoamItem,
    responses(
        (status = 201, description = "The item, open", body = PoamItemDto, example = json!({
            "id": "c56a4180-65aa-42ec-a945-5fd21dec0538", "poam_id": "9d4c2f1a-7b6e-4c3d-8a2b-1f0e9d8c7b6a",
            "finding_id": null, "practice_id": "IA.L2-3.5.3", "milestone": "Enforce MFA for privileged accounts",
            "scheduled_completion": "2025-09-30", "actual_completion": null, "status": "open", "overdue": false,
            "resources_required": null, "risk_accepted": false, "poam_eligible": false,
            "created_at": "2025-03-01T09:30:00Z", "updated_at": "2025-03-01T09:30:00Z"
        })),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad milestone; a practice_id or finding_id not of the POA&M's assessment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A practice_id that is not a practice of the POA&M's assessment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The POA&M is completed (read-only)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn add_poam_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreatePoamItem>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewPoamItem {
        milestone: b.milestone,
        practice_id: b.practice_id,
        finding_id: b.finding_id,
        scheduled_completion: b.scheduled_completion,
        resources_required: b.resources_required,
        point_of_contact: b.point_of_contact,
    };
    let item = state.services.add_poam_item(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(PoamItemDto::from(&item)))
}

/// PATCH /api/poams/{poam_id}/items/{item_id}: changes an item; completing it records its
/// actual completion (today unless given).
#[utoipa::path(patch, path = "/api/poams/{poam_id}/items/{item_id}", tag = "remediation", security(("bearer" = [])),
    params(
        ("poam_id" = String, Path, description = "The POA&M id (a UUID)"),
        ("item_id" = String, Path, description = "The item id (a UUID)"),
    ),
    request_body = UpdatePoamItem,
    responses(
        (status = 200, description = "The item as changed", body = PoamItemDto),
        (status = 400, description = "A malformed body, an unknown field or a control character; a bad milestone or date; a bad status, or overdue (read from the schedule, never set)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A completed item whose actual_completion is cleared", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow poam.manage", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M or item of it (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_poam_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdatePoamItem>,
) -> Result<HttpResponse, ApiError> {
    let (poam_id, item_id) = path.into_inner();
    let b = body.into_inner();
    let changes = PoamItemChanges {
        milestone: b.milestone,
        scheduled_completion: b.scheduled_completion,
        actual_completion: b.actual_completion,
        status: b.status,
        resources_required: b.resources_required,
        risk_accepted: b.risk_accepted,
        point_of_contact: b.point_of_contact,
    };
    let item = state.services.update_poam_item(&user.0, &poam_id, &item_id, changes).await?;
    Ok(HttpResponse::Ok().json(PoamItemDto::from(&item)))
}

/// GET /api/organizations/{org_id}/dashboard: the organisation's SPRS history, progress per
/// domain, open findings and overdue POA&M items.
#[utoipa::path(get, path = "/api/organizations/{org_id}/dashboard", tag = "remediation", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation id (a UUID)")),
    responses(
        (status = 200, description = "The dashboard", body = DashboardDto, example = json!({
            "org_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "current_sprs_score": 88,
            "sprs_history": [{
                "assessment_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "title": "2025 self-assessment",
                "completed_at": "2025-02-27T16:00:00Z", "sprs_score": 88, "cmmc_status": "conditional"
            }],
            "practices_met_by_domain": [{ "domain_id": "AC", "met": 20, "total": 22 }],
            "open_findings_by_severity": { "critical": 0, "high": 1, "low": 0, "medium": 2 },
            "overdue_poam_items": []
        })),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow assessment.read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one than yours, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let d = state.services.dashboard(&user.0, &path).await?;
    let compliance = state.services.compliance(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(DashboardDto::new(path.as_str(), &d, &compliance)))
}
