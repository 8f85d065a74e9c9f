//! The asset inventory (32 CFR 170.19 scoping): an organisation's assets,
//! one per tag, kept by whoever may manage assessments and read by everyone
//! who may read them; every change audited. A CSV file of the inventory
//! imports all or nothing (upserting by tag) and exports so that it imports
//! back unchanged. The rules are `cmmc_domain::asset`'s.

mod csv_file;

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::asset::{self, AssetInput, CheckedAsset};
use cmmc_domain::{AssetCategory, AssetType};
use cmmc_store::entities::assets;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

pub use crate::csv_import::ImportReport;

/// An asset of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub id: String,
    pub org_id: String,
    pub asset: CheckedAsset,
    pub provider_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to an asset: `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetChanges {
    pub asset_tag: Option<String>,
    pub name: Option<String>,
    pub asset_type: Option<String>,
    pub category: Option<String>,
    pub owner: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub handles_cui: Option<bool>,
    pub handles_fci: Option<bool>,
    pub provider_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

/// Which assets to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub category: Option<String>,
    pub asset_type: Option<String>,
    pub page: crate::Page,
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored asset is invalid: {what}"))
}

impl TryFrom<assets::Model> for Asset {
    type Error = ServiceError;

    fn try_from(row: assets::Model) -> Result<Self, ServiceError> {
        let tags: Vec<String> = serde_json::from_value(row.tags).map_err(corrupt)?;
        Ok(Self {
            asset: CheckedAsset {
                asset_type: row.asset_type.parse::<AssetType>().map_err(corrupt)?,
                category: row.category.parse::<AssetCategory>().map_err(corrupt)?,
                asset_tag: row.asset_tag,
                name: row.name,
                owner: row.owner,
                location: row.location,
                description: row.description,
                handles_cui: row.handles_cui,
                handles_fci: row.handles_fci,
                tags,
            },
            id: row.id,
            org_id: row.org_id,
            provider_id: row.provider_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The first problem of a checked input as a 400 naming its field.
fn first_problem(problems: Vec<asset::FieldProblem>) -> ServiceError {
    problems.into_iter().next().map_or_else(
        || ServiceError::invalid("asset", "is not valid"),
        |(field, message)| ServiceError::invalid(field, message),
    )
}

/// Writes `asset`'s fields onto `row`.
fn set_fields(row: &mut assets::ActiveModel, asset: &CheckedAsset) {
    row.asset_tag = Set(asset.asset_tag.clone());
    row.name = Set(asset.name.clone());
    row.asset_type = Set(asset.asset_type.as_str().to_owned());
    row.category = Set(asset.category.as_str().to_owned());
    row.owner = Set(asset.owner.clone());
    row.location = Set(asset.location.clone());
    row.description = Set(asset.description.clone());
    row.handles_cui = Set(asset.handles_cui);
    row.handles_fci = Set(asset.handles_fci);
    row.tags = Set(json!(asset.tags));
}

/// A new row of `org_id` holding `asset`.
fn new_row(
    org_id: &str,
    asset: &CheckedAsset,
    provider_id: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> assets::ActiveModel {
    let mut row = assets::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        org_id: Set(org_id.to_owned()),
        provider_id: Set(provider_id),
        created_by: Set(actor.user_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_fields(&mut row, asset);
    row
}

/// `before` with `changes` applied, as input to check.
fn changed(before: &CheckedAsset, changes: AssetChanges) -> AssetInput {
    let keep =
        |value: Option<Option<String>>, old: &Option<String>| value.unwrap_or_else(|| old.clone());
    AssetInput {
        asset_tag: changes.asset_tag.unwrap_or_else(|| before.asset_tag.clone()),
        name: changes.name.unwrap_or_else(|| before.name.clone()),
        asset_type: changes.asset_type.unwrap_or_else(|| before.asset_type.as_str().to_owned()),
        category: changes.category.unwrap_or_else(|| before.category.as_str().to_owned()),
        owner: keep(changes.owner, &before.owner),
        location: keep(changes.location, &before.location),
        description: keep(changes.description, &before.description),
        handles_cui: changes.handles_cui.unwrap_or(before.handles_cui),
        handles_fci: changes.handles_fci.unwrap_or(before.handles_fci),
        tags: changes.tags.unwrap_or_else(|| before.tags.clone()),
    }
}

impl Services {
    /// Adds an asset to the organisation's inventory. Audited as `asset.create`.
    ///
    /// # Errors
    /// 400 naming a bad field; [`ServiceError::Conflict`] for a tag the
    /// organisation uses already; 422 for a provider it does not have.
    pub async fn create_asset(
        &self,
        actor: &Actor,
        org_id: &str,
        input: AssetInput,
        provider_id: Option<&str>,
    ) -> Result<Asset, ServiceError> {
        actor.authorize(Action::AssessmentManage, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let asset = asset::check(&input).map_err(first_problem)?;
        let txn = self.begin_change().await?;
        if let Some(provider_id) = provider_id {
            self.provider_of_org(&txn, org_id, provider_id).await?;
        }
        self.tag_free(&txn, org_id, &asset.asset_tag, None).await?;
        let provider_id = provider_id.map(str::to_owned);
        let row = new_row(org_id, &asset, provider_id, actor, Utc::now()).insert(&txn).await?;
        let details = json!({ "asset_tag": row.asset_tag, "category": row.category });
        let event = AuditEvent::new("asset.create", "asset", Some(&row.id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Asset::try_from(row)
    }

    /// Refuses `tag` when another asset of the organisation has it.
    async fn tag_free<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        tag: &str,
        except: Option<&str>,
    ) -> Result<(), ServiceError> {
        let mut query = assets::Entity::find()
            .filter(assets::Column::OrgId.eq(org_id))
            .filter(assets::Column::AssetTag.eq(tag));
        if let Some(id) = except {
            query = query.filter(assets::Column::Id.ne(id));
        }
        if query.count(db).await? > 0 {
            return Err(ServiceError::Conflict(format!(
                "the organisation has an asset tagged {tag:?} already"
            )));
        }
        Ok(())
    }

    async fn asset_row<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: &str,
        asset_id: &str,
        action: Action,
    ) -> Result<assets::Model, ServiceError> {
        actor.authorize(action, org_id, "organization")?;
        assets::Entity::find_by_id(asset_id.to_owned())
            .filter(assets::Column::OrgId.eq(org_id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("asset"))
    }

    /// One asset.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_asset(
        &self,
        actor: &Actor,
        org_id: &str,
        asset_id: &str,
    ) -> Result<Asset, ServiceError> {
        Asset::try_from(
            self.asset_row(&self.db, actor, org_id, asset_id, Action::AssessmentRead).await?,
        )
    }

    /// A page of the inventory by tag, optionally of one category or type.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation; 400 for a bad filter.
    pub async fn list_assets(
        &self,
        actor: &Actor,
        org_id: &str,
        filter: AssetFilter,
    ) -> Result<(Vec<Asset>, u64), ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let mut query = assets::Entity::find().filter(assets::Column::OrgId.eq(org_id));
        if let Some(category) = &filter.category {
            let category: AssetCategory =
                category.parse().map_err(|e| ServiceError::invalid("category", e))?;
            query = query.filter(assets::Column::Category.eq(category.as_str()));
        }
        if let Some(kind) = &filter.asset_type {
            let kind: AssetType =
                kind.parse().map_err(|e| ServiceError::invalid("asset_type", e))?;
            query = query.filter(assets::Column::AssetType.eq(kind.as_str()));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(assets::Column::AssetTag)
            .offset(filter.page.offset())
            .limit(filter.page.per_page())
            .all(&self.db)
            .await?;
        Ok((rows.into_iter().map(Asset::try_from).collect::<Result<_, _>>()?, total))
    }

    /// Changes an asset. Audited as `asset.update` with each change.
    ///
    /// # Errors
    /// As [`Services::create_asset`]; [`ServiceError::NotFound`].
    pub async fn update_asset(
        &self,
        actor: &Actor,
        org_id: &str,
        asset_id: &str,
        changes: AssetChanges,
    ) -> Result<Asset, ServiceError> {
        let txn = self.begin_change().await?;
        let before =
            self.asset_row(&txn, actor, org_id, asset_id, Action::AssessmentManage).await?;
        if let Some(Some(provider_id)) = &changes.provider_id {
            self.provider_of_org(&txn, org_id, provider_id).await?;
        }
        let provider_change = changes.provider_id.clone();
        let old = Asset::try_from(before.clone())?;
        let asset = asset::check(&changed(&old.asset, changes)).map_err(first_problem)?;
        self.tag_free(&txn, org_id, &asset.asset_tag, Some(asset_id)).await?;
        let mut row = before.into_active_model();
        set_fields(&mut row, &asset);
        if let Some(provider_id) = provider_change {
            row.provider_id = Set(provider_id);
        }
        row.updated_at = Set(Utc::now());
        let after = row.update(&txn).await?;
        let details = json!({
            "before": csv_file::row_json(&old.asset, old.provider_id.as_deref()),
            "after": csv_file::row_json(&asset, after.provider_id.as_deref()),
        });
        let event = AuditEvent::new("asset.update", "asset", Some(asset_id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Asset::try_from(after)
    }

    /// Removes an asset. Audited as `asset.delete`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn delete_asset(
        &self,
        actor: &Actor,
        org_id: &str,
        asset_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.asset_row(&txn, actor, org_id, asset_id, Action::AssessmentManage).await?;
        assets::Entity::delete_by_id(asset_id.to_owned()).exec(&txn).await?;
        self.unlink_risks(&txn, "asset", vec![asset_id.to_owned()]).await?;
        let details = json!({ "asset_tag": row.asset_tag, "name": row.name });
        let event = AuditEvent::new("asset.delete", "asset", Some(asset_id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await
    }
}
