//! Organisations: the tenants.

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::{CageCode, EntityId, Level};
use cmmc_store::entities::organizations;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, PaginatorTrait, QueryOrder,
    QuerySelect,
};
use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// An organisation as callers see it: never its DataPact key, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub target_level: Level,
    pub datapact_api_url: Option<String>,
    pub datapact_api_key_set: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<organizations::Model> for Organization {
    type Error = ServiceError;

    fn try_from(row: organizations::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            target_level: Level::try_from(row.target_level)
                .map_err(|err| anyhow::format_err!("stored organisation: {err}"))?,
            id: row.id,
            name: row.name,
            cage_code: row.cage_code,
            duns_number: row.duns_number,
            datapact_api_url: row.datapact_api_url,
            datapact_api_key_set: row.datapact_api_key.is_some(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A new organisation, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: String,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub target_level: i64,
}

/// Changes to an organisation: `None` leaves a field; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub cage_code: Option<Option<String>>,
    pub duns_number: Option<Option<String>>,
    pub target_level: Option<i64>,
}

fn parse_name(name: &str) -> Result<String, ServiceError> {
    cmmc_domain::text::short_text(name, cmmc_domain::text::TITLE_MAX)
        .map_err(|err| ServiceError::invalid("name", err))
}

fn parse_cage(cage: Option<&str>) -> Result<Option<String>, ServiceError> {
    cage.filter(|c| !c.trim().is_empty())
        .map(|c| {
            CageCode::parse(c)
                .map(CageCode::into_inner)
                .map_err(|err| ServiceError::invalid("cage_code", err))
        })
        .transpose()
}

fn parse_duns(duns: Option<&str>) -> Result<Option<String>, ServiceError> {
    duns.filter(|d| !d.trim().is_empty())
        .map(|d| {
            EntityId::parse(d)
                .map(EntityId::into_inner)
                .map_err(|err| ServiceError::invalid("duns_number", err))
        })
        .transpose()
}

fn parse_level(level: i64) -> Result<Level, ServiceError> {
    Level::from_number(level).map_err(|err| ServiceError::invalid("target_level", err))
}

/// Records `field` in `changes` when it changed.
fn diff(changes: &mut Map<String, Json>, field: &str, before: Json, after: Json) {
    if before != after {
        changes.insert(field.to_owned(), json!({ "before": before, "after": after }));
    }
}

impl Services {
    /// Creates an organisation (system administrators only).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; [`ServiceError::InvalidInput`] for a bad
    /// field; [`ServiceError::Conflict`] for a CAGE code already in use.
    pub async fn create_organization(
        &self,
        actor: &Actor,
        new: NewOrganization,
    ) -> Result<Organization, ServiceError> {
        actor.require(Action::OrganizationCreate)?;
        let name = parse_name(&new.name)?;
        let cage_code = parse_cage(new.cage_code.as_deref())?;
        let duns_number = parse_duns(new.duns_number.as_deref())?;
        let target_level = parse_level(new.target_level)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let row = organizations::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            name: Set(name),
            cage_code: Set(cage_code),
            duns_number: Set(duns_number),
            target_level: Set(target_level.number()),
            datapact_api_url: Set(None),
            datapact_api_key: Set(None),
            mfa_policy: Set(cmmc_domain::MfaPolicy::None.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let event = AuditEvent::new(
            "organization.create",
            "organization",
            Some(&row.id),
            json!({ "name": row.name, "cage_code": row.cage_code, "duns_number": row.duns_number, "target_level": row.target_level }),
        );
        txn.commit(&Author::from(actor), Some(&row.id), event).await?;
        Organization::try_from(row)
    }

    /// One organisation the actor may see.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a missing or another organisation.
    pub async fn get_organization(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Organization, ServiceError> {
        actor.authorize(Action::OrganizationRead, org_id, "organization")?;
        let row = organizations::Entity::find_by_id(org_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        Organization::try_from(row)
    }

    /// The organisations the actor may see (a system administrator: all), by name.
    ///
    /// # Errors
    /// Database errors only.
    pub async fn list_organizations(
        &self,
        actor: &Actor,
        page: crate::Page,
    ) -> Result<(Vec<Organization>, u64), ServiceError> {
        actor.require(Action::OrganizationRead)?;
        let Some(query) = actor
            .visible_orgs(None)
            .scope(organizations::Entity::find(), organizations::Column::Id)
        else {
            return Ok((Vec::new(), 0));
        };
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(organizations::Column::Name)
            .order_by_asc(organizations::Column::Id)
            .offset(page.offset())
            .limit(page.per_page())
            .all(&self.db)
            .await?;
        let items = rows.into_iter().map(Organization::try_from).collect::<Result<_, _>>()?;
        Ok((items, total))
    }

    /// Changes an organisation (its org_admin, or a system administrator).
    ///
    /// # Errors
    /// As for create; [`ServiceError::NotFound`] for another organisation.
    pub async fn update_organization(
        &self,
        actor: &Actor,
        org_id: &str,
        changes: OrganizationChanges,
    ) -> Result<Organization, ServiceError> {
        actor.authorize(Action::OrganizationUpdate, org_id, "organization")?;
        let name = changes.name.as_deref().map(parse_name).transpose()?;
        let cage_code = changes.cage_code.as_ref().map(|c| parse_cage(c.as_deref())).transpose()?;
        let duns_number =
            changes.duns_number.as_ref().map(|d| parse_duns(d.as_deref())).transpose()?;
        let target_level = changes.target_level.map(parse_level).transpose()?;
        let txn = self.begin_change().await?;
        let before = organizations::Entity::find_by_id(org_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        let mut active = before.clone().into_active_model();
        if let Some(name) = name {
            active.name = Set(name);
        }
        if let Some(cage_code) = cage_code {
            active.cage_code = Set(cage_code);
        }
        if let Some(duns_number) = duns_number {
            active.duns_number = Set(duns_number);
        }
        if let Some(level) = target_level {
            active.target_level = Set(level.number());
        }
        active.updated_at = Set(Utc::now());
        let after = active.update(&txn).await?;
        let mut changed = Map::new();
        diff(&mut changed, "name", json!(before.name), json!(after.name));
        diff(&mut changed, "cage_code", json!(before.cage_code), json!(after.cage_code));
        diff(&mut changed, "duns_number", json!(before.duns_number), json!(after.duns_number));
        diff(&mut changed, "target_level", json!(before.target_level), json!(after.target_level));
        let event = AuditEvent::new(
            "organization.update",
            "organization",
            Some(org_id),
            Json::Object(changed),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Organization::try_from(after)
    }
}
