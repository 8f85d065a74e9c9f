//! Findings, plans of action and milestones (POA&Ms), and the dashboard.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::scoring::PracticeResult;
use cmmc_domain::{
    FindingStatus, FindingType, PoamItemStatus, PoamStatus, PracticeStatus, Severity,
};
use cmmc_store::entities::{assessment_practices, assessments, findings, poam_items, poams};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::assessments::closeout_deadline;
use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

pub use crate::models::{Finding, PoamItemRecord, PoamSummary};

/// A new finding, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewFinding {
    pub finding_type: String,
    pub severity: String,
    pub title: String,
    pub description: Option<String>,
    pub practice_id: Option<String>,
}

/// Changes to a finding; `status` moves it along open -> in_remediation ->
/// resolved, or to accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingChanges {
    pub finding_type: Option<String>,
    pub severity: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
}

/// A POA&M item with whether it is overdue today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoamItem {
    pub item: PoamItemRecord,
    /// Past its scheduled completion and not completed.
    pub overdue: bool,
}

/// A POA&M with its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poam {
    pub poam: PoamSummary,
    pub items: Vec<PoamItem>,
}

/// A new POA&M item, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPoamItem {
    pub milestone: String,
    pub practice_id: Option<String>,
    pub finding_id: Option<String>,
    pub scheduled_completion: Option<NaiveDate>,
    pub resources_required: Option<String>,
    pub point_of_contact: Option<String>,
}

/// Changes to a POA&M item: `None` leaves a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoamItemChanges {
    pub milestone: Option<String>,
    pub scheduled_completion: Option<Option<NaiveDate>>,
    pub actual_completion: Option<Option<NaiveDate>>,
    pub status: Option<String>,
    pub resources_required: Option<Option<String>>,
    pub risk_accepted: Option<bool>,
    /// `Some(None)` clears it.
    pub point_of_contact: Option<Option<String>>,
}

/// One completed assessment in the SPRS history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScorePoint {
    pub assessment_id: String,
    pub title: String,
    pub completed_at: DateTime<Utc>,
    pub sprs_score: Option<i32>,
    pub cmmc_status: Option<String>,
}

/// An organisation's situation at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub current_sprs_score: Option<i32>,
    /// Completed assessments, oldest first.
    pub sprs_history: Vec<ScorePoint>,
    /// The newest assessment's practices: domain -> (met, total).
    pub practices_met_by_domain: BTreeMap<String, (u32, u32)>,
    pub open_findings_by_severity: BTreeMap<String, u32>,
    pub overdue_poam_items: Vec<PoamItem>,
    /// The risk register: open risks by band, and those past their review date.
    pub risks: crate::risks::RiskSummary,
}

/// A POA&M item's point of contact: one line of 1 to 256 characters, or none.
fn contact(value: Option<&str>) -> Result<Option<String>, ServiceError> {
    value.map(|v| text("point_of_contact", v, cmmc_domain::text::TITLE_MAX)).transpose()
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ServiceError> {
    cmmc_domain::text::short_text(value, max).map_err(|err| ServiceError::invalid(field, err))
}

fn parse<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, ServiceError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|err| ServiceError::invalid(field, err))
}

fn is_overdue(item: &poam_items::Model, today: NaiveDate) -> bool {
    let completed = item.status == PoamItemStatus::Completed.as_str();
    cmmc_domain::poam::is_overdue(completed, item.scheduled_completion, today)
}

/// The practice answers as the POA&M rule reads them, with their titles.
fn practice_results(
    practices: &[assessment_practices::Model],
) -> Result<Vec<(PracticeResult, String)>, ServiceError> {
    let stored = |err: String| anyhow::format_err!("a stored practice answer: {err}");
    practices
        .iter()
        .map(|p| {
            let result = PracticeResult {
                practice_id: p.practice_id.parse().map_err(|e| stored(format!("{e}")))?,
                status: p.status.parse().map_err(|e| stored(format!("{e}")))?,
                sprs_weight: p.sprs_weight,
                sprs_partial_weight: p.sprs_partial_weight,
                poam_eligibility: p.poam_eligibility.parse().map_err(|e| stored(format!("{e}")))?,
            };
            Ok((result, p.title.clone()))
        })
        .collect()
}

