//! The bodies and queries of the assessment routes: lifecycle, practice
//! answers, scores.

use std::collections::BTreeMap;

use cmmc_services::assessments::{Assessment, AssessmentScore, PracticeAnswer};
use cmmc_services::evidence::EvidenceCounts;
use serde::{Deserialize, Serialize};

/// A new assessment: a draft, with one not-evaluated answer per practice of its level.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "org_id": "5b0c6a7e-2f4d-4a8b-9c1e-3d2f7a6b8c90",
    "title": "2026 Level 2 self-assessment",
    "target_level": 2,
    "assessment_type": "self",
    "lead_assessor_id": null
}))]
pub(crate) struct CreateAssessment {
    /// The organisation assessed, a UUID.
    pub(crate) org_id: String,
    /// One line of 1 to 256 characters, trimmed.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) title: String,
    /// The CMMC level, 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(deserialize_with = "crate::dto::integer")]
    pub(crate) target_level: i64,
    /// Who assesses: `self`, `third_party` or `government`. Level 1 allows
    /// `self`; Level 2 `self` or `third_party`; Level 3 `government`.
    #[schema(pattern = "^(self|third_party|government)$")]
    pub(crate) assessment_type: String,
    /// An active user of the organisation (a UUID), or null.
    pub(crate) lead_assessor_id: Option<String>,
    /// The SSP version it assesses (a UUID of the organisation's SSPs), or null.
    #[serde(default)]
    pub(crate) ssp_id: Option<String>,
}

/// Changes to an assessment that is not completed; a field left out is left as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "title": "2026 Level 2 self-assessment (revised)" }))]
pub(crate) struct UpdateAssessment {
    /// One line of 1 to 256 characters, trimmed.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) title: Option<String>,
    /// An active user of the organisation (a UUID); null clears the lead assessor.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(value_type = Option<String>)]
    pub(crate) lead_assessor_id: Option<Option<String>>,
    /// An SSP version of the organisation (a UUID); null clears it.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(value_type = Option<String>)]
    pub(crate) ssp_id: Option<Option<String>>,
}

/// The query of GET /api/assessments, as given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only assessments with this status: `draft`, `in_progress`, `under_review` or `completed`.
    #[param(pattern = "^(draft|in_progress|under_review|completed)$")]
    pub(crate) status: Option<String>,
    /// Only assessments of this level, 1 to 3.
    #[param(pattern = "^[123]$")]
    pub(crate) level: Option<String>,
    /// Only this organisation's assessments. A system administrator sees every
    /// organisation's without it; anyone else sees only their own, and an empty
    /// list when naming another.
    pub(crate) org_id: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<u64>,
}

/// Why an assessment under review goes back to in progress.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReopenAssessment, example = json!({ "reason": "AC.L2-3.1.5 evidence needs another look" }))]
pub(crate) struct ReopenRequest {
    /// 1 to 2000 characters; a reopen without a reason (or without a body) answers 400.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub(crate) reason: Option<String>,
}

/// The query of GET /api/assessments/{id}/practices, as given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PracticeQuery {
    /// Only practices of this domain, such as `AC`.
    #[param(pattern = "^(AC|AT|AU|CM|IA|IR|MA|MP|PS|PE|RA|CA|SC|SI)$")]
    pub(crate) domain: Option<String>,
    /// Only answers with this status: `met`, `not_met`, `partially_met`,
    /// `not_applicable` or `not_evaluated`.
    #[param(pattern = "^(met|not_met|partially_met|not_applicable|not_evaluated)$")]
    pub(crate) status: Option<String>,
    /// Only practices of this level, 1 to 3.
    #[param(pattern = "^[123]$")]
    pub(crate) level: Option<String>,
}

/// Changes to a practice answer; a field left out (or null) is left as it is.
/// Objective results decide the status (all met or not applicable: `met`; any
/// not met: `not_met`), and an explicit status must agree with them.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdatePracticeAnswer, example = json!({
    "objectives": { "a": "met", "b": "met", "c": "not_applicable" },
    "assessor_notes": "Account list and access policy reviewed."
}))]
pub(crate) struct UpdatePractice {
    /// `met`, `not_met`, `partially_met`, `not_applicable` or `not_evaluated`.
    #[schema(pattern = "^(met|not_met|partially_met|not_applicable|not_evaluated)$")]
    pub(crate) status: Option<String>,
    /// At most 20000 characters; replaces the notes.
    #[schema(max_length = 20000)]
    pub(crate) assessor_notes: Option<String>,
    /// Objective label (`a`, `b`, ...) to result: `met`, `not_met` or
    /// `not_applicable`; merged onto the results recorded before.
    pub(crate) objectives: Option<BTreeMap<String, String>>,
}

