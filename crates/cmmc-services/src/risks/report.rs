//! What the register shows at a glance: the heat map of open risks, the
//! dashboard's summary, and the CSV export.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use cmmc_domain::RiskBand;
use cmmc_domain::access::Action;
use cmmc_domain::risk::{self, CSV_COLUMNS, CheckedRisk};
use cmmc_store::entities::{risks, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{Risk, checked};
use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// The register at a glance, for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskSummary {
    /// Open risks per band, every band listed.
    pub open_by_band: BTreeMap<String, u32>,
    /// Open risks whose review date has passed: id, title, band, review date.
    pub past_review: Vec<(String, String, RiskBand, NaiveDate)>,
}

/// A list of ids as one CSV cell.
fn joined(ids: &std::collections::BTreeSet<String>) -> String {
    ids.iter().cloned().collect::<Vec<_>>().join(";")
}

/// A risk as a CSV row of [`CSV_COLUMNS`].
fn csv_row(r: &Risk, owner: &str) -> Vec<String> {
    let x = &r.risk;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        r.id.clone(),
        x.title.clone(),
        text(&x.description),
        x.category.clone(),
        x.likelihood.to_string(),
        x.impact.to_string(),
        x.score().to_string(),
        x.band().as_str().to_owned(),
        x.status.as_str().to_owned(),
        owner.to_owned(),
        text(&x.treatment_plan),
        x.review_date.map(|d| d.to_string()).unwrap_or_default(),
        text(&x.acceptance_reason),
        joined(&r.links.practice_ids),
        joined(&r.links.finding_ids),
        joined(&r.links.poam_item_ids),
        joined(&r.links.asset_ids),
    ]
}

impl Services {
    async fn org_risks<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
    ) -> Result<Vec<(risks::Model, CheckedRisk)>, ServiceError> {
        let rows = risks::Entity::find()
            .filter(risks::Column::OrgId.eq(org_id))
            .order_by_asc(risks::Column::CreatedAt)
            .order_by_asc(risks::Column::Id)
            .all(db)
            .await?;
        rows.into_iter()
            .map(|row| {
                let checked = checked(&row)?;
                Ok((row, checked))
            })
            .collect()
    }

    /// Counts of open risks by likelihood (rows) and impact (columns).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn risk_heatmap(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<[[u32; 5]; 5], ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let risks = self.org_risks(&self.db, org_id).await?;
        Ok(risk::heatmap(risks.iter().map(|(_, r)| r)))
    }

    /// The dashboard's summary of the register.
    pub(crate) async fn risk_summary<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
    ) -> Result<RiskSummary, ServiceError> {
        let today = Utc::now().date_naive();
        let mut summary = RiskSummary {
            open_by_band: RiskBand::ALL.iter().map(|b| (b.as_str().to_owned(), 0)).collect(),
            past_review: Vec::new(),
        };
        for (row, r) in self.org_risks(db, org_id).await? {
            if r.status.is_open() {
                *summary.open_by_band.entry(r.band().as_str().to_owned()).or_default() += 1;
            }
            if let (true, Some(date)) = (r.review_overdue(today), r.review_date) {
                summary.past_review.push((row.id, r.title.clone(), r.band(), date));
            }
        }
        summary.past_review.sort_by(|a, b| a.3.cmp(&b.3).then_with(|| a.0.cmp(&b.0)));
        Ok(summary)
    }

    /// The whole register as CSV, owners by username. Audited as `risk.export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn export_risks_csv(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let owners: BTreeMap<String, String> = users::Entity::find()
            .filter(users::Column::OrgId.eq(org_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        let rows = self.org_risks(&self.db, org_id).await?;
        let risks =
            self.risks_from_rows(&self.db, rows.into_iter().map(|(row, _)| row).collect()).await?;
        let lines = risks.iter().map(|r| {
            let owner = r.owner_id.as_ref().and_then(|id| owners.get(id));
            csv_row(r, owner.map_or("", String::as_str))
        });
        let bytes = crate::csv_import::write(&CSV_COLUMNS, lines)?;
        let details = json!({ "risks": risks.len() });
        let event = AuditEvent::new("risk.export", "organization", Some(org_id), details);
        self.begin_change().await?.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(bytes)
    }
}
