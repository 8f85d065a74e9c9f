//! Scoring facts and rules of the DoD Assessment Methodology (v1.2.1) and
//! 32 CFR 170.24.

use crate::{Level, ObjectiveStatus, PoamEligibility, PracticeId, PracticeStatus, SprsScore};

/// The sum of the point values of the 110 Level 2 requirements: 44 at 5 points
/// (the 42 five-point requirements plus IA.L2-3.5.3 and SC.L2-3.13.11 at full
/// value), 14 at 3 and 51 at 1. CA.L2-3.12.4 has no value.
pub const SPRS_TOTAL_WEIGHT: i32 = 313;

/// The SPRS score when every Level 2 requirement is met.
pub const SPRS_MAX: i32 = 110;

/// The practice whose absence means no score at all rather than a deduction:
/// the system security plan (32 CFR 170.24(c)(2)(i)(B)(5)).
#[must_use]
pub fn is_unscored(practice: PracticeId) -> bool {
    is_system_security_plan(practice)
}

/// CA.L2-3.12.4, the system security plan.
#[must_use]
pub fn is_system_security_plan(practice: PracticeId) -> bool {
    practice.level() == Level::Advanced && practice.nist_ref() == "3.12.4"
}

/// The two practices that earn partial credit (32 CFR 170.24(c)(2)(i)(B)(4)):
/// IA.L2-3.5.3 (multifactor authentication for remote and privileged users
/// only) and SC.L2-3.13.11 (encryption employed but not FIPS-validated).
#[must_use]
pub fn has_partial_credit(practice: PracticeId) -> bool {
    practice.level() == Level::Advanced
        && matches!(practice.nist_ref().as_str(), "3.5.3" | "3.13.11")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> PracticeId {
        text.parse().unwrap()
    }

    #[test]
    fn only_the_level_2_system_security_plan_is_unscored() {
        assert!(is_unscored(id("CA.L2-3.12.4")));
        assert!(!is_unscored(id("CA.L2-3.12.3")));
        assert!(!is_unscored(id("AC.L1-3.1.1")));
    }

    #[test]
    fn only_mfa_and_fips_encryption_earn_partial_credit() {
        assert!(has_partial_credit(id("IA.L2-3.5.3")));
        assert!(has_partial_credit(id("SC.L2-3.13.11")));
        assert!(!has_partial_credit(id("IA.L2-3.5.4")));
        assert!(!has_partial_credit(id("SC.L2-3.13.1")));
        assert!(!has_partial_credit(id("SC.L3-3.13.4e")));
    }

    #[test]
    fn the_minimum_score_follows_from_the_total_weight() {
        assert_eq!(SPRS_MAX - SPRS_TOTAL_WEIGHT, crate::SprsScore::MIN);
    }
}

/// The CMMC status an assessment earns (32 CFR 170.21 and 170.24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmmcStatus {
    /// Every requirement of the level is met.
    Final,
    /// Enough is met, and every unmet requirement may be on a POA&M, closed out within 180 days.
    Conditional,
    /// Neither.
    None,
}

impl CmmcStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Final => "final",
            Self::Conditional => "conditional",
            Self::None => "none",
        }
    }
}

/// Days after the Conditional status date by which a POA&M closeout must
/// confirm closure (32 CFR 170.21(b)).
pub const CONDITIONAL_CLOSEOUT_DAYS: i64 = 180;

/// The least SPRS score for a Conditional Level 2 status: 0.8 x 110 (32 CFR 170.21(a)(2)(i)).
pub const LEVEL2_CONDITIONAL_MIN: i32 = 88;

/// The least Level 3 score for a Conditional Level 3 status: 0.8 x 24 = 19.2,
/// so 20 (32 CFR 170.21(a)(3)(i)).
pub const LEVEL3_CONDITIONAL_MIN: i32 = 20;

/// One practice's result, as scoring sees it (the values as assessed, not
/// today's catalogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeResult {
    pub practice_id: PracticeId,
    pub status: PracticeStatus,
    pub sprs_weight: Option<i32>,
    pub sprs_partial_weight: Option<i32>,
    pub poam_eligibility: PoamEligibility,
}

/// Points deducted for one unmet Level 2 requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    pub practice_id: PracticeId,
    pub points: i32,
}

