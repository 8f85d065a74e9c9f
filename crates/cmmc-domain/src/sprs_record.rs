//! The record a contractor enters in SPRS for a completed Level 2 or Level 3
//! assessment (DFARS 252.204-7019/-7020), with its CMMC status record (32 CFR
//! 170.15 to 170.18 and 170.21), built and checked as a pure function.

use chrono::{Months, NaiveDate};

use crate::scoring::{CONDITIONAL_CLOSEOUT_DAYS, CmmcStatus};
use crate::{AssessmentType, CageCode, Level, SprsScore, SspScopeType};

/// What the record says of the SSP the assessment assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SspFacts {
    pub name: String,
    pub version: String,
    /// The date of a published version; None for a draft.
    pub date: Option<NaiveDate>,
    pub scope: SspScopeType,
    pub cage_codes: Vec<String>,
}

/// What the record is built from: the numbers stored at completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInput {
    pub level: Level,
    pub assessment_type: AssessmentType,
    /// The day it was completed: the assessment date and the status date.
    pub completed_on: NaiveDate,
    pub sprs_score: Option<i32>,
    pub cmmc_status: CmmcStatus,
    pub closeout_deadline: Option<NaiveDate>,
    /// The scheduled completion of every POA&M item not completed.
    pub open_item_dates: Vec<Option<NaiveDate>>,
    pub ssp: Option<SspFacts>,
}

/// The SPRS record and the CMMC status record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SprsRecord {
    pub standard: &'static str,
    /// `self`, `C3PAO` or `DCMA DIBCAC`.
    pub assessing_organization: &'static str,
    pub assessment_date: NaiveDate,
    pub summary_score: i32,
    /// `Enterprise`, `Enclave` or `Contract`.
    pub scope: &'static str,
    /// When all requirements are expected to be met (110 points).
    pub plan_completion_date: NaiveDate,
    pub cage_codes: Vec<String>,
    pub ssp_name: String,
    pub ssp_version: String,
    pub ssp_date: NaiveDate,
    pub level: Level,
    pub cmmc_status: CmmcStatus,
    pub status_date: NaiveDate,
    /// None when no status was earned.
    pub validity_end: Option<NaiveDate>,
    /// A Conditional status's POA&M closeout deadline.
    pub closeout_deadline: Option<NaiveDate>,
}

/// Until when a status lasts: Final, 1 year at Level 1 and 3 years at Levels
/// 2 and 3; Conditional, 180 days; none, nothing. A year from 29 February
/// ends on 28 February.
#[must_use]
pub fn validity_end(level: Level, status: CmmcStatus, status_date: NaiveDate) -> Option<NaiveDate> {
    match status {
        CmmcStatus::None => None,
        CmmcStatus::Conditional => status_date
            .checked_add_days(chrono::Days::new(CONDITIONAL_CLOSEOUT_DAYS.unsigned_abs())),
        CmmcStatus::Final => {
            let months = if level == Level::Foundational { 12 } else { 36 };
            status_date.checked_add_months(Months::new(months))
        }
    }
}

const fn assessing_organization(kind: AssessmentType) -> &'static str {
    match kind {
        AssessmentType::SelfAssessment => "self",
        AssessmentType::ThirdParty => "C3PAO",
        AssessmentType::Government => "DCMA DIBCAC",
    }
}

const fn scope_name(scope: SspScopeType) -> &'static str {
    match scope {
        SspScopeType::Enterprise => "Enterprise",
        SspScopeType::Enclave => "Enclave",
        SspScopeType::Contract => "Contract",
    }
}

/// When 110 points are expected: the assessment date when nothing is
/// missing, otherwise the latest scheduled completion of the open items.
fn plan_completion(input: &RecordInput, score: i32, problems: &mut Vec<String>) -> NaiveDate {
    if score == SprsScore::MAX {
        return input.completed_on;
    }
    if input.open_item_dates.is_empty() {
        problems.push(format!("the score is {score}, but no POA&M item of this assessment is open to say when 110 will be reached"));
    } else if input.open_item_dates.iter().any(Option::is_none) {
        problems.push("every open POA&M item needs a scheduled completion date".to_owned());
    }
    input.open_item_dates.iter().flatten().max().copied().unwrap_or(input.completed_on)
}

