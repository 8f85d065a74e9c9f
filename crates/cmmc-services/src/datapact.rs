//! DataPact: the connection settings (the API key encrypted at rest), the
//! practice-to-contract mappings, and syncing suggested statuses into an
//! assessment. Every assumption about DataPact's API lives in [`client`];
//! every call to it writes a `datapact_sync_logs` row, without secrets.

use std::time::Duration;

use chrono::Utc;
use cmmc_domain::access::Action;
use cmmc_domain::{PracticeId, PracticeStatus, SyncStatus};
use cmmc_store::entities::{
    assessment_practices, assessments, cmmc_practices, datapact_practice_mappings,
    datapact_sync_logs, organizations,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::keys::Keys;
use crate::{Actor, ServiceError, Services};

pub mod client;

use client::{DataPactClient, DataPactError};

/// DataPact's contracts, passed on as DataPact sent them (sanitised).
#[derive(Debug, Clone, PartialEq)]
pub struct ContractList {
    /// Its `items` (or `results`): the contracts.
    pub items: Json,
    /// Its `total`, or the number of items when it gave none.
    pub total: Json,
}

/// How calls to DataPact behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPactSettings {
    /// The longest one call may take.
    pub timeout: Duration,
    /// The longest a 429's Retry-After is honoured (once).
    pub max_retry_after: Duration,
    /// Where calls may go: https only, never to loopback, private or
    /// link-local addresses unless allowed.
    pub outbound: crate::outbound::OutboundPolicy,
}

impl Default for DataPactSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
            outbound: crate::outbound::OutboundPolicy::default(),
        }
    }
}

/// An organisation's DataPact connection, as callers see it: never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPactConnection {
    pub api_url: Option<String>,
    pub api_key_set: bool,
}

pub use crate::models::{Mapping, SyncLog};

/// What happened to one mapped practice during a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResult {
    pub practice_id: String,
    pub datapact_contract_id: String,
    pub outcome: SyncStatus,
    /// The status DataPact suggests (met, partially_met, not_met, not_evaluated).
    pub suggested_status: Option<PracticeStatus>,
    /// timeout, unreachable, unauthorized, not_found, rate_limited, server_error, invalid_response.
    pub error_kind: Option<&'static str>,
    pub error: Option<String>,
}

/// DataPact's compliance status as a practice status: compliant -> met,
/// partial -> partially_met, non_compliant -> not_met, anything else -> not_evaluated.
#[must_use]
pub fn suggested_status(datapact_status: &str) -> PracticeStatus {
    match datapact_status {
        "compliant" => PracticeStatus::Met,
        "partial" => PracticeStatus::PartiallyMet,
        "non_compliant" => PracticeStatus::NotMet,
        _ => PracticeStatus::NotEvaluated,
    }
}

/// Seals an API key (`crate::sealed`), bound to its organisation.
fn encrypt(keys: &Keys, org_id: &str, api_key: &str) -> Result<String, ServiceError> {
    crate::sealed::seal(keys, org_id, api_key.as_bytes())
}

/// Opens a stored API key.
fn decrypt(keys: &Keys, org_id: &str, stored: &str) -> Result<String, ServiceError> {
    let plain = crate::sealed::open(keys, org_id, stored, "DataPact key")?;
    String::from_utf8(plain).map_err(|_| {
        ServiceError::Unexpected(anyhow::format_err!("the stored DataPact key is not text"))
    })
}

fn check_url(url: &str) -> Result<String, ServiceError> {
    let url = url.trim().trim_end_matches('/').to_owned();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 512
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(url)
    } else {
        Err(ServiceError::invalid("api_url", "must be an http(s) URL of at most 512 characters"))
    }
}

/// Checks a new mapping's practice id, contract id and contract name, in that
/// order; answers the contract id as stored.
fn check_new_mapping(
    practice_id: &str,
    contract_id: &str,
    contract_name: Option<&str>,
) -> Result<String, ServiceError> {
    practice_id.parse::<PracticeId>().map_err(|err| ServiceError::invalid("practice_id", err))?;
    let contract_id = cmmc_domain::text::short_text(contract_id, 128)
        .map_err(|err| ServiceError::invalid("datapact_contract_id", err))?;
    if contract_id.len() > 128 {
        return Err(ServiceError::invalid("datapact_contract_id", "must be 1 to 128 characters"));
    }
    check_contract_name(contract_name)?;
    Ok(contract_id)
}

