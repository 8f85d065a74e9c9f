//! Domain and practice identifiers.

use std::fmt;
use std::str::FromStr;

use crate::Level;

/// One of the 14 CMMC 2.0 domains, each the counterpart of a NIST SP 800-171
/// Rev 2 requirement family (32 CFR 170.14(c)(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DomainId {
    AC,
    AT,
    AU,
    CM,
    IA,
    IR,
    MA,
    MP,
    PS,
    PE,
    RA,
    CA,
    SC,
    SI,
}

impl DomainId {
    /// The 14 domains in catalogue order (their NIST family order, 3.1 to 3.14).
    pub const ALL: [Self; 14] = [
        Self::AC,
        Self::AT,
        Self::AU,
        Self::CM,
        Self::IA,
        Self::IR,
        Self::MA,
        Self::MP,
        Self::PS,
        Self::PE,
        Self::RA,
        Self::CA,
        Self::SC,
        Self::SI,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AC => "AC",
            Self::AT => "AT",
            Self::AU => "AU",
            Self::CM => "CM",
            Self::IA => "IA",
            Self::IR => "IR",
            Self::MA => "MA",
            Self::MP => "MP",
            Self::PS => "PS",
            Self::PE => "PE",
            Self::RA => "RA",
            Self::CA => "CA",
            Self::SC => "SC",
            Self::SI => "SI",
        }
    }

    /// The NIST SP 800-171 family number: AC is 3.1, SI is 3.14.
    #[must_use]
    pub const fn nist_family(self) -> u8 {
        match self {
            Self::AC => 1,
            Self::AT => 2,
            Self::AU => 3,
            Self::CM => 4,
            Self::IA => 5,
            Self::IR => 6,
            Self::MA => 7,
            Self::MP => 8,
            Self::PS => 9,
            Self::PE => 10,
            Self::RA => 11,
            Self::CA => 12,
            Self::SC => 13,
            Self::SI => 14,
        }
    }
}

/// A string that is not one of the 14 domain ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PracticeIdError {
    #[error(
        "{0:?} is not a CMMC domain; expected one of AC, AT, AU, CM, IA, IR, MA, MP, PS, PE, RA, CA, SC, SI"
    )]
    UnknownDomain(String),
    #[error(
        "{0:?} is not a practice id; expected DOMAIN.L<level>-3.<family>.<number>, e.g. AC.L1-3.1.1, AC.L2-3.1.1 or AC.L3-3.1.2e"
    )]
    Malformed(String),
    #[error("{id:?}: domain {domain} is NIST family 3.{expected}, not 3.{found}")]
    FamilyMismatch { id: String, domain: &'static str, expected: u8, found: u8 },
    #[error(
        "{0:?}: Level 3 practice numbers end in \"e\" (NIST SP 800-172) and Level 1 and 2 numbers do not"
    )]
    EnhancedSuffix(String),
}

impl FromStr for DomainId {
    type Err = PracticeIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|domain| domain.as_str() == text)
            .ok_or_else(|| PracticeIdError::UnknownDomain(text.to_owned()))
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CMMC practice identifier such as `AC.L1-3.1.1`, `AC.L2-3.1.1` or `AC.L3-3.1.2e`.
///
/// Invariant: the family number equals the domain's NIST family, and the `e`
/// suffix (an SP 800-172 enhanced requirement) is present exactly at Level 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PracticeId {
    domain: DomainId,
    level: Level,
    requirement: u8,
}

impl PracticeId {
    #[must_use]
    pub const fn domain(self) -> DomainId {
        self.domain
    }

    #[must_use]
    pub const fn level(self) -> Level {
        self.level
    }

    /// The requirement number within the family: 11 for `SC.L2-3.13.11`.
    #[must_use]
    pub const fn requirement(self) -> u8 {
        self.requirement
    }

    /// The NIST requirement number: `3.1.1`, or `3.1.2e` at Level 3.
    #[must_use]
    pub fn nist_ref(self) -> String {
        let suffix = if matches!(self.level, Level::Expert) { "e" } else { "" };
        format!("3.{}.{}{}", self.domain.nist_family(), self.requirement, suffix)
    }

    /// A number that orders practices as the catalogue lists them: by level,
    /// then family, then requirement number (so 3.1.2 comes before 3.1.10).
    #[must_use]
    pub const fn sort_order(self) -> i32 {
        self.level.number() * 100_000
            + (self.domain.nist_family() as i32) * 1_000
            + self.requirement as i32
    }
}

