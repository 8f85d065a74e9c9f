//! Affirmations and the organisation's standing.

use cmmc_services::affirmations::{Affirmation, Compliance};
use serde::{Deserialize, Serialize};

/// An affirmation by an Affirming Official (32 CFR 170.22).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewAffirmation, example = json!({
    "assessment_id": "3f2b8c1e-7a4d-4e59-9b6a-0c1d2e3f4a5b",
    "official_name": "Jordan Smith", "official_title": "Chief Executive Officer",
    "official_email": "jordan.smith@example.com", "official_phone": "+1 555 0100"
}))]
pub(crate) struct CreateAffirmation {
    /// A completed assessment of the organisation (a UUID); left out or null:
    /// an affirmation of its current status.
    pub(crate) assessment_id: Option<String>,
    /// Your own user id (a UUID), when you affirm in your own name as a
    /// senior official of the organisation (marked by an org_admin); left
    /// out or null: the affirmation of a named person, recorded by whoever
    /// may manage assessments.
    pub(crate) official_user_id: Option<String>,
    /// The Affirming Official: 1 to 256 characters on one line.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) official_name: String,
    /// Their title: 1 to 256 characters on one line.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) official_title: String,
    /// Their email address.
    pub(crate) official_email: String,
    /// Their phone: digits, spaces and `+ - ( ) . x`, up to 32 characters.
    #[schema(pattern = "^[0-9 +()x.-]*[0-9][0-9 +()x.-]*$", max_length = 32)]
    pub(crate) official_phone: Option<String>,
    /// What they affirm, up to 10 000 characters; by default that the
    /// organisation has implemented, and will maintain, all the requirements
    /// of its level for the systems in scope.
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) statement: Option<String>,
}

/// An affirmation made; never changed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Affirmation)]
pub(crate) struct AffirmationDto<'a> {
    id: &'a str,
    org_id: &'a str,
    /// The assessment affirmed; null for the current status.
    assessment_id: Option<&'a str>,
    /// The CMMC level affirmed.
    level: i32,
    official_name: &'a str,
    official_title: &'a str,
    official_email: &'a str,
    official_phone: Option<&'a str>,
    statement: &'a str,
    /// The user who recorded it.
    made_by: &'a str,
    /// The senior official's user id when they affirmed in their own name.
    official_user_id: Option<&'a str>,
    affirmed_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Affirmation> for AffirmationDto<'a> {
    fn from(a: &'a Affirmation) -> Self {
        Self {
            id: &a.id,
            org_id: &a.org_id,
            assessment_id: a.assessment_id.as_deref(),
            level: a.level.number(),
            official_name: &a.official_name,
            official_title: &a.official_title,
            official_email: &a.official_email,
            official_phone: a.official_phone.as_deref(),
            statement: &a.statement,
            made_by: &a.made_by,
            official_user_id: a.official_user_id.as_deref(),
            affirmed_at: a.affirmed_at,
        }
    }
}

/// Something missing or coming due.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ComplianceProblem)]
pub(crate) struct ProblemDto<'a> {
    /// `no_assessment`, `no_status`, `status_expired`, `status_expiring`,
    /// `closeout_due`, `affirmation_overdue` or `affirmation_due`.
    kind: &'static str,
    detail: &'a str,
    due: Option<chrono::NaiveDate>,
}

impl<'a> From<&'a cmmc_domain::affirmation::Problem> for ProblemDto<'a> {
    fn from(p: &'a cmmc_domain::affirmation::Problem) -> Self {
        Self { kind: p.kind, detail: &p.detail, due: p.due }
    }
}

/// The organisation's standing today.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Compliance, example = json!({
    "level": 2, "cmmc_status": "conditional", "sprs_score": 108,
    "status_date": "2026-03-02", "validity_end": "2026-08-29", "next_affirmation_due": "2027-03-02",
    "problems": [{ "kind": "closeout_due", "detail": "the POA&M must be closed out by 2026-08-29 or the Conditional status expires", "due": "2026-08-29" }]
}))]
pub(crate) struct ComplianceDto<'a> {
    /// The level of the latest completed assessment; null before any.
    level: Option<i32>,
    /// `final`, `conditional` or `none`; null before any assessment.
    cmmc_status: Option<&'static str>,
    sprs_score: Option<i32>,
    status_date: Option<chrono::NaiveDate>,
    /// Until when the status lasts (null when none was earned).
    validity_end: Option<chrono::NaiveDate>,
    /// After every assessment and POA&M closeout, and yearly after the last.
    next_affirmation_due: Option<chrono::NaiveDate>,
    /// What is missing or expiring, earliest first.
    problems: Vec<ProblemDto<'a>>,
}

impl<'a> From<&'a Compliance> for ComplianceDto<'a> {
    fn from(c: &'a Compliance) -> Self {
        let s = c.standing.as_ref();
        Self {
            level: s.map(|s| s.level.number()),
            cmmc_status: s.map(|s| s.cmmc_status.as_str()),
            sprs_score: s.and_then(|s| s.sprs_score),
            status_date: s.map(|s| s.status_date),
            validity_end: c.validity_end,
            next_affirmation_due: c.next_affirmation_due,
            problems: c.problems.iter().map(ProblemDto::from).collect(),
        }
    }
}
