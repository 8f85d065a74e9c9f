//! Assessments: the lifecycle, practice and objective results, and scores.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::scoring::{self, CmmcStatus, PracticeResult, Score};
use cmmc_domain::{
    AssessmentStatus, AssessmentType, DomainId, Level, ObjectiveStatus, PoamEligibility,
    PracticeId, PracticeStatus,
};
use cmmc_store::entities::{assessment_practices, assessments, cmmc_practices, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

mod closeout;
mod import;
pub mod inheritance;
pub mod scope;

pub use inheritance::{ApplyReport, InheritanceCounts, ObjectiveSource, ProviderWarning};
pub use scope::{Scope, ScopeAsset};

/// An assessment as callers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub target_level: Level,
    pub assessment_type: AssessmentType,
    pub status: AssessmentStatus,
    pub lead_assessor_id: Option<String>,
    /// The SSP version it assesses.
    pub ssp_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub overall_score: Option<f64>,
    pub sprs_score: Option<i32>,
    pub level3_score: Option<i32>,
    pub cmmc_status: Option<String>,
    pub conditional_deadline: Option<NaiveDate>,
    /// When a Conditional status's POA&M closeout was recorded, and by whom.
    pub closed_out_at: Option<DateTime<Utc>>,
    pub closed_out_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("stored assessment data is invalid: {what}"))
}

impl TryFrom<assessments::Model> for Assessment {
    type Error = ServiceError;

    fn try_from(row: assessments::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            target_level: Level::try_from(row.target_level).map_err(corrupt)?,
            assessment_type: row.assessment_type.parse().map_err(corrupt)?,
            status: row.status.parse().map_err(corrupt)?,
            id: row.id,
            org_id: row.org_id,
            title: row.title,
            lead_assessor_id: row.lead_assessor_id,
            ssp_id: row.ssp_id,
            started_at: row.started_at,
            completed_at: row.completed_at,
            overall_score: row.overall_score,
            sprs_score: row.sprs_score,
            level3_score: row.level3_score,
            cmmc_status: row.cmmc_status,
            conditional_deadline: row.conditional_deadline,
            closed_out_at: row.closed_out_at,
            closed_out_by: row.closed_out_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A new assessment, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAssessment {
    pub org_id: String,
    pub title: String,
    pub target_level: i64,
    pub assessment_type: String,
    pub lead_assessor_id: Option<String>,
    /// An SSP version of the organisation.
    pub ssp_id: Option<String>,
}

/// Changes to an assessment: `None` leaves a field; `Some(None)` clears the lead assessor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentChanges {
    pub title: Option<String>,
    pub lead_assessor_id: Option<Option<String>>,
    /// `Some(None)` clears it.
    pub ssp_id: Option<Option<String>>,
}

/// Which assessments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentFilter {
    pub status: Option<AssessmentStatus>,
    pub level: Option<Level>,
    pub org_id: Option<String>,
    pub page: crate::Page,
}

/// A step of the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Start,
    Submit,
    Complete,
    Reopen { reason: String },
}

impl Transition {
    const fn target(&self) -> AssessmentStatus {
        match self {
            Self::Start => AssessmentStatus::InProgress,
            Self::Submit => AssessmentStatus::UnderReview,
            Self::Complete => AssessmentStatus::Completed,
            Self::Reopen { .. } => AssessmentStatus::InProgress,
        }
    }

    /// The one status this step starts from (reopen and start both lead to
    /// in_progress, from different places).
    const fn source(&self) -> AssessmentStatus {
        match self {
            Self::Start => AssessmentStatus::Draft,
            Self::Submit => AssessmentStatus::InProgress,
            Self::Complete | Self::Reopen { .. } => AssessmentStatus::UnderReview,
        }
    }

    const fn action(&self) -> &'static str {
        match self {
            Self::Start => "assessment.start",
            Self::Submit => "assessment.submit",
            Self::Complete => "assessment.complete",
            Self::Reopen { .. } => "assessment.reopen",
        }
    }

    /// Refuses a reopen without a reason of 1 to 2000 characters.
    fn check_reason(&self) -> Result<(), ServiceError> {
        if let Self::Reopen { reason } = self
            && (reason.trim().is_empty() || reason.chars().count() > 2000)
        {
            return Err(ServiceError::invalid(
                "reason",
                "a reopen needs a reason of 1 to 2000 characters",
            ));
        }
        Ok(())
    }

    /// The status this step leads to from `current`, refusing a step that
    /// does not start there or that the lifecycle does not allow.
    fn next_from(&self, current: AssessmentStatus) -> Result<AssessmentStatus, ServiceError> {
        if current != self.source() {
            return Err(ServiceError::Conflict(format!(
                "an assessment that is {current} cannot {}; only one that is {}",
                self.action().trim_start_matches("assessment."),
                self.source()
            )));
        }
        current.transition_to(self.target()).map_err(|err| ServiceError::Conflict(err.to_string()))
    }
}

