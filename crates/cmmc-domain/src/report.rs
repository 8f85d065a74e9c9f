//! What the exported reports say, as pure functions: the columns of an
//! assessment's results and of a POA&M, one row per practice or item, the
//! points lost per domain, and the rule that keeps a text cell from being
//! read as a formula by a spreadsheet.
//!
//! The writers (CSV, XLSX) only lay these rows out; what a cell says is
//! decided here.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::{ObjectiveStatus, PoamItemStatus};

/// One cell of a report: text, a whole number, or a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    fn optional_text(value: Option<&str>) -> Self {
        value.filter(|v| !v.is_empty()).map_or(Self::Empty, Self::text)
    }

    fn count(value: u64) -> Self {
        Self::Number(i64::try_from(value).unwrap_or(i64::MAX))
    }

    fn yes_no(value: bool) -> Self {
        Self::text(if value { "yes" } else { "no" })
    }

    /// The cell as plain text (dates as ISO 8601).
    #[must_use]
    pub fn plain(&self) -> Cow<'_, str> {
        match self {
            Self::Text(text) => Cow::Borrowed(text),
            Self::Number(n) => Cow::Owned(n.to_string()),
            Self::Date(d) => Cow::Owned(d.to_string()),
            Self::Empty => Cow::Borrowed(""),
        }
    }
}

/// Text a spreadsheet would take for a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as the
/// OWASP advice on CSV injection says; other text is unchanged.
#[must_use]
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// The columns of an assessment's results, in order.
pub const PRACTICE_COLUMNS: [&str; 16] = [
    "practice_id",
    "domain",
    "title",
    "status",
    "objectives_met",
    "objectives_not_met",
    "objectives_not_applicable",
    "objectives_unanswered",
    "points_deducted",
    "poam_eligibility",
    "notes",
    "evidence_pending",
    "evidence_accepted",
    "evidence_rejected",
    "evaluated_at",
    "inherited_from",
];

/// How an assessment's objectives of one practice were answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjectiveCounts {
    pub met: u32,
    pub not_met: u32,
    pub not_applicable: u32,
    pub unanswered: u32,
}

/// Counts objective results; `None` is an objective not answered yet.
#[must_use]
pub fn count_objectives(
    results: impl IntoIterator<Item = Option<ObjectiveStatus>>,
) -> ObjectiveCounts {
    results.into_iter().fold(ObjectiveCounts::default(), |mut counts, result| {
        match result {
            Some(ObjectiveStatus::Met) => counts.met += 1,
            Some(ObjectiveStatus::NotMet) => counts.not_met += 1,
            Some(ObjectiveStatus::NotApplicable) => counts.not_applicable += 1,
            None => counts.unanswered += 1,
        }
        counts
    })
}

/// One practice of an assessment, as the results export shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRow {
    pub practice_id: String,
    pub domain: String,
    pub title: String,
    pub status: String,
    pub objectives: ObjectiveCounts,
    /// SPRS points this practice costs now (0 when met or not scored).
    pub points_deducted: i32,
    pub poam_eligibility: String,
    pub notes: Option<String>,
    /// Evidence by review status: pending, accepted, rejected.
    pub evidence: [u64; 3],
    pub evaluated_at: Option<NaiveDate>,
    /// What providers carry ([`inheritance_summary`]); empty for none.
    pub inherited_from: String,
}

impl PracticeRow {
    /// The row's cells, in [`PRACTICE_COLUMNS`] order.
    #[must_use]
    pub fn cells(&self) -> Vec<Cell> {
        let o = self.objectives;
        vec![
            Cell::text(&self.practice_id),
            Cell::text(&self.domain),
            Cell::text(&self.title),
            Cell::text(&self.status),
            Cell::Number(o.met.into()),
            Cell::Number(o.not_met.into()),
            Cell::Number(o.not_applicable.into()),
            Cell::Number(o.unanswered.into()),
            Cell::Number(self.points_deducted.into()),
            Cell::text(&self.poam_eligibility),
            Cell::optional_text(self.notes.as_deref()),
            Cell::count(self.evidence[0]),
            Cell::count(self.evidence[1]),
            Cell::count(self.evidence[2]),
            self.evaluated_at.map_or(Cell::Empty, Cell::Date),
            Cell::optional_text(Some(self.inherited_from.as_str()).filter(|s| !s.is_empty())),
        ]
    }
}

