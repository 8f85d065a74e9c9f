//! A practice of an assessment: the requirement, its objectives answered
//! as radio groups, the assessor's notes, and its evidence. Saving goes
//! through the same If-Match rule as the API: an answer someone else saved
//! meanwhile is shown, with what differs, instead of being overwritten.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use cmmc_domain::AssessmentStatus;
use cmmc_domain::access::Action;
use cmmc_services::assessments::{Assessment, PracticeAnswer, PracticeUpdate};
use cmmc_services::models::Evidence;
use cmmc_services::{Page, ServiceError};
use serde::Deserialize;

use super::assessments::ScorePanel;
use super::{html_with, is_htmx, see_other};
use crate::WebState;
use crate::error::{WebError, message_of};
use crate::session::SignedIn;
use crate::views::{Chrome, label, may};

/// The choices of each objective, with their labels.
pub(crate) const CHOICES: [(&str, &str); 3] =
    [("met", "Met"), ("not_met", "Not met"), ("not_applicable", "Not applicable")];

/// A difference between what a user sent and what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub(crate) what: String,
    pub(crate) yours: String,
    pub(crate) stored: String,
}

/// What differs between the objectives and notes `sent` and the `stored`
/// answer, in the objectives' order, the notes last.
pub(crate) fn differences(sent: &PracticeUpdate, stored: &PracticeAnswer) -> Vec<Difference> {
    let shown = |value: Option<&str>| value.map_or_else(|| "Not answered".to_owned(), label);
    let mut out = Vec::new();
    let objectives = sent.objectives.clone().unwrap_or_default();
    for objective in &stored.objectives {
        let yours = objectives.get(&objective.label).map(String::as_str);
        let theirs = objective.status.map(|s| s.as_str());
        if yours.is_some() && yours != theirs {
            out.push(Difference {
                what: format!("Objective [{}]", objective.label),
                yours: shown(yours),
                stored: shown(theirs),
            });
        }
    }
    let notes = |n: Option<&str>| n.map(str::trim).unwrap_or_default().to_owned();
    if let Some(yours) = &sent.assessor_notes
        && notes(Some(yours)) != notes(stored.assessor_notes.as_deref())
    {
        out.push(Difference {
            what: "Assessor notes".to_owned(),
            yours: yours.clone(),
            stored: stored.assessor_notes.clone().unwrap_or_default(),
        });
    }
    out
}

/// The answer form, on its own: the part htmx replaces after saving.
#[derive(Template)]
#[template(path = "practice_form.html")]
struct PracticeForm<'a> {
    form_token: &'a str,
    assessment_id: &'a str,
    answer: &'a PracticeAnswer,
    editable: bool,
    read_only_reason: String,
    saved: bool,
    error: Option<String>,
    /// Someone saved meanwhile: what differs from what was sent.
    conflict: Option<Vec<Difference>>,
    choices: [(&'static str, &'static str); 3],
}

#[derive(Template)]
#[template(path = "practice.html")]
struct PracticePage<'a> {
    chrome: Chrome,
    assessment: &'a Assessment,
    answer: &'a PracticeAnswer,
    requirement: Option<String>,
    evidence_requirements: Vec<String>,
    score: String,
    form: String,
    evidence: Vec<Evidence>,
    may_upload: bool,
    may_review: bool,
    user_id: &'a str,
}

fn editable(user: &SignedIn, assessment: &Assessment) -> (bool, String) {
    if !may(user, Action::PracticeEvaluate) {
        return (false, "Your roles do not allow answering practices.".to_owned());
    }
    if assessment.status != AssessmentStatus::InProgress {
        let state = label(assessment.status.as_str()).to_lowercase();
        return (
            false,
            format!(
                "The assessment is {state}; answers can be changed only while it is in progress."
            ),
        );
    }
    (true, String::new())
}

/// What the form shows besides the answer.
#[derive(Default)]
struct FormState {
    saved: bool,
    error: Option<String>,
    conflict: Option<Vec<Difference>>,
}