/// The SSP's part, or the problems that stop it.
fn ssp_part(ssp: Option<&SspFacts>, problems: &mut Vec<String>) -> Option<(SspFacts, NaiveDate)> {
    let Some(ssp) = ssp else {
        problems.push("the assessment names no SSP version (set its ssp_id)".to_owned());
        return None;
    };
    if ssp.cage_codes.is_empty() {
        problems.push("the SSP lists no CAGE code".to_owned());
    }
    for code in &ssp.cage_codes {
        if CageCode::parse(code).is_err() {
            problems.push(format!("{code:?} in the SSP is not a CAGE code"));
        }
    }
    match ssp.date {
        Some(date) => Some((ssp.clone(), date)),
        None => {
            problems.push(format!(
                "SSP {} version {} is a draft: publish it first",
                ssp.name, ssp.version
            ));
            None
        }
    }
}

/// Builds and checks the record: the score in range, an SSP version that is
/// published and names well-formed CAGE codes, dates in order, and for a
/// Conditional status every open item scheduled by the closeout deadline.
///
/// # Errors
/// Every problem found, in words a contractor can act on.
pub fn sprs_record(input: &RecordInput) -> Result<SprsRecord, Vec<String>> {
    if input.level == Level::Foundational {
        return Err(vec![
            "a Level 1 self-assessment has no SPRS score: its affirmation is its record".to_owned(),
        ]);
    }
    let mut problems = Vec::new();
    let score = match input.sprs_score.map(|s| SprsScore::new(s.into())) {
        Some(Ok(score)) => score.value(),
        Some(Err(err)) => {
            problems.push(err.to_string());
            0
        }
        None => {
            problems.push("no SPRS score was stored at completion".to_owned());
            0
        }
    };
    let plan_completion_date = plan_completion(input, score, &mut problems);
    if plan_completion_date < input.completed_on {
        problems.push(format!(
            "the plan completes on {plan_completion_date}, before the assessment date {}",
            input.completed_on
        ));
    }
    if let (CmmcStatus::Conditional, Some(deadline)) = (input.cmmc_status, input.closeout_deadline)
        && plan_completion_date > deadline
    {
        problems.push(format!(
            "a Conditional status must close its POA&M within 180 days: items are scheduled until {plan_completion_date}, the closeout deadline is {deadline}"
        ));
    }
    let ssp = ssp_part(input.ssp.as_ref(), &mut problems);
    let Some((ssp, ssp_date)) = ssp.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    Ok(SprsRecord {
        standard: if input.level == Level::Expert {
            "NIST SP 800-171 Rev 2 and NIST SP 800-172"
        } else {
            "NIST SP 800-171 Rev 2"
        },
        assessing_organization: assessing_organization(input.assessment_type),
        assessment_date: input.completed_on,
        summary_score: score,
        scope: scope_name(ssp.scope),
        plan_completion_date,
        cage_codes: ssp.cage_codes,
        ssp_name: ssp.name,
        ssp_version: ssp.version,
        ssp_date,
        level: input.level,
        cmmc_status: input.cmmc_status,
        status_date: input.completed_on,
        validity_end: validity_end(input.level, input.cmmc_status, input.completed_on),
        closeout_deadline: input
            .closeout_deadline
            .filter(|_| input.cmmc_status == CmmcStatus::Conditional),
    })
}

