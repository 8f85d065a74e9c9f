//! The POA&M closeout of a Conditional status (32 CFR 170.21(b)): within
//! 180 days of the status date, the requirements that were NOT MET are
//! assessed again; once every one is MET the status becomes Final. Here a
//! closeout is recorded when every POA&M item naming those requirements is
//! completed: in one transaction their answers become MET (their NOT MET
//! objectives too), the score and status are computed again and stored,
//! the POA&Ms are completed, and the closeout is audited. The status date
//! stays the assessment's: a Final status after closeout runs from the
//! Conditional status date.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::poam::{self, OpenRequirement};
use cmmc_domain::scoring::CmmcStatus;
use cmmc_domain::{ObjectiveStatus, PoamItemStatus, PoamStatus, PracticeStatus};
use cmmc_store::entities::{assessment_practices, assessments, poam_items, poams};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::{Value as Json, json};

use super::Assessment;
use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// Whether a requirement was left open at the assessment: NOT MET, or
/// PARTIALLY MET (which counts as not met, and may be on the POA&M).
fn is_open(row: &assessment_practices::Model) -> bool {
    row.status == PracticeStatus::NotMet.as_str()
        || row.status == PracticeStatus::PartiallyMet.as_str()
}

/// `row` re-assessed as MET at closeout: its NOT MET objectives met too.
fn met_at_closeout(
    row: assessment_practices::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> assessment_practices::ActiveModel {
    let results: serde_json::Map<String, Json> = row
        .objective_results
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(label, status)| {
                    let status = if status.as_str() == Some(ObjectiveStatus::NotMet.as_str()) {
                        json!(ObjectiveStatus::Met.as_str())
                    } else {
                        status.clone()
                    };
                    (label.clone(), status)
                })
                .collect()
        })
        .unwrap_or_default();
    let version = row.version + 1;
    let mut active = row.into_active_model();
    active.status = Set(PracticeStatus::Met.as_str().to_owned());
    active.score = Set(Some(PracticeStatus::Met.score()));
    active.objective_results = Set(Json::Object(results));
    active.version = Set(version);
    active.evaluated_by = Set(Some(actor.user_id.clone()));
    active.evaluated_at = Set(Some(now));
    active.updated_at = Set(now);
    active
}

/// The assessment after closeout: the scores computed again, Final, and
/// who recorded it when.
fn closed_out(
    before: &assessments::Model,
    score: &cmmc_domain::scoring::Score,
    actor: &Actor,
    now: DateTime<Utc>,
) -> assessments::ActiveModel {
    let mut active = before.clone().into_active_model();
    active.sprs_score = Set(score.sprs_score.map(|s| s.value()));
    active.overall_score = Set(Some(score.overall_score));
    active.level3_score = Set(score.level3_score);
    active.cmmc_status = Set(Some(CmmcStatus::Final.as_str().to_owned()));
    active.closed_out_at = Set(Some(now));
    active.closed_out_by = Set(Some(actor.user_id.clone()));
    active.updated_at = Set(now);
    active
}

