//! What a risk is linked to, and where a risk raised from a finding or an
//! unmet practice takes its prefill from. Every link must name something of
//! the risk's organisation (a catalogue practice for practices).

use std::collections::{BTreeSet, HashMap};

use cmmc_domain::risk::{LINKS_MAX, RiskInput};
use cmmc_domain::{PoamItemStatus, PracticeStatus};
use cmmc_store::entities::{
    assessment_practices, assessments, assets, cmmc_practices, findings, poam_items, poams,
    risk_links,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{DEFAULT_CATEGORY, NewRisk, RiskChanges};
use crate::{ServiceError, Services};

/// The kinds of link, as stored, with the field that lists them.
const KINDS: [(&str, &str); 4] = [
    ("practice", "practice_ids"),
    ("finding", "finding_ids"),
    ("poam_item", "poam_item_ids"),
    ("asset", "asset_ids"),
];

/// A risk's links, each kind sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskLinks {
    pub practice_ids: BTreeSet<String>,
    pub finding_ids: BTreeSet<String>,
    pub poam_item_ids: BTreeSet<String>,
    pub asset_ids: BTreeSet<String>,
}

/// Where a new risk comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiskSource {
    /// A finding of one of the organisation's assessments.
    Finding { finding_id: String },
    /// A practice not met (or partially met) in one of its assessments.
    Practice { assessment_id: String, practice_id: String },
}

/// Ids as given, trimmed, at most [`LINKS_MAX`]; whether each names
/// something of the organisation is [`RiskLinks::check`]'s to say.
///
/// # Errors
/// 400 naming `field` for too many.
pub(crate) fn ids(field: &str, given: &[String]) -> Result<BTreeSet<String>, ServiceError> {
    if given.len() > LINKS_MAX {
        return Err(ServiceError::invalid(field, format!("at most {LINKS_MAX} ids")));
    }
    Ok(given.iter().map(|id| id.trim().to_owned()).collect())
}

impl RiskLinks {
    fn kind(&self, kind: &str) -> &BTreeSet<String> {
        match kind {
            "practice" => &self.practice_ids,
            "finding" => &self.finding_ids,
            "poam_item" => &self.poam_item_ids,
            _ => &self.asset_ids,
        }
    }

    fn kind_mut(&mut self, kind: &str) -> &mut BTreeSet<String> {
        match kind {
            "practice" => &mut self.practice_ids,
            "finding" => &mut self.finding_ids,
            "poam_item" => &mut self.poam_item_ids,
            _ => &mut self.asset_ids,
        }
    }

