//! Evidence from a practice page: upload (multipart, streamed to the
//! store), download, review.

use actix_multipart::{Field, Multipart};
use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_services::evidence::{NewEvidence, UploadSink};
use futures_util::StreamExt as _;
use serde::Deserialize;

use super::see_other;
use crate::WebState;
use crate::error::WebError;
use crate::forms::optional;
use crate::session::{SignedIn, check_form_token};

/// The most a text field of the upload form may hold.
const MAX_TEXT_FIELD: usize = 64 * 1024;

fn bad_form(message: impl std::fmt::Display) -> WebError {
    WebError::BadForm(format!("The upload did not arrive whole: {message}"))
}

async fn read_text(field: &mut Field, name: &str) -> Result<String, WebError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(WebError::BadForm(format!("The {name} is too long.")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| WebError::BadForm(format!("The {name} is not text.")))
}

async fn read_file(state: &WebState, field: &mut Field) -> Result<(UploadSink, String), WebError> {
    let filename = field
        .content_disposition()
        .and_then(|cd| cd.get_filename().map(str::to_owned))
        .filter(|name| !name.is_empty())
        .ok_or_else(|| WebError::BadForm("Choose a file to upload.".into()))?;
    cmmc_services::evidence::check_filename(&filename)?;
    let mut sink = state.services.begin_upload()?;
    while let Some(chunk) = field.next().await {
        sink.write(&chunk.map_err(bad_form)?)?;
    }
    Ok((sink, filename))
}

/// Reads the form; its form token comes first (as the page writes it) and
/// is checked before a byte of the file is read.
async fn read_form(
    request: &HttpRequest,
    state: &WebState,
    mut form: Multipart,
) -> Result<NewEvidence, WebError> {
    let mut checked = false;
    let (mut title, mut description, mut file) = (None, None, None);
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf_token" {
            check_form_token(request, &read_text(&mut field, "form token").await?)?;
            checked = true;
            continue;
        }
        if !checked {
            return Err(WebError::FormExpired);
        }
        match name.as_str() {
            "title" => title = Some(read_text(&mut field, "title").await?),
            "description" => {
                description = optional(Some(read_text(&mut field, "description").await?))
            }
            "file" if file.is_none() => file = Some(read_file(state, &mut field).await?),
            other => {
                return Err(WebError::BadForm(format!(
                    "{other:?} is not a field of the upload form."
                )));
            }
        }
    }
    if !checked {
        return Err(WebError::FormExpired);
    }
    let title =
        optional(title).ok_or_else(|| WebError::BadForm("Give the evidence a title.".into()))?;
    let file = file.ok_or_else(|| WebError::BadForm("Choose a file to upload.".into()))?;
    Ok(NewEvidence { title, description, file: Some(file), file_url: None })
}

async fn bounded<T>(
    state: &WebState,
    call: impl std::future::Future<Output = Result<T, cmmc_services::ServiceError>>,
) -> Result<T, WebError> {
    match tokio::time::timeout(state.settings.request_timeout, call).await {
        Ok(result) => Ok(result?),
        Err(_) => {
            Err(cmmc_services::ServiceError::DatabaseUnavailable("no answer in time".into()).into())
        }
    }
}

/// POST /assessments/{id}/practices/{practice_id}/evidence (multipart:
/// csrf_token, title, description, file). The caller's right to upload is
/// checked before the form is read.
pub(crate) async fn upload(
    request: HttpRequest,
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let (id, practice_id) = path.into_inner();
    bounded(&state, state.services.check_evidence_upload(&user.actor, &id, &practice_id)).await?;
    let new = read_form(&request, &state, form).await?;
    bounded(&state, state.services.create_evidence(&user.actor, &id, &practice_id, new)).await?;
    Ok(see_other(&format!("/assessments/{id}/practices/{practice_id}#evidence-heading")))
}

/// GET /assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download
pub(crate) async fn download(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    let file = state.services.evidence_file(&user.actor, &id, &practice_id, &evidence_id).await?;
    Ok(crate::download::attachment::<WebError>(file))
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    status: String,
    comment: Option<String>,
}

/// POST .../evidence/{evidence_id}/review (`status`: accepted or rejected)
pub(crate) async fn review(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String, String)>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, WebError> {
    let (id, practice_id, evidence_id) = path.into_inner();
    let form = form.into_inner();
    state
        .services
        .review_evidence(
            &user.actor,
            &id,
            &practice_id,
            &evidence_id,
            &form.status,
            optional(form.comment),
        )
        .await?;
    Ok(see_other(&format!("/assessments/{id}/practices/{practice_id}#evidence-heading")))
}
