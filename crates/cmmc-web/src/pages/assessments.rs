//! Assessments: the list, a new one, one assessment with its practices,
//! and its lifecycle.

use actix_web::{HttpResponse, web};
use askama::Template;
use cmmc_domain::access::Action;
use cmmc_domain::{AssessmentStatus, DomainId, PracticeStatus};
use cmmc_services::Page;
use cmmc_services::assessments::{
    Assessment, AssessmentFilter, AssessmentScore, NewAssessment, PracticeAnswer,
    PracticeAnswerFilter, Transition,
};
use cmmc_services::organizations::Organization;
use serde::Deserialize;

use super::{html, see_other};
use crate::WebState;
use crate::error::WebError;
use crate::forms::optional;
use crate::session::SignedIn;
use crate::views::{Chrome, may};

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    chrome: Chrome,
    assessments: Vec<Assessment>,
    total: u64,
    may_create: bool,
}

/// GET /assessments
pub(crate) async fn list(
    state: web::Data<WebState>,
    user: SignedIn,
) -> Result<HttpResponse, WebError> {
    let filter = AssessmentFilter { page: Page::new(Some(1), Some(200))?, ..Default::default() };
    let (assessments, total) = state.services.list_assessments(&user.actor, filter).await?;
    let may_create = may(&user, Action::AssessmentManage);
    html(&ListPage { chrome: Chrome::of(&user, "assessments"), assessments, total, may_create })
}

#[derive(Template)]
#[template(path = "assessment_new.html")]
struct NewPage {
    chrome: Chrome,
    /// For a system administrator: the organisation to assess.
    organizations: Vec<Organization>,
}

/// GET /assessments/new
pub(crate) async fn new_page(
    state: web::Data<WebState>,
    user: SignedIn,
) -> Result<HttpResponse, WebError> {
    user.actor.require(Action::AssessmentManage)?;
    let organizations = if user.actor.is_system_admin() {
        state.services.list_organizations(&user.actor, Page::new(Some(1), Some(200))?).await?.0
    } else {
        Vec::new()
    };
    html(&NewPage { chrome: Chrome::of(&user, "assessments"), organizations })
}

#[derive(Deserialize)]
pub(crate) struct NewForm {
    title: String,
    target_level: i64,
    assessment_type: String,
    org_id: Option<String>,
}

/// POST /assessments
pub(crate) async fn create(
    state: web::Data<WebState>,
    user: SignedIn,
    form: web::Form<NewForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let org_id = optional(form.org_id)
        .or_else(|| user.actor.org_id.clone())
        .ok_or_else(|| WebError::BadForm("Choose the organisation to assess.".into()))?;
    let new = NewAssessment {
        org_id,
        title: form.title,
        target_level: form.target_level,
        assessment_type: form.assessment_type,
        lead_assessor_id: None,
        ssp_id: None,
    };
    let created = state.services.create_assessment(&user.actor, new).await?;
    Ok(see_other(&format!("/assessments/{}", created.id)))
}

/// One domain's practices, as the page lists them.
struct DomainGroup {
    domain: String,
    practices: Vec<PracticeAnswer>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    chrome: Chrome,
    assessment: Assessment,
    /// The score panel, rendered.
    score: String,
    groups: Vec<DomainGroup>,
    status_filter: String,
    domain_filter: String,
    statuses: Vec<(&'static str, String)>,
    domains: Vec<&'static str>,
    buttons: Vec<(&'static str, &'static str)>,
    may_reopen: bool,
}

/// The score panel: the number and the status, as the score endpoint has them.
#[derive(Template)]
#[template(path = "score_panel.html")]
pub(crate) struct ScorePanel {
    pub(crate) sprs: Option<i32>,
    pub(crate) level3: Option<i32>,
    pub(crate) status: String,
    pub(crate) provisional: bool,
    pub(crate) met_share: String,
    pub(crate) target_level: i32,
    /// Rendered out of band (an htmx answer replacing the panel elsewhere).
    pub(crate) oob: bool,
}

impl ScorePanel {
    pub(crate) fn of(score: &AssessmentScore) -> Self {
        Self {
            sprs: score.score.sprs_score.map(cmmc_domain::SprsScore::value),
            level3: score.score.level3_score,
            status: crate::views::label(score.score.cmmc_status.as_str()),
            provisional: score.score.provisional,
            met_share: format!("{:.0}%", score.score.overall_score * 100.0),
            target_level: score.target_level.number(),
            oob: false,
        }
    }