    /// The links as JSON, by field.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "practice_ids": self.practice_ids, "finding_ids": self.finding_ids,
            "poam_item_ids": self.poam_item_ids, "asset_ids": self.asset_ids,
        })
    }

    /// The stored links of a risk.
    pub(crate) async fn of<C: ConnectionTrait>(
        db: &C,
        risk_id: &str,
    ) -> Result<Self, ServiceError> {
        let rows = risk_links::Entity::find()
            .filter(risk_links::Column::RiskId.eq(risk_id))
            .all(db)
            .await?;
        let mut links = Self::default();
        for row in rows {
            links.kind_mut(&row.kind).insert(row.target_id);
        }
        Ok(links)
    }

    /// The stored links of several risks, by risk id, in one query.
    pub(crate) async fn of_many<C: ConnectionTrait>(
        db: &C,
        risk_ids: Vec<String>,
    ) -> Result<HashMap<String, Self>, ServiceError> {
        let rows = risk_links::Entity::find()
            .filter(risk_links::Column::RiskId.is_in(risk_ids))
            .all(db)
            .await?;
        let mut links: HashMap<String, Self> = HashMap::new();
        for row in rows {
            links.entry(row.risk_id).or_default().kind_mut(&row.kind).insert(row.target_id);
        }
        Ok(links)
    }

    /// These links with the lists `changes` gives in place of theirs.
    pub(crate) fn with_changes(&self, changes: &RiskChanges) -> Result<Self, ServiceError> {
        let pick = |given: &Option<Vec<String>>, field: &str, old: &BTreeSet<String>| {
            given.as_ref().map_or_else(|| Ok(old.clone()), |ids_given| ids(field, ids_given))
        };
        Ok(Self {
            practice_ids: pick(&changes.practice_ids, "practice_ids", &self.practice_ids)?,
            finding_ids: pick(&changes.finding_ids, "finding_ids", &self.finding_ids)?,
            poam_item_ids: pick(&changes.poam_item_ids, "poam_item_ids", &self.poam_item_ids)?,
            asset_ids: pick(&changes.asset_ids, "asset_ids", &self.asset_ids)?,
        })
    }

    /// Replaces the risk's stored links with these.
    pub(crate) async fn replace<C: ConnectionTrait>(
        &self,
        db: &C,
        risk_id: &str,
    ) -> Result<(), ServiceError> {
        risk_links::Entity::delete_many()
            .filter(risk_links::Column::RiskId.eq(risk_id))
            .exec(db)
            .await?;
        let rows: Vec<risk_links::ActiveModel> = KINDS
            .iter()
            .flat_map(|(kind, _)| {
                self.kind(kind).iter().map(move |target| risk_links::ActiveModel {
                    risk_id: sea_orm::ActiveValue::Set(risk_id.to_owned()),
                    kind: sea_orm::ActiveValue::Set((*kind).to_owned()),
                    target_id: sea_orm::ActiveValue::Set(target.clone()),
                })
            })
            .collect();
        if !rows.is_empty() {
            risk_links::Entity::insert_many(rows).exec(db).await?;
        }
        Ok(())
    }

    /// Refuses a link to anything that is not the organisation's.
    pub(crate) async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
    ) -> Result<(), ServiceError> {
        let practices: BTreeSet<String> = cmmc_practices::Entity::find()
            .filter(cmmc_practices::Column::PracticeId.is_in(self.practice_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.practice_id)
            .collect();
        missing("practice_ids", "catalogue practice", &self.practice_ids, &practices)?;
        let of_org = Query::select()
            .column(assessments::Column::Id)
            .from(assessments::Entity)
            .and_where(assessments::Column::OrgId.eq(org_id))
            .to_owned();
        let found: BTreeSet<String> = findings::Entity::find()
            .filter(findings::Column::Id.is_in(self.finding_ids.clone()))
            .filter(findings::Column::AssessmentId.in_subquery(of_org))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        missing("finding_ids", "finding", &self.finding_ids, &found)?;
        let poams_of_org = Query::select()
            .column(poams::Column::Id)
            .from(poams::Entity)
            .and_where(poams::Column::OrgId.eq(org_id))
            .to_owned();
        let found: BTreeSet<String> = poam_items::Entity::find()
            .filter(poam_items::Column::Id.is_in(self.poam_item_ids.clone()))
            .filter(poam_items::Column::PoamId.in_subquery(poams_of_org))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        missing("poam_item_ids", "POA&M item", &self.poam_item_ids, &found)?;
        let found: BTreeSet<String> = assets::Entity::find()
            .filter(assets::Column::Id.is_in(self.asset_ids.clone()))
            .filter(assets::Column::OrgId.eq(org_id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        missing("asset_ids", "asset", &self.asset_ids, &found)
    }

    /// How many of the linked POA&M items are not completed.
    pub(crate) async fn open_poam_items<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<usize, ServiceError> {
        let items = poam_items::Entity::find()
            .filter(poam_items::Column::Id.is_in(self.poam_item_ids.clone()))
            .all(db)
            .await?;
        Ok(items.iter().filter(|i| i.status != PoamItemStatus::Completed.as_str()).count())
    }
}

/// 422 naming the first id of `wanted` not in `found`.
fn missing(
    field: &str,
    what: &str,
    wanted: &BTreeSet<String>,
    found: &BTreeSet<String>,
) -> Result<(), ServiceError> {
    match wanted.difference(found).next() {
        Some(id) => Err(ServiceError::unprocessable(
            field,
            format!("the organisation has no {what} {id:?}"),
        )),
        None => Ok(()),
    }
}

/// What a source prefills.
struct Prefill {
    title: String,
    description: Option<String>,
}

impl Services {
    /// The new risk's input and links, prefilled from its source.
    pub(super) async fn prefilled<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        new: NewRisk,
    ) -> Result<(RiskInput, RiskLinks), ServiceError> {
        let mut links = RiskLinks {
            practice_ids: ids("practice_ids", &new.practice_ids)?,
            finding_ids: ids("finding_ids", &new.finding_ids)?,
            poam_item_ids: ids("poam_item_ids", &new.poam_item_ids)?,
            asset_ids: ids("asset_ids", &new.asset_ids)?,
        };
        let prefill = match &new.source {
            None => None,
            Some(source) => Some(self.prefill(db, org_id, source, &mut links).await?),
        };
        let from_source = prefill.is_some();
        let (title, description) = prefill.map_or((None, None), |p| (Some(p.title), p.description));
        let needed = |field: &str| {
            ServiceError::unprocessable(
                field,
                "needed unless the risk is raised from a finding or an unmet practice",
            )
        };
        let title = new.title.or(title).ok_or_else(|| needed("title"))?;
        let category = new
            .category
            .or_else(|| from_source.then(|| DEFAULT_CATEGORY.to_owned()))
            .ok_or_else(|| needed("category"))?;
        let input = RiskInput {
            title,
            description: new.description.or(description),
            category,
            likelihood: new.likelihood,
            impact: new.impact,
            status: new.status.unwrap_or_else(|| "identified".to_owned()),
            treatment_plan: new.treatment_plan,
            review_date: new.review_date,
            acceptance_reason: new.acceptance_reason,
        };
        Ok((input, links))
    }

    async fn prefill<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        source: &RiskSource,
        links: &mut RiskLinks,
    ) -> Result<Prefill, ServiceError> {
        match source {
            RiskSource::Finding { finding_id } => {
                let finding = self.finding_of_org(db, org_id, finding_id).await?;
                links.finding_ids.insert(finding.id);
                links.practice_ids.extend(finding.practice_id);
                Ok(Prefill { title: finding.title, description: finding.description })
            }
            RiskSource::Practice { assessment_id, practice_id } => {
                let answer = self.unmet_answer(db, org_id, assessment_id, practice_id).await?;
                links.practice_ids.insert(answer.practice_id.clone());
                Ok(Prefill {
                    title: format!(
                        "{} {}: {}",
                        answer.practice_id,
                        answer.status.replace('_', " "),
                        answer.title
                    ),
                    description: Some(format!(
                        "Raised from practice {} ({}) in assessment {assessment_id}.",
                        answer.practice_id,
                        answer.status.replace('_', " ")
                    )),
                })
            }
        }
    }

    async fn finding_of_org<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        finding_id: &str,
    ) -> Result<findings::Model, ServiceError> {
        let unknown = || {
            ServiceError::unprocessable("from_finding_id", "the organisation has no such finding")
        };
        let finding = findings::Entity::find_by_id(finding_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(unknown)?;
        let of_org = assessments::Entity::find_by_id(finding.assessment_id.clone())
            .filter(assessments::Column::OrgId.eq(org_id))
            .one(db)
            .await?;
        of_org.map(|_| finding).ok_or_else(unknown)
    }

    /// The practice's answer in the organisation's assessment, when it is
    /// not met or partially met.
    async fn unmet_answer<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<assessment_practices::Model, ServiceError> {
        let field = "from_practice";
        let assessment = assessments::Entity::find_by_id(assessment_id.to_owned())
            .filter(assessments::Column::OrgId.eq(org_id))
            .one(db)
            .await?;
        if assessment.is_none() {
            return Err(ServiceError::unprocessable(
                field,
                "the organisation has no such assessment",
            ));
        }
        let answer = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .filter(assessment_practices::Column::PracticeId.eq(practice_id.trim()))
            .one(db)
            .await?
            .ok_or_else(|| {
                ServiceError::unprocessable(field, "the assessment does not hold that practice")
            })?;
        let unmet = [PracticeStatus::NotMet.as_str(), PracticeStatus::PartiallyMet.as_str()];
        if !unmet.contains(&answer.status.as_str()) {
            return Err(ServiceError::unprocessable(
                field,
                format!("the practice is {} in that assessment, not unmet", answer.status),
            ));
        }
        Ok(answer)
    }

    /// Drops every risk's link to the findings and POA&M items of an
    /// assessment being deleted, in the same transaction.
    pub(crate) async fn unlink_assessment_risks<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<(), ServiceError> {
        let finding_ids = findings::Entity::find()
            .filter(findings::Column::AssessmentId.eq(assessment_id))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        self.unlink_risks(db, "finding", finding_ids).await?;
        let of_assessment = Query::select()
            .column(poams::Column::Id)
            .from(poams::Entity)
            .and_where(poams::Column::AssessmentId.eq(assessment_id))
            .to_owned();
        let item_ids = poam_items::Entity::find()
            .filter(poam_items::Column::PoamId.in_subquery(of_assessment))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        self.unlink_risks(db, "poam_item", item_ids).await
    }

    /// Drops every risk's link to a finding, POA&M item or asset being
    /// deleted, in the same transaction.
    pub(crate) async fn unlink_risks<C: ConnectionTrait>(
        &self,
        db: &C,
        kind: &str,
        target_ids: Vec<String>,
    ) -> Result<(), ServiceError> {
        risk_links::Entity::delete_many()
            .filter(risk_links::Column::Kind.eq(kind))
            .filter(risk_links::Column::TargetId.is_in(target_ids))
            .exec(db)
            .await?;
        Ok(())
    }
}
