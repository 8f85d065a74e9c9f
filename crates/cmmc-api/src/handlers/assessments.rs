//! Assessments: lifecycle, practice answers, scores.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_domain::{AssessmentStatus, DomainId, Level, PracticeStatus};
use cmmc_services::assessments::{
    Assessment, AssessmentChanges, AssessmentFilter, AssessmentScore, NewAssessment,
    PracticeAnswer, PracticeAnswerFilter, PracticeUpdate, Transition,
};
use serde::{Deserialize, Serialize};

use cmmc_services::evidence::EvidenceCounts;

use crate::dto::Page;
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_assessment,
    list_assessments,
    get_assessment,
    update_assessment,
    delete_assessment,
    start_assessment,
    submit_assessment,
    complete_assessment,
    reopen_assessment,
    list_practice_answers,
    get_practice_answer,
    update_practice_answer,
    get_score
))]
pub(crate) struct Doc;

/// A new assessment: a draft, with one not-evaluated answer per practice of its level.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "org_id": "5b0c6a7e-2f4d-4a8b-9c1e-3d2f7a6b8c90",
    "title": "2026 Level 2 self-assessment",
    "target_level": 2,
    "assessment_type": "self",
    "lead_assessor_id": null
}))]
pub(crate) struct CreateAssessment {
    /// The organisation assessed, a UUID.
    org_id: String,
    /// One line of 1 to 256 characters, trimmed.
    #[schema(min_length = 1, max_length = 256)]
    title: String,
    /// The CMMC level, 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(deserialize_with = "crate::dto::integer")]
    target_level: i64,
    /// Who assesses: `self`, `third_party` or `government`. Level 1 allows
    /// `self`; Level 2 `self` or `third_party`; Level 3 `government`.
    #[schema(pattern = "^(self|third_party|government)$")]
    assessment_type: String,
    /// An active user of the organisation (a UUID), or null.
    lead_assessor_id: Option<String>,
}

/// Changes to an assessment that is not completed; a field left out is left as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "title": "2026 Level 2 self-assessment (revised)" }))]
pub(crate) struct UpdateAssessment {
    /// One line of 1 to 256 characters, trimmed.
    #[schema(min_length = 1, max_length = 256)]
    title: Option<String>,
    /// An active user of the organisation (a UUID); null clears the lead assessor.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(value_type = Option<String>)]
    lead_assessor_id: Option<Option<String>>,
}

/// The query of GET /api/assessments, as given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only assessments with this status: `draft`, `in_progress`, `under_review` or `completed`.
    #[param(pattern = "^(draft|in_progress|under_review|completed)$")]
    status: Option<String>,
    /// Only assessments of this level, 1 to 3.
    #[param(pattern = "^[123]$")]
    level: Option<String>,
    /// Only this organisation's assessments. A system administrator sees every
    /// organisation's without it; anyone else sees only their own, and an empty
    /// list when naming another.
    org_id: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
}

/// Why an assessment under review goes back to in progress.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReopenAssessment, example = json!({ "reason": "AC.L2-3.1.5 evidence needs another look" }))]
pub(crate) struct ReopenRequest {
    /// 1 to 2000 characters; a reopen without a reason (or without a body) answers 400.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    reason: Option<String>,
}

/// The query of GET /api/assessments/{id}/practices, as given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PracticeQuery {
    /// Only practices of this domain, such as `AC`.
    #[param(pattern = "^(AC|AT|AU|CM|IA|IR|MA|MP|PS|PE|RA|CA|SC|SI)$")]
    domain: Option<String>,
    /// Only answers with this status: `met`, `not_met`, `partially_met`,
    /// `not_applicable` or `not_evaluated`.
    #[param(pattern = "^(met|not_met|partially_met|not_applicable|not_evaluated)$")]
    status: Option<String>,
    /// Only practices of this level, 1 to 3.
    #[param(pattern = "^[123]$")]
    level: Option<String>,
}

