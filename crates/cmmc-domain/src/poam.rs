//! Which items a generated POA&M holds (DoD Assessment Methodology; 32 CFR
//! 170.21 for which requirements may be on a POA&M at all).

use crate::PracticeId;
use crate::scoring::{self, PracticeResult};
use crate::text::TITLE_MAX;

/// An open finding (open or in remediation), as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub id: String,
    pub title: String,
    pub practice_id: Option<PracticeId>,
}

/// One item a generated POA&M should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoamCandidate {
    /// What is to be done, at most [`TITLE_MAX`] characters.
    pub milestone: String,
    pub practice_id: Option<PracticeId>,
    pub finding_id: Option<String>,
    /// Whether the requirement may be on a POA&M (a finding with no practice
    /// is no requirement gap, so it may).
    pub poam_eligible: bool,
}

fn bounded(text: String) -> String {
    text.chars().take(TITLE_MAX).collect()
}

/// The items of a POA&M generated from an assessment: one for each practice
/// not met (`practices` in catalogue order, each with its title), linked to
/// an open finding about it if there is one; then one for each open finding
/// whose practice has no item of its own.
#[must_use]
pub fn candidates(
    practices: &[(PracticeResult, String)],
    findings: &[OpenFinding],
) -> Vec<PoamCandidate> {
    let mut items = Vec::new();
    let mut covered = Vec::new();
    for (result, title) in practices.iter().filter(|(r, _)| !r.status.counts_as_met()) {
        let finding = findings.iter().find(|f| f.practice_id == Some(result.practice_id));
        items.push(PoamCandidate {
            milestone: bounded(format!("Implement {} {title}", result.practice_id)),
            practice_id: Some(result.practice_id),
            finding_id: finding.map(|f| f.id.clone()),
            poam_eligible: scoring::may_be_on_poam(result),
        });
        covered.push(result.practice_id);
    }
    for finding in findings {
        if finding.practice_id.is_some_and(|p| covered.contains(&p)) {
            continue;
        }
        items.push(PoamCandidate {
            milestone: bounded(format!("Resolve finding: {}", finding.title)),
            practice_id: finding.practice_id,
            finding_id: Some(finding.id.clone()),
            poam_eligible: finding.practice_id.is_none(),
        });
    }
    items
}

/// Whether a POA&M item is overdue on `today`: it has a scheduled date
/// before today and is not completed (due today is not late).
#[must_use]
pub fn is_overdue(
    completed: bool,
    scheduled: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> bool {
    !completed && scheduled.is_some_and(|date| date < today)
}

/// A requirement NOT MET at the assessment, with its POA&M items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequirement {
    pub practice_id: String,
    /// How many POA&M items name it, and how many of those are completed.
    pub items: usize,
    pub completed: usize,
}

