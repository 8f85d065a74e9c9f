//! Assessments: lifecycle, practice answers, scores.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_domain::{AssessmentStatus, DomainId, Level, PracticeStatus};
use cmmc_services::assessments::{
    Assessment, AssessmentChanges, AssessmentFilter, NewAssessment, PracticeAnswer,
    PracticeAnswerFilter, PracticeUpdate, Transition,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use cmmc_services::evidence::EvidenceCounts;

use crate::dto::Page;
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateAssessment {
    org_id: String,
    title: String,
    target_level: i64,
    assessment_type: String,
    lead_assessor_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateAssessment {
    title: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    lead_assessor_id: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    level: Option<String>,
    org_id: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReopenRequest {
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PracticeQuery {
    domain: Option<String>,
    status: Option<String>,
    level: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePractice {
    status: Option<String>,
    assessor_notes: Option<String>,
    objectives: Option<BTreeMap<String, String>>,
}

#[derive(Serialize)]
pub(crate) struct AssessmentDto<'a> {
    id: &'a str,
    org_id: &'a str,
    title: &'a str,
    target_level: i32,
    assessment_type: &'static str,
    status: &'static str,
    lead_assessor_id: Option<&'a str>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    overall_score: Option<f64>,
    sprs_score: Option<i32>,
    level3_score: Option<i32>,
    cmmc_status: Option<&'a str>,
    conditional_deadline: Option<chrono::NaiveDate>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Assessment> for AssessmentDto<'a> {
    fn from(a: &'a Assessment) -> Self {
        Self {
            id: &a.id,
            org_id: &a.org_id,
            title: &a.title,
            target_level: a.target_level.number(),
            assessment_type: a.assessment_type.as_str(),
            status: a.status.as_str(),
            lead_assessor_id: a.lead_assessor_id.as_deref(),
            started_at: a.started_at,
            completed_at: a.completed_at,
            overall_score: a.overall_score,
            sprs_score: a.sprs_score,
            level3_score: a.level3_score,
            cmmc_status: a.cmmc_status.as_deref(),
            conditional_deadline: a.conditional_deadline,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

fn practice_json(p: &PracticeAnswer, counts: Option<&EvidenceCounts>) -> serde_json::Value {
    let counts = counts.copied().unwrap_or_default();
    let objectives: Vec<serde_json::Value> = p
        .objectives
        .iter()
        .map(
            |o| json!({ "label": o.label, "text": o.text, "status": o.status.map(|s| s.as_str()) }),
        )
        .collect();
    json!({
        "id": p.id,
        "assessment_id": p.assessment_id,
        "practice_id": p.practice_id,
        "level": p.level,
        "domain_id": p.domain_id,
        "title": p.title,
        "status": p.status.as_str(),
        "score": p.score,
        "assessor_notes": p.assessor_notes,
        "objectives": objectives,
        "parameters": p.parameters,
        "sprs_weight": p.sprs_weight,
        "sprs_partial_weight": p.sprs_partial_weight,
        "poam_eligibility": p.poam_eligibility,
        "datapact_sync_status": p.datapact_sync_status,
        "datapact_sync_at": p.datapact_sync_at,
        "version": p.version,
        "evaluated_by": p.evaluated_by,
        "evaluated_at": p.evaluated_at,
        "updated_at": p.updated_at,
        "evidence": { "pending": counts.pending, "accepted": counts.accepted, "rejected": counts.rejected },
    })
}

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: None without the header or for
/// `*`; a value that can match no version is `Some(-1)`.
fn if_match(request: &HttpRequest) -> Option<i64> {
    let value = request.headers().get(actix_web::http::header::IF_MATCH)?.to_str().ok()?.trim();
    if value == "*" {
        return None;
    }
    let value = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
    Some(value.parse().unwrap_or(-1))
}

fn parse<T: std::str::FromStr>(field: &str, value: Option<String>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    value.map(|v| v.parse::<T>()).transpose().map_err(|err| ApiError::invalid_parameter(field, err))
}

/// POST /api/assessments
pub(crate) async fn create_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateAssessment>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewAssessment {
        org_id: body.org_id,
        title: body.title,
        target_level: body.target_level,
        assessment_type: body.assessment_type,
        lead_assessor_id: body.lead_assessor_id,
    };
    let assessment = state.services.create_assessment(&user.0, new).await?;
    Ok(HttpResponse::Created().json(AssessmentDto::from(&assessment)))
}

/// GET /api/assessments?status=&level=&org_id=&page=&per_page=
pub(crate) async fn list_assessments(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = crate::dto::PageQuery::new(query.page, query.per_page).checked()?;
    let filter = AssessmentFilter {
        status: parse::<AssessmentStatus>("status", query.status)?,
        level: parse::<Level>("level", query.level)?,
        org_id: query.org_id,
        page,
    };
    let (items, total) = state.services.list_assessments(&user.0, filter).await?;
    let items = items.iter().map(AssessmentDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}

/// GET /api/assessments/{id}
pub(crate) async fn get_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let assessment = state.services.get_assessment(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(AssessmentDto::from(&assessment)))
}

/// PATCH /api/assessments/{id}
pub(crate) async fn update_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdateAssessment>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = AssessmentChanges { title: body.title, lead_assessor_id: body.lead_assessor_id };
    let assessment = state.services.update_assessment(&user.0, &path, changes).await?;
    Ok(HttpResponse::Ok().json(AssessmentDto::from(&assessment)))
}

/// DELETE /api/assessments/{id} (drafts only)
pub(crate) async fn delete_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.services.delete_assessment(&user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn transition(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    step: Transition,
) -> Result<HttpResponse, ApiError> {
    let assessment = state.services.transition_assessment(&user.0, id, step).await?;
    Ok(HttpResponse::Ok().json(AssessmentDto::from(&assessment)))
}

/// POST /api/assessments/{id}/start
pub(crate) async fn start_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Start).await
}

/// POST /api/assessments/{id}/submit
pub(crate) async fn submit_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Submit).await
}

/// POST /api/assessments/{id}/complete
pub(crate) async fn complete_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Complete).await
}