/// Changes to a practice answer; a field left out (or null) is left as it is.
/// Objective results decide the status (all met or not applicable: `met`; any
/// not met: `not_met`), and an explicit status must agree with them.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdatePracticeAnswer, example = json!({
    "objectives": { "a": "met", "b": "met", "c": "not_applicable" },
    "assessor_notes": "Account list and access policy reviewed."
}))]
pub(crate) struct UpdatePractice {
    /// `met`, `not_met`, `partially_met`, `not_applicable` or `not_evaluated`.
    #[schema(pattern = "^(met|not_met|partially_met|not_applicable|not_evaluated)$")]
    status: Option<String>,
    /// At most 20000 characters; replaces the notes.
    #[schema(max_length = 20000)]
    assessor_notes: Option<String>,
    /// Objective label (`a`, `b`, ...) to result: `met`, `not_met` or
    /// `not_applicable`; merged onto the results recorded before.
    objectives: Option<BTreeMap<String, String>>,
}

/// An assessment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Assessment, example = json!({
    "id": "0e7d1c52-8a3b-4f6e-b1d2-9c4a5e6f7a80",
    "org_id": "5b0c6a7e-2f4d-4a8b-9c1e-3d2f7a6b8c90",
    "title": "2026 Level 2 self-assessment",
    "target_level": 2,
    "assessment_type": "self",
    "status": "in_progress",
    "lead_assessor_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    "started_at": "2026-01-12T09:30:00Z",
    "completed_at": null,
    "overall_score": null,
    "sprs_score": null,
    "level3_score": null,
    "cmmc_status": null,
    "conditional_deadline": null,
    "created_at": "2026-01-10T14:02:11Z",
    "updated_at": "2026-01-12T09:30:00Z"
}))]
pub(crate) struct AssessmentDto<'a> {
    id: &'a str,
    org_id: &'a str,
    title: &'a str,
    /// The CMMC level, 1 to 3.
    target_level: i32,
    /// `self`, `third_party` or `government`.
    assessment_type: &'static str,
    /// `draft`, `in_progress`, `under_review` or `completed`.
    status: &'static str,
    lead_assessor_id: Option<&'a str>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Set on completion: the share of applicable practices met, 0 to 1.
    overall_score: Option<f64>,
    /// Set on completion (Level 2 and 3): the SPRS score, -203 to 110.
    sprs_score: Option<i32>,
    /// Set on completion (Level 3): how many Level 3 requirements are met.
    level3_score: Option<i32>,
    /// Set on completion: `final`, `conditional` or `none`.
    cmmc_status: Option<&'a str>,
    /// Set on a conditional completion: the POA&M closeout deadline, 180 days on.
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

/// One objective of a practice answer, with its result.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeObjective)]
pub(crate) struct ObjectiveDto<'a> {
    /// `a`, `b`, ...
    label: &'a str,
    text: &'a str,
    /// `met`, `not_met` or `not_applicable`; null while unanswered.
    status: Option<&'static str>,
}

/// A practice answer's evidence, counted by review status.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeEvidenceCounts)]
pub(crate) struct EvidenceCountsDto {
    pending: u64,
    accepted: u64,
    rejected: u64,
}

