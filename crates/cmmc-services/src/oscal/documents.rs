//! Reading what each OSCAL document needs, with the caller's rights, and
//! auditing what is exported.

use chrono::Utc;
use cmmc_store::entities::evidence;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::assessments::PracticeAnswerFilter;
use crate::models::Evidence;
use crate::{Actor, ServiceError, Services};

/// Where the catalog and the profiles are served (the documents name them).
pub const CATALOG_HREF: &str = "/api/cmmc/oscal/catalog";

/// Where the profile of `level` is served.
#[must_use]
pub fn profile_href(level: i32) -> String {
    format!("/api/cmmc/oscal/profiles/{level}")
}

impl Services {
    /// An assessment as OSCAL assessment-results. Audited as
    /// `assessment.oscal_export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an assessment the actor cannot see.
    pub async fn oscal_assessment_results(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Value, ServiceError> {
        let (document, org_id, details) =
            self.assessment_results_document(actor, assessment_id).await?;
        self.audit_oscal(actor, &org_id, "assessment", assessment_id, details).await?;
        Ok(document)
    }

    /// The assessment-results document, its organisation, and what to audit.
    pub(crate) async fn assessment_results_document(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<(Value, String, Value), ServiceError> {
        let assessment = self.get_assessment(actor, assessment_id).await?;
        let answers = self
            .list_practice_answers(actor, assessment_id, PracticeAnswerFilter::default())
            .await?;
        let pieces = self.evidence_of(&answers).await?;
        let paths = crate::package::evidence_paths(&answers, &pieces);
        let document =
            super::results::assessment_results(&assessment, &answers, &pieces, &paths, Utc::now());
        let details = json!({ "findings": answers.len(), "evidence": pieces.len() });
        Ok((document, assessment.org_id, details))
    }

    /// The evidence of `answers`, each with its answer's id, oldest first.
    pub(crate) async fn evidence_of(
        &self,
        answers: &[crate::assessments::PracticeAnswer],
    ) -> Result<Vec<(String, Evidence)>, ServiceError> {
        let ids: Vec<String> = answers.iter().map(|a| a.id.clone()).collect();
        evidence::Entity::find()
            .filter(evidence::Column::AssessmentPracticeId.is_in(ids))
            .order_by_asc(evidence::Column::CreatedAt)
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| Ok((row.assessment_practice_id.clone(), Evidence::try_from(row)?)))
            .collect()
    }

    /// A POA&M as an OSCAL plan-of-action-and-milestones. Audited as
    /// `poam.oscal_export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; [`ServiceError::Conflict`] for a POA&M
    /// with no items (OSCAL requires at least one).
    pub async fn oscal_poam(&self, actor: &Actor, poam_id: &str) -> Result<Value, ServiceError> {
        let poam = self.get_poam(actor, poam_id).await?;
        if poam.items.is_empty() {
            return Err(ServiceError::Conflict(
                "the POA&M has no items; an OSCAL POA&M needs at least one".into(),
            ));
        }
        let rows = self.poam_rows(&poam).await?;
        let document = super::poam::poam(&poam, &rows, Utc::now());
        let details = json!({ "items": rows.len() });
        self.audit_oscal(actor, &poam.poam.org_id, "poam", poam_id, details).await?;
        Ok(document)
    }

    /// An SSP version of the organisation as an OSCAL system-security-plan:
    /// `ssp_id` when given, else its newest published version, else its
    /// newest draft. Audited as `ssp.oscal_export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation or an SSP not
    /// its own; [`ServiceError::Conflict`] when it has no SSP at all.
    pub async fn oscal_ssp(
        &self,
        actor: &Actor,
        org_id: &str,
        ssp_id: Option<&str>,
    ) -> Result<Value, ServiceError> {
        let (document, id) = self.oscal_ssp_document(actor, org_id, ssp_id).await?;
        let plan = &document["system-security-plan"];
        let requirements = plan["control-implementation"]["implemented-requirements"]
            .as_array()
            .map_or(0, Vec::len);
        let details = json!({ "requirements": requirements, "chosen": ssp_id.is_none() });
        self.audit_oscal(actor, org_id, "ssp", &id, details).await?;
        Ok(document)
    }

    /// The system-security-plan document of an SSP version of `org_id`,
    /// and that version's id.
    pub(crate) async fn oscal_ssp_document(
        &self,
        actor: &Actor,
        org_id: &str,
        ssp_id: Option<&str>,
    ) -> Result<(Value, String), ServiceError> {
        let ssp = match ssp_id {
            Some(id) => self.get_ssp(actor, id).await?,
            None => self.current_ssp(actor, org_id).await?,
        };
        if ssp.org_id != org_id {
            return Err(ServiceError::not_found("ssp"));
        }
        let statements = self.list_ssp_statements(actor, &ssp.id).await?;
        let practices = self.practices_for_level(&self.db, ssp.level).await?;
        let ids: Vec<String> = practices.into_iter().map(|p| p.practice_id).collect();
        let href = profile_href(ssp.level.number());
        let document = super::ssp::system_security_plan(&ssp, &ids, &statements, &href, Utc::now());
        Ok((document, ssp.id))
    }

    /// The organisation's newest published SSP version, else its newest draft.
    async fn current_ssp(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<crate::ssps::Ssp, ServiceError> {
        let all = self.list_ssps(actor, org_id).await?;
        let newest = |published: bool| {
            all.iter()
                .filter(|s| s.published_at.is_some() == published)
                .max_by_key(|s| (s.published_at, s.created_at))
                .cloned()
        };
        newest(true).or_else(|| newest(false)).ok_or_else(|| {
            ServiceError::Conflict("the organisation has no SSP yet; create one first".into())
        })
    }

    async fn audit_oscal(
        &self,
        actor: &Actor,
        org_id: &str,
        kind: &str,
        id: &str,
        details: Value,
    ) -> Result<(), ServiceError> {
        self.audit_file(actor, org_id, &format!("{kind}.oscal_export"), id, details).await
    }
}
