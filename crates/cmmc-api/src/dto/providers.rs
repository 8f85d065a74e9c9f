//! Providers, their responsibility matrices, assessment scope and applying
//! providers: the bodies.

use std::collections::BTreeMap;

use cmmc_services::assessments::{ApplyReport, Scope, ScopeAsset};
use cmmc_services::providers::{MatrixRow, Provider, ReplaceReport};
use serde::{Deserialize, Serialize};

/// A provider, as given.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewProvider, example = json!({
    "name": "Microsoft 365 GCC High", "kind": "cloud_service_provider",
    "authorization": "fedramp_high", "services": ["Exchange Online", "Entra ID"]
}))]
pub(crate) struct CreateProvider {
    /// Unique in the organisation: 1 to 256 characters on one line.
    #[schema(max_length = 256)]
    pub(crate) name: String,
    /// `cloud_service_provider` or `external_service_provider`.
    #[schema(pattern = "^(cloud_service_provider|external_service_provider)$")]
    pub(crate) kind: String,
    /// `fedramp_moderate`, `fedramp_high`, `fedramp_moderate_equivalent` or `none`.
    #[schema(pattern = "^(fedramp_moderate|fedramp_high|fedramp_moderate_equivalent|none)$")]
    pub(crate) authorization: String,
    /// The services used, up to 50 of up to 256 characters; repeats and blanks are dropped.
    #[serde(default)]
    pub(crate) services: Vec<String>,
}

/// Changes to a provider: a field left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProviderChanges, example = json!({ "authorization": "fedramp_moderate" }))]
pub(crate) struct UpdateProvider {
    #[schema(max_length = 256)]
    pub(crate) name: Option<String>,
    #[schema(pattern = "^(cloud_service_provider|external_service_provider)$")]
    pub(crate) kind: Option<String>,
    #[schema(pattern = "^(fedramp_moderate|fedramp_high|fedramp_moderate_equivalent|none)$")]
    pub(crate) authorization: Option<String>,
    pub(crate) services: Option<Vec<String>>,
}

/// A provider of an organisation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Provider)]
pub(crate) struct ProviderDto<'a> {
    id: &'a str,
    org_id: &'a str,
    name: &'a str,
    kind: &'static str,
    authorization: &'static str,
    /// Whether the authorisation meets DFARS 252.204-7012's bar for CUI in
    /// a cloud (FedRAMP Moderate, High or Moderate equivalent).
    meets_fedramp_moderate: bool,
    services: &'a [String],
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Provider> for ProviderDto<'a> {
    fn from(p: &'a Provider) -> Self {
        Self {
            id: &p.id,
            org_id: &p.org_id,
            name: &p.provider.name,
            kind: p.provider.kind.as_str(),
            authorization: p.provider.authorization.as_str(),
            meets_fedramp_moderate: p.provider.authorization.meets_fedramp_moderate(),
            services: &p.provider.services,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// One row of a customer responsibility matrix, as given.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewResponsibility, example = json!({
    "practice_id": "SC.L2-3.13.1", "objective": "a", "responsibility": "shared",
    "provider_statement": "The provider monitors the boundary of its service."
}))]
pub(crate) struct ResponsibilityBody {
    /// A practice of the catalogue, e.g. `AC.L2-3.1.1`.
    #[schema(max_length = 32)]
    pub(crate) practice_id: String,
    /// An objective's letter (`a`, or `[a]`); null or blank for the whole practice.
    pub(crate) objective: Option<String>,
    /// `inherited` (the provider meets it), `shared` (both do part) or `customer`.
    #[schema(pattern = "^(inherited|shared|customer)$")]
    pub(crate) responsibility: String,
    /// What the provider says it does; required for `shared`. Up to 10,000 characters.
    #[schema(max_length = 10000)]
    pub(crate) provider_statement: Option<String>,
}

/// A provider's whole customer responsibility matrix.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ResponsibilityMatrix)]
pub(crate) struct ReplaceResponsibilities {
    /// Up to 5,000 rows, each practice (and objective) once.
    #[schema(max_items = 5000)]
    pub(crate) responsibilities: Vec<ResponsibilityBody>,
}

/// One row of a customer responsibility matrix.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Responsibility)]
pub(crate) struct ResponsibilityDto<'a> {
    id: &'a str,
    provider_id: &'a str,
    practice_id: String,
    /// Null for the whole practice.
    objective: Option<&'a str>,
    responsibility: &'static str,
    provider_statement: Option<&'a str>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a MatrixRow> for ResponsibilityDto<'a> {
    fn from(r: &'a MatrixRow) -> Self {
        Self {
            id: &r.id,
            provider_id: &r.provider_id,
            practice_id: r.row.practice_id.to_string(),
            objective: r.row.objective.as_deref(),
            responsibility: r.row.responsibility.as_str(),
            provider_statement: r.row.provider_statement.as_deref(),
            updated_at: r.updated_at,
        }
    }
}

/// A matrix as replaced, with what changed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ResponsibilityMatrixReplaced)]
pub(crate) struct ReplacedDto<'a> {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    deleted: u64,
    responsibilities: Vec<ResponsibilityDto<'a>>,
}

