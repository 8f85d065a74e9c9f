//! An organisation's cloud and external service providers, kept by whoever
//! may manage assessments and read by everyone who may read them; every
//! change audited. Each provider has a customer responsibility matrix
//! (`providers/matrix.rs`), which an assessment applies (`assessments::inheritance`).

mod matrix;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::provider::{self, CheckedProvider, ProviderInput};
use cmmc_domain::{ProviderAuthorization, ProviderKind};
use cmmc_store::entities::{assets, provider_responsibilities, providers};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, Page, ServiceError, Services};

pub use matrix::{MatrixRow, ReplaceReport};

/// A provider of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub id: String,
    pub org_id: String,
    pub provider: CheckedProvider,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to a provider; each field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub authorization: Option<String>,
    pub services: Option<Vec<String>>,
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored provider is invalid: {what}"))
}

impl TryFrom<providers::Model> for Provider {
    type Error = ServiceError;

    fn try_from(row: providers::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            provider: CheckedProvider {
                name: row.name,
                kind: row.kind.parse::<ProviderKind>().map_err(corrupt)?,
                authorization: row
                    .fedramp_authorization
                    .parse::<ProviderAuthorization>()
                    .map_err(corrupt)?,
                services: serde_json::from_value(row.services).map_err(corrupt)?,
            },
            id: row.id,
            org_id: row.org_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The provider's fields as JSON (for the audit trail).
fn provider_json(p: &CheckedProvider) -> serde_json::Value {
    json!({ "name": p.name, "kind": p.kind.as_str(), "authorization": p.authorization.as_str(), "services": p.services })
}

fn first_problem(problems: Vec<provider::FieldProblem>) -> ServiceError {
    problems.into_iter().next().map_or_else(
        || ServiceError::invalid("provider", "is not valid"),
        |(field, message)| ServiceError::invalid(field, message),
    )
}

fn set_fields(row: &mut providers::ActiveModel, p: &CheckedProvider) {
    row.name = Set(p.name.clone());
    row.kind = Set(p.kind.as_str().to_owned());
    row.fedramp_authorization = Set(p.authorization.as_str().to_owned());
    row.services = Set(json!(p.services));
}

impl Services {
    /// The organisation's provider `provider_id`, for an asset or an
    /// assessment to name.
    ///
    /// # Errors
    /// 422 naming `provider_id` when the organisation has no such provider.
    pub(crate) async fn provider_of_org<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        provider_id: &str,
    ) -> Result<providers::Model, ServiceError> {
        providers::Entity::find_by_id(provider_id.to_owned())
            .filter(providers::Column::OrgId.eq(org_id))
            .one(db)
            .await?
            .ok_or_else(|| {
                ServiceError::unprocessable("provider_id", "the organisation has no such provider")
            })
    }

    /// The organisation's providers: id to name.
    pub(crate) async fn provider_names<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
    ) -> Result<HashMap<String, String>, ServiceError> {
        let rows =
            providers::Entity::find().filter(providers::Column::OrgId.eq(org_id)).all(db).await?;
        Ok(rows.into_iter().map(|row| (row.id, row.name)).collect())
    }