fn open_finding(row: &findings::Model) -> Result<cmmc_domain::poam::OpenFinding, ServiceError> {
    let finding = Finding::try_from(row.clone())?;
    Ok(cmmc_domain::poam::OpenFinding {
        id: finding.id,
        title: finding.title,
        practice_id: finding.practice_id,
    })
}

fn with_overdue(item: poam_items::Model, today: NaiveDate) -> Result<PoamItem, ServiceError> {
    Ok(PoamItem { overdue: is_overdue(&item, today), item: PoamItemRecord::try_from(item)? })
}

/// A [`FindingChanges`] with each given field checked.
struct FindingEdit {
    finding_type: Option<FindingType>,
    severity: Option<Severity>,
    title: Option<String>,
    description: Option<String>,
    status: Option<FindingStatus>,
}

impl FindingEdit {
    /// Checks the given fields: type, severity, title, then status.
    fn from_changes(changes: FindingChanges) -> Result<Self, ServiceError> {
        let finding_type = changes
            .finding_type
            .as_deref()
            .map(|v| parse::<FindingType>("finding_type", v))
            .transpose()?;
        let severity =
            changes.severity.as_deref().map(|v| parse::<Severity>("severity", v)).transpose()?;
        let title = changes
            .title
            .as_deref()
            .map(|v| text("title", v, cmmc_domain::text::TITLE_MAX))
            .transpose()?;
        let status =
            changes.status.as_deref().map(|v| parse::<FindingStatus>("status", v)).transpose()?;
        Ok(Self { finding_type, severity, title, description: changes.description, status })
    }

    /// `before` with the edit applied; a status change must follow the
    /// remediation workflow ([`ServiceError::Conflict`] otherwise).
    fn apply_to(self, before: &findings::Model) -> Result<findings::ActiveModel, ServiceError> {
        let mut active = before.clone().into_active_model();
        if let Some(next) = self.status {
            let current: FindingStatus = before
                .status
                .parse()
                .map_err(|err| anyhow::format_err!("stored finding: {err}"))?;
            if next != current {
                current
                    .transition_to(next)
                    .map_err(|err| ServiceError::Conflict(err.to_string()))?;
                active.status = Set(next.as_str().to_owned());
            }
        }
        if let Some(v) = self.finding_type {
            active.finding_type = Set(v.as_str().to_owned());
        }
        if let Some(v) = self.severity {
            active.severity = Set(v.as_str().to_owned());
        }
        if let Some(v) = self.title {
            active.title = Set(v);
        }
        if let Some(v) = self.description {
            active.description = Set(Some(v));
        }
        active.updated_at = Set(Utc::now());
        Ok(active)
    }
}

/// The audit details of a finding update: before and after of each changed field.
fn finding_changes(before: &findings::Model, after: &findings::Model) -> Json {
    let mut details = Map::new();
    for (field, b, a) in [
        ("status", &before.status, &after.status),
        ("severity", &before.severity, &after.severity),
        ("finding_type", &before.finding_type, &after.finding_type),
        ("title", &before.title, &after.title),
    ] {
        if b != a {
            details.insert(field.into(), json!({ "before": b, "after": a }));
        }
    }
    if before.description != after.description {
        details.insert(
            "description".into(),
            json!({ "before": before.description, "after": after.description }),
        );
    }
    Json::Object(details)
}

