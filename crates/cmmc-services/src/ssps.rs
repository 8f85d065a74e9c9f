//! System security plans (CA.L2-3.12.4): versions, their people and CAGE
//! codes, an implementation statement per requirement of the plan's level,
//! publishing (after which a version never changes) and new versions copied
//! from the last. Whoever may manage assessments manages SSPs; everyone who
//! may read the organisation's assessments reads them. Every change is
//! audited. The rules are `cmmc_domain::ssp`'s.

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::ssp::{self, Person, PersonInput, SspRuleError};
use cmmc_domain::{ImplementationStatus, Level, SspScopeType, SspStatus};
use cmmc_store::entities::{cmmc_practices, ssp_statements, ssps};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::{Actor, ServiceError, Services};

/// A person as given (see `cmmc_domain::ssp::check_people`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFields {
    pub role: String,
    pub name: String,
    pub title: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

/// A new SSP, as given; its first version is a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSsp {
    pub name: String,
    pub version: String,
    /// The CMMC level it covers; the organisation's target level when None.
    pub level: Option<i64>,
    pub system_description: String,
    pub scope_type: String,
    pub boundary_description: String,
    pub environment: Option<String>,
    pub cage_codes: Vec<String>,
    pub people: Vec<PersonFields>,
}

/// Changes to a draft: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SspChanges {
    pub name: Option<String>,
    pub version: Option<String>,
    pub system_description: Option<String>,
    pub scope_type: Option<String>,
    pub boundary_description: Option<String>,
    /// `Some(None)` clears it.
    pub environment: Option<Option<String>>,
    pub cage_codes: Option<Vec<String>>,
    pub people: Option<Vec<PersonFields>>,
}

/// One SSP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssp {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub version: String,
    pub level: Level,
    /// The version's date: the day it was published.
    pub ssp_date: Option<NaiveDate>,
    pub system_description: String,
    pub scope_type: SspScopeType,
    pub boundary_description: String,
    pub environment: Option<String>,
    pub cage_codes: Vec<String>,
    pub people: Vec<Person>,
    pub status: SspStatus,
    pub previous_id: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A statement as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementFields {
    pub implementation_status: String,
    pub narrative: String,
    pub responsible_role: Option<String>,
    pub planned_date: Option<NaiveDate>,
    pub objectives: Vec<String>,
}

/// One requirement's implementation statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SspStatement {
    pub id: String,
    pub ssp_id: String,
    pub practice_id: String,
    pub implementation_status: ImplementationStatus,
    pub narrative: String,
    pub responsible_role: Option<String>,
    pub planned_date: Option<NaiveDate>,
    pub objectives: Vec<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored SSP is invalid: {what}"))
}

impl From<SspRuleError> for ServiceError {
    fn from(err: SspRuleError) -> Self {
        match err {
            SspRuleError::Field { field, message } => Self::InvalidInput { field, message },
            SspRuleError::Combination { field, message } => Self::Unprocessable { field, message },
        }
    }
}

fn people_json(people: &[Person]) -> Json {
    Json::Array(
        people
            .iter()
            .map(|p| json!({ "role": p.role.as_str(), "name": p.name, "title": p.title, "email": p.email, "phone": p.phone }))
            .collect(),
    )
}

fn people_of(value: &Json) -> Result<Vec<Person>, ServiceError> {
    let items = value.as_array().ok_or_else(|| corrupt("people is not a list"))?;
    let text = |p: &Json, k: &str| p.get(k).and_then(Json::as_str).map(str::to_owned);
    items
        .iter()
        .map(|p| {
            Ok(Person {
                role: text(p, "role").unwrap_or_default().parse().map_err(corrupt)?,
                name: text(p, "name").unwrap_or_default(),
                title: text(p, "title"),
                email: text(p, "email").unwrap_or_default(),
                phone: text(p, "phone"),
            })
        })
        .collect()
}

fn strings_of(value: &Json) -> Result<Vec<String>, ServiceError> {
    serde_json::from_value(value.clone()).map_err(corrupt)
}

impl TryFrom<ssps::Model> for Ssp {
    type Error = ServiceError;

    fn try_from(row: ssps::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            level: Level::try_from(row.level).map_err(corrupt)?,
            scope_type: row.scope_type.parse().map_err(corrupt)?,
            status: row.status.parse().map_err(corrupt)?,
            cage_codes: strings_of(&row.cage_codes)?,
            people: people_of(&row.people)?,
            id: row.id,
            org_id: row.org_id,
            name: row.name,
            version: row.version,
            ssp_date: row.ssp_date,
            system_description: row.system_description,
            boundary_description: row.boundary_description,
            environment: row.environment,
            previous_id: row.previous_id,
            published_at: row.published_at,
            published_by: row.published_by,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl TryFrom<ssp_statements::Model> for SspStatement {
    type Error = ServiceError;

    fn try_from(row: ssp_statements::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            implementation_status: row.implementation_status.parse().map_err(corrupt)?,
            objectives: strings_of(&row.objectives)?,
            id: row.id,
            ssp_id: row.ssp_id,
            practice_id: row.practice_id,
            narrative: row.narrative,
            responsible_role: row.responsible_role,
            planned_date: row.planned_date,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
        })
    }
}

fn short(field: &str, value: &str, max: usize) -> Result<String, ServiceError> {
    cmmc_domain::text::short_text(value, max).map_err(|e| ServiceError::invalid(field, e))
}

fn long(field: &str, value: &str) -> Result<String, ServiceError> {
    cmmc_domain::text::long_text(value, cmmc_domain::text::LONG_TEXT_MAX)
        .map_err(|e| ServiceError::invalid(field, e))
}