/// An assessment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Assessment, example = json!({
    "id": "0e7d1c52-8a3b-4f6e-b1d2-9c4a5e6f7a80",
    "org_id": "5b0c6a7e-2f4d-4a8b-9c1e-3d2f7a6b8c90",
    "title": "2026 Level 2 self-assessment",
    "target_level": 2,
    "assessment_type": "self",
    "status": "in_progress",
    "lead_assessor_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    "started_at": "2026-01-12T09:30:00Z",
    "completed_at": null,
    "overall_score": null,
    "sprs_score": null,
    "level3_score": null,
    "cmmc_status": null,
    "conditional_deadline": null,
    "closed_out_at": null,
    "closed_out_by": null,
    "created_at": "2026-01-10T14:02:11Z",
    "updated_at": "2026-01-12T09:30:00Z"
}))]
pub(crate) struct AssessmentDto<'a> {
    id: &'a str,
    org_id: &'a str,
    title: &'a str,
    /// The CMMC level, 1 to 3.
    target_level: i32,
    /// `self`, `third_party` or `government`.
    assessment_type: &'static str,
    /// `draft`, `in_progress`, `under_review` or `completed`.
    status: &'static str,
    lead_assessor_id: Option<&'a str>,
    /// The SSP version it assesses (CA.L2-3.12.4), if named.
    ssp_id: Option<&'a str>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Set on completion: the share of applicable practices met, 0 to 1.
    overall_score: Option<f64>,
    /// Set on completion (Level 2 and 3): the SPRS score, -203 to 110.
    sprs_score: Option<i32>,
    /// Set on completion (Level 3): how many Level 3 requirements are met.
    level3_score: Option<i32>,
    /// Set on completion: `final`, `conditional` or `none`.
    cmmc_status: Option<&'a str>,
    /// Set on a conditional completion: the POA&M closeout deadline, 180 days on.
    conditional_deadline: Option<chrono::NaiveDate>,
    /// Set by a POA&M closeout (`POST /api/assessments/{id}/closeout`), after
    /// which `cmmc_status` is `final` and the scores are those re-assessed.
    closed_out_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who recorded the closeout.
    closed_out_by: Option<&'a str>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// One assessment, with the warnings of its scope.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentDetail)]
pub(crate) struct AssessmentDetailDto<'a> {
    #[serde(flatten)]
    pub(crate) assessment: AssessmentDto<'a>,
    /// The 32 CFR 170.19 warnings of its scope (`GET /api/assessments/{id}/scope`).
    pub(crate) scope_warnings: Vec<super::providers::WarningDto<'a>>,
}