    pub(crate) fn html(&self) -> Result<String, WebError> {
        self.render().map_err(|err| WebError::internal(format!("rendering the score: {err}")))
    }
}

#[derive(Deserialize)]
pub(crate) struct PracticeFilterQuery {
    status: Option<String>,
    domain: Option<String>,
}

fn parse_filter(query: &PracticeFilterQuery) -> Result<PracticeAnswerFilter, WebError> {
    let bad = |what: &str| WebError::BadForm(format!("{what} is not one of the choices."));
    let status = match optional(query.status.clone()) {
        Some(s) => Some(s.parse::<PracticeStatus>().map_err(|_| bad("The status"))?),
        None => None,
    };
    let domain = match optional(query.domain.clone()) {
        Some(d) => Some(d.parse::<DomainId>().map_err(|_| bad("The domain"))?),
        None => None,
    };
    Ok(PracticeAnswerFilter { status, domain, level: None })
}

/// The lifecycle buttons `user` may press on an assessment in `status`.
fn buttons(user: &SignedIn, status: AssessmentStatus) -> Vec<(&'static str, &'static str)> {
    if !may(user, Action::AssessmentManage) {
        return Vec::new();
    }
    match status {
        AssessmentStatus::Draft => vec![("start", "Start assessment")],
        AssessmentStatus::InProgress => vec![("submit", "Submit for review")],
        AssessmentStatus::UnderReview => vec![("complete", "Complete assessment")],
        AssessmentStatus::Completed => Vec::new(),
    }
}

/// GET /assessments/{id} (`?status=&domain=` filter the practices)
pub(crate) async fn show(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    query: web::Query<PracticeFilterQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let filter = parse_filter(&query)?;
    let services = &state.services;
    let assessment = services.get_assessment(&user.actor, &id).await?;
    let score = services.assessment_score(&user.actor, &id).await?;
    let answers = services.list_practice_answers(&user.actor, &id, filter).await?;
    let mut groups: Vec<DomainGroup> = Vec::new();
    for answer in answers {
        match groups.last_mut() {
            Some(group) if group.domain == answer.domain_id => group.practices.push(answer),
            _ => groups
                .push(DomainGroup { domain: answer.domain_id.clone(), practices: vec![answer] }),
        }
    }
    let page = AssessmentPage {
        chrome: Chrome::of(&user, "assessments"),
        buttons: buttons(&user, assessment.status),
        may_reopen: assessment.status == AssessmentStatus::UnderReview
            && may(&user, Action::AssessmentManage),
        assessment,
        score: ScorePanel::of(&score).html()?,
        groups,
        status_filter: query.status.clone().unwrap_or_default(),
        domain_filter: query.domain.clone().unwrap_or_default(),
        statuses: PracticeStatus::ALL
            .iter()
            .map(|s| (s.as_str(), crate::views::label(s.as_str())))
            .collect(),
        domains: DomainId::ALL.iter().map(|d| d.as_str()).collect(),
    };
    html(&page)
}

#[derive(Deserialize)]
pub(crate) struct TransitionForm {
    action: String,
    reason: Option<String>,
}

/// POST /assessments/{id}/transition (`action`: start, submit, complete, reopen with `reason`)
pub(crate) async fn transition(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<String>,
    form: web::Form<TransitionForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let step = match form.action.as_str() {
        "start" => Transition::Start,
        "submit" => Transition::Submit,
        "complete" => Transition::Complete,
        "reopen" => Transition::Reopen { reason: form.reason.clone().unwrap_or_default() },
        _ => {
            return Err(WebError::BadForm(
                "That is not a step of the assessment's lifecycle.".into(),
            ));
        }
    };
    state.services.transition_assessment(&user.actor, &id, step).await?;
    Ok(see_other(&format!("/assessments/{id}")))
}
