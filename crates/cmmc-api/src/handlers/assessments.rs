//! Assessments: lifecycle, practice answers, scores.

use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_domain::{AssessmentStatus, DomainId, Level, PracticeStatus};
use cmmc_services::assessments::{
    AssessmentChanges, AssessmentFilter, NewAssessment, PracticeAnswerFilter, PracticeUpdate,
    Transition,
};

use crate::dto::Page;
use crate::dto::assessments::{
    AssessmentDetailDto, AssessmentDto, CreateAssessment, ListQuery, PracticeAnswerDto,
    PracticeQuery, ReopenRequest, ScoreDto, UpdateAssessment, UpdatePractice,
};
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
    closeout_assessment,
    reopen_assessment,
    list_practice_answers,
    get_practice_answer,
    update_practice_answer,
    get_score
))]
pub(crate) struct Doc;

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: None without the header or for
/// `*`; a value that can match no version (not an ETag of ours, or not
/// ASCII) is `Some(-1)`, so the update is refused with 412.
///
/// # Errors
/// 400 for a value with a control character, which the API document forbids.
fn if_match(request: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(header) = request.headers().get(actix_web::http::header::IF_MATCH) else {
        return Ok(None);
    };
    // Bytes past ASCII are read as ISO 8859-1, as HTTP has always read
    // them, so 0x80-0x9F are the C1 controls the document forbids.
    if header.as_bytes().iter().any(|&b| char::from(b).is_control()) {
        return Err(ApiError::invalid_parameter(
            "If-Match",
            "must not contain control characters; send the ETag as read, such as \"4\"",
        ));
    }
    let Ok(value) = header.to_str() else {
        return Ok(Some(-1));
    };
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let value = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
    Ok(Some(value.parse().unwrap_or(-1)))
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
        (status = 422, description = "A lead_assessor_id that is not an active user of the organisation, or an ssp_id that is not an SSP version of the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
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
        ssp_id: body.ssp_id,
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
        (status = 200, description = "The assessment, with the warnings of its scope", body = AssessmentDetailDto),
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
    let scope = state.services.get_scope(&user.0, &path).await?;
    let detail = AssessmentDetailDto {
        assessment: AssessmentDto::from(&assessment),
        scope_warnings: crate::dto::providers::warnings(&scope),
    };
    Ok(HttpResponse::Ok().json(detail))
}

/// PATCH /api/assessments/{id}: changes the title or lead assessor of an
/// assessment that is not completed.
#[utoipa::path(patch, path = "/api/assessments/{id}", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    request_body = UpdateAssessment,
    responses(
        (status = 200, description = "The assessment as changed", body = AssessmentDto),
        (status = 400, description = "A malformed body or unknown field, a bad title, a lead assessor who is not an active user of the organisation, or a control character in the query or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A lead_assessor_id that is not an active user of the organisation, or an ssp_id that is not an SSP version of the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let changes = AssessmentChanges {
        title: body.title,
        lead_assessor_id: body.lead_assessor_id,
        ssp_id: body.ssp_id,
    };
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

/// POST /api/assessments/{id}/closeout: the POA&M closeout of a completed
/// assessment with a Conditional status (32 CFR 170.21(b)).
///
/// Within 180 days of the status date, once every item of its POA&Ms is
/// completed (each requirement left NOT MET or PARTIALLY MET having one):
/// those requirements are recorded MET, the scores are computed again, the CMMC status becomes
/// `final` (still dated from the Conditional status date), the POA&Ms are
/// completed and the next affirmation falls due. Audited as
/// `assessment.closeout`.
#[utoipa::path(post, path = "/api/assessments/{id}/closeout", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id, a UUID")),
    responses(
        (status = 200, description = "The assessment, now `final`, with `closed_out_at` and its scores after closeout", body = AssessmentDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow both managing assessments and evaluating practices", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's), or the id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not completed with a Conditional status, is closed out already, is past its closeout deadline (the Conditional status has expired), has open requirements whose POA&M items are missing or not completed, or other POA&M items still open; the detail lists each", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn closeout_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let assessment = state.services.closeout_assessment(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(AssessmentDto::from(&assessment)))
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
    let expected = if_match(&request)?;
    let answer =
        state.services.update_practice_answer(&user.0, &id, &practice_id, update, expected).await?;
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
        assert_eq!(if_match(&with("\"3\"")).unwrap(), Some(3));
        assert_eq!(if_match(&with("W/\"4\"")).unwrap(), Some(4));
        assert_eq!(if_match(&with("*")).unwrap(), None);
        assert_eq!(if_match(&with("\"nonsense\"")).unwrap(), Some(-1));
        assert!(if_match(&with("\"4\"\t")).is_err(), "a control character");
        let obs_text = actix_web::test::TestRequest::default()
            .insert_header((
                "If-Match",
                actix_web::http::header::HeaderValue::from_bytes(b"\xc2\x84").unwrap(),
            ))
            .to_http_request();
        assert!(if_match(&obs_text).is_err(), "a C1 control character: the fuzzer's U+0084");
        let latin1 = actix_web::test::TestRequest::default()
            .insert_header((
                "If-Match",
                actix_web::http::header::HeaderValue::from_bytes(b"\x84").unwrap(),
            ))
            .to_http_request();
        assert!(if_match(&latin1).is_err(), "U+0084 sent as one ISO 8859-1 byte");
        let latin = actix_web::test::TestRequest::default()
            .insert_header((
                "If-Match",
                actix_web::http::header::HeaderValue::from_bytes(b"H\xd8e").unwrap(),
            ))
            .to_http_request();
        assert_eq!(if_match(&latin).unwrap(), Some(-1), "not an ETag of ours: 412, not 400");
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(if_match(&none).unwrap(), None);
    }
}
