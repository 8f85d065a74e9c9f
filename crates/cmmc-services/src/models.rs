//! What the services answer about findings, POA&Ms, evidence and DataPact,
//! as typed values: each converts from its stored row here, in one place, so
//! no caller sees a row or a status as a bare string.
//!
//! A row whose stored value breaks a rule (a status outside its set) is a
//! corrupt database, reported as [`ServiceError::Unexpected`].

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_domain::{
    FindingStatus, FindingType, PoamItemStatus, PoamStatus, PracticeId, ReviewStatus, Severity,
    SyncStatus,
};
use cmmc_store::entities::{
    datapact_practice_mappings, datapact_sync_logs, evidence, findings, poam_items, poams,
};
use serde_json::Value as Json;

use crate::ServiceError;

fn parsed<T: std::str::FromStr>(table: &str, column: &str, value: &str) -> Result<T, ServiceError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|err| {
        ServiceError::Unexpected(anyhow::format_err!("{table}.{column} holds {value:?}: {err}"))
    })
}

fn practice(table: &str, value: Option<String>) -> Result<Option<PracticeId>, ServiceError> {
    value.map(|id| parsed(table, "practice_id", &id)).transpose()
}

/// A finding of an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: String,
    pub assessment_id: String,
    /// The practice it is about, if any.
    pub practice_id: Option<PracticeId>,
    pub finding_type: FindingType,
    pub severity: Severity,
    pub title: String,
    pub description: Option<String>,
    pub status: FindingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<findings::Model> for Finding {
    type Error = ServiceError;

    fn try_from(row: findings::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            practice_id: practice("findings", row.practice_id)?,
            finding_type: parsed("findings", "finding_type", &row.finding_type)?,
            severity: parsed("findings", "severity", &row.severity)?,
            status: parsed("findings", "status", &row.status)?,
            id: row.id,
            assessment_id: row.assessment_id,
            title: row.title,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A POA&M without its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoamSummary {
    pub id: String,
    pub org_id: String,
    pub assessment_id: String,
    pub title: String,
    pub status: PoamStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<poams::Model> for PoamSummary {
    type Error = ServiceError;

    fn try_from(row: poams::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            status: parsed("poams", "status", &row.status)?,
            id: row.id,
            org_id: row.org_id,
            assessment_id: row.assessment_id,
            title: row.title,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// One milestone of a POA&M, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoamItemRecord {
    pub id: String,
    pub poam_id: String,
    pub finding_id: Option<String>,
    pub practice_id: Option<PracticeId>,
    pub milestone: String,
    pub scheduled_completion: Option<NaiveDate>,
    pub actual_completion: Option<NaiveDate>,
    pub status: PoamItemStatus,
    pub resources_required: Option<String>,
    pub point_of_contact: Option<String>,
    pub risk_accepted: bool,
    /// Whether the requirement may be on a POA&M at all (32 CFR 170.21).
    pub poam_eligible: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<poam_items::Model> for PoamItemRecord {
    type Error = ServiceError;

    fn try_from(row: poam_items::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            practice_id: practice("poam_items", row.practice_id)?,
            status: parsed("poam_items", "status", &row.status)?,
            id: row.id,
            poam_id: row.poam_id,
            finding_id: row.finding_id,
            milestone: row.milestone,
            scheduled_completion: row.scheduled_completion,
            actual_completion: row.actual_completion,
            resources_required: row.resources_required,
            point_of_contact: row.point_of_contact,
            risk_accepted: row.risk_accepted,
            poam_eligible: row.poam_eligible,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A piece of evidence: a stored file (named by its SHA-256) or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: String,
    /// The practice answer it is attached to.
    pub assessment_practice_id: String,
    pub title: String,
    pub description: Option<String>,
    pub file_url: Option<String>,
    pub original_filename: Option<String>,
    pub size_bytes: Option<i64>,
    pub media_type: Option<String>,
    pub sha256: Option<String>,
    pub uploaded_by: Option<String>,
    pub review_status: ReviewStatus,
    pub reviewer_id: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<evidence::Model> for Evidence {
    type Error = ServiceError;

    fn try_from(row: evidence::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            review_status: parsed("evidence", "review_status", &row.review_status)?,
            id: row.id,
            assessment_practice_id: row.assessment_practice_id,
            title: row.title,
            description: row.description,
            file_url: row.file_url,
            original_filename: row.original_filename,
            size_bytes: row.size_bytes,
            media_type: row.media_type,
            sha256: row.sha256,
            uploaded_by: row.uploaded_by,
            reviewer_id: row.reviewer_id,
            reviewed_at: row.reviewed_at,
            review_comment: row.review_comment,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A practice mapped to a DataPact contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub id: String,
    pub org_id: String,
    pub practice_id: PracticeId,
    pub datapact_contract_id: String,
    pub datapact_contract_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<datapact_practice_mappings::Model> for Mapping {
    type Error = ServiceError;

    fn try_from(row: datapact_practice_mappings::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            practice_id: parsed("datapact_practice_mappings", "practice_id", &row.practice_id)?,
            id: row.id,
            org_id: row.org_id,
            datapact_contract_id: row.datapact_contract_id,
            datapact_contract_name: row.datapact_contract_name,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// One call to DataPact, as logged (never the key).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncLog {
    pub id: String,
    pub org_id: String,
    pub assessment_id: Option<String>,
    pub practice_id: Option<PracticeId>,
    pub request_payload: Option<Json>,
    pub response_payload: Option<Json>,
    pub status: SyncStatus,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<datapact_sync_logs::Model> for SyncLog {
    type Error = ServiceError;

    fn try_from(row: datapact_sync_logs::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            practice_id: practice("datapact_sync_logs", row.practice_id)?,
            status: parsed("datapact_sync_logs", "status", &row.status)?,
            id: row.id,
            org_id: row.org_id,
            assessment_id: row.assessment_id,
            request_payload: row.request_payload,
            response_payload: row.response_payload,
            error_message: row.error_message,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Converts rows, stopping at the first corrupt one.
pub(crate) fn all<R, T: TryFrom<R, Error = ServiceError>>(
    rows: Vec<R>,
) -> Result<Vec<T>, ServiceError> {
    rows.into_iter().map(T::try_from).collect()
}