impl<'a> From<&'a Assessment> for AssessmentDto<'a> {
    fn from(a: &'a Assessment) -> Self {
        Self {
            id: &a.id,
            org_id: &a.org_id,
            title: &a.title,
            target_level: a.target_level.number(),
            assessment_type: a.assessment_type.as_str(),
            status: a.status.as_str(),
            lead_assessor_id: a.lead_assessor_id.as_deref(),
            ssp_id: a.ssp_id.as_deref(),
            started_at: a.started_at,
            completed_at: a.completed_at,
            overall_score: a.overall_score,
            sprs_score: a.sprs_score,
            level3_score: a.level3_score,
            cmmc_status: a.cmmc_status.as_deref(),
            conditional_deadline: a.conditional_deadline,
            closed_out_at: a.closed_out_at,
            closed_out_by: a.closed_out_by.as_deref(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// One objective of a practice answer, with its result.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeObjective)]
pub(crate) struct ObjectiveDto<'a> {
    /// `a`, `b`, ...
    label: &'a str,
    text: &'a str,
    /// `met`, `not_met` or `not_applicable`; null while unanswered.
    status: Option<&'static str>,
    /// The provider whose customer responsibility matrix filled in (or
    /// shares) this objective; null when none did.
    inherited_from: Option<InheritedFromDto<'a>>,
    /// An assessor changed the result a provider's matrix filled in.
    overridden: bool,
}

/// Where an objective's result came from: a provider and the row of its
/// customer responsibility matrix.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InheritedFrom)]
pub(crate) struct InheritedFromDto<'a> {
    provider_id: &'a str,
    provider_name: &'a str,
    /// The matrix row applied.
    responsibility_id: &'a str,
    /// `inherited` (the provider meets it) or `shared` (both do part).
    responsibility: &'a str,
    /// What the provider says it does.
    provider_statement: Option<&'a str>,
}

/// A practice answer's evidence, counted by review status.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeEvidenceCounts)]
pub(crate) struct EvidenceCountsDto {
    pending: u64,
    accepted: u64,
    rejected: u64,
}

/// One practice's answer within an assessment, with the practice as assessed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PracticeAnswer, example = json!({
    "id": "c3a1f0d2-7b6e-4d5c-9a8b-1e2f3a4b5c6d",
    "assessment_id": "0e7d1c52-8a3b-4f6e-b1d2-9c4a5e6f7a80",
    "practice_id": "AC.L2-3.1.1",
    "level": 2,
    "domain_id": "AC",
    "title": "Authorized Access Control",
    "status": "met",
    "score": 1.0,
    "assessor_notes": "Account list and access policy reviewed.",
    "objectives": [
        { "label": "a", "text": "authorized users are identified;", "status": "met" },
        { "label": "b", "text": "processes acting on behalf of authorized users are identified;", "status": "met" },
        { "label": "c", "text": "devices (and other systems) authorized to connect to the system are identified;", "status": "met" },
        { "label": "d", "text": "system access is limited to authorized users;", "status": "met" },
        { "label": "e", "text": "system access is limited to processes acting on behalf of authorized users; and", "status": "met" },
        { "label": "f", "text": "system access is limited to authorized devices (including other systems).", "status": "not_applicable" }
    ],
    "parameters": [],
    "sprs_weight": 5,
    "sprs_partial_weight": null,
    "poam_eligibility": "ineligible",
    "datapact_sync_status": null,
    "datapact_sync_at": null,
    "version": 4,
    "evaluated_by": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    "evaluated_at": "2026-01-14T10:05:42Z",
    "updated_at": "2026-01-14T10:05:42Z",
    "evidence": { "pending": 1, "accepted": 2, "rejected": 0 }
}))]
pub(crate) struct PracticeAnswerDto<'a> {
    id: &'a str,
    assessment_id: &'a str,
    /// Such as `AC.L2-3.1.1`.
    practice_id: &'a str,
    level: i32,
    domain_id: &'a str,
    title: &'a str,
    /// `met`, `not_met`, `partially_met`, `not_applicable` or `not_evaluated`.
    status: &'static str,
    /// 1 for met or not applicable, 0 otherwise; null while not evaluated.
    score: Option<f64>,
    assessor_notes: Option<&'a str>,
    objectives: Vec<ObjectiveDto<'a>>,
    /// The organisation-defined parameter lines (`[ODPn] ...`) that come with the objectives.
    parameters: &'a [String],
    sprs_weight: Option<i32>,
    sprs_partial_weight: Option<i32>,
    /// `eligible`, `ineligible` or `conditional`.
    poam_eligibility: &'a str,
    datapact_sync_status: Option<&'a str>,
    datapact_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Changes with every edit; the `ETag` is this number, quoted.
    version: i64,
    evaluated_by: Option<&'a str>,
    evaluated_at: Option<chrono::DateTime<chrono::Utc>>,
    updated_at: chrono::DateTime<chrono::Utc>,
    evidence: EvidenceCountsDto,
    /// On CA.L2-3.12.4 (the system security plan): the SSP version the
    /// assessment names (`GET /api/ssps/{id}`); null on every other practice.
    ssp_id: Option<&'a str>,
}

