//! Affirmations (32 CFR 170.22) and an organisation's standing: when the
//! next affirmation is due, and what is missing or expiring, as pure
//! functions.
//!
//! An Affirming Official affirms after every assessment, after every POA&M
//! closeout, and yearly after the last affirmation. A status lasts as
//! `sprs_record::validity_end` says.

use chrono::{Months, NaiveDate};

use crate::Level;
use crate::scoring::CmmcStatus;
use crate::sprs_record::validity_end;

/// Days before a date at which the standing starts to warn of it.
pub const WARN_DAYS: u64 = 30;

/// The statement an official affirms when they give none of their own.
#[must_use]
pub fn default_statement(organization: &str, level: Level) -> String {
    format!(
        "I affirm that {organization} has implemented, and will maintain, all the security requirements of CMMC Level {} for the information systems within the scope of its assessment.",
        level.number()
    )
}

/// When the next affirmation is due: on the day of an assessment completed or
/// a POA&M closed out since the last affirmation (the earliest such), else a
/// year after the last affirmation; None before anything is assessed.
#[must_use]
pub fn next_affirmation_due(
    triggers: &[NaiveDate],
    last_affirmation: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let pending = triggers.iter().filter(|t| last_affirmation.is_none_or(|a| **t > a)).min();
    match (pending, last_affirmation) {
        (Some(trigger), _) => Some(*trigger),
        (None, Some(last)) => last.checked_add_months(Months::new(12)),
        (None, None) => None,
    }
}

/// The organisation's current status, from its latest completed assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub level: Level,
    pub cmmc_status: CmmcStatus,
    pub sprs_score: Option<i32>,
    pub status_date: NaiveDate,
    pub closeout_deadline: Option<NaiveDate>,
}

/// Something missing or coming due: its kind, in words, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: &'static str,
    pub detail: String,
    pub due: Option<NaiveDate>,
}

fn problem(kind: &'static str, detail: String, due: Option<NaiveDate>) -> Problem {
    Problem { kind, detail, due }
}

fn soon(date: NaiveDate, today: NaiveDate) -> bool {
    today.checked_add_days(chrono::Days::new(WARN_DAYS)).is_some_and(|limit| date <= limit)
}

/// What is missing or expiring on `today`, earliest first.
#[must_use]
pub fn problems(
    standing: Option<&Standing>,
    next_affirmation: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<Problem> {
    let Some(s) = standing else {
        return vec![problem("no_assessment", "no assessment is completed yet".into(), None)];
    };
    let mut out = Vec::new();
    match (s.cmmc_status, validity_end(s.level, s.cmmc_status, s.status_date)) {
        (CmmcStatus::None, _) | (_, None) => out.push(problem(
            "no_status",
            format!("the latest Level {} assessment earned no CMMC status", s.level.number()),
            None,
        )),
        (_, Some(end)) if end < today => {
            out.push(problem(
                "status_expired",
                format!("the CMMC status expired on {end}"),
                Some(end),
            ));
        }
        (_, Some(end)) if soon(end, today) => {
            out.push(problem(
                "status_expiring",
                format!("the CMMC status expires on {end}"),
                Some(end),
            ));
        }
        _ => {}
    }
    if let (CmmcStatus::Conditional, Some(deadline)) = (s.cmmc_status, s.closeout_deadline)
        && deadline >= today
    {
        out.push(problem(
            "closeout_due",
            format!("the POA&M must be closed out by {deadline} or the Conditional status expires"),
            Some(deadline),
        ));
    }
    match next_affirmation {
        Some(due) if due < today => out.push(problem(
            "affirmation_overdue",
            format!("an affirmation was due on {due}"),
            Some(due),
        )),
        Some(due) if soon(due, today) => {
            out.push(problem(
                "affirmation_due",
                format!("an affirmation is due on {due}"),
                Some(due),
            ));
        }
        _ => {}
    }
    out.sort_by_key(|p| p.due);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_assessment_or_closeout_since_the_last_affirmation_is_due_at_once() {
        let completed = date("2026-03-02");
        assert_eq!(next_affirmation_due(&[completed], None), Some(completed));
        assert_eq!(next_affirmation_due(&[completed], Some(date("2026-03-01"))), Some(completed));
        let closeout = date("2026-07-01");
        assert_eq!(
            next_affirmation_due(&[completed, closeout], Some(date("2026-03-02"))),
            Some(closeout),
            "the assessment was affirmed the same day; the closeout was not"
        );
        assert_eq!(next_affirmation_due(&[], None), None, "nothing assessed, nothing due");
    }

    #[test]
    fn otherwise_a_year_after_the_last_including_leap_days() {
        assert_eq!(
            next_affirmation_due(&[date("2026-03-02")], Some(date("2026-03-05"))),
            Some(date("2027-03-05"))
        );
        assert_eq!(next_affirmation_due(&[], Some(date("2028-02-29"))), Some(date("2029-02-28")));
        assert_eq!(next_affirmation_due(&[], Some(date("2026-12-31"))), Some(date("2027-12-31")));
    }

    fn standing(status: CmmcStatus, on: &str) -> Standing {
        Standing {
            level: Level::Advanced,
            cmmc_status: status,
            sprs_score: Some(108),
            status_date: date(on),
            closeout_deadline: (status == CmmcStatus::Conditional)
                .then(|| validity_end(Level::Advanced, status, date(on)).unwrap()),
        }
    }

    #[test]
    fn the_standing_lists_what_is_missing_or_coming_due_earliest_first() {
        assert_eq!(problems(None, None, date("2026-01-01"))[0].kind, "no_assessment");
        let conditional = standing(CmmcStatus::Conditional, "2026-03-02");
        let found = problems(Some(&conditional), Some(date("2026-03-02")), date("2026-08-10"));
        let kinds: Vec<&str> = found.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec!["affirmation_overdue", "status_expiring", "closeout_due"]);
        assert_eq!(found[1].due, Some(date("2026-08-29")));
        let final_status = standing(CmmcStatus::Final, "2026-03-02");
        assert!(
            problems(Some(&final_status), Some(date("2027-03-02")), date("2026-06-01")).is_empty()
        );
        let expired = problems(Some(&final_status), Some(date("2030-01-01")), date("2029-03-03"));
        assert_eq!(expired[0].kind, "status_expired");
        let none =
            problems(Some(&standing(CmmcStatus::None, "2026-03-02")), None, date("2026-04-01"));
        assert_eq!(none[0].kind, "no_status");
    }

    #[test]
    fn the_default_statement_names_the_organisation_and_level() {
        let text = default_statement("Acme", Level::Advanced);
        assert!(
            text.contains("Acme")
                && text.contains("CMMC Level 2")
                && text.contains("will maintain")
        );
    }
}
