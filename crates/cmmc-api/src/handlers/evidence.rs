//! Evidence: upload (multipart), list, download, delete, review.

use actix_multipart::Multipart;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, web};
use cmmc_services::evidence::{Evidence, NewEvidence, UploadSink, VerifiedContent};
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dto::{Page, PageQuery};
use crate::error::{ApiError, ProblemKind};
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// The most a text field of the upload form may hold.
const MAX_TEXT_FIELD: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceQuery {
    practice_id: Option<String>,
    review_status: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewRequest {
    status: String,
    comment: Option<String>,
}

pub(crate) fn evidence_json(e: &Evidence, practice_id: &str) -> Value {
    json!({
        "id": e.id, "practice_id": practice_id, "assessment_practice_id": e.assessment_practice_id,
        "title": e.title, "description": e.description, "file_url": e.file_url,
        "original_filename": e.original_filename, "size_bytes": e.size_bytes, "media_type": e.media_type,
        "sha256": e.sha256, "uploaded_by": e.uploaded_by, "review_status": e.review_status.as_str(),
        "reviewer_id": e.reviewer_id, "reviewed_at": e.reviewed_at, "review_comment": e.review_comment,
        "created_at": e.created_at, "updated_at": e.updated_at,
    })
}

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
    Ok(HttpResponse::Created().json(evidence_json(&created, &practice_id)))
}

/// The upload form: its text fields, and its file streamed into the store.
async fn read_form(state: &AppState, mut form: Multipart) -> Result<NewEvidence, ApiError> {
    let (mut title, mut description, mut file_url) = (None, None, None);
    let mut file: Option<(UploadSink, String)> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "title" => title = Some(read_text(&mut field, "title").await?),
            "description" => description = Some(read_text(&mut field, "description").await?),
            "file_url" => file_url = Some(read_text(&mut field, "file_url").await?),
            "file" if file.is_some() => {
                return Err(ApiError::invalid_parameter(
                    "file",
                    "send one file per piece of evidence",
                ));
            }
            "file" => file = Some(read_file(state, &mut field).await?),
            other => {
                return Err(ApiError::invalid_parameter(
                    other,
                    "is not a field of the upload form",
                ));
            }
        }
    }
    let title = title.ok_or_else(|| ApiError::invalid_parameter("title", "is required"))?;
    Ok(NewEvidence { title, description, file, file_url })
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
    let items = rows.iter().map(|(e, practice)| evidence_json(e, practice)).collect();
    Ok(HttpResponse::Ok().json(Page::<Value>::of(items, total, page)))
}

/// GET /api/assessments/{id}/practices/{practice_id}/evidence?review_status=&page=&per_page=
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
pub(crate) async fn list_assessment_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, ApiError> {
    list(&state, &user, &path, None, query.into_inner()).await
}

/// An ASCII stand-in for a file name, for clients that ignore `filename*`.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| *c != '"')
        .collect()
}

/// GET /api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download
pub(crate) async fn download_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    let file = state.services.evidence_file(&user.0, &id, &practice_id, &evidence_id).await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name(&file.original_filename)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: file.original_filename.into_bytes(),
            }),
        ],
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(file.media_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"));
    Ok(match file.content {
        VerifiedContent::Whole(bytes) => response.body(bytes),
        VerifiedContent::Stream(stream) => {
            let chunks = futures_util::stream::unfold(stream, |mut stream| async move {
                match stream.next_chunk().await {
                    Ok(Some(chunk)) => Some((Ok(bytes::Bytes::from(chunk)), stream)),
                    Ok(None) => None,
                    Err(err) => Some((Err(ApiError::from(err)), stream)),
                }
            });
            response.no_chunking(file.size_bytes).streaming(chunks)
        }
    })
}

/// DELETE /api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id} (pending only)
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
    Ok(HttpResponse::Ok().json(evidence_json(&reviewed, &practice_id)))
}
