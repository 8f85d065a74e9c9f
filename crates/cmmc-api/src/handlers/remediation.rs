//! Findings, POA&Ms and the dashboard.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use cmmc_services::remediation::{
    Finding, FindingChanges, NewFinding, NewPoamItem, Poam, PoamItem, PoamItemChanges, PoamSummary,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateFinding {
    finding_type: String,
    severity: String,
    title: String,
    description: Option<String>,
    practice_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateFinding {
    finding_type: Option<String>,
    severity: Option<String>,
    title: Option<String>,
    description: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingQuery {
    status: Option<String>,
    severity: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoamQuery {
    org_id: Option<String>,
    assessment_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePoam {
    title: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePoamItem {
    milestone: String,
    practice_id: Option<String>,
    finding_id: Option<String>,
    scheduled_completion: Option<NaiveDate>,
    resources_required: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePoamItem {
    milestone: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    scheduled_completion: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    actual_completion: Option<Option<NaiveDate>>,
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    resources_required: Option<Option<String>>,
    risk_accepted: Option<bool>,
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "id": f.id, "assessment_id": f.assessment_id, "practice_id": f.practice_id.map(|p| p.to_string()), "finding_type": f.finding_type.as_str(),
        "severity": f.severity.as_str(), "title": f.title, "description": f.description, "status": f.status.as_str(),
        "created_at": f.created_at, "updated_at": f.updated_at,
    })
}

fn item_json(i: &PoamItem) -> Value {
    let item = &i.item;
    json!({
        "id": item.id, "poam_id": item.poam_id, "finding_id": item.finding_id, "practice_id": item.practice_id.map(|p| p.to_string()),
        "milestone": item.milestone, "scheduled_completion": item.scheduled_completion,
        "actual_completion": item.actual_completion,
        // An item past its scheduled completion reads as overdue.
        "status": if i.overdue { "overdue" } else { item.status.as_str() },
        "overdue": i.overdue, "resources_required": item.resources_required, "risk_accepted": item.risk_accepted,
        "poam_eligible": item.poam_eligible, "created_at": item.created_at, "updated_at": item.updated_at,
    })
}

fn poam_summary(p: &PoamSummary) -> Value {
    json!({
        "id": p.id, "org_id": p.org_id, "assessment_id": p.assessment_id, "title": p.title, "status": p.status.as_str(),
        "created_at": p.created_at, "updated_at": p.updated_at,
    })
}

fn poam_json(p: &Poam) -> Value {
    let mut value = poam_summary(&p.poam);
    value["items"] = Value::Array(p.items.iter().map(item_json).collect());
    value
}

/// POST /api/assessments/{id}/findings
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
    Ok(HttpResponse::Created().json(finding_json(&finding)))
}

/// GET /api/assessments/{id}/findings?status=&severity=
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
    Ok(HttpResponse::Ok().json(found.iter().map(finding_json).collect::<Vec<_>>()))
}

/// GET /api/assessments/{id}/findings/{finding_id}
pub(crate) async fn get_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, finding_id) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(finding_json(&state.services.get_finding(&user.0, &id, &finding_id).await?)))
}

/// PATCH /api/assessments/{id}/findings/{finding_id}
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
    Ok(HttpResponse::Ok().json(finding_json(
        &state.services.update_finding(&user.0, &id, &finding_id, changes).await?,
    )))
}

/// DELETE /api/assessments/{id}/findings/{finding_id}
pub(crate) async fn delete_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, finding_id) = path.into_inner();
    state.services.delete_finding(&user.0, &id, &finding_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/assessments/{id}/poam
pub(crate) async fn generate_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(poam_json(&state.services.generate_poam(&user.0, &path).await?)))
}

/// GET /api/poams?org_id=&assessment_id=
pub(crate) async fn list_poams(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PoamQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let found =
        state.services.list_poams(&user.0, q.org_id.as_deref(), q.assessment_id.as_deref()).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(poam_summary).collect::<Vec<_>>()))
}

/// GET /api/poams/{poam_id}
pub(crate) async fn get_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(poam_json(&state.services.get_poam(&user.0, &path).await?)))
}

/// PATCH /api/poams/{poam_id}
pub(crate) async fn update_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdatePoam>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    Ok(HttpResponse::Ok()
        .json(poam_json(&state.services.update_poam(&user.0, &path, b.title, b.status).await?)))
}

/// DELETE /api/poams/{poam_id} (drafts only)
pub(crate) async fn delete_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.services.delete_poam(&user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePoam {
    assessment_id: String,
    title: String,
}

/// POST /api/poams `{"assessment_id", "title"}`: an empty draft POA&M.
pub(crate) async fn create_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreatePoam>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    Ok(HttpResponse::Created().json(poam_json(
        &state.services.create_poam(&user.0, &body.assessment_id, &body.title).await?,
    )))
}

/// DELETE /api/poams/{poam_id}/items/{item_id}
pub(crate) async fn delete_poam_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (poam_id, item_id) = path.into_inner();
    state.services.delete_poam_item(&user.0, &poam_id, &item_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/poams/{poam_id}/items
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
    };
    Ok(HttpResponse::Created()
        .json(item_json(&state.services.add_poam_item(&user.0, &path, new).await?)))
}

/// PATCH /api/poams/{poam_id}/items/{item_id}
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
    };
    Ok(HttpResponse::Ok().json(item_json(
        &state.services.update_poam_item(&user.0, &poam_id, &item_id, changes).await?,
    )))
}

/// GET /api/organizations/{org_id}/dashboard
pub(crate) async fn dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let d = state.services.dashboard(&user.0, &path).await?;
    let history: Vec<Value> = d
        .sprs_history
        .iter()
        .map(|p| {
            json!({
                "assessment_id": p.assessment_id, "title": p.title, "completed_at": p.completed_at,
                "sprs_score": p.sprs_score, "cmmc_status": p.cmmc_status,
            })
        })
        .collect();
    let by_domain: Vec<Value> = d
        .practices_met_by_domain
        .iter()
        .map(|(domain, (met, total))| json!({ "domain_id": domain, "met": met, "total": total }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "org_id": path.as_str(),
        "current_sprs_score": d.current_sprs_score,
        "sprs_history": history,
        "practices_met_by_domain": by_domain,
        "open_findings_by_severity": d.open_findings_by_severity,
        "overdue_poam_items": d.overdue_poam_items.iter().map(item_json).collect::<Vec<_>>(),
    })))
}
