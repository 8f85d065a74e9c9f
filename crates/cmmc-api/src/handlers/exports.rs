//! Exports: an assessment's results and a POA&M as CSV or XLSX files, the
//! SSP and an assessment's summary as DOCX or printable HTML, and the SPRS
//! record.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use cmmc_services::exports::{DocumentFormat, ExportFile, SheetFormat};
use utoipa::OpenApi;

use crate::dto::exports::{DocumentQuery, ExportQuery, SprsRecordDto, SprsRecordQuery};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(paths(
    export_assessment,
    export_poam,
    sprs_record,
    export_ssp,
    assessment_report,
    assessment_package
))]
pub(crate) struct Doc;

/// The file as an attachment. Its name is ASCII letters, digits and `-`
/// (the services make it so); reports are not cached.
fn attachment(file: ExportFile) -> HttpResponse {
    cmmc_web::download::export_attachment(file)
}

/// A document: a Word file as an attachment; HTML shown in place (with its
/// file name for saving), under a policy that lets it load and run nothing.
fn document(file: ExportFile, format: DocumentFormat) -> HttpResponse {
    if format == DocumentFormat::Docx {
        return attachment(file);
    }
    let disposition = ContentDisposition {
        disposition: DispositionType::Inline,
        parameters: vec![DispositionParam::Filename(file.filename)],
    };
    HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox allow-modals",
        ))
        .body(file.bytes)
}

