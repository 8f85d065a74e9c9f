//! Affirmations (32 CFR 170.22) and the organisation's standing. An
//! affirmation is made once and never changed; making one is audited. The
//! rules of when one is due and what is missing or expiring are
//! `cmmc_domain::affirmation`'s.

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::affirmation::{self, Problem, Standing};
use cmmc_domain::{AssessmentStatus, Email, Level};
use cmmc_store::entities::{affirmations, assessments, organizations, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// An affirmation, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAffirmation {
    /// The completed assessment it affirms; None for the current status.
    pub assessment_id: Option<String>,
    /// The signed-in user, when they affirm in their own name as a senior
    /// official of the organisation; None for a named person.
    pub official_user_id: Option<String>,
    pub official_name: String,
    pub official_title: String,
    pub official_email: String,
    pub official_phone: Option<String>,
    /// The default statement of its level when None.
    pub statement: Option<String>,
}

/// An affirmation made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affirmation {
    pub id: String,
    pub org_id: String,
    pub assessment_id: Option<String>,
    pub level: Level,
    pub official_name: String,
    pub official_title: String,
    pub official_email: String,
    pub official_phone: Option<String>,
    pub statement: String,
    pub made_by: String,
    /// The senior official's account, when they affirmed in their own name.
    pub official_user_id: Option<String>,
    pub affirmed_at: DateTime<Utc>,
}

impl TryFrom<affirmations::Model> for Affirmation {
    type Error = ServiceError;

    fn try_from(row: affirmations::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            level: Level::try_from(row.level).map_err(|e| {
                ServiceError::Unexpected(anyhow::format_err!("stored affirmation: {e}"))
            })?,
            id: row.id,
            org_id: row.org_id,
            assessment_id: row.assessment_id,
            official_name: row.official_name,
            official_title: row.official_title,
            official_email: row.official_email,
            official_phone: row.official_phone,
            statement: row.statement,
            made_by: row.made_by,
            official_user_id: row.official_user_id,
            affirmed_at: row.affirmed_at,
        })
    }
}

/// The organisation's standing today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliance {
    /// From the latest completed assessment; None before any.
    pub standing: Option<Standing>,
    pub validity_end: Option<NaiveDate>,
    pub next_affirmation_due: Option<NaiveDate>,
    pub problems: Vec<Problem>,
}

fn line(field: &str, value: &str) -> Result<String, ServiceError> {
    cmmc_domain::text::short_text(value, cmmc_domain::text::TITLE_MAX)
        .map_err(|e| ServiceError::invalid(field, e))
}

/// Checked official, phone and statement text (the statement may be None).
struct Official {
    name: String,
    title: String,
    email: String,
    phone: Option<String>,
    statement: Option<String>,
}

impl Official {
    fn check(new: &NewAffirmation) -> Result<Self, ServiceError> {
        let phone = cmmc_domain::ssp::check_phone("official_phone", new.official_phone.as_deref())?;
        let statement = new
            .statement
            .as_deref()
            .map(|s| cmmc_domain::text::long_text(s, cmmc_domain::text::LONG_TEXT_MAX))
            .transpose()
            .map_err(|e| ServiceError::invalid("statement", e))?;
        Ok(Self {
            name: line("official_name", &new.official_name)?,
            title: line("official_title", &new.official_title)?,
            email: Email::parse(&new.official_email)
                .map_err(|e| ServiceError::invalid("official_email", e))?
                .as_str()
                .to_owned(),
            phone,
            statement,
        })
    }
}

/// Checks that `user_id` is the caller, an active senior official of
/// `org_id`, whose account's email is `email` (an affirmation in one's own
/// name carries one's own address).
async fn senior_official<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    org_id: &str,
    user_id: &str,
    email: &str,
) -> Result<(), ServiceError> {
    if user_id != actor.user_id {
        return Err(ServiceError::unprocessable(
            "official_user_id",
            "an official affirms in their own name only: it must be your own user id \
             (record anyone else as a named person, without official_user_id)",
        ));
    }
    let user = users::Entity::find_by_id(user_id.to_owned()).one(db).await?;
    match user {
        Some(u) if u.org_id.as_deref() == Some(org_id) && u.is_active && u.senior_official => {
            if u.email.eq_ignore_ascii_case(email) {
                Ok(())
            } else {
                Err(ServiceError::unprocessable(
                    "official_email",
                    "affirming in your own name, give your own account's email address",
                ))
            }
        }
        _ => Err(ServiceError::unprocessable(
            "official_user_id",
            "you are not marked as a senior official of this organisation \
             (an org_admin marks one with PATCH .../users/{id} {\"senior_official\": true})",
        )),
    }
}

/// The days POA&M closeouts were recorded.
fn closeout_dates(completed: &[assessments::Model]) -> Vec<NaiveDate> {
    completed.iter().filter_map(|a| a.closed_out_at).map(|at| at.date_naive()).collect()
}

