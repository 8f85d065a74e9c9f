//! The risk register as pure rules: what a well-formed risk is, its score
//! (likelihood x impact, never kept apart from its inputs) and band, when
//! it may be accepted or closed, and the heat map of open risks.

use chrono::NaiveDate;

use crate::text::{self, LONG_TEXT_MAX, TITLE_MAX};
use crate::{RiskBand, RiskStatus};

/// The longest category.
pub const CATEGORY_MAX: usize = 64;
/// The most links of one kind a risk holds.
pub const LINKS_MAX: usize = 200;
/// The columns of the register's CSV export, in order.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "title",
    "description",
    "category",
    "likelihood",
    "impact",
    "score",
    "band",
    "status",
    "owner",
    "treatment_plan",
    "review_date",
    "acceptance_reason",
    "practice_ids",
    "finding_ids",
    "poam_item_ids",
    "asset_ids",
];

/// One problem: the field and why.
pub type FieldProblem = (&'static str, String);

/// A risk's score: likelihood x impact, each 1 to 5.
#[must_use]
pub const fn score(likelihood: u8, impact: u8) -> u8 {
    likelihood * impact
}

/// The band of a score: low 1-4, medium 5-9, high 10-15, critical 16-25.
#[must_use]
pub const fn band(score: u8) -> RiskBand {
    match score {
        0..=4 => RiskBand::Low,
        5..=9 => RiskBand::Medium,
        10..=15 => RiskBand::High,
        _ => RiskBand::Critical,
    }
}

/// A risk as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskInput {
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub likelihood: i64,
    pub impact: i64,
    pub status: String,
    pub treatment_plan: Option<String>,
    pub review_date: Option<NaiveDate>,
    pub acceptance_reason: Option<String>,
}

/// A risk, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRisk {
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub likelihood: u8,
    pub impact: u8,
    pub status: RiskStatus,
    pub treatment_plan: Option<String>,
    pub review_date: Option<NaiveDate>,
    pub acceptance_reason: Option<String>,
}

impl CheckedRisk {
    #[must_use]
    pub const fn score(&self) -> u8 {
        score(self.likelihood, self.impact)
    }

    #[must_use]
    pub const fn band(&self) -> RiskBand {
        band(self.score())
    }

    /// Whether it is open and its review date has passed by `today`.
    #[must_use]
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.review_date.is_some_and(|date| date < today)
    }
}

/// A likelihood or impact: 1 to 5.
fn level(value: i64) -> Result<u8, String> {
    u8::try_from(value)
        .ok()
        .filter(|v| (1..=5).contains(v))
        .ok_or_else(|| format!("must be 1 to 5, not {value}"))
}

/// An optional long text: empty is none.
fn optional_long(value: Option<&str>) -> Result<Option<String>, text::TextError> {
    match value {
        Some(v) if !v.trim().is_empty() => text::long_text(v, LONG_TEXT_MAX).map(Some),
        _ => Ok(None),
    }
}

/// Checks every field of a risk.
///
/// # Errors
/// Each field that is wrong, with why.
pub fn check(input: &RiskInput) -> Result<CheckedRisk, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut note = |field: &'static str, message: String| problems.push((field, message));
    let title = text::short_text(&input.title, TITLE_MAX).map_err(|e| note("title", e.to_string()));
    let category = text::short_text(&input.category, CATEGORY_MAX)
        .map_err(|e| note("category", e.to_string()));
    let likelihood = level(input.likelihood).map_err(|e| note("likelihood", e));
    let impact = level(input.impact).map_err(|e| note("impact", e));
    let status =
        input.status.trim().parse::<RiskStatus>().map_err(|e| note("status", e.to_string()));
    let description =
        optional_long(input.description.as_deref()).map_err(|e| note("description", e.to_string()));
    let treatment_plan = optional_long(input.treatment_plan.as_deref())
        .map_err(|e| note("treatment_plan", e.to_string()));
    let acceptance_reason = optional_long(input.acceptance_reason.as_deref())
        .map_err(|e| note("acceptance_reason", e.to_string()));
    match (
        title,
        category,
        likelihood,
        impact,
        status,
        description,
        treatment_plan,
        acceptance_reason,
    ) {
        (
            Ok(title),
            Ok(category),
            Ok(likelihood),
            Ok(impact),
            Ok(status),
            Ok(description),
            Ok(treatment_plan),
            Ok(acceptance_reason),
        ) => Ok(CheckedRisk {
            title,
            description,
            category,
            likelihood,
            impact,
            status,
            treatment_plan,
            review_date: input.review_date,
            acceptance_reason,
        }),
        _ => Err(problems),
    }
}