/// Everything an assessment's results add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Level 2 and 3 assessments: the DoD Assessment Methodology score.
    pub sprs_score: Option<SprsScore>,
    /// Some practice is not evaluated yet (it counts as not met meanwhile).
    pub provisional: bool,
    /// The system security plan (CA.L2-3.12.4) is met; without it, no score can be submitted.
    pub submittable: bool,
    /// Level 3 assessments: how many of the Level 3 requirements are met.
    pub level3_score: Option<i32>,
    /// The share of applicable practices met, 0 to 1.
    pub overall_score: f64,
    pub cmmc_status: CmmcStatus,
    /// Each Level 2 deduction, in catalogue order.
    pub deductions: Vec<Deduction>,
}

/// What a practice's objectives say about it: `Some(NotMet)` when any is not
/// met, `Some(Met)` when all `expected` objectives are met or not applicable,
/// `None` while some are unanswered.
#[must_use]
pub fn status_from_objectives(
    expected: &[&str],
    results: &[(&str, ObjectiveStatus)],
) -> Option<PracticeStatus> {
    if results.iter().any(|(_, status)| *status == ObjectiveStatus::NotMet) {
        return Some(PracticeStatus::NotMet);
    }
    let answered = |label: &&str| results.iter().any(|(l, _)| l == label);
    expected.iter().all(answered).then_some(PracticeStatus::Met)
}

/// Whether an explicit status agrees with what the objectives say. A partial
/// implementation of a partial-credit practice is a kind of "not met".
#[must_use]
pub fn agrees_with_objectives(
    practice: PracticeId,
    explicit: PracticeStatus,
    derived: PracticeStatus,
) -> bool {
    explicit == derived
        || (explicit == PracticeStatus::PartiallyMet
            && derived == PracticeStatus::NotMet
            && has_partial_credit(practice))
}

/// The points one Level 2 result deducts: none when met or not applicable
/// (32 CFR 170.24(b)); the partial weight for a partial implementation of
/// IA.L2-3.5.3 or SC.L2-3.13.11; otherwise the full weight (a partial
/// implementation of anything else scores as not met). CA.L2-3.12.4 has no value.
#[must_use]
pub fn deduction(result: &PracticeResult) -> i32 {
    if result.status.counts_as_met() || result.practice_id.level() != Level::Advanced {
        return 0;
    }
    let full = result.sprs_weight.unwrap_or(0);
    match (result.status, result.sprs_partial_weight) {
        (PracticeStatus::PartiallyMet, Some(partial)) if has_partial_credit(result.practice_id) => {
            partial
        }
        _ => full,
    }
}

/// Whether an unmet result may be on a POA&M for a Conditional status
/// (32 CFR 170.21(a)): never at Level 1; at Level 2 only 1-point requirements
/// outside the six exclusions, and SC.L2-3.13.11 when encryption is employed
/// but not FIPS-validated; at Level 3 any requirement outside the seven
/// exclusions. The eligibility comes from the reference data.
#[must_use]
pub fn may_be_on_poam(result: &PracticeResult) -> bool {
    match result.poam_eligibility {
        PoamEligibility::Eligible => result.practice_id.level() != Level::Foundational,
        PoamEligibility::Conditional => result.status == PracticeStatus::PartiallyMet,
        PoamEligibility::Ineligible => false,
    }
}

