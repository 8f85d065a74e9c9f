//! An assessment's scope: the assets it covers, copied as they were when
//! the scope was set (like the practices it assesses), with the counts per
//! category and the warnings of 32 CFR 170.19 (`cmmc_domain::scope`).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::scope::{self, ScopeProvider, ScopeWarning, ScopedAsset};
use cmmc_domain::{AssetCategory, AssetType, Level};
use cmmc_store::entities::{assessment_scope_assets as scoped, assets, providers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{corrupt, ensure_writable};
use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// The most assets one scope holds.
pub const MAX_SCOPE: usize = 20_000;

/// An asset as the scope recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeAsset {
    pub asset_id: String,
    pub asset_tag: String,
    pub name: String,
    pub asset_type: AssetType,
    pub category: AssetCategory,
    pub description: Option<String>,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub provider_id: Option<String>,
    pub scoped_at: DateTime<Utc>,
}

/// An assessment's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub assessment_id: String,
    pub assets: Vec<ScopeAsset>,
    pub counts: BTreeMap<&'static str, u64>,
    pub warnings: Vec<ScopeWarning>,
}

impl TryFrom<scoped::Model> for ScopeAsset {
    type Error = ServiceError;

    fn try_from(row: scoped::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            asset_type: row.asset_type.parse().map_err(corrupt)?,
            category: row.category.parse().map_err(corrupt)?,
            asset_id: row.asset_id,
            asset_tag: row.asset_tag,
            name: row.name,
            description: row.description,
            handles_cui: row.handles_cui,
            handles_fci: row.handles_fci,
            provider_id: row.provider_id,
            scoped_at: row.scoped_at,
        })
    }
}

fn snapshot(assessment_id: &str, asset: assets::Model, now: DateTime<Utc>) -> scoped::ActiveModel {
    use sea_orm::ActiveValue::Set;
    scoped::ActiveModel {
        assessment_id: Set(assessment_id.to_owned()),
        asset_id: Set(asset.id),
        asset_tag: Set(asset.asset_tag),
        name: Set(asset.name),
        asset_type: Set(asset.asset_type),
        category: Set(asset.category),
        description: Set(asset.description),
        handles_cui: Set(asset.handles_cui),
        handles_fci: Set(asset.handles_fci),
        provider_id: Set(asset.provider_id),
        scoped_at: Set(now),
    }
}

impl Services {
    async fn scope_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<Vec<ScopeAsset>, ServiceError> {
        scoped::Entity::find()
            .filter(scoped::Column::AssessmentId.eq(assessment_id))
            .order_by_asc(scoped::Column::AssetTag)
            .all(db)
            .await?
            .into_iter()
            .map(ScopeAsset::try_from)
            .collect()
    }