/// The record as plain text, one `field: value` line each, to paste or email.
#[must_use]
pub fn render_text(record: &SprsRecord) -> String {
    let none = || "none".to_owned();
    let lines = [
        ("Standard", record.standard.to_owned()),
        ("Assessing organization", record.assessing_organization.to_owned()),
        ("Assessment date", record.assessment_date.to_string()),
        ("Summary score", record.summary_score.to_string()),
        ("Assessment scope", record.scope.to_owned()),
        ("Plan of action completion date", record.plan_completion_date.to_string()),
        ("CAGE codes", record.cage_codes.join(", ")),
        ("SSP name", record.ssp_name.clone()),
        ("SSP version", record.ssp_version.clone()),
        ("SSP date", record.ssp_date.to_string()),
        ("CMMC level", record.level.number().to_string()),
        ("CMMC status", record.cmmc_status.as_str().to_owned()),
        ("CMMC status date", record.status_date.to_string()),
        ("Valid until", record.validity_end.map_or_else(none, |d| d.to_string())),
        ("POA&M closeout deadline", record.closeout_deadline.map_or_else(none, |d| d.to_string())),
    ];
    let mut text = String::new();
    for (label, value) in lines {
        text.push_str(label);
        text.push_str(": ");
        text.push_str(&value);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn ssp(date_text: Option<&str>) -> SspFacts {
        SspFacts {
            name: "Enclave SSP".into(),
            version: "2".into(),
            date: date_text.map(date),
            scope: SspScopeType::Enclave,
            cage_codes: vec!["1ABC2".into()],
        }
    }

    fn input(score: i32, status: CmmcStatus, items: &[Option<&str>]) -> RecordInput {
        RecordInput {
            level: Level::Advanced,
            assessment_type: AssessmentType::ThirdParty,
            completed_on: date("2026-03-02"),
            sprs_score: Some(score),
            cmmc_status: status,
            closeout_deadline: (status == CmmcStatus::Conditional).then(|| date("2026-08-29")),
            open_item_dates: items.iter().map(|d| d.map(date)).collect(),
            ssp: Some(ssp(Some("2026-02-15"))),
        }
    }

    #[test]
    fn statuses_last_a_year_three_years_or_180_days() {
        let d = date("2026-03-02");
        assert_eq!(
            validity_end(Level::Foundational, CmmcStatus::Final, d),
            Some(date("2027-03-02"))
        );
        assert_eq!(validity_end(Level::Advanced, CmmcStatus::Final, d), Some(date("2029-03-02")));
        assert_eq!(validity_end(Level::Expert, CmmcStatus::Final, d), Some(date("2029-03-02")));
        assert_eq!(
            validity_end(Level::Advanced, CmmcStatus::Conditional, d),
            Some(date("2026-08-29"))
        );
        assert_eq!(validity_end(Level::Advanced, CmmcStatus::None, d), None);
    }

    #[test]
    fn leap_days_and_year_ends_roll_as_the_calendar_does() {
        let leap = date("2028-02-29");
        assert_eq!(
            validity_end(Level::Foundational, CmmcStatus::Final, leap),
            Some(date("2029-02-28"))
        );
        assert_eq!(
            validity_end(Level::Advanced, CmmcStatus::Final, leap),
            Some(date("2031-02-28"))
        );
        assert_eq!(
            validity_end(Level::Advanced, CmmcStatus::Conditional, date("2026-12-31")),
            Some(date("2027-06-29"))
        );
        assert_eq!(
            validity_end(Level::Advanced, CmmcStatus::Conditional, leap),
            Some(date("2028-08-27"))
        );
    }

    #[test]
    fn a_conditional_record_is_worked_out_from_its_items() {
        let record = sprs_record(&input(
            108,
            CmmcStatus::Conditional,
            &[Some("2026-05-01"), Some("2026-07-15")],
        ))
        .unwrap();
        assert_eq!(record.summary_score, 108);
        assert_eq!(record.assessing_organization, "C3PAO");
        assert_eq!(record.plan_completion_date, date("2026-07-15"), "the latest open item");
        assert_eq!(record.validity_end, Some(date("2026-08-29")));
        assert_eq!(record.closeout_deadline, Some(date("2026-08-29")));
        assert_eq!((record.scope, record.ssp_date), ("Enclave", date("2026-02-15")));
        let text = render_text(&record);
        assert!(
            text.contains("Summary score: 108\n") && text.contains("CAGE codes: 1ABC2\n"),
            "{text}"
        );
    }

    #[test]
    fn a_perfect_score_plans_nothing() {
        let record = sprs_record(&input(110, CmmcStatus::Final, &[])).unwrap();
        assert_eq!(record.plan_completion_date, date("2026-03-02"));
        assert_eq!(record.closeout_deadline, None);
        assert_eq!(record.validity_end, Some(date("2029-03-02")));
    }

    #[test]
    fn every_problem_is_named() {
        let late =
            sprs_record(&input(108, CmmcStatus::Conditional, &[Some("2026-09-01")])).unwrap_err();
        assert!(late[0].contains("within 180 days"), "{late:?}");
        let undated = sprs_record(&input(100, CmmcStatus::None, &[None])).unwrap_err();
        assert!(undated[0].contains("scheduled completion date"), "{undated:?}");
        let unplanned = sprs_record(&input(100, CmmcStatus::None, &[])).unwrap_err();
        assert!(unplanned[0].contains("no POA&M item"), "{unplanned:?}");
        let mut draft = input(110, CmmcStatus::Final, &[]);
        draft.ssp = Some(ssp(None));
        assert!(sprs_record(&draft).unwrap_err()[0].contains("draft"));
        let mut none = input(110, CmmcStatus::Final, &[]);
        none.ssp = None;
        assert!(sprs_record(&none).unwrap_err()[0].contains("ssp_id"));
        let mut bad = input(111, CmmcStatus::Final, &[]);
        bad.ssp.as_mut().unwrap().cage_codes = vec!["12".into()];
        let problems = sprs_record(&bad).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("111")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"12\" in the SSP")), "{problems:?}");
        let mut level1 = input(110, CmmcStatus::Final, &[]);
        level1.level = Level::Foundational;
        assert!(sprs_record(&level1).unwrap_err()[0].contains("Level 1"));
    }
}