/// Scores an assessment of `target` from its practice results.
#[must_use]
pub fn score(target: Level, results: &[PracticeResult]) -> Score {
    let at = |level: Level| results.iter().filter(move |r| r.practice_id.level() == level);
    let provisional = results.iter().any(|r| r.status == PracticeStatus::NotEvaluated);
    let applicable = results.iter().filter(|r| r.status != PracticeStatus::NotApplicable).count();
    let met = results.iter().filter(|r| r.status == PracticeStatus::Met).count();
    #[expect(clippy::cast_precision_loss, reason = "at most a few hundred practices")]
    let overall_score = if applicable == 0 { 1.0 } else { met as f64 / applicable as f64 };

    let mut deductions: Vec<Deduction> = at(Level::Advanced)
        .map(|r| Deduction { practice_id: r.practice_id, points: deduction(r) })
        .filter(|d| d.points > 0)
        .collect();
    deductions.sort_by_key(|d| d.practice_id);
    let scored = target != Level::Foundational;
    let total: i32 = deductions.iter().map(|d| d.points).sum();
    let sprs_value = (SPRS_MAX - total).clamp(SprsScore::MIN, SprsScore::MAX);
    let sprs_score = scored.then(|| SprsScore::new(i64::from(sprs_value)).ok()).flatten();
    let submittable = !scored
        || at(Level::Advanced)
            .any(|r| is_system_security_plan(r.practice_id) && r.status.counts_as_met());
    let level3_met = i32::try_from(at(Level::Expert).filter(|r| r.status.counts_as_met()).count())
        .unwrap_or(i32::MAX);
    let level3_score = (target == Level::Expert).then_some(level3_met);

    let all_met = |level: Level| at(level).all(|r| r.status.counts_as_met());
    let unmet_may_be_on_poam =
        |level: Level| at(level).filter(|r| !r.status.counts_as_met()).all(may_be_on_poam);
    let cmmc_status = match target {
        Level::Foundational if all_met(Level::Foundational) => CmmcStatus::Final,
        Level::Foundational => CmmcStatus::None,
        Level::Advanced if all_met(Level::Advanced) => CmmcStatus::Final,
        Level::Advanced
            if sprs_value >= LEVEL2_CONDITIONAL_MIN && unmet_may_be_on_poam(Level::Advanced) =>
        {
            CmmcStatus::Conditional
        }
        Level::Advanced => CmmcStatus::None,
        // Level 3 presupposes a Final Level 2 status for the same scope.
        Level::Expert if !all_met(Level::Advanced) => CmmcStatus::None,
        Level::Expert if all_met(Level::Expert) => CmmcStatus::Final,
        Level::Expert
            if level3_met >= LEVEL3_CONDITIONAL_MIN && unmet_may_be_on_poam(Level::Expert) =>
        {
            CmmcStatus::Conditional
        }
        Level::Expert => CmmcStatus::None,
    };
    Score {
        sprs_score,
        provisional,
        submittable,
        level3_score,
        overall_score,
        cmmc_status,
        deductions,
    }
}

/// Golden tests over the real catalogue facts (weights of 32 CFR 170.24,
/// exclusions of 170.21), built here so the domain crate needs no data files.
#[cfg(test)]
mod golden {
    use super::*;
    use crate::DomainId;

    const FIVE: &[&str] = &[
        "3.1.1", "3.1.2", "3.2.1", "3.2.2", "3.3.1", "3.4.1", "3.4.2", "3.5.1", "3.5.2", "3.6.1",
        "3.6.2", "3.7.2", "3.8.3", "3.9.2", "3.10.1", "3.10.2", "3.12.1", "3.12.3", "3.13.1",
        "3.13.2", "3.14.1", "3.14.2", "3.14.3", "3.1.12", "3.1.13", "3.1.16", "3.1.17", "3.1.18",
        "3.3.5", "3.4.5", "3.4.6", "3.4.7", "3.4.8", "3.5.10", "3.7.5", "3.8.7", "3.11.2",
        "3.13.5", "3.13.6", "3.13.15", "3.14.4", "3.14.6", "3.5.3", "3.13.11",
    ];
    const THREE: &[&str] = &[
        "3.3.2", "3.7.1", "3.8.1", "3.8.2", "3.9.1", "3.11.1", "3.12.2", "3.1.5", "3.1.19",
        "3.7.4", "3.8.8", "3.13.8", "3.14.5", "3.14.7",
    ];
    const L2_EXCLUDED: &[&str] = &["3.1.20", "3.1.22", "3.12.4", "3.10.3", "3.10.4", "3.10.5"];
    const FAMILY_SIZES: [u8; 14] = [22, 3, 9, 9, 11, 3, 6, 9, 2, 6, 3, 4, 16, 7];
    const L1: &[&str] = &[
        "AC.L1-3.1.1",
        "AC.L1-3.1.2",
        "AC.L1-3.1.20",
        "AC.L1-3.1.22",
        "IA.L1-3.5.1",
        "IA.L1-3.5.2",
        "MP.L1-3.8.3",
        "PE.L1-3.10.1",
        "PE.L1-3.10.3",
        "PE.L1-3.10.4",
        "PE.L1-3.10.5",
        "SC.L1-3.13.1",
        "SC.L1-3.13.5",
        "SI.L1-3.14.1",
        "SI.L1-3.14.2",
        "SI.L1-3.14.4",
        "SI.L1-3.14.5",
    ];
    const L3: &[&str] = &[
        "AC.L3-3.1.2e",
        "AC.L3-3.1.3e",
        "AT.L3-3.2.1e",
        "AT.L3-3.2.2e",
        "CM.L3-3.4.1e",
        "CM.L3-3.4.2e",
        "CM.L3-3.4.3e",
        "IA.L3-3.5.1e",
        "IA.L3-3.5.3e",
        "IR.L3-3.6.1e",
        "IR.L3-3.6.2e",
        "PS.L3-3.9.2e",
        "RA.L3-3.11.1e",
        "RA.L3-3.11.2e",
        "RA.L3-3.11.3e",
        "RA.L3-3.11.4e",
        "RA.L3-3.11.5e",
        "RA.L3-3.11.6e",
        "RA.L3-3.11.7e",
        "CA.L3-3.12.1e",
        "SC.L3-3.13.4e",
        "SI.L3-3.14.1e",
        "SI.L3-3.14.3e",
        "SI.L3-3.14.6e",
    ];
    const L3_EXCLUDED: &[&str] =
        &["3.6.1e", "3.6.2e", "3.11.1e", "3.11.4e", "3.11.6e", "3.11.7e", "3.14.3e"];