fn optional_long(field: &str, value: Option<&str>) -> Result<Option<String>, ServiceError> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(|v| long(field, v)).transpose()
}

/// The longest SSP version label.
const VERSION_MAX: usize = 64;

fn checked_people(people: &[PersonFields]) -> Result<Vec<Person>, ServiceError> {
    let inputs: Vec<PersonInput<'_>> = people
        .iter()
        .map(|p| PersonInput {
            role: &p.role,
            name: &p.name,
            title: p.title.as_deref(),
            email: &p.email,
            phone: p.phone.as_deref(),
        })
        .collect();
    Ok(ssp::check_people(&inputs)?)
}

fn checked_cage_codes(codes: &[String]) -> Result<Vec<String>, ServiceError> {
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    Ok(ssp::check_cage_codes(&codes)?)
}

fn scope(value: &str) -> Result<SspScopeType, ServiceError> {
    value.parse().map_err(|e| ServiceError::invalid("scope_type", e))
}

/// The lettered objective labels of a catalogue practice.
fn objective_labels(practice: &cmmc_practices::Model) -> Result<Vec<String>, ServiceError> {
    let lines = strings_of(&practice.assessment_objectives)?;
    Ok(lines
        .iter()
        .filter_map(|line| cmmc_domain::ObjectiveLine::parse(line))
        .filter(|o| o.kind == cmmc_domain::ObjectiveKind::Lettered)
        .map(|o| o.label.to_owned())
        .collect())
}

/// A published version answers 409 to every change.
fn ensure_draft(row: &ssps::Model) -> Result<(), ServiceError> {
    if row.status == SspStatus::Published.as_str() {
        return Err(ServiceError::Conflict(
            "a published SSP version is immutable: start a new version (POST /api/ssps/{id}/versions)".into(),
        ));
    }
    Ok(())
}

mod write;

impl Services {
    /// One SSP version the actor may use for `action` (another
    /// organisation's answers not found).
    pub(crate) async fn ssp_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        ssp_id: &str,
        action: Action,
    ) -> Result<ssps::Model, ServiceError> {
        let row = ssps::Entity::find_by_id(ssp_id.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("SSP"))?;
        actor.authorize(action, &row.org_id, "SSP")?;
        Ok(row)
    }

    /// One SSP version.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn get_ssp(&self, actor: &Actor, ssp_id: &str) -> Result<Ssp, ServiceError> {
        Ssp::try_from(self.ssp_row(&self.db, actor, ssp_id, Action::AssessmentRead).await?)
    }

    /// The organisation's SSP versions, by name and then newest first.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn list_ssps(&self, actor: &Actor, org_id: &str) -> Result<Vec<Ssp>, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        ssps::Entity::find()
            .filter(ssps::Column::OrgId.eq(org_id))
            .order_by_asc(ssps::Column::Name)
            .order_by_desc(ssps::Column::CreatedAt)
            .order_by_asc(ssps::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Ssp::try_from)
            .collect()
    }

    /// The statements of an SSP version, in catalogue order.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn list_ssp_statements(
        &self,
        actor: &Actor,
        ssp_id: &str,
    ) -> Result<Vec<SspStatement>, ServiceError> {
        let row = self.ssp_row(&self.db, actor, ssp_id, Action::AssessmentRead).await?;
        let order: Vec<String> =
            self.ssp_practices(&self.db, &row).await?.into_iter().map(|p| p.practice_id).collect();
        let mut statements: Vec<SspStatement> = ssp_statements::Entity::find()
            .filter(ssp_statements::Column::SspId.eq(ssp_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(SspStatement::try_from)
            .collect::<Result<_, _>>()?;
        statements.sort_by_key(|s| order.iter().position(|p| *p == s.practice_id));
        Ok(statements)
    }

    /// The requirements an SSP version states, in catalogue order.
    async fn ssp_practices<C: ConnectionTrait>(
        &self,
        db: &C,
        row: &ssps::Model,
    ) -> Result<Vec<cmmc_practices::Model>, ServiceError> {
        let level = Level::try_from(row.level).map_err(corrupt)?;
        self.practices_for_level(db, level).await
    }

    /// The audit event of a change to an SSP version.
    fn ssp_event(action: &str, id: &str, details: Json) -> AuditEvent {
        AuditEvent::new(action, "ssp", Some(id), details)
    }
}

/// A fresh draft row of `org_id`, its content to be set.
fn draft_row(org_id: &str, actor: &Actor, now: DateTime<Utc>) -> ssps::ActiveModel {
    ssps::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        org_id: Set(org_id.to_owned()),
        status: Set(SspStatus::Draft.as_str().to_owned()),
        ssp_date: Set(None),
        previous_id: Set(None),
        published_at: Set(None),
        published_by: Set(None),
        created_by: Set(actor.user_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_errors_become_400_or_422() {
        let field = SspRuleError::Field { field: "name".into(), message: "x".into() };
        assert!(matches!(ServiceError::from(field), ServiceError::InvalidInput { .. }));
        let both = SspRuleError::Combination { field: "planned_date".into(), message: "x".into() };
        assert!(matches!(ServiceError::from(both), ServiceError::Unprocessable { .. }));
    }

    #[test]
    fn people_round_trip_through_their_json() {
        let people = checked_people(&[PersonFields {
            role: "security_official".into(),
            name: "Sam Lee".into(),
            title: Some("ISSO".into()),
            email: "sam@example.com".into(),
            phone: None,
        }])
        .unwrap();
        assert_eq!(people_of(&people_json(&people)).unwrap(), people);
        assert!(people_of(&json!({})).is_err());
    }
}