/// One practice's answer within an assessment, with the practice as assessed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeAnswer, example = json!({
    "id": "c3a1f0d2-7b6e-4d5c-9a8b-1e2f3a4b5c6d",
    "assessment_id": "0e7d1c52-8a3b-4f6e-b1d2-9c4a5e6f7a80",
    "practice_id": "AC.L2-3.1.1",
    "level": 2,
    "domain_id": "AC",
    "title": "Authorized Access Control",
    "status": "met",
    "score": 1.0,
    "assessor_notes": "Account list and access policy reviewed.",
    "objectives": [
        { "label": "a", "text": "authorized users are identified;", "status": "met" },
        { "label": "b", "text": "processes acting on behalf of authorized users are identified;", "status": "met" },
        { "label": "c", "text": "devices (and other systems) authorized to connect to the system are identified;", "status": "met" },
        { "label": "d", "text": "system access is limited to authorized users;", "status": "met" },
        { "label": "e", "text": "system access is limited to processes acting on behalf of authorized users; and", "status": "met" },
        { "label": "f", "text": "system access is limited to authorized devices (including other systems).", "status": "not_applicable" }
    ],
    "parameters": [],
    "sprs_weight": 5,
    "sprs_partial_weight": null,
    "poam_eligibility": "ineligible",
    "datapact_sync_status": null,
    "datapact_sync_at": null,
    "version": 4,
    "evaluated_by": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    "evaluated_at": "2026-01-14T10:05:42Z",
    "updated_at": "2026-01-14T10:05:42Z",
    "evidence": { "pending": 1, "accepted": 2, "rejected": 0 }
}))]
pub(crate) struct PracticeAnswerDto<'a> {
    id: &'a str,
    assessment_id: &'a str,
    /// Such as `AC.L2-3.1.1`.
    practice_id: &'a str,
    level: i32,
    domain_id: &'a str,
    title: &'a str,
    /// `met`, `not_met`, `partially_met`, `not_applicable` or `not_evaluated`.
    status: &'static str,
    /// 1 for met or not applicable, 0 otherwise; null while not evaluated.
    score: Option<f64>,
    assessor_notes: Option<&'a str>,
    objectives: Vec<ObjectiveDto<'a>>,
    /// The organisation-defined parameter lines (`[ODPn] ...`) that come with the objectives.
    parameters: &'a [String],
    sprs_weight: Option<i32>,
    sprs_partial_weight: Option<i32>,
    /// `eligible`, `ineligible` or `conditional`.
    poam_eligibility: &'a str,
    datapact_sync_status: Option<&'a str>,
    datapact_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Changes with every edit; the `ETag` is this number, quoted.
    version: i64,
    evaluated_by: Option<&'a str>,
    evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
    updated_at: chrono::DateTime<chrono::Utc>,
    evidence: EvidenceCountsDto,
}

impl<'a> PracticeAnswerDto<'a> {
    /// The answer `p`, with its evidence `counts` (none: all zero).
    fn of(p: &'a PracticeAnswer, counts: Option<&EvidenceCounts>) -> Self {
        let counts = counts.copied().unwrap_or_default();
        let objectives = p
            .objectives
            .iter()
            .map(|o| ObjectiveDto {
                label: &o.label,
                text: &o.text,
                status: o.status.map(|s| s.as_str()),
            })
            .collect();
        Self {
            id: &p.id,
            assessment_id: &p.assessment_id,
            practice_id: &p.practice_id,
            level: p.level,
            domain_id: &p.domain_id,
            title: &p.title,
            status: p.status.as_str(),
            score: p.score,
            assessor_notes: p.assessor_notes.as_deref(),
            objectives,
            parameters: &p.parameters,
            sprs_weight: p.sprs_weight,
            sprs_partial_weight: p.sprs_partial_weight,
            poam_eligibility: &p.poam_eligibility,
            datapact_sync_status: p.datapact_sync_status.as_deref(),
            datapact_sync_at: p.datapact_sync_at,
            version: p.version,
            evaluated_by: p.evaluated_by.as_deref(),
            evaluated_at: p.evaluated_at,
            updated_at: p.updated_at,
            evidence: EvidenceCountsDto {
                pending: counts.pending,
                accepted: counts.accepted,
                rejected: counts.rejected,
            },
        }
    }
}

/// Points deducted from the SPRS score for one unmet Level 2 requirement.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ScoreDeduction)]
pub(crate) struct DeductionDto {
    /// Such as `AC.L2-3.1.8`.
    practice_id: String,
    points: i32,
}