/// A new draft POA&M of an assessment.
fn draft_poam(
    org_id: &str,
    assessment_id: &str,
    title: String,
    now: DateTime<Utc>,
) -> poams::ActiveModel {
    poams::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        org_id: Set(org_id.to_owned()),
        assessment_id: Set(assessment_id.to_owned()),
        title: Set(title),
        status: Set(PoamStatus::Draft.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The open POA&M item a generated POA&M holds for one candidate.
fn generated_item(
    candidate: cmmc_domain::poam::PoamCandidate,
    poam_id: &str,
    deadline: NaiveDate,
    now: DateTime<Utc>,
) -> poam_items::ActiveModel {
    poam_items::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        poam_id: Set(poam_id.to_owned()),
        finding_id: Set(candidate.finding_id),
        practice_id: Set(candidate.practice_id.map(|p| p.to_string())),
        milestone: Set(candidate.milestone),
        scheduled_completion: Set(Some(deadline)),
        actual_completion: Set(None),
        status: Set(PoamItemStatus::Open.as_str().to_owned()),
        resources_required: Set(None),
        point_of_contact: Set(None),
        risk_accepted: Set(false),
        poam_eligible: Set(candidate.poam_eligible),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A [`PoamItemChanges`] with its milestone and status checked.
struct PoamItemEdit {
    milestone: Option<String>,
    status: Option<PoamItemStatus>,
    changes: PoamItemChanges,
}

impl PoamItemEdit {
    /// Checks the milestone, then the status (overdue is never set, only read).
    fn from_changes(changes: PoamItemChanges) -> Result<Self, ServiceError> {
        let milestone = changes
            .milestone
            .as_deref()
            .map(|m| text("milestone", m, cmmc_domain::text::TITLE_MAX))
            .transpose()?;
        if let Some(Some(poc)) = &changes.point_of_contact {
            contact(Some(poc))?;
        }
        let status =
            changes.status.as_deref().map(|s| parse::<PoamItemStatus>("status", s)).transpose()?;
        if status == Some(PoamItemStatus::Overdue) {
            return Err(ServiceError::invalid(
                "status",
                "overdue is read from the schedule, not set",
            ));
        }
        Ok(Self { milestone, status, changes })
    }

    /// `before` with the edit applied; completing it records today as its
    /// actual completion unless one is recorded or given. A completed item
    /// keeps a completion date: clearing it is refused.
    fn apply_to(
        self,
        before: &poam_items::Model,
        now: DateTime<Utc>,
    ) -> Result<poam_items::ActiveModel, ServiceError> {
        let completed =
            self.status.map_or(before.status == PoamItemStatus::Completed.as_str(), |s| {
                s == PoamItemStatus::Completed
            });
        if completed && matches!(self.changes.actual_completion, Some(None)) {
            return Err(ServiceError::unprocessable(
                "actual_completion",
                "a completed item keeps its actual completion date",
            ));
        }
        let changes = self.changes;
        let mut active = before.clone().into_active_model();
        if let Some(m) = self.milestone {
            active.milestone = Set(m);
        }
        if let Some(d) = changes.scheduled_completion {
            active.scheduled_completion = Set(d);
        }
        if let Some(d) = changes.actual_completion {
            active.actual_completion = Set(d);
        }
        if let Some(r) = changes.resources_required {
            active.resources_required = Set(r);
        }
        if let Some(r) = changes.risk_accepted {
            active.risk_accepted = Set(r);
        }
        if let Some(poc) = changes.point_of_contact {
            active.point_of_contact = Set(contact(poc.as_deref())?);
        }
        if let Some(s) = self.status {
            active.status = Set(s.as_str().to_owned());
            if s == PoamItemStatus::Completed
                && before.actual_completion.is_none()
                && changes.actual_completion.is_none()
            {
                active.actual_completion = Set(Some(now.date_naive()));
            }
        }
        active.updated_at = Set(now);
        Ok(active)
    }
}

/// The audit details of a POA&M item update: its POA&M, and before and after
/// of each changed field.
fn poam_item_changes(poam_id: &str, before: &poam_items::Model, after: &poam_items::Model) -> Json {
    let mut details = Map::new();
    details.insert("poam_id".into(), json!(poam_id));
    for (field, b, a) in [
        ("status", json!(before.status), json!(after.status)),
        ("milestone", json!(before.milestone), json!(after.milestone)),
        (
            "scheduled_completion",
            json!(before.scheduled_completion),
            json!(after.scheduled_completion),
        ),
        ("actual_completion", json!(before.actual_completion), json!(after.actual_completion)),
        ("resources_required", json!(before.resources_required), json!(after.resources_required)),
        ("risk_accepted", json!(before.risk_accepted), json!(after.risk_accepted)),
        ("point_of_contact", json!(before.point_of_contact), json!(after.point_of_contact)),
    ] {
        if b != a {
            details.insert(field.into(), json!({ "before": b, "after": a }));
        }
    }
    Json::Object(details)
}

/// The SPRS score of the newest completed assessment that has one, and the
/// completed assessments oldest first.
fn score_history(all: &[assessments::Model]) -> (Option<i32>, Vec<ScorePoint>) {
    let mut completed: Vec<&assessments::Model> =
        all.iter().filter(|a| a.completed_at.is_some()).collect();
    completed.sort_by_key(|a| a.completed_at);
    let sprs_history: Vec<_> = completed
        .iter()
        .filter_map(|a| {
            Some(ScorePoint {
                assessment_id: a.id.clone(),
                title: a.title.clone(),
                completed_at: a.completed_at?,
                sprs_score: a.sprs_score,
                cmmc_status: a.cmmc_status.clone(),
            })
        })
        .collect();
    let current_sprs_score = completed.iter().rev().find_map(|a| a.sprs_score);
    (current_sprs_score, sprs_history)
}

/// Practices per domain: (met or not applicable, total).
fn met_by_domain(rows: Vec<assessment_practices::Model>) -> BTreeMap<String, (u32, u32)> {
    let mut by_domain = BTreeMap::new();
    for row in rows {
        let entry: &mut (u32, u32) = by_domain.entry(row.domain_id.clone()).or_default();
        entry.1 += 1;
        if row.status == PracticeStatus::Met.as_str()
            || row.status == PracticeStatus::NotApplicable.as_str()
        {
            entry.0 += 1;
        }
    }
    by_domain
}

impl Services {
    async fn check_practice_in<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<(), ServiceError> {
        let found = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .filter(assessment_practices::Column::PracticeId.eq(practice_id))
            .one(db)
            .await?;
        found.map(|_| ()).ok_or_else(|| {
            ServiceError::unprocessable(
                "practice_id",
                format!("{practice_id} is not a practice of this assessment"),
            )
        })
    }

    /// Records a finding on an assessment.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn create_finding(
        &self,
        actor: &Actor,
        assessment_id: &str,
        new: NewFinding,
    ) -> Result<Finding, ServiceError> {
        let finding_type: FindingType = parse("finding_type", &new.finding_type)?;
        let severity: Severity = parse("severity", &new.severity)?;
        let title = text("title", &new.title, cmmc_domain::text::TITLE_MAX)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::FindingManage).await?;
        if let Some(practice_id) = &new.practice_id {
            self.check_practice_in(&txn, assessment_id, practice_id).await?;
        }
        let row = findings::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            assessment_id: Set(assessment_id.to_owned()),
            practice_id: Set(new.practice_id.clone()),
            finding_type: Set(finding_type.as_str().to_owned()),
            severity: Set(severity.as_str().to_owned()),
            title: Set(title),
            description: Set(new.description.clone()),
            status: Set(FindingStatus::Open.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let event = AuditEvent::new(
            "finding.create",
            "finding",
            Some(&row.id),
            json!({ "assessment_id": assessment_id, "title": row.title, "severity": row.severity, "finding_type": row.finding_type, "practice_id": row.practice_id }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Finding::try_from(row)
    }

    /// The findings of an assessment, optionally by status and severity.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; a bad filter.
    pub async fn list_findings(
        &self,
        actor: &Actor,
        assessment_id: &str,
        status: Option<&str>,
        severity: Option<&str>,
    ) -> Result<Vec<Finding>, ServiceError> {
        self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        let mut query =
            findings::Entity::find().filter(findings::Column::AssessmentId.eq(assessment_id));
        if let Some(status) = status {
            query = query.filter(
                findings::Column::Status.eq(parse::<FindingStatus>("status", status)?.as_str()),
            );
        }
        if let Some(severity) = severity {
            query = query.filter(
                findings::Column::Severity.eq(parse::<Severity>("severity", severity)?.as_str()),
            );
        }
        let rows = query
            .order_by_asc(findings::Column::CreatedAt)
            .order_by_asc(findings::Column::Id)
            .all(&self.db)
            .await?;
        crate::models::all(rows)
    }

    async fn finding_row<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        finding_id: &str,
    ) -> Result<findings::Model, ServiceError> {
        findings::Entity::find_by_id(finding_id.to_owned())
            .filter(findings::Column::AssessmentId.eq(assessment_id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("finding"))
    }

    /// One finding.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_finding(
        &self,
        actor: &Actor,
        assessment_id: &str,
        finding_id: &str,
    ) -> Result<Finding, ServiceError> {
        self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        Finding::try_from(self.finding_row(&self.db, assessment_id, finding_id).await?)
    }

    /// Changes a finding; a status change must follow the remediation workflow.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::Conflict`] for a step the workflow does not allow.
    pub async fn update_finding(
        &self,
        actor: &Actor,
        assessment_id: &str,
        finding_id: &str,
        changes: FindingChanges,
    ) -> Result<Finding, ServiceError> {
        let edit = FindingEdit::from_changes(changes)?;
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::FindingManage).await?;
        let before = self.finding_row(&txn, assessment_id, finding_id).await?;
        let after = edit.apply_to(&before)?.update(&txn).await?;
        let details = finding_changes(&before, &after);
        let event = AuditEvent::new("finding.update", "finding", Some(finding_id), details);
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Finding::try_from(after)
    }

    /// Deletes an open finding (one in remediation or closed is a record).
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] unless it is open.
    pub async fn delete_finding(
        &self,
        actor: &Actor,
        assessment_id: &str,
        finding_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::FindingManage).await?;
        let finding = self.finding_row(&txn, assessment_id, finding_id).await?;
        if finding.status != FindingStatus::Open.as_str() {
            return Err(ServiceError::Conflict(format!(
                "only an open finding can be deleted; this one is {}",
                finding.status
            )));
        }
        findings::Entity::delete_by_id(finding_id.to_owned()).exec(&txn).await?;
        self.unlink_risks(&txn, "finding", vec![finding_id.to_owned()]).await?;
        let event = AuditEvent::new(
            "finding.delete",
            "finding",
            Some(finding_id),
            json!({ "title": finding.title }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(())
    }

    /// Generates a draft POA&M for an assessment: one item per unmet practice
    /// (linked to its first unresolved finding) and per unresolved finding of
    /// no unmet practice, each marked whether 32 CFR 170.21 allows it on a
    /// POA&M, scheduled by default for the 180-day closeout deadline.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn generate_poam(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Poam, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::PoamManage).await?;
        let deadline = assessment
            .conditional_deadline
            .unwrap_or_else(|| closeout_deadline(assessment.completed_at.unwrap_or(now)));
        let practices = self.practice_rows(&txn, assessment_id).await?;
        let open_findings = self.unresolved_findings(&txn, assessment_id).await?;
        let title: String = format!("POA&M for {}", assessment.title).chars().take(256).collect();
        let poam = draft_poam(&assessment.org_id, assessment_id, title, now).insert(&txn).await?;
        let candidates = cmmc_domain::poam::candidates(
            &practice_results(&practices)?,
            &open_findings.iter().map(open_finding).collect::<Result<Vec<_>, _>>()?,
        );
        let items: Vec<poam_items::ActiveModel> =
            candidates.into_iter().map(|c| generated_item(c, &poam.id, deadline, now)).collect();
        let n_items = items.len();
        if !items.is_empty() {
            poam_items::Entity::insert_many(items).exec_without_returning(&txn).await?;
        }
        let event = AuditEvent::new(
            "poam.generate",
            "poam",
            Some(&poam.id),
            json!({ "assessment_id": assessment_id, "items": n_items, "scheduled_completion": deadline.to_string() }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        self.load_poam(&self.db, poam).await
    }

    /// The open and in-remediation findings of an assessment, oldest first.
    async fn unresolved_findings<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<Vec<findings::Model>, ServiceError> {
        Ok(findings::Entity::find()
            .filter(findings::Column::AssessmentId.eq(assessment_id))
            .filter(
                findings::Column::Status
                    .is_in([FindingStatus::Open.as_str(), FindingStatus::InRemediation.as_str()]),
            )
            .order_by_asc(findings::Column::CreatedAt)
            .all(db)
            .await?)
    }

    async fn load_poam<C: ConnectionTrait>(
        &self,
        db: &C,
        poam: poams::Model,
    ) -> Result<Poam, ServiceError> {
        let today = Utc::now().date_naive();
        let items = poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.eq(&poam.id))
            .order_by_asc(poam_items::Column::CreatedAt)
            .order_by_asc(poam_items::Column::PracticeId)
            .order_by_asc(poam_items::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|i| with_overdue(i, today))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Poam { poam: PoamSummary::try_from(poam)?, items })
    }

    async fn poam_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        poam_id: &str,
        action: Action,
    ) -> Result<poams::Model, ServiceError> {
        let row = poams::Entity::find_by_id(poam_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("POA&M"))?;
        actor.authorize(action, &row.org_id, "POA&M")?;
        Ok(row)
    }

    /// One POA&M with its items.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_poam(&self, actor: &Actor, poam_id: &str) -> Result<Poam, ServiceError> {
        let row = self.poam_row(&self.db, actor, poam_id, Action::AssessmentRead).await?;
        self.load_poam(&self.db, row).await
    }

    /// The POA&Ms the actor may see, optionally of one organisation or assessment.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub async fn list_poams(
        &self,
        actor: &Actor,
        org_id: Option<&str>,
        assessment_id: Option<&str>,
    ) -> Result<Vec<PoamSummary>, ServiceError> {
        actor.require(Action::AssessmentRead)?;
        let Some(mut query) =
            actor.visible_orgs(org_id).scope(poams::Entity::find(), poams::Column::OrgId)
        else {
            return Ok(Vec::new());
        };
        if let Some(assessment_id) = assessment_id {
            query = query.filter(poams::Column::AssessmentId.eq(assessment_id));
        }
        let rows = query
            .order_by_desc(poams::Column::CreatedAt)
            .order_by_asc(poams::Column::Id)
            .all(&self.db)
            .await?;
        crate::models::all(rows)
    }

    /// Renames a POA&M or moves it draft -> active -> completed.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] for a step the workflow does not allow.
    pub async fn update_poam(
        &self,
        actor: &Actor,
        poam_id: &str,
        title: Option<String>,
        status: Option<String>,
    ) -> Result<Poam, ServiceError> {
        let title =
            title.as_deref().map(|t| text("title", t, cmmc_domain::text::TITLE_MAX)).transpose()?;
        let status = status.as_deref().map(|s| parse::<PoamStatus>("status", s)).transpose()?;
        let txn = self.begin_change().await?;
        let before = self.poam_row(&txn, actor, poam_id, Action::PoamManage).await?;
        let mut active = before.clone().into_active_model();
        if let Some(next) = status {
            let current: PoamStatus =
                before.status.parse().map_err(|err| anyhow::format_err!("stored POA&M: {err}"))?;
            if next != current {
                current
                    .transition_to(next)
                    .map_err(|err| ServiceError::Conflict(err.to_string()))?;
                active.status = Set(next.as_str().to_owned());
            }
        }
        if let Some(title) = title {
            active.title = Set(title);
        }
        active.updated_at = Set(Utc::now());
        let after = active.update(&txn).await?;
        let mut details = Map::new();
        if before.status != after.status {
            details
                .insert("status".into(), json!({ "before": before.status, "after": after.status }));
        }
        if before.title != after.title {
            details.insert("title".into(), json!({ "before": before.title, "after": after.title }));
        }
        let event = AuditEvent::new("poam.update", "poam", Some(poam_id), Json::Object(details));
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        self.load_poam(&self.db, after).await
    }

    /// Deletes a draft POA&M and its items.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] unless it is a draft.
    pub async fn delete_poam(&self, actor: &Actor, poam_id: &str) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.poam_row(&txn, actor, poam_id, Action::PoamManage).await?;
        if row.status != PoamStatus::Draft.as_str() {
            return Err(ServiceError::Conflict(format!(
                "only a draft POA&M can be deleted; this one is {}",
                row.status
            )));
        }
        let item_ids: Vec<String> = poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.eq(poam_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|item| item.id)
            .collect();
        poams::Entity::delete_by_id(poam_id.to_owned()).exec(&txn).await?;
        self.unlink_risks(&txn, "poam_item", item_ids).await?;
        let event =
            AuditEvent::new("poam.delete", "poam", Some(poam_id), json!({ "title": row.title }));
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await?;
        Ok(())
    }

    /// Creates an empty draft POA&M for an assessment (items are added one by one).
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a bad title; [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn create_poam(
        &self,
        actor: &Actor,
        assessment_id: &str,
        title: &str,
    ) -> Result<Poam, ServiceError> {
        let title = text("title", title, cmmc_domain::text::TITLE_MAX)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::PoamManage).await?;
        let poam = draft_poam(&assessment.org_id, assessment_id, title, now).insert(&txn).await?;
        let event = AuditEvent::new(
            "poam.create",
            "poam",
            Some(&poam.id),
            json!({ "assessment_id": assessment_id, "title": poam.title }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(Poam { poam: PoamSummary::try_from(poam)?, items: Vec::new() })
    }

    /// Removes an item from a POA&M that is not completed.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] on a completed POA&M; [`ServiceError::NotFound`].
    pub async fn delete_poam_item(
        &self,
        actor: &Actor,
        poam_id: &str,
        item_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let poam = self.poam_row(&txn, actor, poam_id, Action::PoamManage).await?;
        if poam.status == PoamStatus::Completed.as_str() {
            return Err(ServiceError::Conflict("a completed POA&M is read-only".into()));
        }
        let item = self.poam_item_row(&txn, poam_id, item_id).await?;
        poam_items::Entity::delete_by_id(item_id.to_owned()).exec(&txn).await?;
        self.unlink_risks(&txn, "poam_item", vec![item_id.to_owned()]).await?;
        let event = AuditEvent::new(
            "poam_item.delete",
            "poam_item",
            Some(item_id),
            json!({ "poam_id": poam_id, "milestone": item.milestone, "practice_id": item.practice_id }),
        );
        txn.commit(&Author::from(actor), Some(&poam.org_id), event).await?;
        Ok(())
    }

    /// Adds an item to a POA&M.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::Conflict`] on a completed POA&M.
    pub async fn add_poam_item(
        &self,
        actor: &Actor,
        poam_id: &str,
        new: NewPoamItem,
    ) -> Result<PoamItem, ServiceError> {
        let milestone = text("milestone", &new.milestone, cmmc_domain::text::TITLE_MAX)?;
        let point_of_contact = contact(new.point_of_contact.as_deref())?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let poam = self.poam_row(&txn, actor, poam_id, Action::PoamManage).await?;
        if poam.status == PoamStatus::Completed.as_str() {
            return Err(ServiceError::Conflict("a completed POA&M is read-only".into()));
        }
        if let Some(practice_id) = &new.practice_id {
            self.check_practice_in(&txn, &poam.assessment_id, practice_id).await?;
        }
        if let Some(finding_id) = &new.finding_id {
            self.finding_row(&txn, &poam.assessment_id, finding_id).await.map_err(|_| {
                ServiceError::unprocessable(
                    "finding_id",
                    "is not a finding of this POA&M's assessment",
                )
            })?;
        }
        let row = poam_items::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            poam_id: Set(poam_id.to_owned()),
            finding_id: Set(new.finding_id),
            practice_id: Set(new.practice_id),
            milestone: Set(milestone),
            scheduled_completion: Set(new.scheduled_completion),
            actual_completion: Set(None),
            status: Set(PoamItemStatus::Open.as_str().to_owned()),
            resources_required: Set(new.resources_required),
            point_of_contact: Set(point_of_contact),
            risk_accepted: Set(false),
            poam_eligible: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let event = AuditEvent::new(
            "poam_item.create",
            "poam_item",
            Some(&row.id),
            json!({ "poam_id": poam_id, "milestone": row.milestone }),
        );
        txn.commit(&Author::from(actor), Some(&poam.org_id), event).await?;
        with_overdue(row, now.date_naive())
    }

    /// Changes a POA&M item. Completing it records its actual completion (today unless given).
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::NotFound`].
    pub async fn update_poam_item(
        &self,
        actor: &Actor,
        poam_id: &str,
        item_id: &str,
        changes: PoamItemChanges,
    ) -> Result<PoamItem, ServiceError> {
        let edit = PoamItemEdit::from_changes(changes)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let poam = self.poam_row(&txn, actor, poam_id, Action::PoamManage).await?;
        let before = self.poam_item_row(&txn, poam_id, item_id).await?;
        let after = edit.apply_to(&before, now)?.update(&txn).await?;
        let details = poam_item_changes(poam_id, &before, &after);
        let event = AuditEvent::new("poam_item.update", "poam_item", Some(item_id), details);
        txn.commit(&Author::from(actor), Some(&poam.org_id), event).await?;
        with_overdue(after, now.date_naive())
    }

    /// One item of a POA&M.
    async fn poam_item_row<C: ConnectionTrait>(
        &self,
        db: &C,
        poam_id: &str,
        item_id: &str,
    ) -> Result<poam_items::Model, ServiceError> {
        poam_items::Entity::find_by_id(item_id.to_owned())
            .filter(poam_items::Column::PoamId.eq(poam_id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("POA&M item"))
    }

    /// The organisation's dashboard.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn dashboard(&self, actor: &Actor, org_id: &str) -> Result<Dashboard, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let all = assessments::Entity::find()
            .filter(assessments::Column::OrgId.eq(org_id))
            .order_by_asc(assessments::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let (current_sprs_score, sprs_history) = score_history(&all);
        let practices_met_by_domain = match all.last() {
            Some(latest) => met_by_domain(
                assessment_practices::Entity::find()
                    .filter(assessment_practices::Column::AssessmentId.eq(&latest.id))
                    .all(&self.db)
                    .await?,
            ),
            None => BTreeMap::new(),
        };
        let ids: Vec<String> = all.iter().map(|a| a.id.clone()).collect();
        let open_findings_by_severity = self.open_findings_by_severity(&self.db, ids).await?;
        let overdue_poam_items = self.overdue_poam_items(&self.db, org_id).await?;
        let risks = self.risk_summary(&self.db, org_id).await?;
        Ok(Dashboard {
            risks,
            current_sprs_score,
            sprs_history,
            practices_met_by_domain,
            open_findings_by_severity,
            overdue_poam_items,
        })
    }

    /// The open and in-remediation findings of these assessments per
    /// severity, every severity listed.
    async fn open_findings_by_severity<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_ids: Vec<String>,
    ) -> Result<BTreeMap<String, u32>, ServiceError> {
        let mut by_severity: BTreeMap<String, u32> =
            Severity::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
        let open = findings::Entity::find()
            .filter(findings::Column::AssessmentId.is_in(assessment_ids))
            .filter(
                findings::Column::Status
                    .is_in([FindingStatus::Open.as_str(), FindingStatus::InRemediation.as_str()]),
            )
            .all(db)
            .await?;
        for finding in open {
            *by_severity.entry(finding.severity).or_default() += 1;
        }
        Ok(by_severity)
    }

    /// The organisation's POA&M items past their scheduled completion, soonest due first.
    async fn overdue_poam_items<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
    ) -> Result<Vec<PoamItem>, ServiceError> {
        let poam_ids: Vec<String> = poams::Entity::find()
            .filter(poams::Column::OrgId.eq(org_id))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let today = Utc::now().date_naive();
        poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.is_in(poam_ids))
            .filter(poam_items::Column::Status.ne(PoamItemStatus::Completed.as_str()))
            .order_by_asc(poam_items::Column::ScheduledCompletion)
            .all(db)
            .await?
            .into_iter()
            .map(|i| with_overdue(i, today))
            .filter(|i| i.as_ref().map_or(true, |i| i.overdue))
            .collect()
    }
}