/// An objective's source, as [`inheritance_summary`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectiveSourceRef<'a> {
    pub label: &'a str,
    pub provider: &'a str,
    /// `inherited` or `shared`.
    pub responsibility: &'a str,
    pub overridden: bool,
}

/// What providers carry of a practice, in one line: per provider and
/// responsibility, the objectives, and which inherited ones an assessor
/// overrode, e.g. `M365 GCC High: inherited a, b, c; shared d. overridden: b`.
#[must_use]
pub fn inheritance_summary(sources: &[ObjectiveSourceRef<'_>]) -> String {
    let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for s in sources {
        match groups.iter_mut().find(|(p, r, _)| *p == s.provider && *r == s.responsibility) {
            Some((_, _, labels)) => labels.push(s.label),
            None => groups.push((s.provider, s.responsibility, vec![s.label])),
        }
    }
    let mut providers: Vec<(&str, Vec<String>)> = Vec::new();
    for (provider, responsibility, labels) in groups {
        let part = format!("{responsibility} {}", labels.join(", "));
        match providers.iter_mut().find(|(p, _)| *p == provider) {
            Some((_, parts)) => parts.push(part),
            None => providers.push((provider, vec![part])),
        }
    }
    let mut line: Vec<String> =
        providers.into_iter().map(|(p, parts)| format!("{p}: {}", parts.join("; "))).collect();
    let overridden: Vec<&str> = sources.iter().filter(|s| s.overridden).map(|s| s.label).collect();
    if !overridden.is_empty() {
        line.push(format!("overridden: {}", overridden.join(", ")));
    }
    line.join(". ")
}

/// Points lost per domain, in the order the domains first appear in `rows`
/// (catalogue order when the rows are); domains that lost nothing included.
#[must_use]
pub fn points_by_domain(rows: &[PracticeRow]) -> Vec<(String, i32)> {
    let mut totals: Vec<(String, i32)> = Vec::new();
    for row in rows {
        match totals.iter_mut().find(|(domain, _)| *domain == row.domain) {
            Some((_, points)) => *points += row.points_deducted,
            None => totals.push((row.domain.clone(), row.points_deducted)),
        }
    }
    totals
}

/// The columns of a POA&M, after the DoD POA&M template: the weakness and
/// the requirement it breaks, who answers for it, what it needs, the
/// milestone and its date, how that date changed, status and risk.
pub const POAM_COLUMNS: [&str; 13] = [
    "item_id",
    "weakness",
    "requirement",
    "requirement_title",
    "point_of_contact",
    "resources_required",
    "milestone",
    "scheduled_completion",
    "milestone_changes",
    "status",
    "actual_completion",
    "risk_accepted",
    "overdue",
];

/// One POA&M item, as the POA&M export shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoamRow {
    pub item_id: String,
    /// The finding's title (and description), or the requirement's title.
    pub weakness: String,
    pub requirement: Option<String>,
    pub requirement_title: Option<String>,
    pub point_of_contact: Option<String>,
    pub resources_required: Option<String>,
    pub milestone: String,
    pub scheduled_completion: Option<NaiveDate>,
    /// Earlier scheduled dates, oldest first, each with the day it changed.
    pub milestone_changes: Vec<(NaiveDate, Option<NaiveDate>)>,
    pub status: PoamItemStatus,
    pub actual_completion: Option<NaiveDate>,
    pub risk_accepted: bool,
}