/// Checks a changed contract id (1 to 128 characters once trimmed); answers it trimmed.
fn check_contract_id(contract_id: Option<&str>) -> Result<Option<&str>, ServiceError> {
    let contract_id = contract_id.map(str::trim);
    if contract_id.is_some_and(|c| c.is_empty() || c.len() > 128) {
        return Err(ServiceError::invalid("datapact_contract_id", "must be 1 to 128 characters"));
    }
    Ok(contract_id)
}

/// Checks a contract display name: at most 256 characters.
fn check_contract_name(contract_name: Option<&str>) -> Result<(), ServiceError> {
    if contract_name.is_some_and(|n| n.chars().count() > 256) {
        return Err(ServiceError::invalid(
            "datapact_contract_name",
            "must be at most 256 characters",
        ));
    }
    Ok(())
}

/// A mapping with a new contract id and/or display name (`None` leaves it).
fn changed_mapping(
    before: &datapact_practice_mappings::Model,
    contract_id: Option<&str>,
    contract_name: Option<Option<String>>,
) -> datapact_practice_mappings::ActiveModel {
    let mut active = before.clone().into_active_model();
    if let Some(contract_id) = contract_id {
        active.datapact_contract_id = Set(contract_id.to_owned());
    }
    if let Some(name) = contract_name {
        active.datapact_contract_name = Set(name);
    }
    active.updated_at = Set(Utc::now());
    active
}

/// The audit details of a mapping update: its contract id and name, before and after.
fn mapping_changes(
    before: &datapact_practice_mappings::Model,
    after: &datapact_practice_mappings::Model,
) -> Json {
    json!({
        "datapact_contract_id": { "before": before.datapact_contract_id, "after": after.datapact_contract_id },
        "datapact_contract_name": { "before": before.datapact_contract_name, "after": after.datapact_contract_name },
    })
}

/// What one sync works with, for each mapped practice.
struct SyncRun<'a> {
    actor: &'a Actor,
    assessment_id: &'a str,
    org_id: &'a str,
    client: &'a DataPactClient,
}

/// The result for a mapped practice whose DataPact call failed.
fn failed_sync(mapping: datapact_practice_mappings::Model, err: &DataPactError) -> SyncResult {
    SyncResult {
        practice_id: mapping.practice_id,
        datapact_contract_id: mapping.datapact_contract_id,
        outcome: if matches!(err, DataPactError::Timeout) {
            SyncStatus::Timeout
        } else {
            SyncStatus::Error
        },
        suggested_status: None,
        error_kind: Some(err.kind()),
        error: Some(err.to_string()),
    }
}

