//! The bodies of the DataPact routes: connection, mappings, sync and its log.

use chrono::{DateTime, Utc};
use cmmc_services::datapact::{ContractList, DataPactConnection, Mapping, SyncLog, SyncResult};
use serde::{Deserialize, Serialize};

/// The body of PUT /api/organizations/{org_id}/datapact.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DataPactConnectionRequest)]
pub(crate) struct ConnectionRequest {
    /// An http(s) URL of at most 512 characters that the outbound policy allows (https, and
    /// no loopback, private or link-local address unless `CMMC_OUTBOUND_ALLOW` lists it).
    #[schema(max_length = 512, example = "https://datapact.example")]
    pub(crate) api_url: String,
    /// 1 to 1024 characters; stored encrypted and never returned. Left out: the stored key
    /// stays if the URL is unchanged, and is cleared if the URL changes.
    #[schema(min_length = 1, max_length = 1024)]
    pub(crate) api_key: Option<String>,
}

/// The body of POST /api/organizations/{org_id}/datapact/mappings.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DataPactMappingRequest)]
pub(crate) struct MappingRequest {
    /// A practice of the catalogue, such as `AC.L2-3.1.1`.
    #[schema(example = "AC.L2-3.1.1")]
    pub(crate) practice_id: String,
    /// DataPact's contract id, 1 to 128 characters once trimmed.
    #[schema(min_length = 1, max_length = 128, example = "K-1042")]
    pub(crate) datapact_contract_id: String,
    /// A display name, at most 256 characters.
    #[schema(max_length = 256, example = "Prime contract")]
    pub(crate) datapact_contract_name: Option<String>,
}

/// The body of PATCH /api/organizations/{org_id}/datapact/mappings/{mapping_id}: a field
/// left out is kept; a `null` name clears it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DataPactMappingUpdate)]
pub(crate) struct UpdateMappingRequest {
    /// DataPact's contract id, 1 to 128 characters once trimmed.
    #[schema(min_length = 1, max_length = 128)]
    pub(crate) datapact_contract_id: Option<String>,
    /// A display name, at most 256 characters.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(max_length = 256, example = "Prime contract (renewed)")]
    pub(crate) datapact_contract_name: Option<Option<String>>,
}

/// An organisation's DataPact connection: never the key.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactConnection)]
pub(crate) struct ConnectionDto<'a> {
    api_url: Option<&'a str>,
    /// Whether an API key is stored.
    api_key_set: bool,
}

impl<'a> From<&'a DataPactConnection> for ConnectionDto<'a> {
    fn from(c: &'a DataPactConnection) -> Self {
        Self { api_url: c.api_url.as_deref(), api_key_set: c.api_key_set }
    }
}

/// A practice mapped to a DataPact contract.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactMapping)]
pub(crate) struct MappingDto<'a> {
    id: &'a str,
    org_id: &'a str,
    practice_id: String,
    datapact_contract_id: &'a str,
    datapact_contract_name: Option<&'a str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Mapping> for MappingDto<'a> {
    fn from(m: &'a Mapping) -> Self {
        Self {
            id: &m.id,
            org_id: &m.org_id,
            practice_id: m.practice_id.to_string(),
            datapact_contract_id: &m.datapact_contract_id,
            datapact_contract_name: m.datapact_contract_name.as_deref(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// DataPact's contract list, passed on as DataPact sent it (its text sanitised).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactContractList)]
pub(crate) struct ContractListDto<'a> {
    /// DataPact's `items` (or `results`): the contracts, as DataPact describes them.
    #[schema(value_type = Vec<Object>)]
    items: &'a serde_json::Value,
    /// DataPact's `total`, or the number of items when it gave none.
    #[schema(value_type = u64)]
    total: &'a serde_json::Value,
}

impl<'a> From<&'a ContractList> for ContractListDto<'a> {
    fn from(c: &'a ContractList) -> Self {
        Self { items: &c.items, total: &c.total }
    }
}

/// What happened to one mapped practice during a sync.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactSyncResult)]
pub(crate) struct SyncResultDto<'a> {
    practice_id: &'a str,
    datapact_contract_id: &'a str,
    /// `success`, `error` or `timeout`.
    outcome: &'static str,
    /// The status DataPact suggests: `met`, `partially_met`, `not_met` or `not_evaluated`;
    /// null when the call failed.
    suggested_status: Option<&'static str>,
    /// How the call failed: `timeout`, `unreachable`, `unauthorized`, `not_found`,
    /// `rate_limited`, `server_error`, `invalid_response` or `blocked`; null on success.
    error_kind: Option<&'static str>,
    /// What failed, in words; null on success.
    error: Option<&'a str>,
}

impl<'a> From<&'a SyncResult> for SyncResultDto<'a> {
    fn from(r: &'a SyncResult) -> Self {
        Self {
            practice_id: &r.practice_id,
            datapact_contract_id: &r.datapact_contract_id,
            outcome: r.outcome.as_str(),
            suggested_status: r.suggested_status.map(|s| s.as_str()),
            error_kind: r.error_kind,
            error: r.error.as_deref(),
        }
    }
}

/// The answer of a sync: how many mapped practices synced and failed, and each one's result.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactSyncReport)]
pub(crate) struct SyncReportDto<'a> {
    pub(crate) synced: usize,
    pub(crate) failed: usize,
    /// One per mapped practice of the assessment, by practice id.
    pub(crate) results: Vec<SyncResultDto<'a>>,
}

/// One call to DataPact, as logged (never the key).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DataPactSyncLog)]
pub(crate) struct SyncLogDto<'a> {
    id: &'a str,
    org_id: &'a str,
    assessment_id: Option<&'a str>,
    practice_id: Option<String>,
    /// The request as made: method and URL (and the Retry-After waited for a retry).
    #[schema(value_type = Option<Object>)]
    request_payload: Option<&'a serde_json::Value>,
    /// DataPact's answer, when it gave one.
    #[schema(value_type = Option<Object>)]
    response_payload: Option<&'a serde_json::Value>,
    /// `success`, `error` or `timeout`.
    status: &'static str,
    error_message: Option<&'a str>,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a SyncLog> for SyncLogDto<'a> {
    fn from(l: &'a SyncLog) -> Self {
        Self {
            id: &l.id,
            org_id: &l.org_id,
            assessment_id: l.assessment_id.as_deref(),
            practice_id: l.practice_id.map(|p| p.to_string()),
            request_payload: l.request_payload.as_ref(),
            response_payload: l.response_payload.as_ref(),
            status: l.status.as_str(),
            error_message: l.error_message.as_deref(),
            created_at: l.created_at,
        }
    }
}