/// GET /api/ssps/{ssp_id}/export?format=docx|html
///
/// The SSP version as a document: a title page (organisation, name,
/// version, date), the system, its boundary and CAGE codes, a table of its
/// people, and a section per domain with each requirement's implementation
/// statement ("Not yet stated" where there is none). Audited as `ssp.export`.
#[utoipa::path(get, path = "/api/ssps/{ssp_id}/export", tag = "reports", security(("bearer" = [])),
    params(("ssp_id" = String, Path, description = "The SSP version: a UUID"), DocumentQuery),
    responses(
        (status = 200, description = "The document: DOCX as an attachment, HTML inline",
            content(
                ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                ("text/html; charset=utf-8"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment` (DOCX) or `inline` (HTML) with a file name made of the SSP's name and version"))),
        (status = 400, description = "A format other than docx or html, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such SSP (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_ssp(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let format: DocumentFormat = query.format.as_deref().unwrap_or("docx").parse()?;
    let file = state.services.export_ssp(&user.0, &path, format).await?;
    Ok(document(file, format))
}

/// GET /api/assessments/{id}/report?format=docx|html
///
/// An assessment's summary: its facts (level, type, status, SPRS score,
/// CMMC status earned, dates), a chart of the SPRS points lost per domain,
/// the deductions, the findings by severity and its newest POA&M, overdue
/// items marked. Audited as `assessment.report`.
#[utoipa::path(get, path = "/api/assessments/{id}/report", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment: a UUID"), DocumentQuery),
    responses(
        (status = 200, description = "The document: DOCX as an attachment, HTML inline",
            content(
                ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                ("text/html; charset=utf-8"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment` (DOCX) or `inline` (HTML) with a file name made of the assessment's title"))),
        (status = 400, description = "A format other than docx or html, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn assessment_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let format: DocumentFormat = query.format.as_deref().unwrap_or("docx").parse()?;
    let file = state.services.assessment_report(&user.0, &path, format).await?;
    Ok(document(file, format))
}

/// GET /api/assessments/{id}/export?format=csv|xlsx
///
/// The results: one row per practice (id, domain, title, status, objectives
/// met / not met / N/A / unanswered, points deducted, POA&M eligibility,
/// notes, evidence by review status, date evaluated). As XLSX, a summary
/// sheet (score, status, points lost per domain with a chart, every
/// deduction) and a sheet per domain. Audited as `assessment.export`.
#[utoipa::path(get, path = "/api/assessments/{id}/export", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment: a UUID"), ExportQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content(
                ("text/csv; charset=utf-8"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment` with a file name made of the assessment's title"))),
        (status = 400, description = "A format other than csv or xlsx, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_assessment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format: SheetFormat = query.format.as_deref().unwrap_or("csv").parse()?;
    let file = state.services.export_assessment(&user.0, &path, format).await?;
    Ok(attachment(file))
}

/// GET /api/poams/{poam_id}/export?format=csv|xlsx
///
/// The POA&M with the columns of the DoD template: weakness, requirement,
/// point of contact, resources required, milestone, scheduled completion,
/// changes to the scheduled date (from the audit trail), status, actual
/// completion, risk accepted, overdue (filled red in XLSX). Audited as
/// `poam.export`.
#[utoipa::path(get, path = "/api/poams/{poam_id}/export", tag = "reports", security(("bearer" = [])),
    params(("poam_id" = String, Path, description = "The POA&M id (a UUID)"), ExportQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content(
                ("text/csv; charset=utf-8"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment` with a file name made of the POA&M's title"))),
        (status = 400, description = "A format other than csv or xlsx, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such POA&M (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_poam(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format: SheetFormat = query.format.as_deref().unwrap_or("csv").parse()?;
    let file = state.services.export_poam(&user.0, &path, format).await?;
    Ok(attachment(file))
}

/// GET /api/assessments/{id}/sprs-record?format=json|text
///
/// The record a contractor enters in SPRS for a completed Level 2 or 3
/// assessment (DFARS 252.204-7019/-7020) with its CMMC status record, from
/// the numbers stored at completion, the SSP version it names and its open
/// POA&M items; checked before it is produced. Audited as
/// `assessment.sprs_record`.
#[utoipa::path(get, path = "/api/assessments/{id}/sprs-record", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment: a UUID"), SprsRecordQuery),
    responses(
        (status = 200, description = "The record: JSON, or with format=text the plain-text form",
            content(
                (SprsRecordDto = "application/json"),
                ("text/plain; charset=utf-8"),
            )),
        (status = 400, description = "A format other than json or text, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assessment is not completed, is Level 1, or the record would not be valid: no published SSP version named, no CAGE code, a score out of range, open POA&M items without a date, or (Conditional) items scheduled past the closeout deadline; the detail lists each", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn sprs_record(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<SprsRecordQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "text") {
        let message = format!("{format:?} is not a format; expected json or text");
        return Err(ApiError::invalid_parameter("format", message));
    }
    let record = state.services.sprs_record(&user.0, &path, format).await?;
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "private, no-store"));
    Ok(if format == "text" {
        response
            .content_type("text/plain; charset=utf-8")
            .body(cmmc_domain::sprs_record::render_text(&record))
    } else {
        response.json(SprsRecordDto::from(&record))
    })
}

/// How many packages stream at once, server-wide.
const PACKAGES_AT_ONCE: usize = 4;
static PACKAGE_STREAMS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::OnceLock::new();

/// GET /api/assessments/{id}/package: the package a C3PAO receives, as a
/// streamed zip: the OSCAL assessment-results, POA&Ms and SSP, the CSV
/// results and POA&Ms, every evidence file under
/// `evidence/<practice_id>/`, and `manifest.json` with each file's size and
/// SHA-256, signed (HMAC-SHA256 under the server secret); `cargo xtask
/// verify-package` checks one. Audited as `assessment.package`.
#[utoipa::path(get, path = "/api/assessments/{id}/package", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment: a UUID")),
    responses(
        (status = 200, description = "The zip, streamed as an attachment; cut off (not a valid zip) if a stored file no longer matches its hash",
            content(("application/zip")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name `assessment-<id>-package.zip`"))),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such assessment (or another organisation's, or an id that is not a UUID)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable, or four packages are being sent already (with Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn assessment_package(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // A few at a time: each holds a blocking thread while it streams.
    let permit = PACKAGE_STREAMS
        .get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(PACKAGES_AT_ONCE)))
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::busy("too many assessment packages are being sent; try again shortly")
        })?;
    let package = state.services.assessment_package(&user.0, &path).await?;
    let keys = state.services.keys().clone();
    let (mut writer, body) = crate::stream_writer::channel();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match package.write_to(&mut writer, &keys, chrono::Utc::now()) {
            Ok(_) => {
                let _ = std::io::Write::flush(&mut writer);
            }
            Err(error) => {
                tracing::warn!(%error, "an assessment package was cut off");
                writer.fail(error);
            }
        }
    });
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!(
            "assessment-{}-package.zip",
            path.as_str()
        ))],
    };
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"))
        .streaming(body))
}