/// An assessment's score: for a completed assessment the one it earned,
/// otherwise what it would earn now.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentScore, example = json!({
    "sprs_score": 109,
    "provisional": false,
    "submittable": true,
    "level3_score": null,
    "overall_score": 0.990909,
    "cmmc_status": "conditional",
    "conditional_deadline": "2026-08-12",
    "deductions": [{ "practice_id": "AC.L2-3.1.8", "points": 1 }],
    "target_level": 2
}))]
pub(crate) struct ScoreDto {
    /// Level 2 and 3: the DoD Assessment Methodology (SPRS) score, -203 to 110.
    sprs_score: Option<i32>,
    /// Some practice is not evaluated yet (it counts as not met meanwhile).
    provisional: bool,
    /// The system security plan (CA.L2-3.12.4) is met; without it no score can be submitted.
    submittable: bool,
    /// Level 3: how many of the Level 3 requirements are met.
    level3_score: Option<i32>,
    /// The share of applicable practices met, 0 to 1.
    overall_score: f64,
    /// `final`, `conditional` or `none`.
    cmmc_status: &'static str,
    /// A completed, conditional assessment: the POA&M closeout deadline.
    conditional_deadline: Option<chrono::NaiveDate>,
    /// Each Level 2 deduction, in catalogue order.
    deductions: Vec<DeductionDto>,
    /// The CMMC level, 1 to 3.
    target_level: i32,
}