    /// One provider the actor may use for `action` (another organisation's
    /// answers not found).
    pub(crate) async fn provider_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        provider_id: &str,
        action: Action,
    ) -> Result<providers::Model, ServiceError> {
        let row = providers::Entity::find_by_id(provider_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("provider"))?;
        actor.authorize(action, &row.org_id, "provider")?;
        Ok(row)
    }

    /// Refuses `name` when another provider of the organisation has it.
    async fn provider_name_free<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        name: &str,
        except: Option<&str>,
    ) -> Result<(), ServiceError> {
        let mut query = providers::Entity::find()
            .filter(providers::Column::OrgId.eq(org_id))
            .filter(providers::Column::Name.eq(name));
        if let Some(id) = except {
            query = query.filter(providers::Column::Id.ne(id));
        }
        if query.count(db).await? > 0 {
            return Err(ServiceError::Conflict(format!(
                "the organisation has a provider named {name:?} already"
            )));
        }
        Ok(())
    }

    /// Adds a provider. Audited as `provider.create`.
    ///
    /// # Errors
    /// 400 naming a bad field; [`ServiceError::Conflict`] for a name the
    /// organisation uses already; [`ServiceError::NotFound`] for another organisation.
    pub async fn create_provider(
        &self,
        actor: &Actor,
        org_id: &str,
        input: ProviderInput,
    ) -> Result<Provider, ServiceError> {
        actor.authorize(Action::AssessmentManage, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let checked = provider::check(&input).map_err(first_problem)?;
        let txn = self.begin_change().await?;
        self.provider_name_free(&txn, org_id, &checked.name, None).await?;
        let now = Utc::now();
        let mut row = providers::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(org_id.to_owned()),
            created_by: Set(actor.user_id.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        set_fields(&mut row, &checked);
        let row = row.insert(&txn).await?;
        let event =
            AuditEvent::new("provider.create", "provider", Some(&row.id), provider_json(&checked));
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Provider::try_from(row)
    }

    /// A page of the organisation's providers, by name.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn list_providers(
        &self,
        actor: &Actor,
        org_id: &str,
        page: Page,
    ) -> Result<(Vec<Provider>, u64), ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let query = providers::Entity::find().filter(providers::Column::OrgId.eq(org_id));
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(providers::Column::Name)
            .offset(page.offset())
            .limit(page.per_page())
            .all(&self.db)
            .await?;
        Ok((rows.into_iter().map(Provider::try_from).collect::<Result<_, _>>()?, total))
    }

    /// One provider.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], also for another organisation's.
    pub async fn get_provider(
        &self,
        actor: &Actor,
        provider_id: &str,
    ) -> Result<Provider, ServiceError> {
        Provider::try_from(
            self.provider_row(&self.db, actor, provider_id, Action::AssessmentRead).await?,
        )
    }

    /// Changes a provider. Audited as `provider.update`, before and after.
    ///
    /// # Errors
    /// As [`Services::create_provider`].
    pub async fn update_provider(
        &self,
        actor: &Actor,
        provider_id: &str,
        changes: ProviderChanges,
    ) -> Result<Provider, ServiceError> {
        let txn = self.begin_change().await?;
        let before = self.provider_row(&txn, actor, provider_id, Action::AssessmentManage).await?;
        let old = Provider::try_from(before.clone())?;
        let input = ProviderInput {
            name: changes.name.unwrap_or_else(|| old.provider.name.clone()),
            kind: changes.kind.unwrap_or_else(|| old.provider.kind.as_str().to_owned()),
            authorization: changes
                .authorization
                .unwrap_or_else(|| old.provider.authorization.as_str().to_owned()),
            services: changes.services.unwrap_or_else(|| old.provider.services.clone()),
        };
        let checked = provider::check(&input).map_err(first_problem)?;
        self.provider_name_free(&txn, &old.org_id, &checked.name, Some(provider_id)).await?;
        let mut row = before.into_active_model();
        set_fields(&mut row, &checked);
        row.updated_at = Set(Utc::now());
        let after = row.update(&txn).await?;
        let details =
            json!({ "before": provider_json(&old.provider), "after": provider_json(&checked) });
        let event = AuditEvent::new("provider.update", "provider", Some(provider_id), details);
        txn.commit(&Author::from(actor), Some(&old.org_id), event).await?;
        Provider::try_from(after)
    }

    /// Removes a provider and its responsibility matrix. What assessments
    /// inherited from it stays as recorded (each objective's source keeps
    /// the provider's name). Audited as `provider.delete`.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] while assets of the inventory name it;
    /// [`ServiceError::NotFound`].
    pub async fn delete_provider(
        &self,
        actor: &Actor,
        provider_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let row = self.provider_row(&txn, actor, provider_id, Action::AssessmentManage).await?;
        let named = assets::Entity::find()
            .filter(assets::Column::ProviderId.eq(provider_id))
            .count(&txn)
            .await?;
        if named > 0 {
            return Err(ServiceError::Conflict(format!(
                "{named} asset(s) name this provider: give them another provider or none first"
            )));
        }
        let matrix = provider_responsibilities::Entity::delete_many()
            .filter(provider_responsibilities::Column::ProviderId.eq(provider_id))
            .exec(&txn)
            .await?;
        providers::Entity::delete_by_id(provider_id.to_owned()).exec(&txn).await?;
        let details = json!({ "name": row.name, "responsibilities": matrix.rows_affected });
        let event = AuditEvent::new("provider.delete", "provider", Some(provider_id), details);
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await
    }
}
