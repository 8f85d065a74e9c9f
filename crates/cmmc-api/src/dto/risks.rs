//! The risk register's bodies.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use cmmc_services::risks::{Risk, RiskSummary};
use serde::{Deserialize, Serialize};

/// Where a risk raised from an unmet practice comes from.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FromPractice {
    /// One of the organisation's assessments.
    pub(crate) assessment_id: String,
    /// A practice that assessment holds as `not_met` or `partially_met`.
    #[schema(max_length = 32)]
    pub(crate) practice_id: String,
}

/// A new risk. Raised from a finding (`from_finding_id`) or an unmet
/// practice (`from_practice`), its title, description and category may be
/// left out: they are prefilled, and the source is linked.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewRisk, example = json!({
    "title": "Laptop with CUI stolen from a car", "category": "physical",
    "likelihood": 3, "impact": 4, "treatment_plan": "Full-disk encryption on every laptop",
    "review_date": "2027-03-31", "practice_ids": ["MP.L2-3.8.6"]
}))]
pub(crate) struct CreateRisk {
    /// 1 to 256 characters on one line; needed (422 otherwise) unless the
    /// risk is raised from a source, which prefills it.
    #[schema(max_length = 256)]
    pub(crate) title: Option<String>,
    /// Up to 10,000 characters; blank is none.
    #[schema(max_length = 10000)]
    pub(crate) description: Option<String>,
    /// 1 to 64 characters on one line; needed (422 otherwise) unless the
    /// risk is raised from a source (`compliance` then).
    #[schema(max_length = 64)]
    pub(crate) category: Option<String>,
    /// 1 (rare) to 5 (almost certain).
    #[serde(deserialize_with = "super::integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub(crate) likelihood: i64,
    /// 1 (negligible) to 5 (severe).
    #[serde(deserialize_with = "super::integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub(crate) impact: i64,
    /// `identified` (the default), `assessed`, `mitigating`, `accepted` (needs
    /// `acceptance_reason` and `risk.accept`) or `closed`.
    #[schema(pattern = "^(identified|assessed|mitigating|accepted|closed)$")]
    pub(crate) status: Option<String>,
    /// A user of the organisation who answers for the risk.
    pub(crate) owner_id: Option<String>,
    /// Up to 10,000 characters; blank is none.
    #[schema(max_length = 10000)]
    pub(crate) treatment_plan: Option<String>,
    pub(crate) review_date: Option<NaiveDate>,
    /// Why the risk is accepted; needed to accept it.
    #[schema(max_length = 10000)]
    pub(crate) acceptance_reason: Option<String>,
    /// Catalogue practices (up to 200 ids of each kind).
    #[serde(default)]
    #[schema(max_items = 200)]
    pub(crate) practice_ids: Vec<String>,
    /// Findings of the organisation's assessments.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub(crate) finding_ids: Vec<String>,
    /// POA&M items of the organisation's POA&Ms.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub(crate) poam_item_ids: Vec<String>,
    /// Assets of the organisation's inventory.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub(crate) asset_ids: Vec<String>,
    /// Raise the risk from this finding (not with `from_practice`: 422).
    pub(crate) from_finding_id: Option<String>,
    /// Raise the risk from this unmet practice.
    pub(crate) from_practice: Option<FromPractice>,
}

/// Changes to a risk: a field left out stays; null clears an optional one;
/// a list given replaces that kind of link. Accepting is `status: accepted`
/// with `acceptance_reason`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RiskChanges, example = json!({ "status": "accepted", "acceptance_reason": "Covered by cyber insurance until the laptops are replaced" }))]
pub(crate) struct UpdateRisk {
    #[schema(max_length = 256)]
    pub(crate) title: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 10000)]
    pub(crate) description: Option<Option<String>>,
    #[schema(max_length = 64)]
    pub(crate) category: Option<String>,
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub(crate) likelihood: Option<i64>,
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub(crate) impact: Option<i64>,
    #[schema(pattern = "^(identified|assessed|mitigating|accepted|closed)$")]
    pub(crate) status: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    pub(crate) owner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 10000)]
    pub(crate) treatment_plan: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    pub(crate) review_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(max_length = 10000)]
    pub(crate) acceptance_reason: Option<Option<String>>,
    #[schema(max_items = 200)]
    pub(crate) practice_ids: Option<Vec<String>>,
    #[schema(max_items = 200)]
    pub(crate) finding_ids: Option<Vec<String>>,
    #[schema(max_items = 200)]
    pub(crate) poam_item_ids: Option<Vec<String>>,
    #[schema(max_items = 200)]
    pub(crate) asset_ids: Option<Vec<String>>,
}