impl Services {
    /// Records the POA&M closeout of a completed assessment with a
    /// Conditional status: see the module's description.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] listing what stands in the way (not
    /// Conditional, already closed out, past the deadline, requirements
    /// whose POA&M items are missing or not completed);
    /// [`ServiceError::NotFound`].
    pub async fn closeout_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Assessment, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let before =
            self.assessment_for(&txn, actor, assessment_id, Action::AssessmentManage).await?;
        // A closeout records evaluations: it needs the assessor's right too.
        actor.authorize(Action::PracticeEvaluate, &before.org_id, "assessment")?;
        let rows = self.practice_rows(&txn, assessment_id).await?;
        let not_met: Vec<_> = rows.into_iter().filter(is_open).collect();
        let (open, other_open_items) =
            self.open_requirements(&txn, assessment_id, &not_met).await?;
        let problems = poam::closeout_problems(
            before.status == cmmc_domain::AssessmentStatus::Completed.as_str()
                && before.cmmc_status.as_deref() == Some(CmmcStatus::Conditional.as_str()),
            before.closed_out_at.is_some(),
            before.conditional_deadline,
            now.date_naive(),
            &open,
            other_open_items,
        );
        if !problems.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "cannot record the closeout: {}",
                problems.join("; ")
            )));
        }
        claim_closeout(&txn, assessment_id, actor, now).await?;
        let closed: Vec<String> = not_met.iter().map(|r| r.practice_id.clone()).collect();
        for row in not_met {
            met_at_closeout(row, actor, now).update(&txn).await?;
        }
        let score = self.completion_score(&txn, assessment_id, before.target_level).await?;
        if score.cmmc_status != CmmcStatus::Final {
            return Err(ServiceError::Conflict(format!(
                "after closeout the status would be {}, not final",
                score.cmmc_status.as_str()
            )));
        }
        let after = closed_out(&before, &score, actor, now).update(&txn).await?;
        complete_poams(&txn, assessment_id, now).await?;
        let details = json!({
            "cmmc_status": { "before": before.cmmc_status, "after": after.cmmc_status },
            "sprs_score": { "before": before.sprs_score, "after": after.sprs_score },
            "practices": closed,
        });
        let event =
            AuditEvent::new("assessment.closeout", "assessment", Some(assessment_id), details);
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        Assessment::try_from(after)
    }

    /// Each open requirement with how many POA&M items of the assessment
    /// name it and how many of those are completed; and how many other
    /// items are not completed.
    async fn open_requirements<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
        not_met: &[assessment_practices::Model],
    ) -> Result<(Vec<OpenRequirement>, usize), ServiceError> {
        let poam_ids: Vec<String> = poams::Entity::find()
            .filter(poams::Column::AssessmentId.eq(assessment_id))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let items = poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.is_in(poam_ids))
            .all(db)
            .await?;
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for item in &items {
            if let Some(practice) = item.practice_id.as_deref() {
                let entry = counts.entry(practice).or_default();
                entry.0 += 1;
                entry.1 += usize::from(item.status == PoamItemStatus::Completed.as_str());
            }
        }
        let open: Vec<OpenRequirement> = not_met
            .iter()
            .map(|row| {
                let (items, completed) =
                    counts.get(row.practice_id.as_str()).copied().unwrap_or_default();
                OpenRequirement { practice_id: row.practice_id.clone(), items, completed }
            })
            .collect();
        let other_open = items
            .iter()
            .filter(|i| i.status != PoamItemStatus::Completed.as_str())
            .filter(|i| {
                i.practice_id.as_deref().is_none_or(|p| !open.iter().any(|o| o.practice_id == p))
            })
            .count();
        Ok((open, other_open))
    }
}

/// Marks the closeout on the row only if none is recorded yet, so two
/// closeouts at once cannot both pass (the loser gets a 409).
async fn claim_closeout<C: ConnectionTrait>(
    db: &C,
    assessment_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let claimed = assessments::Entity::update_many()
        .col_expr(assessments::Column::ClosedOutAt, Expr::value(now))
        .col_expr(assessments::Column::ClosedOutBy, Expr::value(actor.user_id.clone()))
        .filter(assessments::Column::Id.eq(assessment_id))
        .filter(assessments::Column::ClosedOutAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected == 1 {
        Ok(())
    } else {
        Err(ServiceError::Conflict("its POA&M closeout is already recorded".into()))
    }
}

/// Marks the assessment's POA&Ms completed (every item of them is, or the
/// closeout would have been refused).
async fn complete_poams<C: ConnectionTrait>(
    db: &C,
    assessment_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    poams::Entity::update_many()
        .col_expr(poams::Column::Status, Expr::value(PoamStatus::Completed.as_str()))
        .col_expr(poams::Column::UpdatedAt, Expr::value(now))
        .filter(poams::Column::AssessmentId.eq(assessment_id))
        .filter(poams::Column::Status.ne(PoamStatus::Completed.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