/// What stands in the way of a POA&M closeout (32 CFR 170.21(b)) on
/// `today`: it closes a Conditional status only, once, by the closeout
/// deadline (after it the Conditional status has expired); every
/// requirement left open (NOT MET or PARTIALLY MET) has POA&M items, all
/// completed; and no other item of the POA&M (`other_open_items`) is still
/// open. Empty when the closeout may be recorded.
#[must_use]
pub fn closeout_problems(
    conditional: bool,
    closed_out: bool,
    deadline: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
    open: &[OpenRequirement],
    other_open_items: usize,
) -> Vec<String> {
    if !conditional {
        return vec![
            "only a completed assessment with a Conditional status has a POA&M closeout".into(),
        ];
    }
    if closed_out {
        return vec!["its POA&M closeout is already recorded".into()];
    }
    let mut problems = Vec::new();
    if let Some(deadline) = deadline.filter(|d| *d < today) {
        problems.push(format!(
            "the closeout deadline was {deadline}: the Conditional status has expired, and a new assessment is needed"
        ));
    }
    let missing: Vec<&str> =
        open.iter().filter(|r| r.items == 0).map(|r| r.practice_id.as_str()).collect();
    if !missing.is_empty() {
        problems.push(format!("no POA&M item names {}", missing.join(", ")));
    }
    let unfinished: Vec<&str> = open
        .iter()
        .filter(|r| r.items > 0 && r.completed < r.items)
        .map(|r| r.practice_id.as_str())
        .collect();
    if !unfinished.is_empty() {
        problems.push(format!("POA&M items are not completed for {}", unfinished.join(", ")));
    }
    if other_open_items > 0 {
        problems.push(format!("{other_open_items} other POA&M item(s) are not completed"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PoamEligibility, PracticeStatus};

    fn open(id: &str, items: usize, completed: usize) -> OpenRequirement {
        OpenRequirement { practice_id: id.into(), items, completed }
    }

    #[test]
    fn a_closeout_needs_a_conditional_status_in_time_with_every_item_done() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let (deadline, today) = (Some(day("2026-08-29")), day("2026-08-29"));
        let done = [open("AC.L2-3.1.5", 2, 2), open("SC.L2-3.13.11", 1, 1)];
        assert!(
            closeout_problems(true, false, deadline, today, &done, 0).is_empty(),
            "the deadline day itself is in time"
        );
        assert_eq!(closeout_problems(false, false, deadline, today, &done, 0).len(), 1);
        assert!(closeout_problems(true, true, deadline, today, &done, 0)[0].contains("already"));
        assert_eq!(
            closeout_problems(true, false, deadline, today, &done, 2),
            ["2 other POA&M item(s) are not completed"]
        );
        let late = closeout_problems(true, false, deadline, day("2026-08-30"), &done, 0);
        assert_eq!(
            late,
            [
                "the closeout deadline was 2026-08-29: the Conditional status has expired, and a new assessment is needed"
            ]
        );
        let undone = [open("AC.L2-3.1.5", 2, 1), open("AU.L2-3.3.4", 0, 0)];
        assert_eq!(
            closeout_problems(true, false, deadline, today, &undone, 0),
            ["no POA&M item names AU.L2-3.3.4", "POA&M items are not completed for AC.L2-3.1.5"]
        );
    }

    fn result(
        id: &str,
        status: PracticeStatus,
        eligibility: PoamEligibility,
    ) -> (PracticeResult, String) {
        let practice_id: PracticeId = id.parse().unwrap();
        let result = PracticeResult {
            practice_id,
            status,
            sprs_weight: Some(1),
            sprs_partial_weight: None,
            poam_eligibility: eligibility,
        };
        (result, format!("Title of {id}"))
    }

    #[test]
    fn every_gap_and_every_other_open_finding_becomes_an_item() {
        let practices = vec![
            result("AC.L2-3.1.1", PracticeStatus::Met, PoamEligibility::Ineligible),
            result("AC.L2-3.1.2", PracticeStatus::NotMet, PoamEligibility::Ineligible),
            result("AC.L2-3.1.3", PracticeStatus::NotMet, PoamEligibility::Eligible),
            result("IA.L2-3.5.3", PracticeStatus::PartiallyMet, PoamEligibility::Conditional),
            result("AC.L2-3.1.4", PracticeStatus::NotApplicable, PoamEligibility::Eligible),
        ];
        let findings = vec![
            OpenFinding {
                id: "f1".into(),
                title: "Shared accounts".into(),
                practice_id: Some("AC.L2-3.1.3".parse().unwrap()),
            },
            OpenFinding { id: "f2".into(), title: "Badge reader".into(), practice_id: None },
            OpenFinding {
                id: "f3".into(),
                title: "Old finding".into(),
                practice_id: Some("AC.L2-3.1.1".parse().unwrap()),
            },
        ];
        let items = candidates(&practices, &findings);
        let summary: Vec<(Option<String>, Option<&str>, bool)> = items
            .iter()
            .map(|i| {
                (i.practice_id.map(|p| p.to_string()), i.finding_id.as_deref(), i.poam_eligible)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some("AC.L2-3.1.2".into()), None, false),
                (Some("AC.L2-3.1.3".into()), Some("f1"), true),
                (Some("IA.L2-3.5.3".into()), None, true),
                (None, Some("f2"), true),
                (Some("AC.L2-3.1.1".into()), Some("f3"), false),
            ]
        );
        assert_eq!(items[0].milestone, "Implement AC.L2-3.1.2 Title of AC.L2-3.1.2");
        assert_eq!(items[3].milestone, "Resolve finding: Badge reader");
    }

    #[test]
    fn milestones_are_bounded() {
        let findings =
            vec![OpenFinding { id: "f".into(), title: "x".repeat(400), practice_id: None }];
        assert_eq!(candidates(&[], &findings)[0].milestone.chars().count(), TITLE_MAX);
    }
}
