//! Readiness projections: an assessment's SP 800-171 Rev 2 answers carried
//! onto another framework's requirements through the crosswalks. Each
//! target's state comes from the practices that feed it. It is a
//! projection, not an assessment: the new framework's parameters and new
//! requirements are for an assessor to settle.

use std::collections::BTreeMap;

use crate::{PracticeStatus, ReadinessState};

/// What every projection says of itself.
pub const SP800_171R3_NOTE: &str = "A projection of this assessment's SP 800-171 Rev 2 answers onto SP 800-171 Rev 3 through NIST's Rev 2 to Rev 3 mapping, not an assessment: Rev 3 has organisation-defined parameters and new requirements that no Rev 2 answer can settle, and a requirement carried forward may have changed significantly.";

/// The same for SP 800-53 Rev 5.
pub const SP800_53R5_NOTE: &str = "A projection of this assessment's SP 800-171 Rev 2 answers onto SP 800-53 Rev 5 controls, derived through the Rev 3 source controls, not an assessment: a control is wider than the requirements that map to it, and most controls have no SP 800-171 source at all.";

/// Whether an answer counts toward a target being met: met, or not
/// applicable. Partially met and not evaluated count as not met.
#[must_use]
pub const fn counts_as_met(status: PracticeStatus) -> bool {
    matches!(status, PracticeStatus::Met | PracticeStatus::NotApplicable)
}

/// The projected state of a target fed by practices with these answers:
/// `new` with no feeding practice, `likely_met` when every one is met or not
/// applicable, `gap` when none is, `partial` otherwise.
#[must_use]
pub fn state(statuses: &[PracticeStatus]) -> ReadinessState {
    let met = statuses.iter().filter(|s| counts_as_met(**s)).count();
    match (statuses.len(), met) {
        (0, _) => ReadinessState::New,
        (n, m) if m == n => ReadinessState::LikelyMet,
        (_, 0) => ReadinessState::Gap,
        _ => ReadinessState::Partial,
    }
}

/// How many targets are in each state, every state listed.
#[must_use]
pub fn counts(states: impl IntoIterator<Item = ReadinessState>) -> BTreeMap<&'static str, u32> {
    let mut counts: BTreeMap<&'static str, u32> =
        ReadinessState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for state in states {
        *counts.entry(state.as_str()).or_default() += 1;
    }
    counts
}

/// The family of an SP 800-53 control: `AC-2(3)` is `AC`.
#[must_use]
pub fn sp800_53_family(control: &str) -> &str {
    control.split_once('-').map_or(control, |(family, _)| family)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PracticeStatus as P;

    #[test]
    fn states_follow_the_feeding_answers() {
        assert_eq!(state(&[]), ReadinessState::New);
        assert_eq!(state(&[P::Met]), ReadinessState::LikelyMet);
        assert_eq!(state(&[P::Met, P::NotApplicable]), ReadinessState::LikelyMet);
        assert_eq!(state(&[P::NotMet]), ReadinessState::Gap);
        assert_eq!(state(&[P::PartiallyMet, P::NotEvaluated]), ReadinessState::Gap);
        assert_eq!(state(&[P::Met, P::PartiallyMet]), ReadinessState::Partial);
        assert_eq!(state(&[P::NotApplicable, P::NotEvaluated]), ReadinessState::Partial);
    }

    #[test]
    fn counts_list_every_state() {
        let counts = counts([ReadinessState::Gap, ReadinessState::Gap, ReadinessState::New]);
        assert_eq!(counts["gap"], 2);
        assert_eq!(counts["new"], 1);
        assert_eq!(counts["likely_met"], 0);
        assert_eq!(counts.len(), 4);
    }

    #[test]
    fn families_are_the_prefix() {
        assert_eq!(sp800_53_family("AC-2(3)"), "AC");
        assert_eq!(sp800_53_family("SR-11"), "SR");
        assert_eq!(sp800_53_family("XX"), "XX");
    }
}