impl<'a> PracticeAnswerDto<'a> {
    /// The answer `p`, with its evidence `counts` (none: all zero).
    pub(crate) fn of(p: &'a PracticeAnswer, counts: Option<&EvidenceCounts>) -> Self {
        let counts = counts.copied().unwrap_or_default();
        let objectives = p
            .objectives
            .iter()
            .map(|o| ObjectiveDto {
                label: &o.label,
                text: &o.text,
                status: o.status.map(|s| s.as_str()),
                inherited_from: o.source.as_ref().map(|s| InheritedFromDto {
                    provider_id: &s.provider_id,
                    provider_name: &s.provider_name,
                    responsibility_id: &s.responsibility_id,
                    responsibility: &s.responsibility,
                    provider_statement: s.provider_statement.as_deref(),
                }),
                overridden: o.source.as_ref().is_some_and(|s| s.overridden),
            })
            .collect();
        Self {
            id: &p.id,
            assessment_id: &p.assessment_id,
            practice_id: &p.practice_id,
            level: p.level,
            domain_id: &p.domain_id,
            title: &p.title,
            status: p.status.as_str(),
            score: p.score,
            assessor_notes: p.assessor_notes.as_deref(),
            objectives,
            parameters: &p.parameters,
            sprs_weight: p.sprs_weight,
            sprs_partial_weight: p.sprs_partial_weight,
            poam_eligibility: &p.poam_eligibility,
            datapact_sync_status: p.datapact_sync_status.as_deref(),
            datapact_sync_at: p.datapact_sync_at,
            version: p.version,
            evaluated_by: p.evaluated_by.as_deref(),
            evaluated_at: p.evaluated_at,
            updated_at: p.updated_at,
            evidence: EvidenceCountsDto {
                pending: counts.pending,
                accepted: counts.accepted,
                rejected: counts.rejected,
            },
            ssp_id: p.ssp_id.as_deref(),
        }
    }
}

/// Points deducted from the SPRS score for one unmet Level 2 requirement.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ScoreDeduction)]
pub(crate) struct DeductionDto {
    /// Such as `AC.L2-3.1.8`.
    practice_id: String,
    points: i32,
}

/// An assessment's score: for a completed assessment the one it earned,
/// otherwise what it would earn now.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AssessmentScore, example = json!({
    "sprs_score": 109,
    "provisional": false,
    "submittable": true,
    "level3_score": null,
    "overall_score": 0.990909,
    "cmmc_status": "conditional",
    "conditional_deadline": "2026-08-12",
    "deductions": [{ "practice_id": "AC.L2-3.1.8", "points": 1 }],
    "target_level": 2
}))]
pub(crate) struct ScoreDto {
    /// Level 2 and 3: the DoD Assessment Methodology (SPRS) score, -203 to 110.
    sprs_score: Option<i32>,
    /// Some practice is not evaluated yet (it counts as not met meanwhile).
    provisional: bool,
    /// The system security plan (CA.L2-3.12.4) is met; without it no score can be submitted.
    submittable: bool,
    /// Level 3: how many of the Level 3 requirements are met.
    level3_score: Option<i32>,
    /// The share of applicable practices met, 0 to 1.
    overall_score: f64,
    /// `final`, `conditional` or `none`.
    cmmc_status: &'static str,
    /// A completed, conditional assessment: the POA&M closeout deadline.
    conditional_deadline: Option<chrono::NaiveDate>,
    /// Each Level 2 deduction, in catalogue order.
    deductions: Vec<DeductionDto>,
    /// The CMMC level, 1 to 3.
    target_level: i32,
    /// How many objectives providers carry (`POST /api/assessments/{id}/providers/apply`).
    inherited: InheritedCountsDto,
}

/// How many objectives providers carry.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InheritedCounts)]
pub(crate) struct InheritedCountsDto {
    /// Filled in as met from a provider that meets them (overridden ones included).
    objectives_inherited: u64,
    /// With a provider's statement of a shared responsibility.
    objectives_shared: u64,
    /// Inherited, then changed by an assessor.
    objectives_overridden: u64,
}

impl From<&AssessmentScore> for ScoreDto {
    fn from(res: &AssessmentScore) -> Self {
        let score = &res.score;
        Self {
            sprs_score: score.sprs_score.map(|s| s.value()),
            provisional: score.provisional,
            submittable: score.submittable,
            level3_score: score.level3_score,
            overall_score: score.overall_score,
            cmmc_status: score.cmmc_status.as_str(),
            conditional_deadline: res.conditional_deadline,
            deductions: score
                .deductions
                .iter()
                .map(|d| DeductionDto { practice_id: d.practice_id.to_string(), points: d.points })
                .collect(),
            target_level: res.target_level.number(),
            inherited: InheritedCountsDto {
                objectives_inherited: res.inherited.inherited,
                objectives_shared: res.inherited.shared,
                objectives_overridden: res.inherited.overridden,
            },
        }
    }
}