    /// The scope of `assessment` with its counts and warnings; the
    /// providers' authorisations are read as they are now.
    async fn scope_of<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment: &cmmc_store::entities::assessments::Model,
    ) -> Result<Scope, ServiceError> {
        let assets = self.scope_rows(db, &assessment.id).await?;
        let providers: BTreeMap<String, ScopeProvider> = providers::Entity::find()
            .filter(providers::Column::OrgId.eq(&assessment.org_id))
            .all(db)
            .await?
            .into_iter()
            .map(|p| {
                Ok((
                    p.id,
                    ScopeProvider {
                        name: p.name,
                        kind: p.kind.parse().map_err(corrupt)?,
                        authorization: p.fedramp_authorization.parse().map_err(corrupt)?,
                    },
                ))
            })
            .collect::<Result<_, ServiceError>>()?;
        let level = Level::try_from(assessment.target_level).map_err(corrupt)?;
        let for_rules: Vec<ScopedAsset> = assets
            .iter()
            .map(|a| ScopedAsset {
                asset_id: a.asset_id.clone(),
                asset_tag: a.asset_tag.clone(),
                category: a.category,
                handles_cui: a.handles_cui,
                handles_fci: a.handles_fci,
                documented: a.description.as_deref().is_some_and(|d| !d.trim().is_empty()),
                provider: a.provider_id.as_ref().and_then(|id| providers.get(id).cloned()),
            })
            .collect();
        Ok(Scope {
            assessment_id: assessment.id.clone(),
            counts: scope::counts(&for_rules),
            warnings: scope::warnings(level, &for_rules),
            assets,
        })
    }

    /// An assessment's scope.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_scope(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Scope, ServiceError> {
        let assessment =
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        self.scope_of(&self.db, &assessment).await
    }

    /// The providers that hold assets handling CUI in the assessment's scope.
    pub(crate) async fn cui_providers_in_scope<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let rows = self.scope_rows(db, assessment_id).await?;
        Ok(rows
            .into_iter()
            .filter(|a| a.handles_cui || a.category == AssetCategory::Cui)
            .filter_map(|a| a.provider_id)
            .collect())
    }

    /// Sets an assessment's scope to the organisation's assets `asset_ids`,
    /// copying each as it is now; replaces any earlier scope. Audited as
    /// `assessment.scope` with the assets added and removed.
    ///
    /// # Errors
    /// 400 for too many ids; 422 naming ids the organisation has no asset
    /// for, or given twice; [`ServiceError::Conflict`] for a completed
    /// assessment; [`ServiceError::NotFound`].
    pub async fn set_scope(
        &self,
        actor: &Actor,
        assessment_id: &str,
        asset_ids: &[String],
    ) -> Result<Scope, ServiceError> {
        if asset_ids.len() > MAX_SCOPE {
            return Err(ServiceError::invalid("asset_ids", format!("at most {MAX_SCOPE} assets")));
        }
        let mut unique: Vec<&String> = asset_ids.iter().collect();
        unique.sort();
        if let Some(twice) = unique.windows(2).find(|w| w[0] == w[1]) {
            return Err(ServiceError::unprocessable(
                "asset_ids",
                format!("{} is given twice", twice[0]),
            ));
        }
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::AssessmentManage).await?;
        ensure_writable(&assessment)?;
        let mut found = Vec::with_capacity(asset_ids.len());
        // By primary key alone (a filter on the organisation as well lets
        // PostgreSQL scan the organisation's assets for every id), then
        // another organisation's assets are dropped as not found.
        for chunk in asset_ids.chunks(500) {
            let rows = assets::Entity::find()
                .filter(assets::Column::Id.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?;
            found.extend(rows.into_iter().filter(|a| a.org_id == assessment.org_id));
        }
        if found.len() != asset_ids.len() {
            let missing: Vec<&str> = asset_ids
                .iter()
                .filter(|id| !found.iter().any(|a| &a.id == *id))
                .take(10)
                .map(String::as_str)
                .collect();
            return Err(ServiceError::unprocessable(
                "asset_ids",
                format!("the organisation has no asset {}", missing.join(", ")),
            ));
        }
        let before: Vec<String> =
            self.scope_rows(&txn, assessment_id).await?.into_iter().map(|a| a.asset_id).collect();
        scoped::Entity::delete_many()
            .filter(scoped::Column::AssessmentId.eq(assessment_id))
            .exec(&txn)
            .await?;
        let now = Utc::now();
        let rows: Vec<scoped::ActiveModel> =
            found.into_iter().map(|a| snapshot(assessment_id, a, now)).collect();
        for chunk in rows.chunks(500).map(<[_]>::to_vec) {
            scoped::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        let (old, new): (HashSet<&String>, HashSet<&String>) =
            (before.iter().collect(), asset_ids.iter().collect());
        let added: Vec<&&String> = new.difference(&old).collect();
        let removed: Vec<&&String> = old.difference(&new).collect();
        let details = json!({ "assets": asset_ids.len(), "added": added, "removed": removed });
        let scope = self.scope_of(&txn, &assessment).await?;
        let event = AuditEvent::new("assessment.scope", "assessment", Some(assessment_id), details);
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(scope)
    }
}
