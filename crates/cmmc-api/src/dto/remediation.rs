//! The bodies and queries of the findings, POA&M and dashboard routes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cmmc_services::remediation::{Dashboard, Finding, Poam, PoamItem, PoamSummary, ScorePoint};
use serde::{Deserialize, Serialize};

/// The body of POST /api/assessments/{id}/findings.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateFinding {
    /// `deficiency`, `observation`, `recommendation` or `strength`.
    #[schema(
        pattern = "^(deficiency|observation|recommendation|strength)$",
        example = "deficiency"
    )]
    pub(crate) finding_type: String,
    /// `critical`, `high`, `medium` or `low`.
    #[schema(pattern = "^(critical|high|medium|low)$", example = "high")]
    pub(crate) severity: String,
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256, example = "No MFA for admins")]
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    /// A practice of this assessment, such as `IA.L2-3.5.3`.
    #[schema(example = "IA.L2-3.5.3")]
    pub(crate) practice_id: Option<String>,
}

/// The body of PATCH /api/assessments/{id}/findings/{finding_id}: a field left out is kept.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateFinding {
    /// `deficiency`, `observation`, `recommendation` or `strength`.
    #[schema(pattern = "^(deficiency|observation|recommendation|strength)$")]
    pub(crate) finding_type: Option<String>,
    /// `critical`, `high`, `medium` or `low`.
    #[schema(pattern = "^(critical|high|medium|low)$")]
    pub(crate) severity: Option<String>,
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// open -> in_remediation -> resolved, or open / in_remediation -> accepted; any other
    /// step answers 409.
    #[schema(pattern = "^(open|in_remediation|resolved|accepted)$", example = "in_remediation")]
    pub(crate) status: Option<String>,
}

/// The query of GET /api/assessments/{id}/findings.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct FindingQuery {
    /// Only findings with this status.
    #[param(pattern = "^(open|in_remediation|resolved|accepted)$")]
    pub(crate) status: Option<String>,
    /// Only findings with this severity.
    #[param(pattern = "^(critical|high|medium|low)$")]
    pub(crate) severity: Option<String>,
}

/// The query of GET /api/poams.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PoamQuery {
    /// Only this organisation's POA&Ms (a UUID). Anyone but a system administrator
    /// sees only their own organisation's: another one gives an empty list.
    pub(crate) org_id: Option<String>,
    /// Only this assessment's POA&Ms (a UUID).
    pub(crate) assessment_id: Option<String>,
}

/// The body of PATCH /api/poams/{poam_id}: a field left out is kept.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePoam {
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) title: Option<String>,
    /// draft -> active -> completed; any other step answers 409.
    #[schema(pattern = "^(draft|active|completed)$", example = "active")]
    pub(crate) status: Option<String>,
}

/// The body of POST /api/poams/{poam_id}/items.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePoamItem {
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256, example = "Enforce MFA for privileged accounts")]
    pub(crate) milestone: String,
    /// A practice of the POA&M's assessment, such as `IA.L2-3.5.3`.
    #[schema(example = "IA.L2-3.5.3")]
    pub(crate) practice_id: Option<String>,
    /// A finding of the POA&M's assessment (a UUID).
    pub(crate) finding_id: Option<String>,
    #[schema(example = "2025-09-30")]
    pub(crate) scheduled_completion: Option<NaiveDate>,
    pub(crate) resources_required: Option<String>,
    /// Who answers for the item: one line of 1 to 256 characters.
    #[schema(min_length = 1, max_length = 256, example = "Pat Doe, IT manager")]
    pub(crate) point_of_contact: Option<String>,
}

/// The body of PATCH /api/poams/{poam_id}/items/{item_id}: a field left out is kept;
/// `null` clears a date or the resources.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePoamItem {
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) milestone: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub(crate) scheduled_completion: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub(crate) actual_completion: Option<Option<NaiveDate>>,
    /// `open`, `in_progress` or `completed` (overdue is read from the schedule, never
    /// set). Completing records today as the actual completion unless one is recorded or given.
    #[schema(pattern = "^(open|in_progress|completed)$", example = "completed")]
    pub(crate) status: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub(crate) resources_required: Option<Option<String>>,
    pub(crate) risk_accepted: Option<bool>,
    /// One line of 1 to 256 characters; null clears it.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 256)]
    pub(crate) point_of_contact: Option<Option<String>>,
}

/// The body of POST /api/poams.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePoam {
    /// The assessment it plans for (a UUID).
    pub(crate) assessment_id: String,
    /// One line, 1 to 256 characters once trimmed.
    #[schema(min_length = 1, max_length = 256, example = "Q1 plan")]
    pub(crate) title: String,
}

