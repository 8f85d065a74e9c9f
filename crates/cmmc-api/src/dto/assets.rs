//! The asset inventory's bodies.

use cmmc_services::assets::{Asset, ImportReport};
use serde::{Deserialize, Serialize};

/// An asset, as given.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewAsset, example = json!({
    "asset_tag": "LT-0042", "name": "Engineering laptop", "asset_type": "hardware",
    "category": "cui", "owner": "Pat Doe", "location": "Building 2", "handles_cui": true,
    "tags": ["laptop", "engineering"]
}))]
pub(crate) struct CreateAsset {
    /// Unique in the organisation: 1 to 64 characters on one line.
    #[schema(max_length = 64)]
    pub(crate) asset_tag: String,
    /// 1 to 256 characters on one line.
    #[schema(max_length = 256)]
    pub(crate) name: String,
    /// `hardware`, `software`, `cloud_service`, `network`, `facility`, `people`, `ot_iot` or `other`.
    #[schema(pattern = "^(hardware|software|cloud_service|network|facility|people|ot_iot|other)$")]
    pub(crate) asset_type: String,
    /// The 32 CFR 170.19 category: `cui`, `security_protection`,
    /// `contractor_risk_managed`, `specialized`, `out_of_scope` (Level 2
    /// and 3), or `fci` (Level 1).
    #[schema(
        pattern = "^(cui|security_protection|contractor_risk_managed|specialized|out_of_scope|fci)$"
    )]
    pub(crate) category: String,
    /// One line, up to 256 characters; blank is none.
    #[schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) owner: Option<String>,
    /// One line, up to 256 characters; blank is none.
    #[schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) location: Option<String>,
    /// One line, up to 2000 characters; blank is none.
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) description: Option<String>,
    /// Whether it processes, stores or transmits CUI.
    #[serde(default)]
    pub(crate) handles_cui: bool,
    /// Whether it processes, stores or transmits FCI.
    #[serde(default)]
    pub(crate) handles_fci: bool,
    /// The organisation's provider it lives at (`/api/organizations/{id}/providers`); null for none.
    pub(crate) provider_id: Option<String>,
    /// Up to 20 tags of up to 64 characters; repeats and blanks are dropped.
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

/// Changes to an asset: a field left out stays as it is; null clears an optional one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AssetChanges, example = json!({ "category": "security_protection", "owner": null }))]
pub(crate) struct UpdateAsset {
    #[schema(max_length = 64)]
    pub(crate) asset_tag: Option<String>,
    #[schema(max_length = 256)]
    pub(crate) name: Option<String>,
    #[schema(pattern = "^(hardware|software|cloud_service|network|facility|people|ot_iot|other)$")]
    pub(crate) asset_type: Option<String>,
    #[schema(
        pattern = "^(cui|security_protection|contractor_risk_managed|specialized|out_of_scope|fci)$"
    )]
    pub(crate) category: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) location: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 2000, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub(crate) description: Option<Option<String>>,
    pub(crate) handles_cui: Option<bool>,
    pub(crate) handles_fci: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    pub(crate) provider_id: Option<Option<String>>,
    pub(crate) tags: Option<Vec<String>>,
}

/// Which assets to list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AssetQuery {
    /// Only this category.
    #[param(
        pattern = "^(cui|security_protection|contractor_risk_managed|specialized|out_of_scope|fci)$"
    )]
    pub(crate) category: Option<String>,
    /// Only this type.
    #[param(pattern = "^(hardware|software|cloud_service|network|facility|people|ot_iot|other)$")]
    pub(crate) asset_type: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<u64>,
}

/// An asset of the inventory.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Asset)]
pub(crate) struct AssetDto<'a> {
    id: &'a str,
    org_id: &'a str,
    asset_tag: &'a str,
    name: &'a str,
    asset_type: &'static str,
    category: &'static str,
    owner: Option<&'a str>,
    location: Option<&'a str>,
    description: Option<&'a str>,
    handles_cui: bool,
    handles_fci: bool,
    provider_id: Option<&'a str>,
    tags: &'a [String],
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Asset> for AssetDto<'a> {
    fn from(a: &'a Asset) -> Self {
        Self {
            id: &a.id,
            org_id: &a.org_id,
            asset_tag: &a.asset.asset_tag,
            name: &a.asset.name,
            asset_type: a.asset.asset_type.as_str(),
            category: a.asset.category.as_str(),
            owner: a.asset.owner.as_deref(),
            location: a.asset.location.as_deref(),
            description: a.asset.description.as_deref(),
            handles_cui: a.asset.handles_cui,
            handles_fci: a.asset.handles_fci,
            provider_id: a.provider_id.as_deref(),
            tags: &a.asset.tags,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// What an import did.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AssetImport)]
pub(crate) struct ImportReportDto {
    inserted: u64,
    updated: u64,
    unchanged: u64,
}

impl From<ImportReport> for ImportReportDto {
    fn from(r: ImportReport) -> Self {
        Self { inserted: r.inserted, updated: r.updated, unchanged: r.unchanged }
    }
}