fn render_form(
    user: &SignedIn,
    assessment: &Assessment,
    answer: &PracticeAnswer,
    state: FormState,
) -> Result<String, WebError> {
    let (editable, read_only_reason) = editable(user, assessment);
    let form = PracticeForm {
        form_token: &user.form.0,
        assessment_id: &assessment.id,
        answer,
        editable,
        read_only_reason,
        saved: state.saved,
        error: state.error,
        conflict: state.conflict,
        choices: CHOICES,
    };
    form.render().map_err(|err| WebError::internal(format!("rendering the form: {err}")))
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

/// GET /assessments/{id}/practices/{practice_id}
pub(crate) async fn show(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, WebError> {
    let (id, practice_id) = path.into_inner();
    let form = FormState { saved: query.saved.is_some(), ..FormState::default() };
    full_page(&state, &user, &id, &practice_id, StatusCode::OK, form).await
}

async fn full_page(
    state: &WebState,
    user: &SignedIn,
    id: &str,
    practice_id: &str,
    status: StatusCode,
    form: FormState,
) -> Result<HttpResponse, WebError> {
    let services = &state.services;
    let assessment = services.get_assessment(&user.actor, id).await?;
    let answer = services.get_practice_answer(&user.actor, id, practice_id).await?;
    let score = services.assessment_score(&user.actor, id).await?;
    let (evidence, _) = services
        .list_evidence(&user.actor, id, Some(practice_id), None, Page::new(Some(1), Some(200))?)
        .await?;
    let catalog = state.catalog();
    let entry = (*catalog).as_ref().practice(practice_id);
    let completed = assessment.status == AssessmentStatus::Completed;
    let page = PracticePage {
        chrome: Chrome::of(user, "assessments"),
        requirement: entry.map(|p| p.description.clone()),
        evidence_requirements: entry.map(|p| p.evidence_requirements.clone()).unwrap_or_default(),
        score: ScorePanel::of(&score).html()?,
        form: render_form(user, &assessment, &answer, form)?,
        evidence: evidence.into_iter().map(|(e, _)| e).collect(),
        may_upload: may(user, Action::EvidenceUpload) && !completed,
        may_review: may(user, Action::EvidenceReview) && !completed,
        user_id: &user.actor.user_id,
        assessment: &assessment,
        answer: &answer,
    };
    html_with(status, &page)
}

/// The form as sent: `version`, `assessor_notes` and one
/// `objective_<label>` per answered objective.
fn read_form(fields: Vec<(String, String)>) -> Result<(i64, PracticeUpdate), WebError> {
    let mut version = None;
    let mut update = PracticeUpdate::default();
    let mut objectives = BTreeMap::new();
    for (name, value) in fields {
        match name.as_str() {
            // Checked by the page guard before the handler ran.
            "csrf_token" => {}
            "version" => version = value.parse::<i64>().ok(),
            "assessor_notes" => update.assessor_notes = Some(value),
            other => match other.strip_prefix("objective_") {
                Some(objective) => {
                    objectives.insert(objective.to_owned(), value);
                }
                None => {
                    return Err(WebError::BadForm(format!(
                        "{other:?} is not a field of this form."
                    )));
                }
            },
        }
    }
    let version = version
        .ok_or_else(|| WebError::BadForm("The form lost its version; reload the page.".into()))?;
    if !objectives.is_empty() {
        update.objectives = Some(objectives);
    }
    Ok((version, update))
}

/// POST /assessments/{id}/practices/{practice_id}: saves the answer. From
/// htmx, answers the new form and the new score panel (out of band);
/// from a plain form, goes back to the page.
pub(crate) async fn save(
    request: HttpRequest,
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (id, practice_id) = path.into_inner();
    let (version, update) = read_form(form.into_inner())?;
    let services = &state.services;
    let outcome = services
        .update_practice_answer(&user.actor, &id, &practice_id, update.clone(), Some(version))
        .await;
    // The answer as it now stands, when the outcome already has it.
    let (status, form_state, known) = match outcome {
        Ok(_) if !is_htmx(&request) => {
            return Ok(see_other(&format!("/assessments/{id}/practices/{practice_id}?saved=1")));
        }
        Ok(saved) => {
            (StatusCode::OK, FormState { saved: true, ..FormState::default() }, Some(saved))
        }
        Err(ServiceError::PreconditionFailed(_)) => {
            let stored = services.get_practice_answer(&user.actor, &id, &practice_id).await?;
            let conflict = Some(differences(&update, &stored));
            let form = FormState { conflict, ..FormState::default() };
            (StatusCode::PRECONDITION_FAILED, form, Some(stored))
        }
        Err(
            err @ (ServiceError::InvalidInput { .. }
            | ServiceError::Unprocessable { .. }
            | ServiceError::Conflict(_)),
        ) => {
            let status = if matches!(err, ServiceError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            (status, FormState { error: Some(message_of(&err)), ..FormState::default() }, None)
        }
        Err(err) => return Err(err.into()),
    };
    if !is_htmx(&request) {
        return full_page(&state, &user, &id, &practice_id, status, form_state).await;
    }
    let assessment = services.get_assessment(&user.actor, &id).await?;
    let answer = match known {
        Some(answer) => answer,
        None => services.get_practice_answer(&user.actor, &id, &practice_id).await?,
    };
    let score = services.assessment_score(&user.actor, &id).await?;
    let mut panel = ScorePanel::of(&score);
    panel.oob = true;
    let body = render_form(&user, &assessment, &answer, form_state)? + &panel.html()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cmmc_domain::PracticeStatus;
    use cmmc_services::assessments::Objective;

    fn stored(a: Option<&str>, b: Option<&str>, notes: Option<&str>) -> PracticeAnswer {
        let objective = |label: &str, status: Option<&str>| Objective {
            label: label.to_owned(),
            text: format!("objective {label}"),
            status: status.map(|s| s.parse().unwrap()),
            source: None,
        };
        PracticeAnswer {
            id: "1".into(),
            assessment_id: "a".into(),
            practice_id: "IA.L2-3.5.3".into(),
            level: 2,
            domain_id: "IA".into(),
            title: "MFA".into(),
            status: PracticeStatus::NotEvaluated,
            score: None,
            assessor_notes: notes.map(str::to_owned),
            objectives: vec![objective("a", a), objective("b", b)],
            parameters: Vec::new(),
            sprs_weight: Some(5),
            sprs_partial_weight: Some(3),
            poam_eligibility: "never".into(),
            datapact_sync_status: None,
            datapact_sync_at: None,
            version: 2,
            evaluated_by: None,
            evaluated_at: None,
            updated_at: chrono::Utc::now(),
            ssp_id: None,
        }
    }

    fn sent(pairs: &[(&str, &str)], notes: Option<&str>) -> PracticeUpdate {
        PracticeUpdate {
            status: None,
            assessor_notes: notes.map(str::to_owned),
            objectives: Some(
                pairs.iter().map(|(l, s)| ((*l).to_owned(), (*s).to_owned())).collect(),
            ),
        }
    }

    #[test]
    fn only_what_differs_is_listed() {
        let stored = stored(Some("not_met"), Some("met"), Some("checked the VPN"));
        let diff =
            differences(&sent(&[("a", "met"), ("b", "met")], Some("checked the VPN")), &stored);
        assert_eq!(
            diff,
            vec![Difference {
                what: "Objective [a]".into(),
                yours: "Met".into(),
                stored: "Not met".into()
            }]
        );
    }

    #[test]
    fn unanswered_objectives_and_changed_notes_are_named() {
        let stored = stored(None, Some("met"), None);
        let diff = differences(&sent(&[("a", "not_applicable")], Some("new note")), &stored);
        assert_eq!(diff.len(), 2);
        assert_eq!(diff[0].stored, "Not answered");
        assert_eq!(diff[0].yours, "Not applicable");
        assert_eq!(diff[1].what, "Assessor notes");
        assert!(differences(&sent(&[], Some("  ")), &stored).is_empty(), "blank notes equal none");
    }

    #[test]
    fn the_form_reads_objectives_notes_and_version() {
        let fields = vec![
            ("csrf_token".to_owned(), "t".to_owned()),
            ("version".to_owned(), "7".to_owned()),
            ("objective_a".to_owned(), "met".to_owned()),
            ("assessor_notes".to_owned(), "n".to_owned()),
        ];
        let (version, update) = read_form(fields).unwrap();
        assert_eq!(version, 7);
        assert_eq!(update.objectives.unwrap()["a"], "met");
        assert!(read_form(vec![("csrf_token".into(), "t".into())]).is_err(), "no version");
        assert!(read_form(vec![("version".into(), "1".into()), ("x".into(), "y".into())]).is_err());
    }
}
