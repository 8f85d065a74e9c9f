//! The risk register: an organisation's risks, scored by likelihood x
//! impact, linked to practices, findings, POA&M items and assets; kept by
//! `risk.manage`, accepted by `risk.accept`, read by everyone who reads
//! assessments; every change audited. A risk can be raised from a finding
//! or an unmet practice, prefilled and linked. The rules are
//! `cmmc_domain::risk`'s.

mod links;
mod report;

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::risk::{self, CheckedRisk, RiskInput};
use cmmc_domain::{RiskBand, RiskStatus};
use cmmc_store::entities::{risk_links, risks, users};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, Page, ServiceError, Services};

pub use links::{RiskLinks, RiskSource};
pub use report::RiskSummary;

/// A risk of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    pub id: String,
    pub org_id: String,
    pub risk: CheckedRisk,
    pub owner_id: Option<String>,
    pub links: RiskLinks,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new risk: what is not given is prefilled from `source`, when there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRisk {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub likelihood: i64,
    pub impact: i64,
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub treatment_plan: Option<String>,
    pub review_date: Option<NaiveDate>,
    pub acceptance_reason: Option<String>,
    pub practice_ids: Vec<String>,
    pub finding_ids: Vec<String>,
    pub poam_item_ids: Vec<String>,
    pub asset_ids: Vec<String>,
    pub source: Option<RiskSource>,
}

/// Changes to a risk: `None` leaves a field; `Some(None)` clears it; a
/// list given replaces that kind of link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub category: Option<String>,
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    pub status: Option<String>,
    pub owner_id: Option<Option<String>>,
    pub treatment_plan: Option<Option<String>>,
    pub review_date: Option<Option<NaiveDate>>,
    pub acceptance_reason: Option<Option<String>>,
    pub practice_ids: Option<Vec<String>>,
    pub finding_ids: Option<Vec<String>>,
    pub poam_item_ids: Option<Vec<String>>,
    pub asset_ids: Option<Vec<String>>,
}

/// Which risks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskFilter {
    pub status: Option<String>,
    pub band: Option<String>,
    pub category: Option<String>,
    pub owner_id: Option<String>,
    pub page: Page,
}

/// The category of a risk raised from a practice or finding, when none is given.
const DEFAULT_CATEGORY: &str = "compliance";

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored risk is invalid: {what}"))
}

fn first_problem(problems: Vec<risk::FieldProblem>) -> ServiceError {
    problems.into_iter().next().map_or_else(
        || ServiceError::invalid("risk", "is not valid"),
        |(field, message)| ServiceError::invalid(field, message),
    )
}

/// A stored row as a checked risk.
fn checked(row: &risks::Model) -> Result<CheckedRisk, ServiceError> {
    let level = |v: i16| u8::try_from(v).map_err(corrupt);
    Ok(CheckedRisk {
        title: row.title.clone(),
        description: row.description.clone(),
        category: row.category.clone(),
        likelihood: level(row.likelihood)?,
        impact: level(row.impact)?,
        status: row.status.parse::<RiskStatus>().map_err(corrupt)?,
        treatment_plan: row.treatment_plan.clone(),
        review_date: row.review_date,
        acceptance_reason: row.acceptance_reason.clone(),
    })
}

fn set_fields(row: &mut risks::ActiveModel, r: &CheckedRisk) {
    row.title = Set(r.title.clone());
    row.description = Set(r.description.clone());
    row.category = Set(r.category.clone());
    row.likelihood = Set(i16::from(r.likelihood));
    row.impact = Set(i16::from(r.impact));
    row.status = Set(r.status.as_str().to_owned());
    row.treatment_plan = Set(r.treatment_plan.clone());
    row.review_date = Set(r.review_date);
    row.acceptance_reason = Set(r.acceptance_reason.clone());
}

/// The risk's fields as JSON (for the audit trail).
fn risk_json(r: &CheckedRisk, owner_id: Option<&str>, links: &RiskLinks) -> serde_json::Value {
    json!({
        "title": r.title, "category": r.category, "likelihood": r.likelihood,
        "impact": r.impact, "score": r.score(), "status": r.status.as_str(),
        "owner_id": owner_id, "review_date": r.review_date,
        "acceptance_reason": r.acceptance_reason, "links": links.to_json(),
    })
}

