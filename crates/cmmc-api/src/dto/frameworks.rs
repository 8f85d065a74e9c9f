//! The framework crosswalks' and readiness projections' bodies.

use std::collections::BTreeMap;

use cmmc_services::frameworks::{
    FrameworkInfo, PracticeMapping, Readiness, ReadinessItem, RequirementInfo,
};
use serde::Serialize;

/// A framework of the crosswalks.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Framework)]
pub(crate) struct FrameworkDto<'a> {
    /// `cmmc`, `sp800-171r2`, `sp800-171r3`, `sp800-53r4`, `sp800-53r5`, `iso27001-2013` or `iso27001-2022`.
    id: &'a str,
    name: &'a str,
    publisher: &'a str,
    reference: &'a str,
    /// How many requirements (or controls) the crosswalks list for it.
    requirements: usize,
    /// The version of the crosswalk data set.
    data_version: &'a str,
}

impl<'a> From<&'a FrameworkInfo> for FrameworkDto<'a> {
    fn from(f: &'a FrameworkInfo) -> Self {
        Self {
            id: &f.id,
            name: &f.name,
            publisher: &f.publisher,
            reference: &f.reference,
            requirements: f.requirements,
            data_version: &f.data_version,
        }
    }
}

/// A requirement or control: ids and NIST titles only (ISO/IEC text is
/// copyrighted; SP 800-53 titles are not kept).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FrameworkRequirement)]
pub(crate) struct RequirementDto<'a> {
    id: &'a str,
    /// Where public: Rev 3 titles are NIST's; Rev 2 shows the CMMC practice's.
    title: Option<&'a str>,
    family: Option<&'a str>,
}

impl<'a> From<&'a RequirementInfo> for RequirementDto<'a> {
    fn from(r: &'a RequirementInfo) -> Self {
        Self { id: &r.id, title: r.title.as_deref(), family: r.family.as_deref() }
    }
}

/// One mapping between a CMMC practice and a requirement of a framework.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FrameworkMapping)]
pub(crate) struct MappingDto<'a> {
    practice_id: &'a str,
    framework: &'a str,
    requirement_id: &'a str,
    /// `equivalent`, `carried_forward`, `incorporated_into`, `addressed_by`,
    /// `maps_to`, `partially_maps_to` (does not fully satisfy the intent).
    relationship: &'static str,
    /// `direct` from a published mapping, or `derived` by chaining two.
    kind: &'static str,
    /// NIST's rating of a Rev 2 requirement's change in Rev 3.
    change_rating: Option<&'static str>,
    /// e.g. the SP 800-53 controls a derived mapping came through.
    note: Option<&'a str>,
    source: &'a str,
}

impl<'a> From<&'a PracticeMapping> for MappingDto<'a> {
    fn from(m: &'a PracticeMapping) -> Self {
        Self {
            practice_id: &m.practice_id,
            framework: &m.framework,
            requirement_id: &m.requirement_id,
            relationship: m.relationship.as_str(),
            kind: if m.derived { "derived" } else { "direct" },
            change_rating: m.change_rating.map(cmmc_domain::ChangeRating::as_str),
            note: m.note.as_deref(),
            source: &m.source,
        }
    }
}

/// A practice that feeds a projected requirement, with its answer.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ReadinessSource)]
pub(crate) struct SourceDto<'a> {
    practice_id: &'a str,
    relationship: &'static str,
    change_rating: Option<&'static str>,
    /// The practice's status in the assessment.
    status: &'static str,
}

/// One projected requirement or control.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ReadinessItem)]
pub(crate) struct ItemDto<'a> {
    requirement_id: &'a str,
    title: Option<&'a str>,
    family: Option<&'a str>,
    /// `likely_met` (every source met or not applicable), `partial`, `gap`
    /// (none is), or `new` (no Rev 2 source: assess it fresh).
    state: &'static str,
    sources: Vec<SourceDto<'a>>,
}

impl<'a> From<&'a ReadinessItem> for ItemDto<'a> {
    fn from(i: &'a ReadinessItem) -> Self {
        Self {
            requirement_id: &i.requirement_id,
            title: i.title.as_deref(),
            family: i.family.as_deref(),
            state: i.state.as_str(),
            sources: i
                .sources
                .iter()
                .map(|s| SourceDto {
                    practice_id: &s.practice_id,
                    relationship: s.relationship.as_str(),
                    change_rating: s.change_rating.map(cmmc_domain::ChangeRating::as_str),
                    status: s.status.as_str(),
                })
                .collect(),
        }
    }
}

/// An assessment's answers projected onto another framework.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Readiness)]
pub(crate) struct ReadinessDto<'a> {
    assessment_id: &'a str,
    framework: &'static str,
    /// Always `true`: this is a projection, not an assessment.
    projection: bool,
    /// What the projection is not.
    note: &'static str,
    /// Targets per state; every state listed.
    counts: &'a BTreeMap<&'static str, u32>,
    /// Per family, targets per state.
    by_family: &'a BTreeMap<String, BTreeMap<&'static str, u32>>,
    items: Vec<ItemDto<'a>>,
}

impl<'a> From<&'a Readiness> for ReadinessDto<'a> {
    fn from(r: &'a Readiness) -> Self {
        Self {
            assessment_id: &r.assessment_id,
            framework: r.framework,
            projection: true,
            note: r.note,
            counts: &r.counts,
            by_family: &r.by_family,
            items: r.items.iter().map(ItemDto::from).collect(),
        }
    }
}