/// One objective of a practice and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    /// `a`, `b`, ... (organisation-defined parameter lines are not objectives).
    pub label: String,
    pub text: String,
    pub status: Option<ObjectiveStatus>,
    /// The provider an inherited or shared result came from, if any.
    pub source: Option<ObjectiveSource>,
}

/// One practice's answer within an assessment, with the practice as assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeAnswer {
    pub id: String,
    pub assessment_id: String,
    pub practice_id: String,
    pub level: i32,
    pub domain_id: String,
    pub title: String,
    pub status: PracticeStatus,
    pub score: Option<f64>,
    pub assessor_notes: Option<String>,
    pub objectives: Vec<Objective>,
    /// The parameter lines (`[ODPn]`) that come with the objectives.
    pub parameters: Vec<String>,
    pub sprs_weight: Option<i32>,
    pub sprs_partial_weight: Option<i32>,
    pub poam_eligibility: String,
    pub datapact_sync_status: Option<String>,
    pub datapact_sync_at: Option<DateTime<Utc>>,
    /// Changes with every edit: the ETag.
    pub version: i64,
    pub evaluated_by: Option<String>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// On CA.L2-3.12.4's answer (the system security plan): the SSP version
    /// the assessment names. None on every other answer.
    pub ssp_id: Option<String>,
}

/// Changes to a practice answer; each field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PracticeUpdate {
    pub status: Option<String>,
    pub assessor_notes: Option<String>,
    /// Objective label -> result string.
    pub objectives: Option<BTreeMap<String, String>>,
}

/// Which practice answers to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PracticeAnswerFilter {
    pub domain: Option<DomainId>,
    pub status: Option<PracticeStatus>,
    pub level: Option<Level>,
}

/// An assessment's score, with what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentScore {
    pub score: Score,
    pub target_level: Level,
    pub conditional_deadline: Option<NaiveDate>,
    /// What providers carry: objectives inherited, shared, overridden.
    pub inherited: inheritance::InheritanceCounts,
}

