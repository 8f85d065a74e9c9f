//! The query of the export routes.

use serde::Deserialize;

/// Which file to make.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `csv` (one table, UTF-8; the default) or `xlsx` (a workbook).
    #[param(pattern = "^(csv|xlsx)$", example = "xlsx")]
    pub(crate) format: Option<String>,
}

/// Which document to make.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DocumentQuery {
    /// `docx` (a Word document; the default) or `html` (one printable page).
    #[param(pattern = "^(docx|html)$", example = "docx")]
    pub(crate) format: Option<String>,
}

/// The query of the SPRS record.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SprsRecordQuery {
    /// `json` (the default) or `text` (the plain-text form to paste or email).
    #[param(pattern = "^(json|text)$", example = "text")]
    pub(crate) format: Option<String>,
}

/// The record a contractor enters in SPRS, and the CMMC status record.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = SprsRecord, example = json!({
    "standard": "NIST SP 800-171 Rev 2", "assessing_organization": "C3PAO",
    "assessment_date": "2026-03-02", "summary_score": 108, "scope": "Enclave",
    "plan_completion_date": "2026-07-15", "cage_codes": ["1ABC2"],
    "ssp_name": "CUI enclave SSP", "ssp_version": "2", "ssp_date": "2026-02-15",
    "level": 2, "cmmc_status": "conditional", "status_date": "2026-03-02",
    "validity_end": "2026-08-29", "closeout_deadline": "2026-08-29"
}))]
pub(crate) struct SprsRecordDto<'a> {
    /// The standard assessed.
    standard: &'static str,
    /// Who assessed it: `self`, `C3PAO` or `DCMA DIBCAC`.
    assessing_organization: &'static str,
    assessment_date: chrono::NaiveDate,
    /// The summary score stored at completion (never the per-requirement values).
    summary_score: i32,
    /// `Enterprise`, `Enclave` or `Contract`, from the SSP.
    scope: &'static str,
    /// When all requirements are expected to be met (110 points): the latest open POA&M item.
    plan_completion_date: chrono::NaiveDate,
    /// The CAGE codes the SSP covers.
    cage_codes: &'a [String],
    ssp_name: &'a str,
    ssp_version: &'a str,
    ssp_date: chrono::NaiveDate,
    /// The CMMC level.
    level: i32,
    /// `final`, `conditional` or `none`.
    cmmc_status: &'static str,
    /// The CMMC status date: the day the assessment was completed.
    status_date: chrono::NaiveDate,
    /// Final: 1 year (Level 1) or 3 years; Conditional: 180 days; none: null.
    validity_end: Option<chrono::NaiveDate>,
    /// A Conditional status's POA&M closeout deadline.
    closeout_deadline: Option<chrono::NaiveDate>,
}

impl<'a> From<&'a cmmc_domain::sprs_record::SprsRecord> for SprsRecordDto<'a> {
    fn from(r: &'a cmmc_domain::sprs_record::SprsRecord) -> Self {
        Self {
            standard: r.standard,
            assessing_organization: r.assessing_organization,
            assessment_date: r.assessment_date,
            summary_score: r.summary_score,
            scope: r.scope,
            plan_completion_date: r.plan_completion_date,
            cage_codes: &r.cage_codes,
            ssp_name: &r.ssp_name,
            ssp_version: &r.ssp_version,
            ssp_date: r.ssp_date,
            level: r.level.number(),
            cmmc_status: r.cmmc_status.as_str(),
            status_date: r.status_date,
            validity_end: r.validity_end,
            closeout_deadline: r.closeout_deadline,
        }
    }
}
