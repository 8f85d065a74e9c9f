//! The exports and reports a page links to, as downloads: the same service
//! calls (and audit rows) as the API's export endpoints.

use actix_web::{HttpResponse, web};
use cmmc_services::exports::{DocumentFormat, SheetFormat};
use serde::Deserialize;

use crate::WebState;
use crate::download::export_attachment;
use crate::error::WebError;
use crate::session::SignedIn;

#[derive(Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<String>,
}

/// GET /assessments/{id}/export/results?format=csv|xlsx
pub(crate) async fn results(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, WebError> {
    let format: SheetFormat = query.format.as_deref().unwrap_or("xlsx").parse()?;
    let file = state.services.export_assessment(&user.actor, &path, format).await?;
    Ok(export_attachment(file))
}

/// GET /assessments/{id}/export/report?format=docx|html
pub(crate) async fn report(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, WebError> {
    let format: DocumentFormat = query.format.as_deref().unwrap_or("docx").parse()?;
    let file = state.services.assessment_report(&user.actor, &path, format).await?;
    Ok(export_attachment(file))
}

/// GET /poams/{poam_id}/export?format=csv|xlsx
pub(crate) async fn poam(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, WebError> {
    let format: SheetFormat = query.format.as_deref().unwrap_or("xlsx").parse()?;
    let file = state.services.export_poam(&user.actor, &path, format).await?;
    Ok(export_attachment(file))
}

/// GET /ssps/{ssp_id}/export?format=docx|html
pub(crate) async fn ssp(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, WebError> {
    let format: DocumentFormat = query.format.as_deref().unwrap_or("docx").parse()?;
    let file = state.services.export_ssp(&user.actor, &path, format).await?;
    Ok(export_attachment(file))
}