/// Which risks to list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RiskQuery {
    /// Only this status.
    #[param(pattern = "^(identified|assessed|mitigating|accepted|closed)$")]
    pub(crate) status: Option<String>,
    /// Only this band.
    #[param(pattern = "^(low|medium|high|critical)$")]
    pub(crate) band: Option<String>,
    /// Only this category.
    pub(crate) category: Option<String>,
    /// Only risks this user owns.
    pub(crate) owner_id: Option<String>,
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<u64>,
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<u64>,
}

/// A risk of the register.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Risk)]
pub(crate) struct RiskDto<'a> {
    id: &'a str,
    org_id: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    category: &'a str,
    likelihood: u8,
    impact: u8,
    /// likelihood x impact: never stored apart from them.
    score: u8,
    /// `low` (1-4), `medium` (5-9), `high` (10-15) or `critical` (16-25).
    band: &'static str,
    status: &'static str,
    /// Identified, assessed or mitigating.
    open: bool,
    owner_id: Option<&'a str>,
    treatment_plan: Option<&'a str>,
    review_date: Option<NaiveDate>,
    acceptance_reason: Option<&'a str>,
    practice_ids: &'a BTreeSet<String>,
    finding_ids: &'a BTreeSet<String>,
    poam_item_ids: &'a BTreeSet<String>,
    asset_ids: &'a BTreeSet<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Risk> for RiskDto<'a> {
    fn from(r: &'a Risk) -> Self {
        let x = &r.risk;
        Self {
            id: &r.id,
            org_id: &r.org_id,
            title: &x.title,
            description: x.description.as_deref(),
            category: &x.category,
            likelihood: x.likelihood,
            impact: x.impact,
            score: x.score(),
            band: x.band().as_str(),
            status: x.status.as_str(),
            open: x.status.is_open(),
            owner_id: r.owner_id.as_deref(),
            treatment_plan: x.treatment_plan.as_deref(),
            review_date: x.review_date,
            acceptance_reason: x.acceptance_reason.as_deref(),
            practice_ids: &r.links.practice_ids,
            finding_ids: &r.links.finding_ids,
            poam_item_ids: &r.links.poam_item_ids,
            asset_ids: &r.links.asset_ids,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Open risks by likelihood and impact.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RiskHeatmap)]
pub(crate) struct HeatmapDto {
    /// `grid[likelihood - 1][impact - 1]`: counts of open risks (5 x 5).
    grid: [[u32; 5]; 5],
    /// Every open risk counted.
    total_open: u32,
}

impl From<[[u32; 5]; 5]> for HeatmapDto {
    fn from(grid: [[u32; 5]; 5]) -> Self {
        Self { grid, total_open: grid.iter().flatten().sum() }
    }
}

/// An open risk past its review date.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RiskPastReview)]
pub(crate) struct PastReviewDto<'a> {
    id: &'a str,
    title: &'a str,
    band: &'static str,
    review_date: NaiveDate,
}

/// The register on the dashboard.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RiskSummary)]
pub(crate) struct RiskSummaryDto<'a> {
    /// Open risks per band; every band is listed.
    open_by_band: &'a std::collections::BTreeMap<String, u32>,
    /// Open risks past their review date, longest overdue first.
    past_review: Vec<PastReviewDto<'a>>,
}

impl<'a> From<&'a RiskSummary> for RiskSummaryDto<'a> {
    fn from(s: &'a RiskSummary) -> Self {
        Self {
            open_by_band: &s.open_by_band,
            past_review: s
                .past_review
                .iter()
                .map(|(id, title, band, review_date)| PastReviewDto {
                    id,
                    title,
                    band: band.as_str(),
                    review_date: *review_date,
                })
                .collect(),
        }
    }
}