impl Services {
    /// Records an affirmation by an Affirming Official, for a completed
    /// assessment of the organisation or for its current status: either a
    /// named person, recorded by whoever may manage assessments, or the
    /// signed-in user in their own name (`official_user_id`), who must be
    /// an active senior official of the organisation.
    ///
    /// # Errors
    /// 400 naming a bad field; [`ServiceError::Unprocessable`] for an
    /// assessment that is not the organisation's, or an `official_user_id`
    /// that is not the caller or not a senior official;
    /// [`ServiceError::Conflict`] for an assessment not completed.
    pub async fn create_affirmation(
        &self,
        actor: &Actor,
        org_id: &str,
        new: NewAffirmation,
    ) -> Result<Affirmation, ServiceError> {
        let action = match new.official_user_id {
            Some(_) => Action::AssessmentRead,
            None => Action::AssessmentManage,
        };
        actor.authorize(action, org_id, "organization")?;
        let official = Official::check(&new)?;
        let txn = self.begin_change().await?;
        if let Some(user_id) = &new.official_user_id {
            senior_official(&txn, actor, org_id, user_id, &official.email).await?;
        }
        let org = organizations::Entity::find_by_id(org_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        let level = match &new.assessment_id {
            Some(id) => self.affirmed_assessment(&txn, org_id, id).await?,
            None => org.target_level,
        };
        let level = Level::try_from(level)
            .map_err(|e| ServiceError::Unexpected(anyhow::format_err!("{e}")))?;
        let now = Utc::now();
        let row = affirmations::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(org_id.to_owned()),
            assessment_id: Set(new.assessment_id.clone()),
            level: Set(level.number()),
            official_name: Set(official.name),
            official_title: Set(official.title),
            official_email: Set(official.email),
            official_phone: Set(official.phone),
            statement: Set(official
                .statement
                .unwrap_or_else(|| affirmation::default_statement(&org.name, level))),
            made_by: Set(actor.user_id.clone()),
            official_user_id: Set(new.official_user_id.clone()),
            affirmed_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let details = json!({ "assessment_id": row.assessment_id, "level": row.level, "official_name": row.official_name, "official_title": row.official_title, "official_user_id": row.official_user_id });
        let event = AuditEvent::new("affirmation.create", "affirmation", Some(&row.id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Affirmation::try_from(row)
    }

    /// The level of a completed assessment of `org_id` being affirmed.
    async fn affirmed_assessment<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        assessment_id: &str,
    ) -> Result<i32, ServiceError> {
        let row = assessments::Entity::find_by_id(assessment_id.to_owned())
            .filter(assessments::Column::OrgId.eq(org_id))
            .one(db)
            .await?
            .ok_or_else(|| {
                ServiceError::unprocessable(
                    "assessment_id",
                    "is not an assessment of the organisation",
                )
            })?;
        if row.status != AssessmentStatus::Completed.as_str() {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}: an affirmation follows its completion",
                row.status
            )));
        }
        Ok(row.target_level)
    }

    /// The organisation's affirmations, newest first.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn list_affirmations(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Vec<Affirmation>, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        affirmations::Entity::find()
            .filter(affirmations::Column::OrgId.eq(org_id))
            .order_by_desc(affirmations::Column::AffirmedAt)
            .order_by_asc(affirmations::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Affirmation::try_from)
            .collect()
    }

    /// The organisation's standing today: its status from the latest
    /// completed assessment, when the next affirmation is due, and what is
    /// missing or expiring.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn compliance(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Compliance, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let completed = assessments::Entity::find()
            .filter(assessments::Column::OrgId.eq(org_id))
            .filter(assessments::Column::Status.eq(AssessmentStatus::Completed.as_str()))
            .order_by_desc(assessments::Column::CompletedAt)
            .all(&self.db)
            .await?;
        let mut triggers: Vec<NaiveDate> =
            completed.iter().filter_map(|a| a.completed_at).map(|at| at.date_naive()).collect();
        triggers.extend(closeout_dates(&completed));
        let last_affirmation = affirmations::Entity::find()
            .filter(affirmations::Column::OrgId.eq(org_id))
            .order_by_desc(affirmations::Column::AffirmedAt)
            .one(&self.db)
            .await?
            .map(|a| a.affirmed_at.date_naive());
        let standing = completed.first().and_then(|a| {
            Some(Standing {
                level: Level::try_from(a.target_level).ok()?,
                cmmc_status: crate::sprs_record::stored_status(a.cmmc_status.as_deref()),
                sprs_score: a.sprs_score,
                status_date: a.completed_at?.date_naive(),
                closeout_deadline: a.conditional_deadline,
            })
        });
        let next = affirmation::next_affirmation_due(&triggers, last_affirmation);
        let today = Utc::now().date_naive();
        let validity_end = standing.as_ref().and_then(|s| {
            cmmc_domain::sprs_record::validity_end(s.level, s.cmmc_status, s.status_date)
        });
        let problems = affirmation::problems(standing.as_ref(), next, today);
        Ok(Compliance { standing, validity_end, next_affirmation_due: next, problems })
    }
}
