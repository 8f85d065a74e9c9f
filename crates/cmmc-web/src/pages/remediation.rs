//! Findings and POA&Ms of an assessment: lists, new findings, status
//! changes, generating the POA&M, and rescheduling or closing its items.

use actix_web::{HttpResponse, web};
use askama::Template;
use cmmc_domain::access::Action;
use cmmc_domain::{FindingStatus, FindingType, PoamItemStatus, Severity};
use cmmc_services::assessments::Assessment;
use cmmc_services::models::Finding;
use cmmc_services::remediation::{FindingChanges, NewFinding, Poam, PoamItemChanges};
use serde::Deserialize;

use super::{html, see_other};
use crate::WebState;
use crate::error::WebError;
use crate::forms::optional;
use crate::session::SignedIn;
use crate::views::{Chrome, may};

/// A choice of a select: its value and its label.
type Choice = (&'static str, String);

fn choices(values: impl IntoIterator<Item = &'static str>) -> Vec<Choice> {
    values.into_iter().map(|v| (v, crate::views::label(v))).collect()
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    chrome: Chrome,
    assessment: Assessment,
    findings: Vec<Finding>,
    may_manage: bool,
    severities: Vec<Choice>,
    types: Vec<Choice>,
    statuses: Vec<Choice>,
}

/// GET /assessments/{id}/findings
pub(crate) async fn findings(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let assessment = state.services.get_assessment(&user.actor, &id).await?;
    let findings = state.services.list_findings(&user.actor, &id, None, None).await?;
    html(&FindingsPage {
        chrome: Chrome::of(&user, "assessments"),
        assessment,
        findings,
        may_manage: may(&user, Action::FindingManage),
        severities: choices(Severity::ALL.iter().map(|s| s.as_str())),
        types: choices(FindingType::ALL.iter().map(|s| s.as_str())),
        statuses: choices(FindingStatus::ALL.iter().map(|s| s.as_str())),
    })
}

#[derive(Deserialize)]
pub(crate) struct FindingForm {
    title: String,
    severity: String,
    finding_type: String,
    practice_id: Option<String>,
    description: Option<String>,
}

/// POST /assessments/{id}/findings
pub(crate) async fn create_finding(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    form: web::Form<FindingForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let new = NewFinding {
        finding_type: form.finding_type,
        severity: form.severity,
        title: form.title,
        description: optional(form.description),
        practice_id: optional(form.practice_id),
    };
    state.services.create_finding(&user.actor, &id, new).await?;
    Ok(see_other(&format!("/assessments/{id}/findings")))
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    status: String,
}

/// POST /assessments/{id}/findings/{finding_id}/status
pub(crate) async fn finding_status(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, WebError> {
    let (id, finding_id) = path.into_inner();
    let changes =
        FindingChanges { status: Some(form.into_inner().status), ..FindingChanges::default() };
    state.services.update_finding(&user.actor, &id, &finding_id, changes).await?;
    Ok(see_other(&format!("/assessments/{id}/findings")))
}

#[derive(Template)]
#[template(path = "poams.html")]
struct PoamsPage {
    chrome: Chrome,
    assessment: Assessment,
    poams: Vec<Poam>,
    may_manage: bool,
    statuses: Vec<Choice>,
}

/// GET /assessments/{id}/poams
pub(crate) async fn poams(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let services = &state.services;
    let assessment = services.get_assessment(&user.actor, &id).await?;
    let mut poams = Vec::new();
    for summary in services.list_poams(&user.actor, Some(&assessment.org_id), Some(&id)).await? {
        poams.push(services.get_poam(&user.actor, &summary.id).await?);
    }
    html(&PoamsPage {
        chrome: Chrome::of(&user, "assessments"),
        assessment,
        poams,
        may_manage: may(&user, Action::PoamManage),
        statuses: choices(
            PoamItemStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .filter(|s| *s != PoamItemStatus::Overdue.as_str()),
        ),
    })
}

/// POST /assessments/{id}/poams/generate
pub(crate) async fn generate_poam(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    state.services.generate_poam(&user.actor, &id).await?;
    Ok(see_other(&format!("/assessments/{id}/poams")))
}

#[derive(Deserialize)]
pub(crate) struct ItemForm {
    assessment_id: String,
    status: String,
    scheduled_completion: Option<String>,
}

/// POST /poams/{poam_id}/items/{item_id}: a new status and scheduled date.
pub(crate) async fn update_item(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, WebError> {
    let (poam_id, item_id) = path.into_inner();
    let form = form.into_inner();
    let scheduled = match optional(form.scheduled_completion) {
        Some(date) => Some(Some(date.parse::<chrono::NaiveDate>().map_err(|_| {
            WebError::BadForm("The scheduled completion is not a date (YYYY-MM-DD).".into())
        })?)),
        None => None,
    };
    let changes = PoamItemChanges {
        status: Some(form.status),
        scheduled_completion: scheduled,
        ..PoamItemChanges::default()
    };
    state.services.update_poam_item(&user.actor, &poam_id, &item_id, changes).await?;
    // Back to the assessment's POA&Ms, if the id names one the user may see.
    let back = state
        .services
        .get_assessment(&user.actor, &form.assessment_id)
        .await
        .map_or_else(|_| "/assessments".to_owned(), |a| format!("/assessments/{}/poams", a.id));
    Ok(see_other(&back))
}