impl PoamRow {
    /// Whether the item is overdue on `today`: scheduled before it and not completed.
    #[must_use]
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        crate::poam::is_overdue(
            self.status == PoamItemStatus::Completed,
            self.scheduled_completion,
            today,
        )
    }

    /// The row's cells on `today`, in [`POAM_COLUMNS`] order.
    #[must_use]
    pub fn cells(&self, today: NaiveDate) -> Vec<Cell> {
        vec![
            Cell::text(&self.item_id),
            Cell::text(&self.weakness),
            Cell::optional_text(self.requirement.as_deref()),
            Cell::optional_text(self.requirement_title.as_deref()),
            Cell::optional_text(self.point_of_contact.as_deref()),
            Cell::optional_text(self.resources_required.as_deref()),
            Cell::text(&self.milestone),
            self.scheduled_completion.map_or(Cell::Empty, Cell::Date),
            Cell::optional_text(Some(&milestone_changes(&self.milestone_changes))),
            Cell::text(self.status.as_str()),
            self.actual_completion.map_or(Cell::Empty, Cell::Date),
            Cell::yes_no(self.risk_accepted),
            Cell::yes_no(self.is_overdue(today)),
        ]
    }
}

/// `2026-03-01: 2026-06-30 -> ...`: each change of a scheduled date, on the
/// day it was made, with the date it replaced.
fn milestone_changes(changes: &[(NaiveDate, Option<NaiveDate>)]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|(changed_on, before)| match before {
            Some(before) => format!("{changed_on}: was {before}"),
            None => format!("{changed_on}: was unscheduled"),
        })
        .collect();
    parts.join("; ")
}

/// Bar lengths for a chart of `values`, in whole units of which the largest
/// value gets `full`: a positive value gets at least one unit (so no loss is
/// hidden), zero and negative values none.
#[must_use]
pub fn bar_lengths(values: &[i32], full: u32) -> Vec<u32> {
    let max = values.iter().copied().filter(|v| *v > 0).max().unwrap_or(0);
    values
        .iter()
        .map(|&value| {
            if value <= 0 || max == 0 {
                return 0;
            }
            let scaled =
                u64::from(value.unsigned_abs()) * u64::from(full) / u64::from(max.unsigned_abs());
            u32::try_from(scaled).unwrap_or(full).clamp(1, full.max(1))
        })
        .collect()
}

