//! The three CMMC levels.

use std::fmt;
use std::str::FromStr;

use crate::AssessmentType;

/// A CMMC level: 1 Foundational, 2 Advanced or 3 Expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Foundational = 1,
    Advanced = 2,
    Expert = 3,
}

/// A number or string that is not a level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a CMMC level; expected 1, 2 or 3")]
pub struct LevelError(pub String);

impl Level {
    pub const ALL: [Self; 3] = [Self::Foundational, Self::Advanced, Self::Expert];

    /// The level's number.
    #[must_use]
    pub const fn number(self) -> i32 {
        self as i32
    }

    /// The level's name in the CMMC model.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Foundational => "Foundational",
            Self::Advanced => "Advanced",
            Self::Expert => "Expert",
        }
    }

    /// Who assesses a certification at this level by default (32 CFR 170.15 to 170.18).
    #[must_use]
    pub const fn default_assessment_type(self) -> AssessmentType {
        match self {
            Self::Foundational => AssessmentType::SelfAssessment,
            Self::Advanced => AssessmentType::ThirdParty,
            Self::Expert => AssessmentType::Government,
        }
    }

    /// Whether an assessment of `kind` can certify this level: Level 1 is
    /// self-assessed; Level 2 self-assessed or by a C3PAO; Level 3 by the
    /// government (32 CFR 170.15 to 170.18).
    #[must_use]
    pub const fn allows_assessment_type(self, kind: AssessmentType) -> bool {
        matches!(
            (self, kind),
            (Self::Foundational, AssessmentType::SelfAssessment)
                | (Self::Advanced, AssessmentType::SelfAssessment | AssessmentType::ThirdParty)
                | (Self::Expert, AssessmentType::Government)
        )
    }

    /// Builds a level from its number.
    ///
    /// # Errors
    /// [`LevelError`] for anything but 1, 2 or 3.
    pub fn from_number(number: i64) -> Result<Self, LevelError> {
        match number {
            1 => Ok(Self::Foundational),
            2 => Ok(Self::Advanced),
            3 => Ok(Self::Expert),
            other => Err(LevelError(other.to_string())),
        }
    }
}

impl TryFrom<i32> for Level {
    type Error = LevelError;

    fn try_from(number: i32) -> Result<Self, Self::Error> {
        Self::from_number(i64::from(number))
    }
}

impl FromStr for Level {
    type Err = LevelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "1" => Ok(Self::Foundational),
            "2" => Ok(Self::Advanced),
            "3" => Ok(Self::Expert),
            other => Err(LevelError(other.to_owned())),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_one_to_three_parse_from_numbers_and_strings() {
        for level in Level::ALL {
            assert_eq!(Level::try_from(level.number()), Ok(level));
            assert_eq!(level.to_string().parse::<Level>(), Ok(level));
        }
        assert_eq!(Level::Advanced.name(), "Advanced");
        assert_eq!(Level::Expert.default_assessment_type(), AssessmentType::Government);
    }

    #[test]
    fn each_level_is_assessed_by_whom_the_rule_says() {
        use AssessmentType::{Government, SelfAssessment, ThirdParty};
        assert!(Level::Foundational.allows_assessment_type(SelfAssessment));
        assert!(!Level::Foundational.allows_assessment_type(ThirdParty));
        assert!(Level::Advanced.allows_assessment_type(SelfAssessment));
        assert!(Level::Advanced.allows_assessment_type(ThirdParty));
        assert!(!Level::Advanced.allows_assessment_type(Government));
        assert!(Level::Expert.allows_assessment_type(Government));
        assert!(!Level::Expert.allows_assessment_type(ThirdParty));
    }

    #[test]
    fn numbers_outside_one_to_three_are_rejected() {
        for bad in [0, 4, 7, -1, i32::MAX] {
            assert!(Level::try_from(bad).is_err(), "{bad}");
        }
        for bad in ["", "0", "4", "abc", " 1", "1.0", "01", "L1"] {
            let err = bad.parse::<Level>().unwrap_err();
            assert!(err.to_string().contains("expected 1, 2 or 3"), "{err}");
        }
    }
}
