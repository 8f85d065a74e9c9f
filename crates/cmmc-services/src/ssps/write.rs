//! The changes to SSPs: create, edit a draft, state a requirement, publish,
//! start a new version. Each is one transaction with its audit row.

use super::{
    NewSsp, Ssp, SspChanges, SspStatement, StatementFields, VERSION_MAX, checked_cage_codes,
    checked_people, draft_row, ensure_draft, long, objective_labels, optional_long, people_json,
    people_of, scope, short,
};
use chrono::Utc;
use cmmc_domain::access::Action;
use cmmc_domain::ssp::{self, StatementInput};
use cmmc_domain::{Level, SspStatus};
use cmmc_store::entities::{ssp_statements, ssps};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::audit::Author;
use crate::{Actor, ServiceError, Services};

impl Services {
    /// Creates the first version of an SSP, as a draft.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] naming the field; [`ServiceError::Conflict`]
    /// when the organisation has an SSP of that name and version.
    pub async fn create_ssp(
        &self,
        actor: &Actor,
        org_id: &str,
        new: NewSsp,
    ) -> Result<Ssp, ServiceError> {
        actor.authorize(Action::AssessmentManage, org_id, "organization")?;
        let name = short("name", &new.name, cmmc_domain::text::TITLE_MAX)?;
        let version = short("version", &new.version, VERSION_MAX)?;
        let level = new
            .level
            .map(|n| Level::from_number(n).map_err(|e| ServiceError::invalid("level", e)))
            .transpose()?;
        let mut row = draft_row(org_id, actor, Utc::now());
        row.name = Set(name);
        row.version = Set(version);
        row.system_description = Set(long("system_description", &new.system_description)?);
        row.scope_type = Set(scope(&new.scope_type)?.as_str().to_owned());
        row.boundary_description = Set(long("boundary_description", &new.boundary_description)?);
        row.environment = Set(optional_long("environment", new.environment.as_deref())?);
        row.cage_codes = Set(json!(checked_cage_codes(&new.cage_codes)?));
        row.people = Set(people_json(&checked_people(&new.people)?));
        let txn = self.begin_change().await?;
        let org = cmmc_store::entities::organizations::Entity::find_by_id(org_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        let level = level.map_or(org.target_level, Level::number);
        row.level = Set(level);
        let row = row.insert(&txn).await?;
        let details = json!({ "name": row.name, "version": row.version, "level": row.level });
        let event = Self::ssp_event("ssp.create", &row.id, details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ssp::try_from(row)
    }

    /// Changes a draft version; a published one answers 409.
    ///
    /// # Errors
    /// As for create; [`ServiceError::Conflict`] for a published version.
    pub async fn update_ssp(
        &self,
        actor: &Actor,
        ssp_id: &str,
        changes: SspChanges,
    ) -> Result<Ssp, ServiceError> {
        let edit = SspEdit::check(&changes)?;
        let txn = self.begin_change().await?;
        let before = self.ssp_row(&txn, actor, ssp_id, Action::AssessmentManage).await?;
        ensure_draft(&before)?;
        let mut active = before.clone().into_active_model();
        edit.apply(&mut active);
        active.updated_at = Set(Utc::now());
        let after = active.update(&txn).await?;
        let details = changed_fields(&before, &after);
        let event = Self::ssp_event("ssp.update", ssp_id, details);
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        Ssp::try_from(after)
    }

    /// Sets the statement of one requirement of a draft version; answers it
    /// and whether it is new.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a practice not of the version's level;
    /// 400/422 for the statement's rules; 409 for a published version.
    pub async fn put_ssp_statement(
        &self,
        actor: &Actor,
        ssp_id: &str,
        practice_id: &str,
        fields: StatementFields,
    ) -> Result<(SspStatement, bool), ServiceError> {
        let txn = self.begin_change().await?;
        let ssp = self.ssp_row(&txn, actor, ssp_id, Action::AssessmentManage).await?;
        let practices = self.ssp_practices(&txn, &ssp).await?;
        let practice =
            practices.iter().find(|p| p.practice_id == practice_id).ok_or_else(|| {
                ServiceError::not_found(format!("requirement {practice_id} in this SSP's level"))
            })?;
        ensure_draft(&ssp)?;
        let labels = objective_labels(practice)?;
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let objectives: Vec<&str> = fields.objectives.iter().map(String::as_str).collect();
        let input = StatementInput {
            implementation_status: &fields.implementation_status,
            narrative: &fields.narrative,
            responsible_role: fields.responsible_role.as_deref(),
            planned_date: fields.planned_date,
            objectives: &objectives,
        };
        let checked = ssp::check_statement(&input, &labels)?;
        let before = ssp_statements::Entity::find()
            .filter(ssp_statements::Column::SspId.eq(ssp_id))
            .filter(ssp_statements::Column::PracticeId.eq(practice_id))
            .one(&txn)
            .await?;
        let created = before.is_none();
        let now = Utc::now();
        let mut active = before.map_or_else(
            || ssp_statements::ActiveModel {
                id: Set(Uuid::new_v4().to_string()),
                ssp_id: Set(ssp_id.to_owned()),
                practice_id: Set(practice_id.to_owned()),
                created_at: Set(now),
                ..Default::default()
            },
            IntoActiveModel::into_active_model,
        );
        active.implementation_status = Set(checked.implementation_status.as_str().to_owned());
        active.narrative = Set(checked.narrative);
        active.responsible_role = Set(checked.responsible_role);
        active.planned_date = Set(checked.planned_date);
        active.objectives = Set(json!(checked.objectives));
        active.updated_by = Set(actor.user_id.clone());
        active.updated_at = Set(now);
        let row = if created { active.insert(&txn).await? } else { active.update(&txn).await? };
        let details = json!({ "ssp_id": ssp_id, "practice_id": practice_id, "implementation_status": row.implementation_status });
        let event =
            crate::audit::AuditEvent::new("ssp.statement", "ssp_statement", Some(&row.id), details);
        txn.commit(&Author::from(actor), Some(&ssp.org_id), event).await?;
        Ok((SspStatement::try_from(row)?, created))
    }

    /// Publishes a draft: it gets today's date and never changes again.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when it is published already, or names no
    /// system owner or security official, or a requirement has no statement.
    pub async fn publish_ssp(&self, actor: &Actor, ssp_id: &str) -> Result<Ssp, ServiceError> {
        let txn = self.begin_change().await?;
        let before = self.ssp_row(&txn, actor, ssp_id, Action::AssessmentManage).await?;
        if before.status == SspStatus::Published.as_str() {
            return Err(ServiceError::Conflict("this SSP version is published already".into()));
        }
        let stated: Vec<String> = ssp_statements::Entity::find()
            .filter(ssp_statements::Column::SspId.eq(ssp_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| s.practice_id)
            .collect();
        let practices = self.ssp_practices(&txn, &before).await?;
        let missing: Vec<&str> = practices
            .iter()
            .map(|p| p.practice_id.as_str())
            .filter(|p| !stated.iter().any(|s| s == p))
            .collect();
        let roles: Vec<_> = people_of(&before.people)?.iter().map(|p| p.role).collect();
        let problems = ssp::publish_problems(&roles, &missing);
        if !problems.is_empty() {
            return Err(ServiceError::Conflict(format!("cannot publish: {}", problems.join("; "))));
        }
        let now = Utc::now();
        let mut active = before.into_active_model();
        active.status = Set(SspStatus::Published.as_str().to_owned());
        active.ssp_date = Set(Some(now.date_naive()));
        active.published_at = Set(Some(now));
        active.published_by = Set(Some(actor.user_id.clone()));
        active.updated_at = Set(now);
        let after = active.update(&txn).await?;
        let details =
            json!({ "name": after.name, "version": after.version, "ssp_date": after.ssp_date });
        let event = Self::ssp_event("ssp.publish", ssp_id, details);
        txn.commit(&Author::from(actor), Some(&after.org_id), event).await?;
        Ssp::try_from(after)
    }

    /// Starts a new draft version copied from `ssp_id` (its content and
    /// statements), as `version` or the next number.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when the organisation has that version already.
    pub async fn new_ssp_version(
        &self,
        actor: &Actor,
        ssp_id: &str,
        version: Option<&str>,
    ) -> Result<Ssp, ServiceError> {
        let version = version.map(|v| short("version", v, VERSION_MAX)).transpose()?;
        let txn = self.begin_change().await?;
        let from = self.ssp_row(&txn, actor, ssp_id, Action::AssessmentManage).await?;
        let now = Utc::now();
        let mut row = draft_row(&from.org_id, actor, now);
        row.name = Set(from.name.clone());
        row.version = Set(version.unwrap_or_else(|| ssp::next_version(&from.version)));
        row.level = Set(from.level);
        row.system_description = Set(from.system_description.clone());
        row.scope_type = Set(from.scope_type.clone());
        row.boundary_description = Set(from.boundary_description.clone());
        row.environment = Set(from.environment.clone());
        row.cage_codes = Set(from.cage_codes.clone());
        row.people = Set(from.people.clone());
        row.previous_id = Set(Some(from.id.clone()));
        let row = row.insert(&txn).await?;
        let statements = ssp_statements::Entity::find()
            .filter(ssp_statements::Column::SspId.eq(ssp_id))
            .all(&txn)
            .await?;
        let copied = statements.len();
        let copies = statements.into_iter().map(|s| ssp_statements::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            ssp_id: Set(row.id.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            updated_by: Set(actor.user_id.clone()),
            ..s.into_active_model()
        });
        if copied > 0 {
            ssp_statements::Entity::insert_many(copies).exec_without_returning(&txn).await?;
        }
        let details = json!({ "from": ssp_id, "version": row.version, "statements": copied });
        let event = Self::ssp_event("ssp.version", &row.id, details);
        txn.commit(&Author::from(actor), Some(&row.org_id), event).await?;
        Ssp::try_from(row)
    }
}

/// The checked values of [`SspChanges`].
struct SspEdit {
    name: Option<String>,
    version: Option<String>,
    system_description: Option<String>,
    scope_type: Option<String>,
    boundary_description: Option<String>,
    environment: Option<Option<String>>,
    cage_codes: Option<Json>,
    people: Option<Json>,
}

impl SspEdit {
    fn check(changes: &SspChanges) -> Result<Self, ServiceError> {
        let max = cmmc_domain::text::TITLE_MAX;
        Ok(Self {
            name: changes.name.as_deref().map(|v| short("name", v, max)).transpose()?,
            version: changes
                .version
                .as_deref()
                .map(|v| short("version", v, VERSION_MAX))
                .transpose()?,
            system_description: changes
                .system_description
                .as_deref()
                .map(|v| long("system_description", v))
                .transpose()?,
            scope_type: changes
                .scope_type
                .as_deref()
                .map(|v| scope(v).map(|s| s.as_str().to_owned()))
                .transpose()?,
            boundary_description: changes
                .boundary_description
                .as_deref()
                .map(|v| long("boundary_description", v))
                .transpose()?,
            environment: changes
                .environment
                .as_ref()
                .map(|v| optional_long("environment", v.as_deref()))
                .transpose()?,
            cage_codes: changes
                .cage_codes
                .as_deref()
                .map(checked_cage_codes)
                .transpose()?
                .map(|c| json!(c)),
            people: changes
                .people
                .as_deref()
                .map(checked_people)
                .transpose()?
                .map(|p| people_json(&p)),
        })
    }

    fn apply(self, active: &mut ssps::ActiveModel) {
        if let Some(v) = self.name {
            active.name = Set(v);
        }
        if let Some(v) = self.version {
            active.version = Set(v);
        }
        if let Some(v) = self.system_description {
            active.system_description = Set(v);
        }
        if let Some(v) = self.scope_type {
            active.scope_type = Set(v);
        }
        if let Some(v) = self.boundary_description {
            active.boundary_description = Set(v);
        }
        if let Some(v) = self.environment {
            active.environment = Set(v);
        }
        if let Some(v) = self.cage_codes {
            active.cage_codes = Set(v);
        }
        if let Some(v) = self.people {
            active.people = Set(v);
        }
    }
}

/// The fields that changed, before and after (long texts by length only).
fn changed_fields(before: &ssps::Model, after: &ssps::Model) -> Json {
    let mut details = Map::new();
    for (field, b, a) in [
        ("name", json!(before.name), json!(after.name)),
        ("version", json!(before.version), json!(after.version)),
        ("scope_type", json!(before.scope_type), json!(after.scope_type)),
        ("cage_codes", before.cage_codes.clone(), after.cage_codes.clone()),
        ("people", before.people.clone(), after.people.clone()),
    ] {
        if b != a {
            details.insert(field.into(), json!({ "before": b, "after": a }));
        }
    }
    for (field, b, a) in [
        ("system_description", &before.system_description, &after.system_description),
        ("boundary_description", &before.boundary_description, &after.boundary_description),
    ] {
        if b != a {
            details.insert(field.into(), json!({ "changed": true, "length": a.chars().count() }));
        }
    }
    if before.environment != after.environment {
        details.insert("environment".into(), json!({ "changed": true }));
    }
    Json::Object(details)
}