    fn level2(status: PracticeStatus) -> Vec<PracticeResult> {
        let mut out = Vec::new();
        for (index, domain) in DomainId::ALL.iter().enumerate() {
            for n in 1..=FAMILY_SIZES[index] {
                let nist = format!("3.{}.{n}", domain.nist_family());
                let practice_id: PracticeId = format!("{domain}.L2-{nist}").parse().unwrap();
                let weight = if nist == "3.12.4" {
                    None
                } else if FIVE.contains(&nist.as_str()) {
                    Some(5)
                } else if THREE.contains(&nist.as_str()) {
                    Some(3)
                } else {
                    Some(1)
                };
                let poam_eligibility = if nist == "3.13.11" {
                    PoamEligibility::Conditional
                } else if weight == Some(1) && !L2_EXCLUDED.contains(&nist.as_str()) {
                    PoamEligibility::Eligible
                } else {
                    PoamEligibility::Ineligible
                };
                let partial = matches!(nist.as_str(), "3.5.3" | "3.13.11").then_some(3);
                out.push(PracticeResult {
                    practice_id,
                    status,
                    sprs_weight: weight,
                    sprs_partial_weight: partial,
                    poam_eligibility,
                });
            }
        }
        out
    }

    fn level1(status: PracticeStatus) -> Vec<PracticeResult> {
        L1.iter()
            .map(|id| PracticeResult {
                practice_id: id.parse().unwrap(),
                status,
                sprs_weight: None,
                sprs_partial_weight: None,
                poam_eligibility: PoamEligibility::Ineligible,
            })
            .collect()
    }

    fn level3(status: PracticeStatus) -> Vec<PracticeResult> {
        L3.iter()
            .map(|id| {
                let practice_id: PracticeId = id.parse().unwrap();
                let excluded = L3_EXCLUDED.contains(&practice_id.nist_ref().as_str());
                PracticeResult {
                    practice_id,
                    status,
                    sprs_weight: None,
                    sprs_partial_weight: None,
                    poam_eligibility: if excluded {
                        PoamEligibility::Ineligible
                    } else {
                        PoamEligibility::Eligible
                    },
                }
            })
            .collect()
    }

    fn set(results: &mut [PracticeResult], nist: &str, status: PracticeStatus) {
        let result = results
            .iter_mut()
            .find(|r| r.practice_id.nist_ref() == nist)
            .unwrap_or_else(|| panic!("{nist}"));
        result.status = status;
    }

    fn sprs(results: &[PracticeResult]) -> i32 {
        score(Level::Advanced, results).sprs_score.unwrap().value()
    }

    #[test]
    fn the_catalogue_facts_add_up() {
        let all = level2(PracticeStatus::Met);
        assert_eq!(all.len(), 110);
        assert_eq!(all.iter().filter_map(|r| r.sprs_weight).sum::<i32>(), SPRS_TOTAL_WEIGHT);
        assert_eq!(
            all.iter().filter(|r| r.poam_eligibility == PoamEligibility::Eligible).count(),
            46
        );
        assert_eq!(
            level3(PracticeStatus::Met)
                .iter()
                .filter(|r| r.poam_eligibility == PoamEligibility::Eligible)
                .count(),
            17
        );
    }

