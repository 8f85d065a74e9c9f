//! The SPRS score range of the DoD Assessment Methodology.

use std::fmt;

/// A DoD Assessment Methodology (SPRS) score: 110 minus the points of every
/// unmet requirement, from -203 (nothing met) to 110 (everything met).
///
/// The minimum is derived (neither 32 CFR 170.24 nor the methodology states it):
/// 44 requirements at 5 points, 14 at 3 and 51 at 1 sum to 313, and CA.L2-3.12.4
/// has no value, so 110 - 313 = -203.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SprsScore(i32);

/// A number outside -203..=110.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an SPRS score; it must be between -203 and 110")]
pub struct SprsScoreError(pub i64);

impl SprsScore {
    pub const MIN: i32 = -203;
    pub const MAX: i32 = 110;

    /// Checks that `value` is within the range.
    ///
    /// # Errors
    /// [`SprsScoreError`] outside -203..=110.
    pub fn new(value: i64) -> Result<Self, SprsScoreError> {
        match i32::try_from(value) {
            Ok(v) if (Self::MIN..=Self::MAX).contains(&v) => Ok(Self(v)),
            _ => Err(SprsScoreError(value)),
        }
    }

    #[must_use]
    pub const fn value(self) -> i32 {
        self.0
    }
}

impl TryFrom<i32> for SprsScore {
    type Error = SprsScoreError;

    fn try_from(value: i32) -> Result<Self, Self::Error> {
        Self::new(i64::from(value))
    }
}

impl fmt::Display for SprsScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_from_minus_203_to_110_are_accepted() {
        for value in [-203, -1, 0, 88, 110] {
            assert_eq!(SprsScore::try_from(value).map(SprsScore::value), Ok(value));
        }
    }

    #[test]
    fn score_below_minus_203_or_above_110_is_rejected() {
        for value in [-204, 111, i32::MIN, i32::MAX] {
            let err = SprsScore::try_from(value).unwrap_err();
            assert!(err.to_string().contains("between -203 and 110"));
        }
        assert!(SprsScore::new(i64::MAX).is_err());
    }
}