/// `before` with `changes` applied, as input to check.
fn changed(before: &CheckedRisk, changes: &RiskChanges) -> RiskInput {
    let keep = |value: &Option<Option<String>>, old: &Option<String>| {
        value.clone().unwrap_or_else(|| old.clone())
    };
    RiskInput {
        title: changes.title.clone().unwrap_or_else(|| before.title.clone()),
        description: keep(&changes.description, &before.description),
        category: changes.category.clone().unwrap_or_else(|| before.category.clone()),
        likelihood: changes.likelihood.unwrap_or_else(|| i64::from(before.likelihood)),
        impact: changes.impact.unwrap_or_else(|| i64::from(before.impact)),
        status: changes.status.clone().unwrap_or_else(|| before.status.as_str().to_owned()),
        treatment_plan: keep(&changes.treatment_plan, &before.treatment_plan),
        review_date: changes.review_date.unwrap_or(before.review_date),
        acceptance_reason: keep(&changes.acceptance_reason, &before.acceptance_reason),
    }
}

/// A stored row and its links as a risk.
fn with_links(row: risks::Model, links: RiskLinks) -> Result<Risk, ServiceError> {
    Ok(Risk {
        risk: checked(&row)?,
        id: row.id,
        org_id: row.org_id,
        owner_id: row.owner_id,
        links,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The score range of a band, for filtering in the database.
const fn band_range(band: RiskBand) -> (i16, i16) {
    match band {
        RiskBand::Low => (1, 4),
        RiskBand::Medium => (5, 9),
        RiskBand::High => (10, 15),
        RiskBand::Critical => (16, 25),
    }
}

impl Services {
    /// Adds a risk to the register, prefilled from its source when it has
    /// one. Audited as `risk.create`.
    ///
    /// # Errors
    /// 400 naming a bad field; 422 for an owner, link or source the
    /// organisation does not have, an accepted risk without a reason, or a
    /// closed one with open POA&M items; 403 for accepting without `risk.accept`.
    pub async fn create_risk(
        &self,
        actor: &Actor,
        org_id: &str,
        new: NewRisk,
    ) -> Result<Risk, ServiceError> {
        actor.authorize(Action::RiskManage, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let txn = self.begin_change().await?;
        let (input, links) = self.prefilled(&txn, org_id, new.clone()).await?;
        let checked = risk::check(&input).map_err(first_problem)?;
        self.check_risk_rules(&txn, actor, org_id, None, &checked, &links).await?;
        self.owner_of_org(&txn, org_id, new.owner_id.as_deref()).await?;
        let now = Utc::now();
        let mut row = risks::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(org_id.to_owned()),
            owner_id: Set(new.owner_id.clone()),
            created_by: Set(actor.user_id.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        set_fields(&mut row, &checked);
        let row = row.insert(&txn).await?;
        links.replace(&txn, &row.id).await?;
        let details = risk_json(&checked, row.owner_id.as_deref(), &links);
        let event = AuditEvent::new("risk.create", "risk", Some(&row.id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(Risk {
            id: row.id,
            org_id: row.org_id,
            risk: checked,
            owner_id: row.owner_id,
            links,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// The rules of a risk's status and links: who may accept, the reason,
    /// closing with open POA&M items, and every link the organisation's.
    async fn check_risk_rules<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: &str,
        before: Option<RiskStatus>,
        after: &CheckedRisk,
        links: &RiskLinks,
    ) -> Result<(), ServiceError> {
        if after.status == RiskStatus::Accepted && before != Some(RiskStatus::Accepted) {
            actor.authorize(Action::RiskAccept, org_id, "organization")?;
        }
        links.check(db, org_id).await?;
        let open = links.open_poam_items(db).await?;
        risk::check_status(before, after, open)
            .map_err(|(field, message)| ServiceError::unprocessable(field, message))
    }

    /// Refuses an owner who is not a user of the organisation.
    async fn owner_of_org<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        owner_id: Option<&str>,
    ) -> Result<(), ServiceError> {
        let Some(owner_id) = owner_id else { return Ok(()) };
        let found = users::Entity::find_by_id(owner_id.to_owned())
            .filter(users::Column::OrgId.eq(org_id))
            .count(db)
            .await?;
        if found == 0 {
            return Err(ServiceError::unprocessable("owner_id", "not a user of the organisation"));
        }
        Ok(())
    }

    /// One risk the actor may use for `action` (another organisation's: not found).
    async fn risk_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        risk_id: &str,
        action: Action,
    ) -> Result<risks::Model, ServiceError> {
        let row = risks::Entity::find_by_id(risk_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("risk"))?;
        actor.authorize(action, &row.org_id, "risk")?;
        Ok(row)
    }

    async fn risk_from_row<C: ConnectionTrait>(
        &self,
        db: &C,
        row: risks::Model,
    ) -> Result<Risk, ServiceError> {
        let links = RiskLinks::of(db, &row.id).await?;
        with_links(row, links)
    }

    /// Rows with their links, read in one query.
    async fn risks_from_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<risks::Model>,
    ) -> Result<Vec<Risk>, ServiceError> {
        let mut links = RiskLinks::of_many(db, rows.iter().map(|r| r.id.clone()).collect()).await?;
        rows.into_iter()
            .map(|row| {
                let of_row = links.remove(&row.id).unwrap_or_default();
                with_links(row, of_row)
            })
            .collect()
    }

    /// One risk.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_risk(&self, actor: &Actor, risk_id: &str) -> Result<Risk, ServiceError> {
        let row = self.risk_row(&self.db, actor, risk_id, Action::AssessmentRead).await?;
        self.risk_from_row(&self.db, row).await
    }

    /// A page of the register, highest score first.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation; 400 for a bad filter.
    pub async fn list_risks(
        &self,
        actor: &Actor,
        org_id: &str,
        filter: RiskFilter,
    ) -> Result<(Vec<Risk>, u64), ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let mut query = risks::Entity::find().filter(risks::Column::OrgId.eq(org_id));
        if let Some(status) = &filter.status {
            let status: RiskStatus =
                status.parse().map_err(|e| ServiceError::invalid("status", e))?;
            query = query.filter(risks::Column::Status.eq(status.as_str()));
        }
        if let Some(band) = &filter.band {
            let band: RiskBand = band.parse().map_err(|e| ServiceError::invalid("band", e))?;
            let (low, high) = band_range(band);
            let score = Expr::col(risks::Column::Likelihood).mul(Expr::col(risks::Column::Impact));
            query = query.filter(score.between(low, high));
        }
        if let Some(category) = &filter.category {
            query = query.filter(risks::Column::Category.eq(category.trim()));
        }
        if let Some(owner_id) = &filter.owner_id {
            query = query.filter(risks::Column::OwnerId.eq(owner_id.as_str()));
        }
        let total = query.clone().count(&self.db).await?;
        let score = Expr::col(risks::Column::Likelihood).mul(Expr::col(risks::Column::Impact));
        let rows = query
            .order_by(score, Order::Desc)
            .order_by_asc(risks::Column::Title)
            .order_by_asc(risks::Column::Id)
            .offset(filter.page.offset())
            .limit(filter.page.per_page())
            .all(&self.db)
            .await?;
        Ok((self.risks_from_rows(&self.db, rows).await?, total))
    }

    /// Changes a risk; a status of `accepted` needs `risk.accept` and a
    /// reason. Audited as `risk.update` with before and after.
    ///
    /// # Errors
    /// As [`Services::create_risk`]; [`ServiceError::NotFound`].
    pub async fn update_risk(
        &self,
        actor: &Actor,
        risk_id: &str,
        changes: RiskChanges,
    ) -> Result<Risk, ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.risk_row(&txn, actor, risk_id, Action::RiskManage).await?;
        let org_id = row.org_id.clone();
        let before = self.risk_from_row(&txn, row.clone()).await?;
        let after = risk::check(&changed(&before.risk, &changes)).map_err(first_problem)?;
        let links = before.links.with_changes(&changes)?;
        self.check_risk_rules(&txn, actor, &org_id, Some(before.risk.status), &after, &links)
            .await?;
        let owner_id = changes.owner_id.clone().unwrap_or_else(|| before.owner_id.clone());
        self.owner_of_org(&txn, &org_id, owner_id.as_deref()).await?;
        let mut active = row.into_active_model();
        set_fields(&mut active, &after);
        active.owner_id = Set(owner_id.clone());
        active.updated_at = Set(Utc::now());
        let saved = active.update(&txn).await?;
        links.replace(&txn, risk_id).await?;
        let details = json!({
            "before": risk_json(&before.risk, before.owner_id.as_deref(), &before.links),
            "after": risk_json(&after, owner_id.as_deref(), &links),
        });
        let event = AuditEvent::new("risk.update", "risk", Some(risk_id), details);
        txn.commit(&Author::from(actor), Some(&org_id), event).await?;
        Ok(Risk { risk: after, owner_id, links, updated_at: saved.updated_at, ..before })
    }

    /// Removes a risk and its links. Audited as `risk.delete`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn delete_risk(&self, actor: &Actor, risk_id: &str) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.risk_row(&txn, actor, risk_id, Action::RiskManage).await?;
        risk_links::Entity::delete_many()
            .filter(risk_links::Column::RiskId.eq(risk_id))
            .exec(&txn)
            .await?;
        risks::Entity::delete_by_id(risk_id.to_owned()).exec(&txn).await?;
        let details = json!({ "title": row.title, "status": row.status });
        let event = AuditEvent::new("risk.delete", "risk", Some(risk_id), details);
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await
    }
}