fn parse_number(text: &str) -> Option<u8> {
    // No sign, no leading zero, no empty string: exactly the printed form.
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl FromStr for PracticeId {
    type Err = PracticeIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || PracticeIdError::Malformed(text.to_owned());
        let (domain, rest) = text.split_once('.').ok_or_else(malformed)?;
        let domain: DomainId = domain.parse().map_err(|_| malformed())?;
        let rest = rest.strip_prefix('L').ok_or_else(malformed)?;
        let (level, number) = rest.split_once('-').ok_or_else(malformed)?;
        let level: Level = level.parse().map_err(|_| malformed())?;
        let (number, enhanced) = match number.strip_suffix('e') {
            Some(stripped) => (stripped, true),
            None => (number, false),
        };
        let mut parts = number.split('.');
        let (Some("3"), Some(family), Some(requirement), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let family = parse_number(family).ok_or_else(malformed)?;
        let requirement = parse_number(requirement).ok_or_else(malformed)?;
        if family != domain.nist_family() {
            return Err(PracticeIdError::FamilyMismatch {
                id: text.to_owned(),
                domain: domain.as_str(),
                expected: domain.nist_family(),
                found: family,
            });
        }
        if enhanced != matches!(level, Level::Expert) {
            return Err(PracticeIdError::EnhancedSuffix(text.to_owned()));
        }
        Ok(Self { domain, level, requirement })
    }
}

impl fmt::Display for PracticeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.L{}-{}", self.domain, self.level, self.nist_ref())
    }
}

impl PartialOrd for PracticeId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PracticeId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_order().cmp(&other.sort_order())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_ok(text: &str, domain: DomainId, level: Level, nist_ref: &str) {
        let id: PracticeId = text.parse().unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(id.domain(), domain);
        assert_eq!(id.level(), level);
        assert_eq!(id.nist_ref(), nist_ref);
        assert_eq!(id.to_string(), text);
    }

    #[track_caller]
    fn check_err(text: &str) -> PracticeIdError {
        match text.parse::<PracticeId>() {
            Ok(id) => panic!("{text:?} parsed as {id}"),
            Err(err) => err,
        }
    }

    #[test]
    fn practice_ids_of_each_level_parse_and_print_back() {
        check_ok("AC.L1-3.1.1", DomainId::AC, Level::Foundational, "3.1.1");
        check_ok("AC.L2-3.1.1", DomainId::AC, Level::Advanced, "3.1.1");
        check_ok("AC.L3-3.1.2e", DomainId::AC, Level::Expert, "3.1.2e");
        check_ok("SC.L2-3.13.11", DomainId::SC, Level::Advanced, "3.13.11");
        check_ok("SI.L3-3.14.6e", DomainId::SI, Level::Expert, "3.14.6e");
        check_ok("PE.L1-3.10.5", DomainId::PE, Level::Foundational, "3.10.5");
    }

    #[test]
    fn malformed_practice_ids_are_rejected() {
        for bad in [
            "",
            "AC",
            "AC.L2",
            "AC.L2-",
            "AC.L2-3.1",
            "AC.L2-3.1.1.1",
            "ac.l2-3.1.1",
            "AC.l2-3.1.1",
            "AC.L4-3.1.1",
            "AC.L0-3.1.1",
            "AC.L2-4.1.1",
            "AC.L2-3.1.01",
            "AC.L2-3.1.0",
            "AC.L2-3.1.x",
            "AC.L2-3.1.+1",
            "AC.L2 3.1.1",
            " AC.L2-3.1.1",
            "AC.L2-3.1.1 ",
            "AC.L1-b.1.i",
            "AC.L2-3.1.999",
        ] {
            assert!(matches!(check_err(bad), PracticeIdError::Malformed(_)), "{bad:?}");
        }
    }

    #[test]
    fn unknown_domains_are_rejected() {
        assert!(matches!(check_err("ZZ.L2-3.1.1"), PracticeIdError::Malformed(_)));
        assert_eq!("ZZ".parse::<DomainId>(), Err(PracticeIdError::UnknownDomain("ZZ".into())));
        assert!("ac".parse::<DomainId>().is_err());
        assert_eq!("SI".parse::<DomainId>(), Ok(DomainId::SI));
    }

    #[test]
    fn a_family_number_that_disagrees_with_the_domain_is_rejected() {
        let err = check_err("AT.L2-3.1.1");
        assert!(
            matches!(err, PracticeIdError::FamilyMismatch { expected: 2, found: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn the_enhanced_suffix_belongs_to_level_3_only() {
        assert!(matches!(check_err("AC.L3-3.1.2"), PracticeIdError::EnhancedSuffix(_)));
        assert!(matches!(check_err("AC.L2-3.1.2e"), PracticeIdError::EnhancedSuffix(_)));
        assert!(matches!(check_err("AC.L1-3.1.1e"), PracticeIdError::EnhancedSuffix(_)));
    }

    #[test]
    fn practices_sort_in_catalogue_order() {
        let mut ids: Vec<PracticeId> =
            ["AC.L2-3.1.10", "AT.L2-3.2.1", "AC.L1-3.1.1", "AC.L2-3.1.2", "AC.L3-3.1.2e"]
                .iter()
                .map(|s| s.parse().unwrap())
                .collect();
        ids.sort();
        let printed: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            ["AC.L1-3.1.1", "AC.L2-3.1.2", "AC.L2-3.1.10", "AT.L2-3.2.1", "AC.L3-3.1.2e"]
        );
    }

    #[test]
    fn domains_are_in_family_order() {
        for (index, domain) in DomainId::ALL.iter().enumerate() {
            assert_eq!(usize::from(domain.nist_family()), index + 1);
            assert_eq!(domain.as_str().parse::<DomainId>(), Ok(*domain));
        }
    }
}