/// Whether a risk may take the status of `after`, coming from `before`
/// (`None` for a new risk) with `open_poam_items` of its linked POA&M items
/// not completed: accepting needs a reason; closing needs every linked
/// POA&M item completed, or the risk accepted first.
///
/// # Errors
/// The field and why.
pub fn check_status(
    before: Option<RiskStatus>,
    after: &CheckedRisk,
    open_poam_items: usize,
) -> Result<(), FieldProblem> {
    match after.status {
        RiskStatus::Accepted if after.acceptance_reason.is_none() => {
            Err(("acceptance_reason", "accepting a risk needs a reason".to_owned()))
        }
        RiskStatus::Closed
            if open_poam_items > 0
                && !matches!(before, Some(RiskStatus::Accepted | RiskStatus::Closed)) =>
        {
            Err((
                "status",
                format!(
                    "{open_poam_items} linked POA&M item(s) are not completed: complete them, or accept the risk, before closing it"
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Counts of open risks by likelihood (rows, 1 to 5) and impact (columns,
/// 1 to 5): `grid[likelihood - 1][impact - 1]`.
#[must_use]
pub fn heatmap<'a>(risks: impl IntoIterator<Item = &'a CheckedRisk>) -> [[u32; 5]; 5] {
    let mut grid = [[0_u32; 5]; 5];
    for risk in risks.into_iter().filter(|r| r.status.is_open()) {
        let (l, i) = (usize::from(risk.likelihood), usize::from(risk.impact));
        if let Some(cell) =
            grid.get_mut(l.wrapping_sub(1)).and_then(|row| row.get_mut(i.wrapping_sub(1)))
        {
            *cell += 1;
        }
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RiskInput {
        RiskInput {
            title: " Laptop theft ".to_owned(),
            category: "physical".to_owned(),
            likelihood: 3,
            impact: 4,
            status: "identified".to_owned(),
            ..RiskInput::default()
        }
    }

    fn risk(likelihood: u8, impact: u8, status: RiskStatus) -> CheckedRisk {
        let mut risk = check(&input()).unwrap();
        risk.likelihood = likelihood;
        risk.impact = impact;
        risk.status = status;
        risk
    }

    #[test]
    fn bands_change_at_every_edge() {
        let expected = [
            (1, RiskBand::Low),
            (4, RiskBand::Low),
            (5, RiskBand::Medium),
            (9, RiskBand::Medium),
            (10, RiskBand::High),
            (15, RiskBand::High),
            (16, RiskBand::Critical),
            (25, RiskBand::Critical),
        ];
        for (score, band_of) in expected {
            assert_eq!(band(score), band_of, "{score}");
        }
        // Every product of two levels lands in the band of its score.
        for l in 1..=5 {
            for i in 1..=5 {
                let s = score(l, i);
                assert!((1..=25).contains(&s));
                assert_eq!(risk(l, i, RiskStatus::Identified).band(), band(s));
            }
        }
        assert_eq!(risk(2, 2, RiskStatus::Identified).band(), RiskBand::Low);
        assert_eq!(risk(1, 5, RiskStatus::Identified).band(), RiskBand::Medium);
        assert_eq!(risk(2, 5, RiskStatus::Identified).band(), RiskBand::High);
        assert_eq!(risk(4, 4, RiskStatus::Identified).band(), RiskBand::Critical);
    }

    #[test]
    fn a_good_risk_is_trimmed_and_scored() {
        let risk = check(&input()).unwrap();
        assert_eq!(risk.title, "Laptop theft");
        assert_eq!(risk.score(), 12);
        assert_eq!(risk.band(), RiskBand::High);
        assert_eq!(risk.description, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = RiskInput {
            title: "  ".to_owned(),
            category: String::new(),
            likelihood: 0,
            impact: 6,
            status: "open".to_owned(),
            description: Some("a\u{0}b".to_owned()),
            ..RiskInput::default()
        };
        let fields: Vec<&str> = check(&bad).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["title", "category", "likelihood", "impact", "status", "description"]);
        let mut huge = input();
        huge.likelihood = i64::MAX;
        assert_eq!(check(&huge).unwrap_err()[0].0, "likelihood");
    }

    #[test]
    fn accepting_needs_a_reason() {
        let mut accepted = risk(3, 3, RiskStatus::Accepted);
        assert_eq!(check_status(None, &accepted, 0).unwrap_err().0, "acceptance_reason");
        accepted.acceptance_reason = Some("insured".to_owned());
        assert!(check_status(Some(RiskStatus::Mitigating), &accepted, 3).is_ok());
    }

    #[test]
    fn closing_needs_completed_poam_items_or_acceptance() {
        let closed = risk(3, 3, RiskStatus::Closed);
        assert!(check_status(Some(RiskStatus::Mitigating), &closed, 0).is_ok());
        let err = check_status(Some(RiskStatus::Mitigating), &closed, 2).unwrap_err();
        assert_eq!(err.0, "status");
        assert!(err.1.contains("2 linked POA&M item(s)"));
        assert!(check_status(None, &closed, 1).is_err());
        assert!(check_status(Some(RiskStatus::Accepted), &closed, 2).is_ok());
        assert!(check_status(Some(RiskStatus::Closed), &closed, 2).is_ok());
    }

    #[test]
    fn the_heatmap_counts_open_risks_only() {
        let risks = [
            risk(1, 1, RiskStatus::Identified),
            risk(5, 5, RiskStatus::Mitigating),
            risk(5, 5, RiskStatus::Assessed),
            risk(5, 4, RiskStatus::Accepted),
            risk(2, 3, RiskStatus::Closed),
        ];
        let grid = heatmap(&risks);
        assert_eq!(grid[0][0], 1);
        assert_eq!(grid[4][4], 2);
        assert_eq!(grid[4][3], 0);
        assert_eq!(grid[1][2], 0);
        assert_eq!(grid.iter().flatten().sum::<u32>(), 3);
    }

    #[test]
    fn reviews_are_overdue_only_for_open_risks() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut r = risk(2, 2, RiskStatus::Assessed);
        assert!(!r.review_overdue(today));
        r.review_date = NaiveDate::from_ymd_opt(2026, 11, 27);
        assert!(r.review_overdue(today));
        r.review_date = Some(today);
        assert!(!r.review_overdue(today));
        r.review_date = NaiveDate::from_ymd_opt(2026, 1, 1);
        r.status = RiskStatus::Accepted;
        assert!(!r.review_overdue(today));
    }
}