impl<'a> ReplacedDto<'a> {
    pub(crate) fn of(report: ReplaceReport, rows: &'a [MatrixRow]) -> Self {
        Self {
            inserted: report.upsert.inserted,
            updated: report.upsert.updated,
            unchanged: report.upsert.unchanged,
            deleted: report.deleted,
            responsibilities: rows.iter().map(ResponsibilityDto::from).collect(),
        }
    }
}

/// The assets an assessment scopes.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ScopeChange, example = json!({ "asset_ids": ["0e7d1c52-8a3b-4f6e-b1d2-9c4a5e6f7a80"] }))]
pub(crate) struct SetScope {
    /// The organisation's assets, each once; up to 20,000. Replaces the scope.
    #[schema(max_items = 20000)]
    pub(crate) asset_ids: Vec<String>,
}

/// An asset as the scope recorded it when it was set.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ScopedAsset)]
pub(crate) struct ScopeAssetDto<'a> {
    asset_id: &'a str,
    asset_tag: &'a str,
    name: &'a str,
    asset_type: &'static str,
    category: &'static str,
    description: Option<&'a str>,
    handles_cui: bool,
    handles_fci: bool,
    provider_id: Option<&'a str>,
    scoped_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a ScopeAsset> for ScopeAssetDto<'a> {
    fn from(a: &'a ScopeAsset) -> Self {
        Self {
            asset_id: &a.asset_id,
            asset_tag: &a.asset_tag,
            name: &a.name,
            asset_type: a.asset_type.as_str(),
            category: a.category.as_str(),
            description: a.description.as_deref(),
            handles_cui: a.handles_cui,
            handles_fci: a.handles_fci,
            provider_id: a.provider_id.as_deref(),
            scoped_at: a.scoped_at,
        }
    }
}

/// A rule of 32 CFR 170.19 (or DFARS 252.204-7012) that a scope breaks.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ScopeWarning)]
pub(crate) struct WarningDto<'a> {
    /// e.g. `no_cui_asset`, `specialized_undocumented`, `out_of_scope_handles_cui`,
    /// `provider_not_fedramp_moderate` (the README lists them all).
    rule: &'static str,
    /// The asset; null for the scope as a whole.
    asset_id: Option<&'a str>,
    /// Why, with the source.
    detail: &'a str,
}

/// An assessment's scope.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentScope)]
pub(crate) struct ScopeDto<'a> {
    assessment_id: &'a str,
    assets: Vec<ScopeAssetDto<'a>>,
    /// Assets per category, every category named.
    counts: &'a BTreeMap<&'static str, u64>,
    warnings: Vec<WarningDto<'a>>,
}

/// The warnings of a scope.
pub(crate) fn warnings(s: &Scope) -> Vec<WarningDto<'_>> {
    s.warnings
        .iter()
        .map(|w| WarningDto { rule: w.rule, asset_id: w.asset_id.as_deref(), detail: &w.detail })
        .collect()
}

impl<'a> From<&'a Scope> for ScopeDto<'a> {
    fn from(s: &'a Scope) -> Self {
        Self {
            assessment_id: &s.assessment_id,
            assets: s.assets.iter().map(ScopeAssetDto::from).collect(),
            counts: &s.counts,
            warnings: s
                .warnings
                .iter()
                .map(|w| WarningDto {
                    rule: w.rule,
                    asset_id: w.asset_id.as_deref(),
                    detail: &w.detail,
                })
                .collect(),
        }
    }
}

/// The providers to apply, first taking precedence.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApplyProviders, example = json!({ "provider_ids": ["5b1f0e2c-3d4a-4b6c-8e9f-0a1b2c3d4e5f"] }))]
pub(crate) struct ApplyProviders {
    /// 1 to 50 of the organisation's providers, each once.
    #[schema(min_items = 1, max_items = 50)]
    pub(crate) provider_ids: Vec<String>,
}

/// A provider flagged while applying it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ProviderWarning)]
pub(crate) struct ProviderWarningDto<'a> {
    rule: &'static str,
    provider_id: &'a str,
    detail: &'a str,
}

/// What applying providers did, in objectives.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ProvidersApplied)]
pub(crate) struct ApplyReportDto<'a> {
    /// Objectives filled in as met, inherited from a provider.
    inherited: u64,
    /// Objectives given a provider's statement of a shared responsibility.
    shared: u64,
    /// Objectives left as they were: an assessor answered or overrode them.
    skipped: u64,
    /// The practices whose answers changed.
    practices: &'a [String],
    warnings: Vec<ProviderWarningDto<'a>>,
}

impl<'a> From<&'a ApplyReport> for ApplyReportDto<'a> {
    fn from(r: &'a ApplyReport) -> Self {
        Self {
            inherited: r.inherited,
            shared: r.shared,
            skipped: r.skipped,
            practices: &r.practices,
            warnings: r
                .warnings
                .iter()
                .map(|w| ProviderWarningDto {
                    rule: w.rule,
                    provider_id: &w.provider_id,
                    detail: &w.detail,
                })
                .collect(),
        }
    }
}