    #[test]
    fn all_met_scores_110_and_is_final() {
        let s = score(Level::Advanced, &level2(PracticeStatus::Met));
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(110));
        assert!(s.deductions.is_empty());
        assert!(!s.provisional);
        assert!(s.submittable);
        assert_eq!(s.cmmc_status, CmmcStatus::Final);
        assert!((s.overall_score - 1.0).abs() < f64::EPSILON);
        assert_eq!(s.level3_score, None);
    }

    #[test]
    fn nothing_met_scores_minus_203() {
        let s = score(Level::Advanced, &level2(PracticeStatus::NotMet));
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(-203));
        assert_eq!(s.deductions.len(), 109, "3.12.4 deducts nothing");
        assert!(!s.submittable);
        assert_eq!(s.cmmc_status, CmmcStatus::None);
        assert!(s.overall_score.abs() < f64::EPSILON);
    }

    #[test]
    fn partial_mfa_and_partial_encryption_deduct_3_and_other_partials_deduct_in_full() {
        for nist in ["3.5.3", "3.13.11"] {
            let mut results = level2(PracticeStatus::Met);
            set(&mut results, nist, PracticeStatus::PartiallyMet);
            assert_eq!(sprs(&results), 107, "{nist} partial");
            set(&mut results, nist, PracticeStatus::NotMet);
            assert_eq!(sprs(&results), 105, "{nist} not met");
        }
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.1.1", PracticeStatus::PartiallyMet);
        assert_eq!(sprs(&results), 105, "no partial credit for 3.1.1");
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.1.3", PracticeStatus::PartiallyMet);
        assert_eq!(sprs(&results), 109);
    }

    #[test]
    fn not_applicable_counts_as_met() {
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.1.12", PracticeStatus::NotApplicable);
        set(&mut results, "3.1.16", PracticeStatus::NotApplicable);
        let s = score(Level::Advanced, &results);
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(110));
        assert_eq!(s.cmmc_status, CmmcStatus::Final);
        assert!(
            (s.overall_score - 1.0).abs() < f64::EPSILON,
            "N/A is not applicable, so not counted"
        );
    }

    #[test]
    fn without_a_system_security_plan_the_score_is_not_submittable() {
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.12.4", PracticeStatus::NotMet);
        let s = score(Level::Advanced, &results);
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(110), "3.12.4 has no point value");
        assert!(!s.submittable);
        assert_eq!(s.cmmc_status, CmmcStatus::None, "3.12.4 may not be on a POA&M");
    }

    #[test]
    fn unevaluated_practices_count_as_not_met_and_make_the_score_provisional() {
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.1.1", PracticeStatus::NotEvaluated);
        let s = score(Level::Advanced, &results);
        assert!(s.provisional);
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(105));
        assert_eq!(
            s.deductions,
            vec![Deduction { practice_id: "AC.L2-3.1.1".parse().unwrap(), points: 5 }]
        );
    }

    #[test]
    fn level_2_conditional_needs_88_and_only_poam_eligible_gaps() {
        let eligible: Vec<String> = level2(PracticeStatus::Met)
            .iter()
            .filter(|r| r.poam_eligibility == PoamEligibility::Eligible)
            .map(|r| r.practice_id.nist_ref())
            .collect();
        let mut results = level2(PracticeStatus::Met);
        for nist in eligible.iter().take(22) {
            set(&mut results, nist, PracticeStatus::NotMet);
        }
        let s = score(Level::Advanced, &results);
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(88));
        assert_eq!(s.cmmc_status, CmmcStatus::Conditional, "88 / 110 = 0.8 exactly");
        set(&mut results, &eligible[22], PracticeStatus::NotMet);
        let s = score(Level::Advanced, &results);
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(87));
        assert_eq!(s.cmmc_status, CmmcStatus::None, "87 is below 0.8");
    }

    #[test]
    fn each_level_2_poam_exclusion_denies_conditional_status() {
        for nist in L2_EXCLUDED {
            let mut results = level2(PracticeStatus::Met);
            set(&mut results, nist, PracticeStatus::NotMet);
            let s = score(Level::Advanced, &results);
            assert!(s.sprs_score.unwrap().value() >= 88);
            assert_eq!(s.cmmc_status, CmmcStatus::None, "{nist}");
        }
        // A 3- or 5-point gap may not be on a POA&M either.
        for nist in ["3.1.5", "3.1.1"] {
            let mut results = level2(PracticeStatus::Met);
            set(&mut results, nist, PracticeStatus::NotMet);
            assert_eq!(score(Level::Advanced, &results).cmmc_status, CmmcStatus::None, "{nist}");
        }
        // A 1-point gap may.
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.1.4", PracticeStatus::NotMet);
        assert_eq!(score(Level::Advanced, &results).cmmc_status, CmmcStatus::Conditional);
    }

    #[test]
    fn partial_encryption_may_be_on_a_poam_but_partial_mfa_may_not() {
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.13.11", PracticeStatus::PartiallyMet);
        assert_eq!(score(Level::Advanced, &results).cmmc_status, CmmcStatus::Conditional);
        set(&mut results, "3.13.11", PracticeStatus::NotMet);
        assert_eq!(
            score(Level::Advanced, &results).cmmc_status,
            CmmcStatus::None,
            "encryption not employed"
        );
        let mut results = level2(PracticeStatus::Met);
        set(&mut results, "3.5.3", PracticeStatus::PartiallyMet);
        assert_eq!(score(Level::Advanced, &results).cmmc_status, CmmcStatus::None);
    }

    #[test]
    fn level_1_is_final_only_when_all_17_are_met_and_has_no_sprs_score() {
        let s = score(Level::Foundational, &level1(PracticeStatus::Met));
        assert_eq!(s.cmmc_status, CmmcStatus::Final);
        assert_eq!(s.sprs_score, None);
        assert!(s.submittable);
        let mut results = level1(PracticeStatus::Met);
        results[16].status = PracticeStatus::NotMet;
        let s = score(Level::Foundational, &results);
        assert_eq!(s.cmmc_status, CmmcStatus::None, "no Conditional status at Level 1");
        assert!(s.deductions.is_empty());
    }

    fn level3_assessment(l2: PracticeStatus, l3: PracticeStatus) -> Vec<PracticeResult> {
        let mut results = level2(l2);
        results.extend(level3(l3));
        results
    }

    #[test]
    fn level_3_counts_its_24_requirements_and_needs_level_2_met() {
        let s = score(Level::Expert, &level3_assessment(PracticeStatus::Met, PracticeStatus::Met));
        assert_eq!(s.level3_score, Some(24));
        assert_eq!(s.sprs_score.map(SprsScore::value), Some(110));
        assert_eq!(s.cmmc_status, CmmcStatus::Final);
        let mut results = level3_assessment(PracticeStatus::Met, PracticeStatus::Met);
        set(&mut results, "3.1.4", PracticeStatus::NotMet);
        assert_eq!(
            score(Level::Expert, &results).cmmc_status,
            CmmcStatus::None,
            "Level 2 not all met"
        );
    }

    #[test]
    fn level_3_conditional_needs_20_of_24_and_only_poam_eligible_gaps() {
        let mut results = level3_assessment(PracticeStatus::Met, PracticeStatus::Met);
        for nist in ["3.1.2e", "3.1.3e", "3.2.1e", "3.2.2e"] {
            set(&mut results, nist, PracticeStatus::NotMet);
        }
        let s = score(Level::Expert, &results);
        assert_eq!(s.level3_score, Some(20));
        assert_eq!(s.cmmc_status, CmmcStatus::Conditional);
        set(&mut results, "3.4.1e", PracticeStatus::NotMet);
        let s = score(Level::Expert, &results);
        assert_eq!(s.level3_score, Some(19));
        assert_eq!(s.cmmc_status, CmmcStatus::None, "19.2 rounds up to 20");
        for nist in L3_EXCLUDED {
            let mut results = level3_assessment(PracticeStatus::Met, PracticeStatus::Met);
            set(&mut results, nist, PracticeStatus::NotMet);
            assert_eq!(score(Level::Expert, &results).cmmc_status, CmmcStatus::None, "{nist}");
        }
    }

    #[test]
    fn objectives_decide_the_practice_status() {
        use ObjectiveStatus::{Met, NotApplicable, NotMet};
        let expected = ["a", "b", "c"];
        assert_eq!(
            status_from_objectives(&expected, &[("a", Met), ("b", NotApplicable), ("c", Met)]),
            Some(PracticeStatus::Met)
        );
        assert_eq!(
            status_from_objectives(&expected, &[("a", Met), ("b", NotMet)]),
            Some(PracticeStatus::NotMet)
        );
        assert_eq!(
            status_from_objectives(&expected, &[("a", Met), ("b", Met)]),
            None,
            "c unanswered"
        );
        let mfa: PracticeId = "IA.L2-3.5.3".parse().unwrap();
        let other: PracticeId = "IA.L2-3.5.4".parse().unwrap();
        assert!(agrees_with_objectives(mfa, PracticeStatus::PartiallyMet, PracticeStatus::NotMet));
        assert!(!agrees_with_objectives(
            other,
            PracticeStatus::PartiallyMet,
            PracticeStatus::NotMet
        ));
        assert!(!agrees_with_objectives(mfa, PracticeStatus::Met, PracticeStatus::NotMet));
    }
}