/// A code such as `partially_implemented` as words: `Partially implemented`.
#[must_use]
pub fn label(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// How many findings there are of each severity, most serious first; every
/// severity is listed, with 0 where there are none.
#[must_use]
pub fn count_by_severity(
    severities: impl IntoIterator<Item = crate::Severity>,
) -> Vec<(crate::Severity, u32)> {
    let mut counts: Vec<(crate::Severity, u32)> =
        crate::Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for severity in severities {
        if let Some((_, n)) = counts.iter_mut().find(|(s, _)| *s == severity) {
            *n += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_never_hide_a_loss() {
        assert_eq!(bar_lengths(&[10, 5, 0, 1, -3], 20), vec![20, 10, 0, 2, 0]);
        assert_eq!(bar_lengths(&[40, 1], 20), vec![20, 1], "1 of 40 rounds down to 0, shown as 1");
        assert_eq!(bar_lengths(&[3, 3], 7), vec![7, 7]);
        assert_eq!(bar_lengths(&[100, 1], 10), vec![10, 1]);
        assert_eq!(bar_lengths(&[0, 0], 10), vec![0, 0]);
        assert_eq!(bar_lengths(&[], 10), Vec::<u32>::new());
        assert_eq!(bar_lengths(&[i32::MAX, 1], 400), vec![400, 1]);
    }

    #[test]
    fn labels_are_words() {
        assert_eq!(label("partially_implemented"), "Partially implemented");
        assert_eq!(label("met"), "Met");
        assert_eq!(label(""), "");
    }

    #[test]
    fn severities_are_counted_most_serious_first() {
        use crate::Severity::{Critical, High, Low, Medium};
        assert_eq!(
            count_by_severity([Low, High, Low]),
            vec![(Critical, 0), (High, 1), (Medium, 0), (Low, 2)]
        );
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_inheritance_summary_groups_by_provider_and_names_overrides() {
        let source = |label, provider, responsibility, overridden| ObjectiveSourceRef {
            label,
            provider,
            responsibility,
            overridden,
        };
        let sources = [
            source("a", "GCC High", "inherited", false),
            source("b", "GCC High", "inherited", true),
            source("c", "MSP", "shared", false),
            source("d", "GCC High", "shared", false),
        ];
        assert_eq!(
            inheritance_summary(&sources),
            "GCC High: inherited a, b; shared d. MSP: shared c. overridden: b"
        );
        assert_eq!(inheritance_summary(&[]), "");
    }

    fn practice(domain: &str, points: i32) -> PracticeRow {
        PracticeRow {
            practice_id: format!("{domain}.L2-3.1.1"),
            domain: domain.to_owned(),
            title: "t".into(),
            status: "not_met".into(),
            objectives: ObjectiveCounts::default(),
            points_deducted: points,
            poam_eligibility: "eligible".into(),
            notes: None,
            evidence: [0, 0, 0],
            evaluated_at: None,
            inherited_from: String::new(),
        }
    }

    fn item(status: PoamItemStatus, scheduled: Option<&str>) -> PoamRow {
        PoamRow {
            item_id: "i".into(),
            weakness: "w".into(),
            requirement: None,
            requirement_title: None,
            point_of_contact: None,
            resources_required: None,
            milestone: "m".into(),
            scheduled_completion: scheduled.map(date),
            milestone_changes: Vec::new(),
            status,
            actual_completion: None,
            risk_accepted: false,
        }
    }

    #[test]
    fn formulas_are_defused_and_other_text_is_not() {
        for bad in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        for fine in ["Access control", "", "1-2", "a=b", "'quoted"] {
            assert_eq!(spreadsheet_safe(fine), fine);
        }
    }

    #[test]
    fn objectives_are_counted_by_result() {
        let counts = count_objectives([
            Some(ObjectiveStatus::Met),
            Some(ObjectiveStatus::Met),
            Some(ObjectiveStatus::NotMet),
            Some(ObjectiveStatus::NotApplicable),
            None,
        ]);
        assert_eq!(
            counts,
            ObjectiveCounts { met: 2, not_met: 1, not_applicable: 1, unanswered: 1 }
        );
    }

    #[test]
    fn practice_cells_follow_the_columns() {
        let mut row = practice("AC", 5);
        row.notes = Some("=HYPERLINK()".into());
        row.evidence = [1, 2, 3];
        let cells = row.cells();
        assert_eq!(cells.len(), PRACTICE_COLUMNS.len());
        assert_eq!(cells[8], Cell::Number(5));
        assert_eq!(cells[10].plain(), "=HYPERLINK()", "defusing is the CSV writer's job");
        assert_eq!(cells[13], Cell::Number(3));
        assert_eq!(cells[14], Cell::Empty);
    }

    #[test]
    fn points_add_up_per_domain_in_first_seen_order() {
        let rows = [practice("AC", 5), practice("AT", 0), practice("AC", 3), practice("SI", 1)];
        assert_eq!(
            points_by_domain(&rows),
            vec![("AC".into(), 8), ("AT".into(), 0), ("SI".into(), 1)]
        );
    }

    #[test]
    fn an_item_is_overdue_after_its_date_until_completed() {
        let today = date("2026-11-28");
        assert!(item(PoamItemStatus::Open, Some("2026-11-27")).is_overdue(today));
        assert!(
            !item(PoamItemStatus::Open, Some("2026-11-28")).is_overdue(today),
            "due today is not late"
        );
        assert!(!item(PoamItemStatus::Completed, Some("2026-01-01")).is_overdue(today));
        assert!(!item(PoamItemStatus::InProgress, None).is_overdue(today));
        let cells = item(PoamItemStatus::Open, Some("2026-11-27")).cells(today);
        assert_eq!(cells.len(), POAM_COLUMNS.len());
        assert_eq!(cells[12].plain(), "yes");
    }

    #[test]
    fn milestone_changes_read_oldest_first() {
        let changes = [(date("2026-03-01"), None), (date("2026-05-02"), Some(date("2026-06-30")))];
        assert_eq!(
            milestone_changes(&changes),
            "2026-03-01: was unscheduled; 2026-05-02: was 2026-06-30"
        );
        assert_eq!(milestone_changes(&[]), "");
    }
}