/// A finding of an assessment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Finding)]
pub(crate) struct FindingDto<'a> {
    id: &'a str,
    assessment_id: &'a str,
    /// The practice it is about, if any.
    practice_id: Option<String>,
    /// `deficiency`, `observation`, `recommendation` or `strength`.
    finding_type: &'static str,
    /// `critical`, `high`, `medium` or `low`.
    severity: &'static str,
    title: &'a str,
    description: Option<&'a str>,
    /// `open`, `in_remediation`, `resolved` or `accepted`.
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Finding> for FindingDto<'a> {
    fn from(f: &'a Finding) -> Self {
        Self {
            id: &f.id,
            assessment_id: &f.assessment_id,
            practice_id: f.practice_id.map(|p| p.to_string()),
            finding_type: f.finding_type.as_str(),
            severity: f.severity.as_str(),
            title: &f.title,
            description: f.description.as_deref(),
            status: f.status.as_str(),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// One milestone of a POA&M.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PoamItem)]
pub(crate) struct PoamItemDto<'a> {
    id: &'a str,
    poam_id: &'a str,
    finding_id: Option<&'a str>,
    practice_id: Option<String>,
    milestone: &'a str,
    scheduled_completion: Option<NaiveDate>,
    actual_completion: Option<NaiveDate>,
    /// `open`, `in_progress` or `completed`; `overdue` when past its scheduled completion
    /// and not completed.
    status: &'static str,
    /// Past its scheduled completion and not completed.
    overdue: bool,
    resources_required: Option<&'a str>,
    /// Who answers for the item.
    point_of_contact: Option<&'a str>,
    risk_accepted: bool,
    /// Whether the requirement may be on a POA&M at all (32 CFR 170.21).
    poam_eligible: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a PoamItem> for PoamItemDto<'a> {
    fn from(i: &'a PoamItem) -> Self {
        let item = &i.item;
        Self {
            id: &item.id,
            poam_id: &item.poam_id,
            finding_id: item.finding_id.as_deref(),
            practice_id: item.practice_id.map(|p| p.to_string()),
            milestone: &item.milestone,
            scheduled_completion: item.scheduled_completion,
            actual_completion: item.actual_completion,
            // An item past its scheduled completion reads as overdue.
            status: if i.overdue { "overdue" } else { item.status.as_str() },
            overdue: i.overdue,
            resources_required: item.resources_required.as_deref(),
            point_of_contact: item.point_of_contact.as_deref(),
            risk_accepted: item.risk_accepted,
            poam_eligible: item.poam_eligible,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

/// A POA&M without its items.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PoamSummary)]
pub(crate) struct PoamSummaryDto<'a> {
    id: &'a str,
    org_id: &'a str,
    assessment_id: &'a str,
    title: &'a str,
    /// `draft`, `active` or `completed`.
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a PoamSummary> for PoamSummaryDto<'a> {
    fn from(p: &'a PoamSummary) -> Self {
        Self {
            id: &p.id,
            org_id: &p.org_id,
            assessment_id: &p.assessment_id,
            title: &p.title,
            status: p.status.as_str(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A POA&M with its items.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Poam)]
pub(crate) struct PoamDto<'a> {
    #[serde(flatten)]
    poam: PoamSummaryDto<'a>,
    items: Vec<PoamItemDto<'a>>,
}

impl<'a> From<&'a Poam> for PoamDto<'a> {
    fn from(p: &'a Poam) -> Self {
        Self {
            poam: PoamSummaryDto::from(&p.poam),
            items: p.items.iter().map(PoamItemDto::from).collect(),
        }
    }
}

/// One completed assessment in the SPRS history.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DashboardScorePoint)]
pub(crate) struct ScorePointDto<'a> {
    assessment_id: &'a str,
    title: &'a str,
    completed_at: DateTime<Utc>,
    sprs_score: Option<i32>,
    cmmc_status: Option<&'a str>,
}

impl<'a> From<&'a ScorePoint> for ScorePointDto<'a> {
    fn from(p: &'a ScorePoint) -> Self {
        Self {
            assessment_id: &p.assessment_id,
            title: &p.title,
            completed_at: p.completed_at,
            sprs_score: p.sprs_score,
            cmmc_status: p.cmmc_status.as_deref(),
        }
    }
}

/// The newest assessment's practices of one domain.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DashboardDomainProgress)]
pub(crate) struct DomainProgressDto<'a> {
    /// A domain id such as `AC`.
    domain_id: &'a str,
    /// Met or not applicable.
    met: u32,
    total: u32,
}

/// An organisation's situation at a glance.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Dashboard)]
pub(crate) struct DashboardDto<'a> {
    org_id: &'a str,
    /// The SPRS score of the newest completed assessment that has one.
    current_sprs_score: Option<i32>,
    /// Completed assessments, oldest first.
    sprs_history: Vec<ScorePointDto<'a>>,
    /// The newest assessment's practices per domain, by domain id.
    practices_met_by_domain: Vec<DomainProgressDto<'a>>,
    /// Open and in-remediation findings per severity; every severity is listed.
    open_findings_by_severity: &'a BTreeMap<String, u32>,
    /// POA&M items past their scheduled completion, soonest due first.
    overdue_poam_items: Vec<PoamItemDto<'a>>,
    /// When the next affirmation (32 CFR 170.22) is due.
    next_affirmation_due: Option<chrono::NaiveDate>,
    /// What is missing, expiring or overdue, earliest first (as GET .../compliance).
    compliance_problems: Vec<crate::dto::affirmations::ProblemDto<'a>>,
    /// The risk register: open risks by band, and those past their review date.
    risks: crate::dto::risks::RiskSummaryDto<'a>,
}

impl<'a> DashboardDto<'a> {
    pub(crate) fn new(
        org_id: &'a str,
        d: &'a Dashboard,
        compliance: &'a cmmc_services::affirmations::Compliance,
    ) -> Self {
        Self {
            org_id,
            current_sprs_score: d.current_sprs_score,
            risks: (&d.risks).into(),
            sprs_history: d.sprs_history.iter().map(ScorePointDto::from).collect(),
            practices_met_by_domain: d
                .practices_met_by_domain
                .iter()
                .map(|(domain, &(met, total))| DomainProgressDto { domain_id: domain, met, total })
                .collect(),
            open_findings_by_severity: &d.open_findings_by_severity,
            overdue_poam_items: d.overdue_poam_items.iter().map(PoamItemDto::from).collect(),
            next_affirmation_due: compliance.next_affirmation_due,
            compliance_problems: compliance
                .problems
                .iter()
                .map(crate::dto::affirmations::ProblemDto::from)
                .collect(),
        }
    }
}