/// POST /api/assessments/{id}/reopen `{"reason"}`
pub(crate) async fn reopen_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: Option<web::Json<ReopenRequest>>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.and_then(|b| b.into_inner().reason).unwrap_or_default();
    transition(&state, &user, &path, Transition::Reopen { reason }).await
}

/// GET /api/assessments/{id}/practices?domain=&status=&level=
pub(crate) async fn list_practice_answers(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<PracticeQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = PracticeAnswerFilter {
        domain: parse::<DomainId>("domain", query.domain)?,
        status: parse::<PracticeStatus>("status", query.status)?,
        level: parse::<Level>("level", query.level)?,
    };
    let answers = state.services.list_practice_answers(&user.0, &path, filter).await?;
    let ids: Vec<String> = answers.iter().map(|a| a.id.clone()).collect();
    let counts = state.services.evidence_counts(&ids).await?;
    let body: Vec<serde_json::Value> =
        answers.iter().map(|a| practice_json(a, counts.get(&a.id))).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// GET /api/assessments/{id}/practices/{practice_id}
pub(crate) async fn get_practice_answer(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id) = path.into_inner();
    let answer = state.services.get_practice_answer(&user.0, &id, &practice_id).await?;
    let counts = state.services.evidence_counts(std::slice::from_ref(&answer.id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(answer.version)))
        .json(practice_json(&answer, counts.get(&answer.id))))
}

/// PATCH /api/assessments/{id}/practices/{practice_id} (If-Match optional; stale: 412)
pub(crate) async fn update_practice_answer(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<UpdatePractice>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id) = path.into_inner();
    let body = body.into_inner();
    let update = PracticeUpdate {
        status: body.status,
        assessor_notes: body.assessor_notes,
        objectives: body.objectives,
    };
    let answer = state
        .services
        .update_practice_answer(&user.0, &id, &practice_id, update, if_match(&request))
        .await?;
    let counts = state.services.evidence_counts(std::slice::from_ref(&answer.id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(answer.version)))
        .json(practice_json(&answer, counts.get(&answer.id))))
}

/// GET /api/assessments/{id}/score
pub(crate) async fn get_score(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let res = state.services.assessment_score(&user.0, &path).await?;
    let score = &res.score;
    let deductions: Vec<serde_json::Value> = score
        .deductions
        .iter()
        .map(|d| json!({ "practice_id": d.practice_id.to_string(), "points": d.points }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "sprs_score": score.sprs_score.map(|s| s.value()),
        "provisional": score.provisional,
        "submittable": score.submittable,
        "level3_score": score.level3_score,
        "overall_score": score.overall_score,
        "cmmc_status": score.cmmc_status.as_str(),
        "conditional_deadline": res.conditional_deadline,
        "deductions": deductions,
        "target_level": res.target_level.number(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_strong_weak_and_star() {
        let with = |value: &str| {
            actix_web::test::TestRequest::default()
                .insert_header(("If-Match", value))
                .to_http_request()
        };
        assert_eq!(if_match(&with("\"3\"")), Some(3));
        assert_eq!(if_match(&with("W/\"4\"")), Some(4));
        assert_eq!(if_match(&with("*")), None);
        assert_eq!(if_match(&with("\"nonsense\"")), Some(-1));
        assert_eq!(if_match(&actix_web::test::TestRequest::default().to_http_request()), None);
    }
}