fn results_of(row: &assessment_practices::Model) -> BTreeMap<String, ObjectiveStatus> {
    row.objective_results
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(label, status)| Some((label.clone(), status.as_str()?.parse().ok()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Refuses any change to a completed assessment (`AssessmentStatus::is_read_only`).
pub(crate) fn ensure_writable(assessment: &assessments::Model) -> Result<(), ServiceError> {
    let status: AssessmentStatus = assessment.status.parse().map_err(corrupt)?;
    if status.is_read_only() {
        return Err(ServiceError::Conflict("a completed assessment is read-only".into()));
    }
    Ok(())
}

fn answer_of(row: assessment_practices::Model) -> Result<PracticeAnswer, ServiceError> {
    let results = results_of(&row);
    let mut sources = inheritance::sources_of(&row);
    let lines: Vec<String> =
        serde_json::from_value(row.assessment_objectives.clone()).map_err(corrupt)?;
    let mut objectives = Vec::new();
    let mut parameters = Vec::new();
    for line in lines {
        match cmmc_domain::ObjectiveLine::parse(&line) {
            Some(o) if o.kind == cmmc_domain::ObjectiveKind::Lettered => {
                objectives.push(Objective {
                    label: o.label.to_owned(),
                    text: o.text.to_owned(),
                    status: results.get(o.label).copied(),
                    source: sources.remove(o.label),
                });
            }
            _ => parameters.push(line),
        }
    }
    Ok(PracticeAnswer {
        status: row.status.parse().map_err(corrupt)?,
        id: row.id,
        assessment_id: row.assessment_id,
        practice_id: row.practice_id,
        level: row.level,
        domain_id: row.domain_id,
        title: row.title,
        score: row.score,
        assessor_notes: row.assessor_notes,
        objectives,
        parameters,
        sprs_weight: row.sprs_weight,
        sprs_partial_weight: row.sprs_partial_weight,
        poam_eligibility: row.poam_eligibility,
        datapact_sync_status: row.datapact_sync_status,
        datapact_sync_at: row.datapact_sync_at,
        version: row.version,
        evaluated_by: row.evaluated_by,
        evaluated_at: row.evaluated_at,
        updated_at: row.updated_at,
        ssp_id: None,
    })
}

/// `answer` with the SSP version `assessment` names, when it is the answer
/// to CA.L2-3.12.4 (the requirement to have a system security plan).
fn with_ssp(mut answer: PracticeAnswer, assessment: &assessments::Model) -> PracticeAnswer {
    if answer.practice_id.parse().is_ok_and(scoring::is_system_security_plan) {
        answer.ssp_id.clone_from(&assessment.ssp_id);
    }
    answer
}

/// The columns scoring reads: a score does not load objectives or notes.
#[derive(Debug, sea_orm::FromQueryResult)]
struct ScoreRow {
    practice_id: String,
    status: String,
    sprs_weight: Option<i32>,
    sprs_partial_weight: Option<i32>,
    poam_eligibility: String,
    objective_sources: Json,
}

impl ScoreRow {
    fn result(&self) -> Result<PracticeResult, ServiceError> {
        Ok(PracticeResult {
            practice_id: self.practice_id.parse::<PracticeId>().map_err(corrupt)?,
            status: self.status.parse().map_err(corrupt)?,
            sprs_weight: self.sprs_weight,
            sprs_partial_weight: self.sprs_partial_weight,
            poam_eligibility: self.poam_eligibility.parse::<PoamEligibility>().map_err(corrupt)?,
        })
    }
}

fn result_of(row: &assessment_practices::Model) -> Result<PracticeResult, ServiceError> {
    Ok(PracticeResult {
        practice_id: row.practice_id.parse::<PracticeId>().map_err(corrupt)?,
        status: row.status.parse().map_err(corrupt)?,
        sprs_weight: row.sprs_weight,
        sprs_partial_weight: row.sprs_partial_weight,
        poam_eligibility: row.poam_eligibility.parse::<PoamEligibility>().map_err(corrupt)?,
    })
}

fn parse_title(title: &str) -> Result<String, ServiceError> {
    cmmc_domain::text::short_text(title, cmmc_domain::text::TITLE_MAX)
        .map_err(|err| ServiceError::invalid("title", err))
}

/// The Conditional closeout deadline of an assessment completed at `completed_at`.
#[must_use]
pub fn closeout_deadline(completed_at: DateTime<Utc>) -> NaiveDate {
    (completed_at + chrono::Duration::days(scoring::CONDITIONAL_CLOSEOUT_DAYS)).date_naive()
}

/// The title, level and type of a [`NewAssessment`], checked.
struct CheckedAssessment {
    title: String,
    level: Level,
    kind: AssessmentType,
}

impl CheckedAssessment {
    /// Checks the title, level and type of `new`, in that order, then that
    /// the level allows the type.
    fn parse(new: &NewAssessment) -> Result<Self, ServiceError> {
        let title = parse_title(&new.title)?;
        let level = Level::from_number(new.target_level)
            .map_err(|err| ServiceError::invalid("target_level", err))?;
        let kind: AssessmentType = new
            .assessment_type
            .parse()
            .map_err(|err| ServiceError::invalid("assessment_type", err))?;
        if !level.allows_assessment_type(kind) {
            return Err(ServiceError::invalid(
                "assessment_type",
                format!(
                    "a Level {level} assessment cannot be of type {kind} (Level 1: self; Level 2: self or third_party; Level 3: government)"
                ),
            ));
        }
        Ok(Self { title, level, kind })
    }

    /// The draft assessment row of `new`, created by `actor` at `now`.
    fn into_row(
        self,
        new: &NewAssessment,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> assessments::ActiveModel {
        assessments::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(new.org_id.clone()),
            title: Set(self.title),
            target_level: Set(self.level.number()),
            assessment_type: Set(self.kind.as_str().to_owned()),
            status: Set(AssessmentStatus::Draft.as_str().to_owned()),
            lead_assessor_id: Set(new.lead_assessor_id.clone()),
            ssp_id: Set(new.ssp_id.clone()),
            started_at: Set(None),
            completed_at: Set(None),
            overall_score: Set(None),
            sprs_score: Set(None),
            level3_score: Set(None),
            cmmc_status: Set(None),
            conditional_deadline: Set(None),
            closed_out_at: Set(None),
            closed_out_by: Set(None),
            created_by: Set(Some(actor.user_id.clone())),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// A not-evaluated answer to `practice` in the assessment `assessment_id`,
/// keeping the practice as it is assessed.
fn new_answer(
    assessment_id: &str,
    practice: cmmc_practices::Model,
    now: DateTime<Utc>,
) -> assessment_practices::ActiveModel {
    assessment_practices::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        assessment_id: Set(assessment_id.to_owned()),
        practice_id: Set(practice.practice_id),
        status: Set(PracticeStatus::NotEvaluated.as_str().to_owned()),
        score: Set(None),
        assessor_notes: Set(None),
        datapact_sync_status: Set(None),
        datapact_sync_at: Set(None),
        level: Set(practice.level),
        domain_id: Set(practice.domain_id),
        title: Set(practice.title),
        sort_order: Set(practice.sort_order),
        sprs_weight: Set(practice.sprs_weight),
        sprs_partial_weight: Set(practice.sprs_partial_weight),
        poam_eligibility: Set(practice.poam_eligibility),
        assessment_objectives: Set(practice.assessment_objectives),
        objective_results: Set(json!({})),
        objective_sources: Set(json!({})),
        version: Set(1),
        evaluated_by: Set(None),
        evaluated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Records the score of a completion, at `now`, on the assessment row and in
/// the audit details.
fn record_completion(
    active: &mut assessments::ActiveModel,
    details: &mut Map<String, Json>,
    score: Score,
    now: DateTime<Utc>,
) {
    let deadline = (score.cmmc_status == CmmcStatus::Conditional).then(|| closeout_deadline(now));
    active.completed_at = Set(Some(now));
    active.sprs_score = Set(score.sprs_score.map(|s| s.value()));
    active.overall_score = Set(Some(score.overall_score));
    active.level3_score = Set(score.level3_score);
    active.cmmc_status = Set(Some(score.cmmc_status.as_str().to_owned()));
    active.conditional_deadline = Set(deadline);
    details.insert("sprs_score".into(), json!(score.sprs_score.map(|s| s.value())));
    details.insert("cmmc_status".into(), json!(score.cmmc_status.as_str()));
    details.insert("level3_score".into(), json!(score.level3_score));
}

/// Checks a practice update's own fields: parses the status it gives, if
/// any, and refuses notes over 20000 characters.
fn explicit_status(update: &PracticeUpdate) -> Result<Option<PracticeStatus>, ServiceError> {
    let explicit = update
        .status
        .as_deref()
        .map(str::parse::<PracticeStatus>)
        .transpose()
        .map_err(|err| ServiceError::invalid("status", err))?;
    if update.assessor_notes.as_ref().is_some_and(|n| n.chars().count() > 20_000) {
        return Err(ServiceError::invalid("assessor_notes", "must be at most 20000 characters"));
    }
    Ok(explicit)
}

/// Refuses to evaluate practices unless the assessment is in progress.
fn ensure_in_progress(assessment: &assessments::Model) -> Result<(), ServiceError> {
    if assessment.status != AssessmentStatus::InProgress.as_str() {
        return Err(ServiceError::Conflict(format!(
            "practices are evaluated only while the assessment is in progress; it is {}",
            assessment.status
        )));
    }
    Ok(())
}

/// Refuses an `If-Match` version that is not the answer's version now.
fn check_version(
    row: &assessment_practices::Model,
    if_match: Option<i64>,
) -> Result<(), ServiceError> {
    if let Some(expected) = if_match
        && expected != row.version
    {
        return Err(ServiceError::PreconditionFailed(format!(
            "the practice changed since you read it (version {} now, {expected} given); reload it",
            row.version
        )));
    }
    Ok(())
}

/// `results` with the objective results `given` merged on, refusing a label
/// the practice (`known`) does not have or a result that does not parse.
fn merge_objectives(
    practice_id: &str,
    known: &[Objective],
    mut results: BTreeMap<String, ObjectiveStatus>,
    given: Option<&BTreeMap<String, String>>,
) -> Result<BTreeMap<String, ObjectiveStatus>, ServiceError> {
    let Some(given) = given else {
        return Ok(results);
    };
    let labels: Vec<String> = known.iter().map(|o| o.label.clone()).collect();
    for (label, status) in given {
        if !labels.contains(label) {
            return Err(ServiceError::unprocessable(
                &format!("objectives.{label}"),
                format!("{practice_id} has objectives {}", labels.join(", ")),
            ));
        }
        let status: ObjectiveStatus = status
            .parse()
            .map_err(|err| ServiceError::invalid(&format!("objectives.{label}"), err))?;
        results.insert(label.clone(), status);
    }
    Ok(results)
}

/// The status a practice update leads to. Objective results recorded now or
/// earlier (`results`) decide it, and an explicit status must agree with
/// them; without any, the explicit status or the one `before` stands.
fn decide_status(
    before: &PracticeAnswer,
    parsed_id: PracticeId,
    results: &BTreeMap<String, ObjectiveStatus>,
    explicit: Option<PracticeStatus>,
    objectives_given: bool,
) -> Result<PracticeStatus, ServiceError> {
    if !objectives_given && results.is_empty() {
        return Ok(explicit.unwrap_or(before.status));
    }
    let expected: Vec<&str> = before.objectives.iter().map(|o| o.label.as_str()).collect();
    let pairs: Vec<(&str, ObjectiveStatus)> =
        results.iter().map(|(l, s)| (l.as_str(), *s)).collect();
    let derived = scoring::status_from_objectives(&expected, &pairs);
    match (explicit, derived) {
        (Some(explicit), Some(derived))
            if !scoring::agrees_with_objectives(parsed_id, explicit, derived) =>
        {
            Err(ServiceError::unprocessable(
                "status",
                format!("{explicit} contradicts the objectives, which say {derived}"),
            ))
        }
        (Some(explicit), _) => Ok(explicit),
        (None, Some(derived)) => Ok(derived),
        (None, None) if objectives_given => Ok(PracticeStatus::NotEvaluated),
        (None, None) => Ok(before.status),
    }
}

/// What an update records on a practice answer.
struct Evaluation<'a> {
    status: PracticeStatus,
    results: BTreeMap<String, ObjectiveStatus>,
    /// Replaces the notes when given.
    assessor_notes: Option<&'a str>,
}

impl Evaluation<'_> {
    /// The answer `row` becomes, one version on, evaluated by `user_id` at `now`.
    fn apply_to(
        &self,
        row: &assessment_practices::Model,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> assessment_practices::ActiveModel {
        let status = self.status;
        let mut active = row.clone().into_active_model();
        active.status = Set(status.as_str().to_owned());
        active.score = Set((status != PracticeStatus::NotEvaluated).then(|| status.score()));
        if let Some(notes) = self.assessor_notes {
            active.assessor_notes = Set(Some(notes.to_owned()));
        }
        let results_json: Map<String, Json> =
            self.results.iter().map(|(l, s)| (l.clone(), json!(s.as_str()))).collect();
        active.objective_results = Set(Json::Object(results_json));
        active.version = Set(row.version + 1);
        active.evaluated_by = Set(Some(user_id.to_owned()));
        active.evaluated_at = Set(Some(now));
        active.updated_at = Set(now);
        active
    }
}

/// The audit details of a practice update: which answer, and each field
/// that changed, before and after.
fn practice_update_details(
    assessment_id: &str,
    practice_id: &str,
    before: &PracticeAnswer,
    after: &PracticeAnswer,
    overridden: &[String],
) -> Json {
    let mut details = Map::new();
    details.insert("assessment_id".into(), json!(assessment_id));
    details.insert("practice_id".into(), json!(practice_id));
    if before.status != after.status {
        details.insert(
            "status".into(),
            json!({ "before": before.status.as_str(), "after": after.status.as_str() }),
        );
    }
    if before.assessor_notes != after.assessor_notes {
        details.insert(
            "assessor_notes".into(),
            json!({ "before": before.assessor_notes, "after": after.assessor_notes }),
        );
    }
    let changed = objective_changes(&before.objectives, &after.objectives);
    if !changed.is_empty() {
        details.insert("objectives".into(), Json::Object(changed));
    }
    if !overridden.is_empty() {
        details.insert("overridden".into(), json!(overridden));
    }
    Json::Object(details)
}

/// Each objective whose result changed, by label, before and after.
fn objective_changes(before: &[Objective], after: &[Objective]) -> Map<String, Json> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.status != a.status)
        .map(|(b, a)| (a.label.clone(), json!({ "before": b.status.map(|s| s.as_str()), "after": a.status.map(|s| s.as_str()) })))
        .collect()
}

impl Services {
    /// Loads an assessment the actor may see, for `action`.
    pub(crate) async fn assessment_for<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        assessment_id: &str,
        action: Action,
    ) -> Result<assessments::Model, ServiceError> {
        let row = assessments::Entity::find_by_id(assessment_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("assessment"))?;
        actor.authorize(action, &row.org_id, "assessment")?;
        Ok(row)
    }

    /// 422 unless `ssp_id` is an SSP version of the organisation.
    async fn check_assessed_ssp<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        ssp_id: &str,
    ) -> Result<(), ServiceError> {
        let found = cmmc_store::entities::ssps::Entity::find_by_id(ssp_id.to_owned())
            .filter(cmmc_store::entities::ssps::Column::OrgId.eq(org_id))
            .one(db)
            .await?;
        found.map(|_| ()).ok_or_else(|| {
            ServiceError::unprocessable("ssp_id", "is not an SSP version of the organisation")
        })
    }

    async fn check_lead_assessor<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        user_id: &str,
    ) -> Result<(), ServiceError> {
        let user = users::Entity::find_by_id(user_id.to_owned())
            .filter(users::Column::OrgId.eq(org_id))
            .one(db)
            .await?;
        match user {
            Some(user) if user.is_active => Ok(()),
            _ => Err(ServiceError::unprocessable(
                "lead_assessor_id",
                "is not an active user of the organisation",
            )),
        }
    }

    /// The catalogue practices an assessment of `level` answers, in catalogue
    /// order (Level 3: the Level 2 and Level 3 practices).
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when the catalogue is not seeded.
    pub(crate) async fn practices_for_level<C: ConnectionTrait>(
        &self,
        db: &C,
        level: Level,
    ) -> Result<Vec<cmmc_practices::Model>, ServiceError> {
        let levels: Vec<i32> = match level {
            Level::Expert => vec![2, 3],
            other => vec![other.number()],
        };
        let practices = cmmc_practices::Entity::find()
            .filter(cmmc_practices::Column::Level.is_in(levels))
            .order_by_asc(cmmc_practices::Column::SortOrder)
            .all(db)
            .await?;
        if practices.is_empty() {
            return Err(ServiceError::Conflict(
                "the reference catalogue is empty; run the seed".into(),
            ));
        }
        Ok(practices)
    }

    /// Creates an assessment, with one not-evaluated answer per practice of
    /// its level (Level 3: the 24 Level 3 and the 110 Level 2 practices), each
    /// keeping the practice as it is assessed.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a bad field or a type the level does
    /// not allow; [`ServiceError::Forbidden`] / [`ServiceError::NotFound`];
    /// [`ServiceError::Conflict`] when the catalogue is not seeded.
    pub async fn create_assessment(
        &self,
        actor: &Actor,
        new: NewAssessment,
    ) -> Result<Assessment, ServiceError> {
        actor.authorize(Action::AssessmentManage, &new.org_id, "organization")?;
        let checked = CheckedAssessment::parse(&new)?;
        self.get_organization(actor, &new.org_id).await?;
        let practices = self.practices_for_level(&self.db, checked.level).await?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        if let Some(lead) = &new.lead_assessor_id {
            self.check_lead_assessor(&txn, &new.org_id, lead).await?;
        }
        if let Some(ssp) = &new.ssp_id {
            self.check_assessed_ssp(&txn, &new.org_id, ssp).await?;
        }
        let row = checked.into_row(&new, actor, now).insert(&txn).await?;
        let n_practices = practices.len();
        let answers = practices.into_iter().map(|p| new_answer(&row.id, p, now));
        assessment_practices::Entity::insert_many(answers).exec_without_returning(&txn).await?;
        let event = AuditEvent::new(
            "assessment.create",
            "assessment",
            Some(&row.id),
            json!({ "title": row.title, "target_level": row.target_level, "assessment_type": row.assessment_type, "practices": n_practices }),
        );
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await?;
        Assessment::try_from(row)
    }

    /// One assessment.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a missing or another organisation's assessment.
    pub async fn get_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Assessment, ServiceError> {
        Assessment::try_from(
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?,
        )
    }

    /// The assessments the actor may see, newest first.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; a bad page.
    pub async fn list_assessments(
        &self,
        actor: &Actor,
        filter: AssessmentFilter,
    ) -> Result<(Vec<Assessment>, u64), ServiceError> {
        actor.require(Action::AssessmentRead)?;
        let Some(mut query) = actor
            .visible_orgs(filter.org_id.as_deref())
            .scope(assessments::Entity::find(), assessments::Column::OrgId)
        else {
            return Ok((Vec::new(), 0));
        };
        if let Some(status) = filter.status {
            query = query.filter(assessments::Column::Status.eq(status.as_str()));
        }
        if let Some(level) = filter.level {
            query = query.filter(assessments::Column::TargetLevel.eq(level.number()));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(assessments::Column::CreatedAt)
            .order_by_asc(assessments::Column::Id)
            .offset(filter.page.offset())
            .limit(filter.page.per_page())
            .all(&self.db)
            .await?;
        Ok((rows.into_iter().map(Assessment::try_from).collect::<Result<_, _>>()?, total))
    }

    /// Changes the title or lead assessor of an assessment that is not completed.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] for a completed assessment; as for create.
    pub async fn update_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
        changes: AssessmentChanges,
    ) -> Result<Assessment, ServiceError> {
        let title = changes.title.as_deref().map(parse_title).transpose()?;
        let txn = self.begin_change().await?;
        let before =
            self.assessment_for(&txn, actor, assessment_id, Action::AssessmentManage).await?;
        crate::assessments::ensure_writable(&before)?;
        if let Some(Some(lead)) = &changes.lead_assessor_id {
            self.check_lead_assessor(&txn, &before.org_id, lead).await?;
        }
        if let Some(Some(ssp)) = &changes.ssp_id {
            self.check_assessed_ssp(&txn, &before.org_id, ssp).await?;
        }
        let mut active = before.clone().into_active_model();
        if let Some(title) = title {
            active.title = Set(title);
        }
        if let Some(lead) = changes.lead_assessor_id {
            active.lead_assessor_id = Set(lead);
        }
        if let Some(ssp) = changes.ssp_id {
            active.ssp_id = Set(ssp);
        }
        active.updated_at = Set(Utc::now());
        let after = active.update(&txn).await?;
        let mut details = Map::new();
        if before.title != after.title {
            details.insert("title".into(), json!({ "before": before.title, "after": after.title }));
        }
        if before.ssp_id != after.ssp_id {
            details
                .insert("ssp_id".into(), json!({ "before": before.ssp_id, "after": after.ssp_id }));
        }
        if before.lead_assessor_id != after.lead_assessor_id {
            details.insert(
                "lead_assessor_id".into(),
                json!({ "before": before.lead_assessor_id, "after": after.lead_assessor_id }),
            );
        }
        let event = AuditEvent::new(
            "assessment.update",
            "assessment",
            Some(assessment_id),
            Json::Object(details),
        );
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        Assessment::try_from(after)
    }

    /// Deletes a draft assessment with its practice answers.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] unless it is a draft.
    pub async fn delete_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.assessment_for(&txn, actor, assessment_id, Action::AssessmentManage).await?;
        if row.status != AssessmentStatus::Draft.as_str() {
            return Err(ServiceError::Conflict(format!(
                "only a draft can be deleted; this assessment is {}",
                row.status
            )));
        }
        let answer_ids: Vec<String> =
            self.practice_rows(&txn, assessment_id).await?.into_iter().map(|p| p.id).collect();
        let n_evidence = cmmc_store::entities::evidence::Entity::find()
            .filter(cmmc_store::entities::evidence::Column::AssessmentPracticeId.is_in(answer_ids))
            .count(&txn)
            .await?;
        if n_evidence > 0 {
            return Err(ServiceError::Conflict(format!(
                "this draft has {n_evidence} piece(s) of evidence; delete them first"
            )));
        }
        self.unlink_assessment_risks(&txn, assessment_id).await?;
        assessments::Entity::delete_by_id(assessment_id.to_owned()).exec(&txn).await?;
        let event = AuditEvent::new(
            "assessment.delete",
            "assessment",
            Some(assessment_id),
            json!({ "title": row.title }),
        );
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await?;
        Ok(())
    }

    /// The practice answers of an assessment, in catalogue order.
    pub(crate) async fn practice_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<Vec<assessment_practices::Model>, ServiceError> {
        Ok(assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .order_by_asc(assessment_practices::Column::SortOrder)
            .all(db)
            .await?)
    }

    /// The score an assessment earns on completion.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] while any practice is not evaluated.
    async fn completion_score<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        target_level: i32,
    ) -> Result<Score, ServiceError> {
        let rows = self.practice_rows(db, assessment_id).await?;
        let unevaluated: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == PracticeStatus::NotEvaluated.as_str())
            .map(|r| r.practice_id.as_str())
            .collect();
        if !unevaluated.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "{} practice(s) are not evaluated yet, e.g. {}",
                unevaluated.len(),
                unevaluated.iter().take(5).copied().collect::<Vec<_>>().join(", ")
            )));
        }
        let level = Level::try_from(target_level).map_err(corrupt)?;
        let results = rows.iter().map(result_of).collect::<Result<Vec<_>, _>>()?;
        Ok(scoring::score(level, &results))
    }

    /// Writes a step of the lifecycle, only over the status `current` read,
    /// and reads the assessment back.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when the status changed meanwhile.
    async fn write_transition<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        current: AssessmentStatus,
        active: assessments::ActiveModel,
    ) -> Result<assessments::Model, ServiceError> {
        // Only from the status read: two concurrent steps cannot both apply.
        let written = assessments::Entity::update_many()
            .set(active)
            .filter(assessments::Column::Id.eq(assessment_id))
            .filter(assessments::Column::Status.eq(current.as_str()))
            .exec(db)
            .await?;
        if written.rows_affected != 1 {
            return Err(ServiceError::Conflict(
                "the assessment changed status at the same moment; reload it".into(),
            ));
        }
        assessments::Entity::find_by_id(assessment_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("assessment"))
    }

    /// Moves an assessment one step of its lifecycle. Completing refuses while
    /// any practice is not evaluated, and stores the scores and CMMC status.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] for a step the lifecycle does not allow or
    /// unevaluated practices; [`ServiceError::InvalidInput`] for a reopen without a reason.
    pub async fn transition_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
        transition: Transition,
    ) -> Result<Assessment, ServiceError> {
        transition.check_reason()?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let before =
            self.assessment_for(&txn, actor, assessment_id, Action::AssessmentManage).await?;
        let current: AssessmentStatus = before.status.parse().map_err(corrupt)?;
        let next = transition.next_from(current)?;
        let mut active = before.clone().into_active_model();
        active.status = Set(next.as_str().to_owned());
        active.updated_at = Set(now);
        let mut details = Map::new();
        details
            .insert("status".into(), json!({ "before": current.as_str(), "after": next.as_str() }));
        match &transition {
            Transition::Start => {
                if before.started_at.is_none() {
                    active.started_at = Set(Some(now));
                }
            }
            Transition::Submit => {}
            Transition::Complete => {
                let score = self.completion_score(&txn, assessment_id, before.target_level).await?;
                record_completion(&mut active, &mut details, score, now);
            }
            Transition::Reopen { reason } => {
                details.insert("reason".into(), json!(reason.trim()));
            }
        }
        let after = self.write_transition(&txn, assessment_id, current, active).await?;
        let event = AuditEvent::new(
            transition.action(),
            "assessment",
            Some(assessment_id),
            Json::Object(details),
        );
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        Assessment::try_from(after)
    }

    /// The practice answers of an assessment, in catalogue order.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn list_practice_answers(
        &self,
        actor: &Actor,
        assessment_id: &str,
        filter: PracticeAnswerFilter,
    ) -> Result<Vec<PracticeAnswer>, ServiceError> {
        let assessment =
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        let mut query = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id));
        if let Some(domain) = filter.domain {
            query = query.filter(assessment_practices::Column::DomainId.eq(domain.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(assessment_practices::Column::Status.eq(status.as_str()));
        }
        if let Some(level) = filter.level {
            query = query.filter(assessment_practices::Column::Level.eq(level.number()));
        }
        let rows =
            query.order_by_asc(assessment_practices::Column::SortOrder).all(&self.db).await?;
        rows.into_iter().map(|row| Ok(with_ssp(answer_of(row)?, &assessment))).collect()
    }

    pub(crate) async fn practice_row<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<assessment_practices::Model, ServiceError> {
        assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .filter(assessment_practices::Column::PracticeId.eq(practice_id))
            .one(db)
            .await?
            .ok_or_else(|| {
                ServiceError::not_found(format!("practice {practice_id} in this assessment"))
            })
    }

    /// One practice answer.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_practice_answer(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<PracticeAnswer, ServiceError> {
        let assessment =
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        let answer = answer_of(self.practice_row(&self.db, assessment_id, practice_id).await?)?;
        Ok(with_ssp(answer, &assessment))
    }

    /// One practice answer of an assessment, locked until commit on
    /// PostgreSQL (SQLite's transaction already holds the write lock).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    async fn locked_practice_row<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<assessment_practices::Model, ServiceError> {
        let mut query = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .filter(assessment_practices::Column::PracticeId.eq(practice_id));
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            query = query.lock_exclusive();
        }
        query.one(db).await?.ok_or_else(|| {
            ServiceError::not_found(format!("practice {practice_id} in this assessment"))
        })
    }

    /// Writes `active` over the answer `row` only while its version is the
    /// one read: a concurrent writer that got there first makes this one a
    /// 412, never a lost update.
    ///
    /// # Errors
    /// [`ServiceError::PreconditionFailed`] when the version changed meanwhile.
    async fn write_practice_answer<C: ConnectionTrait>(
        &self,
        db: &C,
        row: &assessment_practices::Model,
        active: assessment_practices::ActiveModel,
    ) -> Result<(), ServiceError> {
        let written = assessment_practices::Entity::update_many()
            .set(active)
            .filter(assessment_practices::Column::Id.eq(&row.id))
            .filter(assessment_practices::Column::Version.eq(row.version))
            .exec(db)
            .await?;
        if written.rows_affected != 1 {
            return Err(ServiceError::PreconditionFailed(
                "the practice was changed by someone else at the same moment; reload it".into(),
            ));
        }
        Ok(())
    }

    /// Records a practice's status, notes and objective results, while the
    /// assessment is in progress. Objectives decide the status (all met or
    /// not applicable: met; any not met: not met); an explicit status that
    /// contradicts them is refused. `if_match` guards against lost updates.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::PreconditionFailed`]
    /// for a stale `if_match`; [`ServiceError::Conflict`] unless in progress.
    pub async fn update_practice_answer(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        update: PracticeUpdate,
        if_match: Option<i64>,
    ) -> Result<PracticeAnswer, ServiceError> {
        let explicit = explicit_status(&update)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::PracticeEvaluate).await?;
        ensure_in_progress(&assessment)?;
        // Writers of one answer queue here: PostgreSQL locks the row until
        // commit (SQLite's transaction already holds the write lock), so each
        // merges onto the latest objectives, and a 412 answers only a stale If-Match.
        let row = self.locked_practice_row(&txn, assessment_id, practice_id).await?;
        check_version(&row, if_match)?;
        let parsed_id: PracticeId = row.practice_id.parse().map_err(corrupt)?;
        let before = answer_of(row.clone())?;
        let given = update.objectives.as_ref();
        let results = merge_objectives(practice_id, &before.objectives, results_of(&row), given)?;
        let status = decide_status(&before, parsed_id, &results, explicit, given.is_some())?;
        let mut sources = inheritance::sources_of(&row);
        let overridden = inheritance::mark_overrides(&mut sources, &results_of(&row), &results);
        let evaluation =
            Evaluation { status, results, assessor_notes: update.assessor_notes.as_deref() };
        let mut active = evaluation.apply_to(&row, &actor.user_id, now);
        if !overridden.is_empty() {
            active.objective_sources = Set(inheritance::sources_json(&sources));
        }
        self.write_practice_answer(&txn, &row, active).await?;
        let after = answer_of(self.practice_row(&txn, assessment_id, practice_id).await?)?;
        let event = AuditEvent::new(
            "assessment_practice.update",
            "assessment_practice",
            Some(&after.id),
            practice_update_details(assessment_id, practice_id, &before, &after, &overridden),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(with_ssp(after, &assessment))
    }

    /// The assessment's score: for a completed assessment the one it earned,
    /// otherwise what it would earn now.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn assessment_score(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<AssessmentScore, ServiceError> {
        let assessment =
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        let level = Level::try_from(assessment.target_level).map_err(corrupt)?;
        use assessment_practices::Column as C;
        let rows: Vec<ScoreRow> = assessment_practices::Entity::find()
            .select_only()
            .columns([
                C::PracticeId,
                C::Status,
                C::SprsWeight,
                C::SprsPartialWeight,
                C::PoamEligibility,
                C::ObjectiveSources,
            ])
            .filter(C::AssessmentId.eq(assessment_id))
            .order_by_asc(C::SortOrder)
            .into_model::<ScoreRow>()
            .all(&self.db)
            .await?;
        let results = rows.iter().map(ScoreRow::result).collect::<Result<Vec<_>, _>>()?;
        let score = scoring::score(level, &results);
        let conditional_deadline = match (score.cmmc_status, assessment.completed_at) {
            (CmmcStatus::Conditional, Some(completed)) => Some(
                assessment.conditional_deadline.unwrap_or_else(|| closeout_deadline(completed)),
            ),
            _ => None,
        };
        let inherited = inheritance::counts(rows.iter().map(|r| &r.objective_sources));
        Ok(AssessmentScore { score, target_level: level, conditional_deadline, inherited })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_status_lasts_180_days() {
        let completed =
            DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(closeout_deadline(completed), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
    }
}
