//! The SPRS record of a completed assessment: gathered from the numbers
//! stored at completion, the SSP version it names and its open POA&M items,
//! checked by `cmmc_domain::sprs_record`, and audited when produced.

use cmmc_domain::PoamItemStatus;
use cmmc_domain::scoring::CmmcStatus;
use cmmc_domain::sprs_record::{RecordInput, SprsRecord, SspFacts, sprs_record};
use cmmc_store::entities::{poam_items, poams, ssps};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

use crate::audit::{AuditEvent, Author};
use crate::ssps::Ssp;
use crate::{Actor, ServiceError, Services};

/// A CMMC status as stored on an assessment (`final`, `conditional`, else none).
pub(crate) fn stored_status(text: Option<&str>) -> CmmcStatus {
    match text {
        Some("final") => CmmcStatus::Final,
        Some("conditional") => CmmcStatus::Conditional,
        _ => CmmcStatus::None,
    }
}

impl Services {
    /// The SPRS record of a completed Level 2 or 3 assessment; producing it
    /// is audited (`assessment.sprs_record`, with `format`).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; [`ServiceError::Conflict`] while it is not
    /// completed, or listing what keeps the record from being valid.
    pub async fn sprs_record(
        &self,
        actor: &Actor,
        assessment_id: &str,
        format: &str,
    ) -> Result<SprsRecord, ServiceError> {
        let assessment = self.get_assessment(actor, assessment_id).await?;
        let completed = assessment.completed_at.ok_or_else(|| {
            ServiceError::Conflict(
                "the assessment is not completed: the SPRS record holds the numbers stored at completion".into(),
            )
        })?;
        let ssp = match &assessment.ssp_id {
            Some(id) => ssps::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .map(Ssp::try_from)
                .transpose()?,
            None => None,
        };
        let poam_ids: Vec<String> = poams::Entity::find()
            .select_only()
            .column(poams::Column::Id)
            .filter(poams::Column::AssessmentId.eq(assessment_id))
            .into_tuple()
            .all(&self.db)
            .await?;
        let open_item_dates = poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.is_in(poam_ids))
            .filter(poam_items::Column::Status.ne(PoamItemStatus::Completed.as_str()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|item| item.scheduled_completion)
            .collect();
        let input = RecordInput {
            level: assessment.target_level,
            assessment_type: assessment.assessment_type,
            completed_on: completed.date_naive(),
            sprs_score: assessment.sprs_score,
            cmmc_status: stored_status(assessment.cmmc_status.as_deref()),
            closeout_deadline: assessment.conditional_deadline,
            open_item_dates,
            ssp: ssp.map(|s| SspFacts {
                name: s.name,
                version: s.version,
                date: s.ssp_date,
                scope: s.scope_type,
                cage_codes: s.cage_codes,
            }),
        };
        let record = sprs_record(&input).map_err(|problems| {
            ServiceError::Conflict(format!("the SPRS record is not ready: {}", problems.join("; ")))
        })?;
        let txn = self.begin_change().await?;
        let details = json!({ "format": format, "summary_score": record.summary_score });
        let event =
            AuditEvent::new("assessment.sprs_record", "assessment", Some(assessment_id), details);
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_statuses_read_back() {
        assert_eq!(stored_status(Some("final")), CmmcStatus::Final);
        assert_eq!(stored_status(Some("conditional")), CmmcStatus::Conditional);
        assert_eq!(stored_status(Some("none")), CmmcStatus::None);
        assert_eq!(stored_status(None), CmmcStatus::None);
    }
}
