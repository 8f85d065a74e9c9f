//! Evidence: upload (multipart), list, download, delete, review.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use cmmc_services::evidence::{NewEvidence, UploadSink};
use futures_util::StreamExt as _;

use crate::dto::evidence::{EvidenceDto, EvidenceQuery, ReviewRequest, UploadForm};
use crate::dto::{Page, PageQuery};
use crate::error::{ApiError, ProblemKind};
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    upload_evidence,
    list_practice_evidence,
    list_assessment_evidence,
    download_evidence,
    delete_evidence,
    review_evidence
))]
pub(crate) struct Doc;

/// The most a text field of the upload form may hold.
const MAX_TEXT_FIELD: usize = 64 * 1024;

fn bad_form(message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ProblemKind::InvalidBody,
        format!("the upload is not a valid multipart form: {message}"),
    )
}

async fn read_text(field: &mut actix_multipart::Field, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(ApiError::invalid_parameter(name, "is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid_parameter(name, "is not UTF-8 text"))
}

/// POST /api/assessments/{id}/practices/{practice_id}/evidence (multipart: title, description, file or file_url)
///
/// The caller's right to add evidence is checked before a byte of the upload
/// is read.
#[utoipa::path(post, path = "/api/assessments/{id}/practices/{practice_id}/evidence", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
    ),
    request_body(content = UploadForm, content_type = "multipart/form-data", description = "A title, and a file or a link"),
    responses(
        (status = 201, description = "The evidence, pending review", body = EvidenceDto),
        (status = 400, description = "Not a valid multipart form, an unknown or repeated field, a missing title, an empty file, a bad file name or link, a text field too long or not UTF-8, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of file and file_url", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may upload evidence", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), no such practice in it, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is completed, hence read-only", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over the upload limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The file's content is not of an accepted kind", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn upload_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id) = path.into_inner();
    // Authorise before reading a byte of the upload.
    let limit = state.request_timeout;
    tokio::time::timeout(limit, state.services.check_evidence_upload(&user.0, &id, &practice_id))
        .await
        .map_err(|_| crate::deadline::timed_out())??;
    let new = read_form(&state, form).await?;
    let created = tokio::time::timeout(
        limit,
        state.services.create_evidence(&user.0, &id, &practice_id, new),
    )
    .await
    .map_err(|_| crate::deadline::timed_out())??;
    Ok(HttpResponse::Created().json(EvidenceDto::new(created, practice_id)))
}

/// The upload form: its text fields, and its file streamed into the store.
async fn read_form(state: &AppState, mut form: Multipart) -> Result<NewEvidence, ApiError> {
    let mut upload = UploadForm::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "title" => upload.title = Some(read_text(&mut field, "title").await?),
            "description" => {
                upload.description = Some(read_text(&mut field, "description").await?);
            }
            "file_url" => upload.file_url = Some(read_text(&mut field, "file_url").await?),
            "file" if upload.file.is_some() => {
                return Err(ApiError::invalid_parameter(
                    "file",
                    "send one file per piece of evidence",
                ));
            }
            "file" => upload.file = Some(read_file(state, &mut field).await?),
            other => {
                return Err(ApiError::invalid_parameter(
                    &other.escape_default().to_string(),
                    "is not a field of the upload form",
                ));
            }
        }
    }
    upload.into_new()
}

/// Streams the file part into a new upload; its name is checked first.
async fn read_file(
    state: &AppState,
    field: &mut actix_multipart::Field,
) -> Result<(UploadSink, String), ApiError> {
    let filename = field
        .content_disposition()
        .and_then(|cd| cd.get_filename().map(str::to_owned))
        .ok_or_else(|| ApiError::invalid_parameter("file", "the file part needs a filename"))?;
    // An unacceptable name is refused before the content is read.
    cmmc_services::evidence::check_filename(&filename)?;
    let mut sink = state.services.begin_upload()?;
    while let Some(chunk) = field.next().await {
        // A cut-off upload ends here; dropping the sink removes its temporary file.
        let chunk = chunk.map_err(bad_form)?;
        sink.write(&chunk)?;
    }
    Ok((sink, filename))
}

async fn list(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    practice_id: Option<&str>,
    query: EvidenceQuery,
) -> Result<HttpResponse, ApiError> {
    let page = PageQuery::new(query.page, query.per_page).checked()?;
    let (rows, total) = state
        .services
        .list_evidence(
            &user.0,
            id,
            practice_id.or(query.practice_id.as_deref()),
            query.review_status.as_deref(),
            page,
        )
        .await?;
    let items = rows.into_iter().map(|(e, practice)| EvidenceDto::new(e, practice)).collect();
    Ok(HttpResponse::Ok().json(Page::<EvidenceDto>::of(items, total, page)))
}

