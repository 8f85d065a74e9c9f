//! Importing an OSCAL assessment-results document as a draft assessment
//! of the organisation, with the practice statuses, objective results and
//! notes it carries (read by `crate::oscal::import`). Everything is checked
//! before anything is written, and the whole import is one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::scoring;
use cmmc_domain::{Level, ObjectiveKind, ObjectiveLine, PracticeId, PracticeStatus};
use cmmc_store::entities::{assessment_practices, cmmc_practices};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Map, Value as Json, json};

use super::{Assessment, CheckedAssessment, NewAssessment, new_answer};
use crate::audit::{AuditEvent, Author};
use crate::oscal::import::{self as reader, ImportedPractice};
use crate::{Actor, ServiceError, Services};

/// The lettered objective labels of a catalogue practice.
fn objective_labels(practice: &cmmc_practices::Model) -> Vec<String> {
    let lines: Vec<String> =
        serde_json::from_value(practice.assessment_objectives.clone()).unwrap_or_default();
    lines
        .iter()
        .filter_map(|l| ObjectiveLine::parse(l))
        .filter(|o| o.kind == ObjectiveKind::Lettered)
        .map(|o| o.label.to_owned())
        .collect()
}

/// Refuses notes over 20,000 characters, objective labels the practice does
/// not have, and a status its objectives contradict (the rules a practice
/// update follows).
fn check_practice(imported: &ImportedPractice, labels: &[String]) -> Result<(), ServiceError> {
    let id = imported.practice_id;
    if imported.notes.as_ref().is_some_and(|n| n.chars().count() > 20_000) {
        return Err(ServiceError::invalid(
            "findings",
            format!("{id}: the remarks (assessor notes) must be at most 20000 characters"),
        ));
    }
    if let Some(label) = imported.objectives.keys().find(|l| !labels.contains(l)) {
        return Err(ServiceError::invalid(
            "observations",
            format!("{id} has no objective [{label}]"),
        ));
    }
    let expected: Vec<&str> = labels.iter().map(String::as_str).collect();
    let pairs: Vec<_> = imported.objectives.iter().map(|(l, s)| (l.as_str(), *s)).collect();
    match scoring::status_from_objectives(&expected, &pairs) {
        Some(derived) if !scoring::agrees_with_objectives(id, imported.status, derived) => {
            Err(ServiceError::invalid(
                "findings",
                format!("{id} is {} but its objectives say {derived}", imported.status),
            ))
        }
        _ => Ok(()),
    }
}

/// The answer row of `practice`, as the document gives it (if it does).
fn imported_answer(
    assessment_id: &str,
    practice: cmmc_practices::Model,
    imported: Option<&ImportedPractice>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> assessment_practices::ActiveModel {
    let mut answer = new_answer(assessment_id, practice, now);
    let Some(imported) = imported.filter(|i| i.status != PracticeStatus::NotEvaluated) else {
        return answer;
    };
    let results: Map<String, Json> =
        imported.objectives.iter().map(|(l, s)| (l.clone(), json!(s.as_str()))).collect();
    answer.status = Set(imported.status.as_str().to_owned());
    answer.score = Set(Some(imported.status.score()));
    answer.objective_results = Set(Json::Object(results));
    answer.assessor_notes = Set(imported.notes.clone());
    answer.evaluated_by = Set(Some(actor.user_id.clone()));
    answer.evaluated_at = Set(Some(now));
    answer
}

impl Services {
    /// Creates a draft assessment of `org_id` from an OSCAL
    /// assessment-results document. Audited as `assessment.import`.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] naming the first problem (a JSON
    /// pointer into the document, or `findings` / `observations`) for a
    /// document that does not validate, names unknown controls or
    /// objectives, or whose statuses contradict their objectives; nothing
    /// is written then. [`ServiceError::NotFound`] for another organisation.
    pub async fn import_oscal_assessment(
        &self,
        actor: &Actor,
        org_id: &str,
        document: &Json,
    ) -> Result<Assessment, ServiceError> {
        actor.authorize(Action::AssessmentManage, org_id, "organization")?;
        // An import records evaluations: it needs the assessor's right too.
        actor.authorize(Action::PracticeEvaluate, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let catalogue = cmmc_practices::Entity::find().all(&self.db).await?;
        let in_level = |level: Level, id: PracticeId| {
            self::in_level(level, id) && catalogue.iter().any(|p| p.practice_id == id.to_string())
        };
        let imported = reader::read(document, &in_level)
            .map_err(|e| ServiceError::invalid(&e.pointer, e.message))?;
        let new = NewAssessment {
            org_id: org_id.to_owned(),
            title: imported.title.clone(),
            target_level: i64::from(imported.level.number()),
            assessment_type: imported.assessment_type.as_str().to_owned(),
            lead_assessor_id: None,
            ssp_id: None,
        };
        let checked = CheckedAssessment::parse(&new)?;
        let practices = self.practices_for_level(&self.db, imported.level).await?;
        let by_id: BTreeMap<String, &ImportedPractice> =
            imported.practices.iter().map(|p| (p.practice_id.to_string(), p)).collect();
        for practice in &practices {
            if let Some(given) = by_id.get(&practice.practice_id) {
                check_practice(given, &objective_labels(practice))?;
            }
        }
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let row = checked.into_row(&new, actor, now).insert(&txn).await?;
        let answers: Vec<_> = practices
            .into_iter()
            .map(|p| {
                let given = by_id.get(&p.practice_id).copied();
                imported_answer(&row.id, p, given, actor, now)
            })
            .collect();
        let total = answers.len();
        assessment_practices::Entity::insert_many(answers).exec_without_returning(&txn).await?;
        let details = json!({
            "title": row.title, "target_level": row.target_level, "practices": total,
            "answered": imported.practices.len(), "source": document["assessment-results"]["uuid"],
        });
        let event = AuditEvent::new("assessment.import", "assessment", Some(&row.id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Assessment::try_from(row)
    }
}

/// Whether a practice's own level belongs to `level` (Level 3 assesses
/// Level 2's practices too).
fn in_level(level: Level, id: PracticeId) -> bool {
    let own = id.level();
    own == level || (level == Level::Expert && own == Level::Advanced)
}