impl From<&AssessmentScore> for ScoreDto {
    fn from(res: &AssessmentScore) -> Self {
        let score = &res.score;
        Self {
            sprs_score: score.sprs_score.map(|s| s.value()),
            provisional: score.provisional,
            submittable: score.submittable,
            level3_score: score.level3_score,
            overall_score: score.overall_score,
            cmmc_status: score.cmmc_status.as_str(),
            conditional_deadline: res.conditional_deadline,
            deductions: score
                .deductions
                .iter()
                .map(|d| DeductionDto { practice_id: d.practice_id.to_string(), points: d.points })
                .collect(),
            target_level: res.target_level.number(),
        }
    }
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

/// POST /api/assessments: creates a draft assessment, with one not-evaluated
/// answer per practice of its level (Level 3: the Level 2 and Level 3 practices).
#[utoipa::path(post, path = "/api/assessments", tag = "assessments", security(("bearer" = [])),
    request_body = CreateAssessment,
    responses(
        (status = 201, description = "Created, as a draft", body = AssessmentDto),
        (status = 400, description = "A malformed body or unknown field, a bad title, level or type, a type the level does not allow, a lead assessor who is not an active user of the organisation, or a control character in the query or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A lead_assessor_id that is not an active user of the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another organisation's)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference catalogue is empty (run the seed)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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

/// GET /api/assessments?status=&level=&org_id=&page=&per_page=: the
/// assessments the caller may see, newest first.
#[utoipa::path(get, path = "/api/assessments", tag = "assessments", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of assessments, newest first", body = Page<AssessmentDto>),
        (status = 400, description = "A bad status, level, page or per_page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow reading assessments (a user without roles)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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

/// GET /api/assessments/{id}: one assessment.
#[utoipa::path(get, path = "/api/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The assessment", body = AssessmentDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow reading assessments (a user without roles)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let assessment = state.services.get_assessment(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(AssessmentDto::from(&assessment)))
}

/// PATCH /api/assessments/{id}: changes the title or lead assessor of an
/// assessment that is not completed.
#[utoipa::path(patch, path = "/api/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    request_body = UpdateAssessment,
    responses(
        (status = 200, description = "The assessment as changed", body = AssessmentDto),
        (status = 400, description = "A malformed body or unknown field, a bad title, a lead assessor who is not an active user of the organisation, or a control character in the query or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A lead_assessor_id that is not an active user of the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is completed, and so read-only", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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

/// DELETE /api/assessments/{id}: deletes a draft (drafts only) with its
/// practice answers.
#[utoipa::path(delete, path = "/api/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not a draft, or it has evidence (delete that first)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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

/// POST /api/assessments/{id}/start: a draft goes in progress.
#[utoipa::path(post, path = "/api/assessments/{id}/start", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The assessment, now `in_progress`", body = AssessmentDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not a draft, or changed status at the same moment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn start_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Start).await
}

/// POST /api/assessments/{id}/submit: an assessment in progress goes under review.
#[utoipa::path(post, path = "/api/assessments/{id}/submit", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The assessment, now `under_review`", body = AssessmentDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not in progress, or changed status at the same moment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn submit_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Submit).await
}

/// POST /api/assessments/{id}/complete: an assessment under review is
/// completed, and its scores and CMMC status are stored.
#[utoipa::path(post, path = "/api/assessments/{id}/complete", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The assessment, now `completed`, with its scores and CMMC status", body = AssessmentDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not under review, some practice is not evaluated yet, or it changed status at the same moment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn complete_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    transition(&state, &user, &path, Transition::Complete).await
}

/// POST /api/assessments/{id}/reopen `{"reason"}`: an assessment under review
/// goes back in progress.
#[utoipa::path(post, path = "/api/assessments/{id}/reopen", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    request_body = ReopenRequest,
    responses(
        (status = 200, description = "The assessment, now `in_progress` again", body = AssessmentDto),
        (status = 400, description = "No reason, or one over 2000 characters, or a control character in the query or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not under review, or changed status at the same moment", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn reopen_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: Option<web::Json<ReopenRequest>>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.and_then(|b| b.into_inner().reason).unwrap_or_default();
    transition(&state, &user, &path, Transition::Reopen { reason }).await
}

/// GET /api/assessments/{id}/practices?domain=&status=&level=: the practice
/// answers of an assessment, in catalogue order.
#[utoipa::path(get, path = "/api/assessments/{id}/practices", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID"), PracticeQuery),
    responses(
        (status = 200, description = "The matching practice answers, in catalogue order", body = Vec<PracticeAnswerDto>),
        (status = 400, description = "A bad domain, status or level, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow reading assessments (a user without roles)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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
    let body: Vec<PracticeAnswerDto<'_>> =
        answers.iter().map(|a| PracticeAnswerDto::of(a, counts.get(&a.id))).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// GET /api/assessments/{id}/practices/{practice_id}: one practice answer,
/// with its version as the `ETag`.
#[utoipa::path(get, path = "/api/assessments/{id}/practices/{practice_id}", tag = "assessments", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment's id, a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
    ),
    responses(
        (status = 200, description = "The practice answer", body = PracticeAnswerDto,
            headers(("ETag" = String, description = "The answer's version, quoted (`\"4\"`): send it as `If-Match` when updating"))),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow reading assessments (a user without roles)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), the id is not a UUID, or the assessment has no such practice", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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
        .json(PracticeAnswerDto::of(&answer, counts.get(&answer.id))))
}

/// PATCH /api/assessments/{id}/practices/{practice_id} (If-Match optional;
/// stale: 412): records a practice's status, notes and objective results
/// while the assessment is in progress.
#[utoipa::path(patch, path = "/api/assessments/{id}/practices/{practice_id}", tag = "assessments", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment's id, a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` last read (`\"4\"`, or weak `W/\"4\"`): the update applies only while the answer is still at that version, else 412. Without it, or with `*`, the update applies to whatever version is current.", example = "\"4\""),
    ),
    request_body = UpdatePractice,
    responses(
        (status = 200, description = "The practice answer as changed, one version on", body = PracticeAnswerDto,
            headers(("ETag" = String, description = "The answer's new version, quoted (`\"5\"`): send it as `If-Match` on the next update"))),
        (status = 400, description = "A malformed body or unknown field, a bad status or objective result, an objective label the practice does not have, a status that contradicts the objectives, notes over 20000 characters, or a control character in the query or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Well formed, but an objective label the practice does not have, or a status that contradicts the objective results", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow evaluating practices", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), the id is not a UUID, or the assessment has no such practice", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not in progress", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names a version that is not the current one (the answer changed since it was read): reload it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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
        .json(PracticeAnswerDto::of(&answer, counts.get(&answer.id))))
}

/// GET /api/assessments/{id}/score: for a completed assessment the score it
/// earned, otherwise what it would earn now.
#[utoipa::path(get, path = "/api/assessments/{id}/score", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The score", body = ScoreDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow reading assessments (a user without roles)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_score(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let res = state.services.assessment_score(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(ScoreDto::from(&res)))
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