/// GET /api/assessments/{id}/practices/{practice_id}/evidence?review_status=&page=&per_page=
///
/// Newest first.
#[utoipa::path(get, path = "/api/assessments/{id}/practices/{practice_id}/evidence", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
        ("review_status" = Option<String>, Query, description = "Only the evidence in this review status: `pending`, `accepted` or `rejected`", pattern = "^(pending|accepted|rejected)$"),
        crate::dto::PageQuery,
    ),
    responses(
        (status = 200, description = "A page of the practice's evidence, newest first", body = Page<EvidenceDto>, example = json!({
            "items": [{
                "id": "a3e9d5c1-7b2f-4e80-9c46-1f8b0d2e6a57", "practice_id": "AC.L2-3.1.1",
                "assessment_practice_id": "0d4e7b2a-91c3-4f6e-8a5b-c27d1e3f9a40",
                "title": "Access control policy (SharePoint)", "description": null,
                "file_url": "https://sharepoint.example/policies/access-control.pdf",
                "original_filename": null, "size_bytes": null, "media_type": null, "sha256": null,
                "uploaded_by": "2b9e4c7a-6d1f-4a38-b5e0-7c3a9d2f1e64", "review_status": "pending",
                "reviewer_id": null, "reviewed_at": null, "review_comment": null,
                "created_at": "2025-03-04T10:15:30.120Z", "updated_at": "2025-03-04T10:15:30.120Z"
            }],
            "total": 1, "page": 1, "per_page": 50
        })),
        (status = 400, description = "A bad review_status, page or per_page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), no such practice in it, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_practice_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    query: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id) = path.into_inner();
    list(&state, &user, &id, Some(&practice_id), query.into_inner()).await
}

/// GET /api/assessments/{id}/evidence?practice_id=&review_status=&page=&per_page=
///
/// Newest first.
#[utoipa::path(get, path = "/api/assessments/{id}/evidence", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        EvidenceQuery,
    ),
    responses(
        (status = 200, description = "A page of the assessment's evidence, newest first", body = Page<EvidenceDto>, example = json!({
            "items": [{
                "id": "6f1c2a9e-3b7d-4c58-9e21-5a8d0b4f7c13", "practice_id": "AC.L2-3.1.1",
                "assessment_practice_id": "0d4e7b2a-91c3-4f6e-8a5b-c27d1e3f9a40",
                "title": "Access control policy", "description": "Signed policy, version 2",
                "file_url": null, "original_filename": "access-control-policy.pdf", "size_bytes": 48213,
                "media_type": "application/pdf",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "uploaded_by": "2b9e4c7a-6d1f-4a38-b5e0-7c3a9d2f1e64", "review_status": "pending",
                "reviewer_id": null, "reviewed_at": null, "review_comment": null,
                "created_at": "2025-03-04T10:15:30.120Z", "updated_at": "2025-03-04T10:15:30.120Z"
            }],
            "total": 1, "page": 1, "per_page": 50
        })),
        (status = 400, description = "A bad review_status, page or per_page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), no such practice in it (practice_id), or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_assessment_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, ApiError> {
    list(&state, &user, &path, None, query.into_inner()).await
}

/// GET /api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download
///
/// The file, exactly as uploaded, checked against its SHA-256: a small file
/// before a byte is sent; a large one as it streams, the answer being cut off
/// (never completed with wrong bytes) if it no longer matches.
#[utoipa::path(get, path = "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
        ("evidence_id" = String, Path, description = "The evidence: a UUID"),
    ),
    responses(
        (status = 200, description = "The file's bytes, with the media type detected at upload as its Content-Type", content(
            ("application/pdf"),
            ("image/png"),
            ("image/jpeg"),
            ("image/gif"),
            ("text/plain"),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            ("application/octet-stream"),
        ), headers(
            ("Content-Disposition" = String, description = "`attachment`, with the uploaded file name as `filename` (ASCII stand-in) and `filename*` (UTF-8)"),
            ("Content-Length" = u64, description = "The file's size in bytes"),
            ("Cache-Control" = String, description = "`private, no-store`"),
        )),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The evidence is a link (its file_url), not a file", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), practice in it or evidence of it; evidence that is a link, which has no file; or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 500, description = "The stored file is missing, or no longer matches its recorded size or SHA-256", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn download_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    let file = state.services.evidence_file(&user.0, &id, &practice_id, &evidence_id).await?;
    Ok(cmmc_web::download::attachment::<ApiError>(file))
}

/// DELETE /api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id} (pending only)
///
/// Its file goes too, unless other evidence has the same content.
#[utoipa::path(delete, path = "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
        ("evidence_id" = String, Path, description = "The evidence: a UUID"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may upload (hence delete) evidence", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), practice in it or evidence of it, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The evidence has been reviewed (only pending evidence can be deleted), or the assessment is completed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    state.services.delete_evidence(&user.0, &id, &practice_id, &evidence_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review `{"status", "comment"}`
///
/// Accepts or rejects evidence. Nobody reviews evidence they uploaded.
#[utoipa::path(post, path = "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review", tag = "evidence", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The assessment: a UUID"),
        ("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1"),
        ("evidence_id" = String, Path, description = "The evidence: a UUID"),
    ),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The reviewed evidence", body = EvidenceDto, example = json!({
            "id": "6f1c2a9e-3b7d-4c58-9e21-5a8d0b4f7c13", "practice_id": "AC.L2-3.1.1",
            "assessment_practice_id": "0d4e7b2a-91c3-4f6e-8a5b-c27d1e3f9a40",
            "title": "Access control policy", "description": "Signed policy, version 2",
            "file_url": null, "original_filename": "access-control-policy.pdf", "size_bytes": 48213,
            "media_type": "application/pdf",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "uploaded_by": "2b9e4c7a-6d1f-4a38-b5e0-7c3a9d2f1e64", "review_status": "accepted",
            "reviewer_id": "e8c1f5a2-4d9b-47e3-a06c-3b2d7f9e1c85", "reviewed_at": "2025-03-06T14:02:11.500Z",
            "review_comment": "Signed and current.",
            "created_at": "2025-03-04T10:15:30.120Z", "updated_at": "2025-03-06T14:02:11.500Z"
        })),
        (status = 400, description = "A malformed body or unknown field, a status other than accepted or rejected, a comment over 10 000 characters, or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may review evidence, or the caller uploaded it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or not the caller's organisation), practice in it or evidence of it, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is completed, hence read-only", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A JSON body over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable or did not answer in time", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn review_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    let body = body.into_inner();
    let reviewed = state
        .services
        .review_evidence(&user.0, &id, &practice_id, &evidence_id, &body.status, body.comment)
        .await?;
    Ok(HttpResponse::Ok().json(EvidenceDto::new(reviewed, practice_id)))
}
