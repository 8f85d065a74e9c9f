//! Scoring facts and rules of the DoD Assessment Methodology (v1.2.1) and
//! 32 CFR 170.24.

use crate::{Level, PracticeId};

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