impl Services {
    async fn org_for(
        &self,
        actor: &Actor,
        org_id: &str,
        action: Action,
    ) -> Result<organizations::Model, ServiceError> {
        actor.authorize(action, org_id, "organization")?;
        organizations::Entity::find_by_id(org_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))
    }

    /// The organisation's DataPact connection (whether a key is set, never the key).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn datapact_connection(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<DataPactConnection, ServiceError> {
        let org = self.org_for(actor, org_id, Action::DataPactConfigure).await?;
        Ok(DataPactConnection {
            api_url: org.datapact_api_url,
            api_key_set: org.datapact_api_key.is_some(),
        })
    }

    /// Sets the organisation's DataPact URL and (optionally) key; the key is
    /// encrypted with AES-256-GCM under a key derived from `CMMC_SECRET_KEY`.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when no server secret is configured;
    /// [`ServiceError::InvalidInput`] for a bad URL or key.
    pub async fn set_datapact_connection(
        &self,
        actor: &Actor,
        org_id: &str,
        api_url: &str,
        api_key: Option<&str>,
    ) -> Result<DataPactConnection, ServiceError> {
        let api_url = self.check_connection(api_url, api_key)?;
        let txn = self.begin_change().await?;
        actor.authorize(Action::DataPactConfigure, org_id, "organization")?;
        let before = organizations::Entity::find_by_id(org_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        let mut active = before.clone().into_active_model();
        let url_changed = before.datapact_api_url.as_deref() != Some(api_url.as_str());
        active.datapact_api_url = Set(Some(api_url.clone()));
        match api_key {
            Some(key) => {
                active.datapact_api_key = Set(Some(encrypt(&self.keys, org_id, key.trim())?))
            }
            // A key is only ever sent to the URL it was given for: a new URL
            // without a new key clears it, so nobody can redirect the key elsewhere.
            None if url_changed => active.datapact_api_key = Set(None),
            None => {}
        }
        active.updated_at = Set(Utc::now());
        let after = active.update(&txn).await?;
        let event = AuditEvent::new(
            "datapact.configure",
            "organization",
            Some(org_id),
            json!({
                "api_url": { "before": before.datapact_api_url, "after": after.datapact_api_url },
                "api_key_changed": api_key.is_some(),
                "api_key_cleared": api_key.is_none() && url_changed && before.datapact_api_key.is_some(),
            }),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(DataPactConnection {
            api_url: after.datapact_api_url,
            api_key_set: after.datapact_api_key.is_some(),
        })
    }

    /// Checks a DataPact URL (also against the outbound policy) and key (which
    /// needs a server secret to be stored); answers the URL as stored.
    fn check_connection(
        &self,
        api_url: &str,
        api_key: Option<&str>,
    ) -> Result<String, ServiceError> {
        let api_url = check_url(api_url)?;
        let parsed = reqwest::Url::parse(&api_url)
            .map_err(|err| ServiceError::invalid("api_url", format!("is not a URL: {err}")))?;
        self.datapact
            .outbound
            .check_url(&parsed)
            .map_err(|err| ServiceError::unprocessable("api_url", err))?;
        if let Some(key) = api_key {
            if key.trim().is_empty() || key.len() > 1024 {
                return Err(ServiceError::invalid("api_key", "must be 1 to 1024 characters"));
            }
            if !self.secret_configured {
                return Err(ServiceError::Conflict(
                    "CMMC_SECRET_KEY is not configured: the server refuses to store a DataPact key it could not protect".into(),
                ));
            }
        }
        Ok(api_url)
    }

    fn client_for(&self, org: &organizations::Model) -> Result<DataPactClient, ServiceError> {
        let (Some(url), Some(stored)) = (&org.datapact_api_url, &org.datapact_api_key) else {
            return Err(ServiceError::Conflict(
                "DataPact is not configured for this organisation".into(),
            ));
        };
        let key = decrypt(&self.keys, &org.id, stored)?;
        DataPactClient::new(url, key, &self.datapact)
    }

    async fn log_call(
        &self,
        org_id: &str,
        assessment_id: Option<&str>,
        practice_id: Option<&str>,
        request: Json,
        outcome: &Result<Json, DataPactError>,
    ) -> Result<(), ServiceError> {
        let now = Utc::now();
        let (status, response, error) = match outcome {
            Ok(body) => (SyncStatus::Success, Some(body.clone()), None),
            Err(DataPactError::Timeout) => {
                (SyncStatus::Timeout, None, Some(DataPactError::Timeout.to_string()))
            }
            Err(err) => (SyncStatus::Error, err.body().cloned(), Some(err.to_string())),
        };
        datapact_sync_logs::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(org_id.to_owned()),
            assessment_id: Set(assessment_id.map(str::to_owned)),
            practice_id: Set(practice_id.map(str::to_owned)),
            request_payload: Set(Some(request)),
            response_payload: Set(response),
            status: Set(status.as_str().to_owned()),
            error_message: Set(error),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Logs every attempt; answers the last one's outcome.
    async fn log_calls(
        &self,
        org_id: &str,
        assessment_id: Option<&str>,
        practice_id: Option<&str>,
        attempts: Vec<(Json, Result<Json, DataPactError>)>,
    ) -> Result<Result<Json, DataPactError>, ServiceError> {
        let mut last = Err(DataPactError::InvalidResponse("no call was made".into()));
        for (request, outcome) in attempts {
            self.log_call(org_id, assessment_id, practice_id, request, &outcome).await?;
            last = outcome;
        }
        Ok(last)
    }

    /// DataPact's contract list, for the mapping screen, as DataPact gives it.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when DataPact is not configured;
    /// [`ServiceError::Upstream`] for each kind of DataPact failure.
    pub async fn datapact_contracts(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<ContractList, ServiceError> {
        let org = self.org_for(actor, org_id, Action::DataPactConfigure).await?;
        let client = self.client_for(&org)?;
        let outcome = self.log_calls(org_id, None, None, client.list_contracts().await).await?;
        let body = outcome
            .map_err(|err| ServiceError::Upstream { kind: err.kind(), message: err.to_string() })?;
        let items =
            body.get("items").or_else(|| body.get("results")).cloned().unwrap_or_else(|| json!([]));
        let total = body
            .get("total")
            .cloned()
            .unwrap_or_else(|| json!(items.as_array().map_or(0, Vec::len)));
        Ok(ContractList { items, total })
    }

    /// The organisation's practice -> contract mappings.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn list_mappings(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Vec<Mapping>, ServiceError> {
        self.org_for(actor, org_id, Action::AssessmentRead).await?;
        let rows = datapact_practice_mappings::Entity::find()
            .filter(datapact_practice_mappings::Column::OrgId.eq(org_id))
            .order_by_asc(datapact_practice_mappings::Column::PracticeId)
            .order_by_asc(datapact_practice_mappings::Column::DatapactContractId)
            .all(&self.db)
            .await?;
        crate::models::all(rows)
    }

    /// Maps a practice to a DataPact contract.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for an unknown practice or empty contract id;
    /// [`ServiceError::Conflict`] for a mapping that exists.
    pub async fn create_mapping(
        &self,
        actor: &Actor,
        org_id: &str,
        practice_id: &str,
        contract_id: &str,
        contract_name: Option<String>,
    ) -> Result<Mapping, ServiceError> {
        let contract_id = check_new_mapping(practice_id, contract_id, contract_name.as_deref())?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        actor.authorize(Action::DataPactConfigure, org_id, "organization")?;
        self.check_mapping_target(&txn, org_id, practice_id, &contract_id).await?;
        let row = datapact_practice_mappings::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            org_id: Set(org_id.to_owned()),
            practice_id: Set(practice_id.to_owned()),
            datapact_contract_id: Set(contract_id.clone()),
            datapact_contract_name: Set(contract_name),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let event = AuditEvent::new(
            "datapact_mapping.create",
            "datapact_mapping",
            Some(&row.id),
            json!({ "practice_id": practice_id, "datapact_contract_id": contract_id, "datapact_contract_name": row.datapact_contract_name }),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Mapping::try_from(row)
    }

    /// Checks a new mapping's target: the organisation exists, the practice
    /// is in the catalogue, and it is not mapped to the contract yet.
    async fn check_mapping_target<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        practice_id: &str,
        contract_id: &str,
    ) -> Result<(), ServiceError> {
        if organizations::Entity::find_by_id(org_id.to_owned()).one(db).await?.is_none() {
            return Err(ServiceError::not_found("organization"));
        }
        if cmmc_practices::Entity::find()
            .filter(cmmc_practices::Column::PracticeId.eq(practice_id))
            .count(db)
            .await?
            == 0
        {
            return Err(ServiceError::unprocessable(
                "practice_id",
                format!("{practice_id} is not in the catalogue"),
            ));
        }
        self.ensure_unmapped(db, org_id, practice_id, contract_id).await
    }

    /// Refuses a second mapping of a practice to the same contract
    /// ([`ServiceError::Conflict`]).
    async fn ensure_unmapped<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        practice_id: &str,
        contract_id: &str,
    ) -> Result<(), ServiceError> {
        let taken = datapact_practice_mappings::Entity::find()
            .filter(datapact_practice_mappings::Column::OrgId.eq(org_id))
            .filter(datapact_practice_mappings::Column::PracticeId.eq(practice_id))
            .filter(datapact_practice_mappings::Column::DatapactContractId.eq(contract_id))
            .count(db)
            .await?;
        if taken > 0 {
            return Err(ServiceError::Conflict(format!(
                "{practice_id} is already mapped to contract {contract_id}"
            )));
        }
        Ok(())
    }

    /// One of the organisation's mappings.
    async fn mapping_row<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        mapping_id: &str,
    ) -> Result<datapact_practice_mappings::Model, ServiceError> {
        datapact_practice_mappings::Entity::find_by_id(mapping_id.to_owned())
            .filter(datapact_practice_mappings::Column::OrgId.eq(org_id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("mapping"))
    }

    /// Changes a mapping's contract id or display name.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`]; [`ServiceError::Conflict`] for a mapping that
    /// would duplicate another; [`ServiceError::NotFound`].
    pub async fn update_mapping(
        &self,
        actor: &Actor,
        org_id: &str,
        mapping_id: &str,
        contract_id: Option<&str>,
        contract_name: Option<Option<String>>,
    ) -> Result<Mapping, ServiceError> {
        let contract_id = check_contract_id(contract_id)?;
        check_contract_name(contract_name.as_ref().and_then(Option::as_deref))?;
        let txn = self.begin_change().await?;
        actor.authorize(Action::DataPactConfigure, org_id, "organization")?;
        let before = self.mapping_row(&txn, org_id, mapping_id).await?;
        if let Some(contract_id) = contract_id
            && contract_id != before.datapact_contract_id
        {
            self.ensure_unmapped(&txn, org_id, &before.practice_id, contract_id).await?;
        }
        let after = changed_mapping(&before, contract_id, contract_name).update(&txn).await?;
        let event = AuditEvent::new(
            "datapact_mapping.update",
            "datapact_mapping",
            Some(mapping_id),
            mapping_changes(&before, &after),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Mapping::try_from(after)
    }

    /// Removes a mapping.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn delete_mapping(
        &self,
        actor: &Actor,
        org_id: &str,
        mapping_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        actor.authorize(Action::DataPactConfigure, org_id, "organization")?;
        let row = self.mapping_row(&txn, org_id, mapping_id).await?;
        datapact_practice_mappings::Entity::delete_by_id(mapping_id.to_owned()).exec(&txn).await?;
        let event = AuditEvent::new(
            "datapact_mapping.delete",
            "datapact_mapping",
            Some(mapping_id),
            json!({ "practice_id": row.practice_id, "datapact_contract_id": row.datapact_contract_id }),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(())
    }

    /// Fetches the compliance of every mapped contract and records DataPact's
    /// suggested status beside each practice (`datapact_sync_status`), never
    /// touching the assessor's own status. One failing contract does not stop
    /// the others; the answer says per practice what happened.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when DataPact is not configured or the assessment is completed.
    pub async fn sync_datapact(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<Vec<SyncResult>, ServiceError> {
        let org = self.org_to_sync(actor, assessment_id).await?;
        let client = self.client_for(&org)?;
        let mappings = datapact_practice_mappings::Entity::find()
            .filter(datapact_practice_mappings::Column::OrgId.eq(&org.id))
            .order_by_asc(datapact_practice_mappings::Column::PracticeId)
            .all(&self.db)
            .await?;
        let run = SyncRun { actor, assessment_id, org_id: &org.id, client: &client };
        let mut results = Vec::new();
        for mapping in mappings {
            if let Some(result) = self.sync_mapping(&run, mapping).await? {
                results.push(result);
            }
        }
        Ok(results)
    }

    /// The organisation of an assessment the actor may sync, while the
    /// assessment is writable.
    async fn org_to_sync(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<organizations::Model, ServiceError> {
        let assessment = assessments::Entity::find_by_id(assessment_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("assessment"))?;
        actor.authorize(Action::DataPactSync, &assessment.org_id, "assessment")?;
        crate::assessments::ensure_writable(&assessment)?;
        organizations::Entity::find_by_id(assessment.org_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))
    }

    /// Syncs one mapped practice: asks DataPact, logs every call, and records
    /// the suggested status; `None` when the assessment has no such practice.
    async fn sync_mapping(
        &self,
        run: &SyncRun<'_>,
        mapping: datapact_practice_mappings::Model,
    ) -> Result<Option<SyncResult>, ServiceError> {
        let Some(answer) = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(run.assessment_id))
            .filter(assessment_practices::Column::PracticeId.eq(&mapping.practice_id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let attempts = run.client.compliance(&mapping.datapact_contract_id).await;
        let outcome = self
            .log_calls(run.org_id, Some(run.assessment_id), Some(&mapping.practice_id), attempts)
            .await?;
        let body = match outcome {
            Ok(body) => body,
            Err(err) => return Ok(Some(failed_sync(mapping, &err))),
        };
        let status = body.get("status").and_then(Json::as_str).unwrap_or_default();
        let suggested = suggested_status(status);
        self.record_suggestion(run, &answer, &mapping, suggested).await?;
        Ok(Some(SyncResult {
            practice_id: mapping.practice_id,
            datapact_contract_id: mapping.datapact_contract_id,
            outcome: SyncStatus::Success,
            suggested_status: Some(suggested),
            error_kind: None,
            error: None,
        }))
    }

    /// Records DataPact's suggested status beside a practice answer (never
    /// its status), as a change of its own.
    async fn record_suggestion(
        &self,
        run: &SyncRun<'_>,
        answer: &assessment_practices::Model,
        mapping: &datapact_practice_mappings::Model,
        suggested: PracticeStatus,
    ) -> Result<(), ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let mut active = answer.clone().into_active_model();
        active.datapact_sync_status = Set(Some(suggested.as_str().to_owned()));
        active.datapact_sync_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        let event = AuditEvent::new(
            "assessment_practice.datapact_sync",
            "assessment_practice",
            Some(&answer.id),
            json!({
                "assessment_id": run.assessment_id, "practice_id": mapping.practice_id,
                "datapact_contract_id": mapping.datapact_contract_id,
                "datapact_sync_status": { "before": answer.datapact_sync_status, "after": suggested.as_str() },
            }),
        );
        txn.commit(&Author::from(run.actor), Some(run.org_id), event).await?;
        Ok(())
    }

    /// The DataPact calls made for an assessment, newest first.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn datapact_logs(
        &self,
        actor: &Actor,
        assessment_id: &str,
        page: crate::Page,
    ) -> Result<(Vec<SyncLog>, u64), ServiceError> {
        let assessment = assessments::Entity::find_by_id(assessment_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("assessment"))?;
        actor.authorize(Action::AssessmentRead, &assessment.org_id, "assessment")?;
        let query = datapact_sync_logs::Entity::find()
            .filter(datapact_sync_logs::Column::AssessmentId.eq(assessment_id));
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(datapact_sync_logs::Column::CreatedAt)
            .order_by_asc(datapact_sync_logs::Column::Id)
            .offset(page.offset())
            .limit(page.per_page())
            .all(&self.db)
            .await?;
        Ok((crate::models::all(rows)?, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datapact_statuses_map_to_practice_statuses() {
        assert_eq!(suggested_status("compliant"), PracticeStatus::Met);
        assert_eq!(suggested_status("partial"), PracticeStatus::PartiallyMet);
        assert_eq!(suggested_status("non_compliant"), PracticeStatus::NotMet);
        assert_eq!(suggested_status("pending_review"), PracticeStatus::NotEvaluated);
        assert_eq!(suggested_status(""), PracticeStatus::NotEvaluated);
    }

    #[test]
    fn keys_round_trip_and_are_bound_to_their_organisation() {
        let keys = Keys::derive("0123456789abcdef0123456789abcdef").unwrap();
        let sealed = encrypt(&keys, "org-a", "dp_live_secret").unwrap();
        assert!(!sealed.contains("dp_live_secret"));
        assert_ne!(
            sealed,
            encrypt(&keys, "org-a", "dp_live_secret").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(decrypt(&keys, "org-a", &sealed).unwrap(), "dp_live_secret");
        assert!(decrypt(&keys, "org-b", &sealed).is_err(), "bound to org-a");
        let other = Keys::derive("another secret, at least 32 characters").unwrap();
        assert!(decrypt(&other, "org-a", &sealed).is_err());
    }

    #[test]
    fn urls_must_be_http() {
        assert_eq!(check_url("https://datapact.example/").unwrap(), "https://datapact.example");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
    }
}
