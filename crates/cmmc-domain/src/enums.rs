//! Closed sets of values, each with one canonical snake_case string.

use std::fmt;
use std::str::FromStr;

/// A string that is not one of an enum's canonical values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}; expected one of: {expected}")]
pub struct ParseEnumError {
    /// The enum's name in the data model, e.g. `practice status`.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
    /// The accepted strings, comma-separated.
    pub expected: &'static str,
}

/// A workflow step that the rules do not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {kind} cannot go from {from} to {to}")]
pub struct TransitionError {
    pub kind: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}

/// Declares an enum whose variants each have one canonical string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The accepted strings, comma-separated (for error messages and CHECK constraints).
            pub const EXPECTED: &'static str = concat!($($text, ", "),+);

            /// The canonical string of the data model.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(ParseEnumError {
                        kind: $kind,
                        value: value.to_owned(),
                        expected: Self::EXPECTED.trim_end_matches(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Who performs an assessment: the organisation itself, a C3PAO, or the government (DCMA DIBCAC).
    AssessmentType, "assessment type" {
        SelfAssessment => "self",
        ThirdParty => "third_party",
        Government => "government",
    }
}

string_enum! {
    /// Where an assessment is in its lifecycle.
    AssessmentStatus, "assessment status" {
        Draft => "draft",
        InProgress => "in_progress",
        UnderReview => "under_review",
        Completed => "completed",
    }
}

impl AssessmentStatus {
    /// Whether the rules allow going from `self` to `next`: draft -> in_progress ->
    /// under_review -> completed, and under_review back to in_progress (a reopen).
    #[must_use]
    pub const fn can_transition_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::InProgress)
                | (Self::InProgress, Self::UnderReview)
                | (Self::UnderReview, Self::Completed)
                | (Self::UnderReview, Self::InProgress)
        )
    }

    /// Moves to `next` when the rules allow it.
    ///
    /// # Errors
    /// [`TransitionError`] when `self -> next` is not an allowed step.
    pub fn transition_to(self, next: Self) -> Result<Self, TransitionError> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(TransitionError { kind: "assessment", from: self.as_str(), to: next.as_str() })
        }
    }

    /// A completed assessment is a record; nothing about it changes any more.
    #[must_use]
    pub const fn is_read_only(self) -> bool {
        matches!(self, Self::Completed)
    }
}

string_enum! {
    /// The result of one practice within an assessment.
    PracticeStatus, "practice status" {
        Met => "met",
        NotMet => "not_met",
        PartiallyMet => "partially_met",
        NotApplicable => "not_applicable",
        NotEvaluated => "not_evaluated",
    }
}

impl PracticeStatus {
    /// The 0.0 to 1.0 score stored beside the status: 1 for met and not applicable
    /// (32 CFR 170.24(b): N/A counts as met), 0 otherwise. Partial implementation
    /// earns no score; it only changes the SPRS deduction of two practices.
    #[must_use]
    pub const fn score(self) -> f64 {
        match self {
            Self::Met | Self::NotApplicable => 1.0,
            Self::NotMet | Self::PartiallyMet | Self::NotEvaluated => 0.0,
        }
    }

    /// Met, or not applicable (which counts as met).
    #[must_use]
    pub const fn counts_as_met(self) -> bool {
        matches!(self, Self::Met | Self::NotApplicable)
    }
}

string_enum! {
    /// The result of one assessment objective (determination statement).
    ObjectiveStatus, "objective status" {
        Met => "met",
        NotMet => "not_met",
        NotApplicable => "not_applicable",
    }
}

string_enum! {
    /// The kind of a finding.
    FindingType, "finding type" {
        Deficiency => "deficiency",
        Observation => "observation",
        Recommendation => "recommendation",
        Strength => "strength",
    }
}

string_enum! {
    /// What kind of thing an asset is.
    AssetType, "asset type" {
        Hardware => "hardware",
        Software => "software",
        CloudService => "cloud_service",
        Network => "network",
        Facility => "facility",
        People => "people",
        OtIot => "ot_iot",
        Other => "other",
    }
}

string_enum! {
    /// An asset's category in scoping (32 CFR 170.19): Level 2 and 3 sort
    /// assets into the first five; Level 1 into `fci` and `out_of_scope`.
    AssetCategory, "asset category" {
        Cui => "cui",
        SecurityProtection => "security_protection",
        ContractorRiskManaged => "contractor_risk_managed",
        Specialized => "specialized",
        OutOfScope => "out_of_scope",
        Fci => "fci",
    }
}

string_enum! {
    /// How a requirement maps to another (framework crosswalks): a Rev 2
    /// requirement is carried forward into, incorporated into or addressed
    /// by its Rev 3 successor; a requirement maps (or partially maps: "does
    /// not fully satisfy the intent") to a control of another framework; a
    /// Rev 3 requirement names its SP 800-53 Rev 5 source controls.
    MappingRelationship, "mapping relationship" {
        /// A CMMC Level 2 practice is its SP 800-171 Rev 2 requirement
        /// (32 CFR 170.14(c)(3)); computed, never stored.
        Equivalent => "equivalent",
        CarriedForward => "carried_forward",
        IncorporatedInto => "incorporated_into",
        AddressedBy => "addressed_by",
        MapsTo => "maps_to",
        PartiallyMapsTo => "partially_maps_to",
        SourceControl => "source_control",
    }
}

impl MappingRelationship {
    /// Whether the relationship makes a Rev 2 requirement a source of its
    /// Rev 3 target (carried forward, incorporated into or addressed by).
    #[must_use]
    pub const fn feeds_successor(self) -> bool {
        matches!(self, Self::CarriedForward | Self::IncorporatedInto | Self::AddressedBy)
    }
}

string_enum! {
    /// NIST's rating of a Rev 2 requirement's change in Rev 3.
    ChangeRating, "change rating" {
        None => "none",
        Minor => "minor",
        Significant => "significant",
        Withdrawn => "withdrawn",
    }
}

string_enum! {
    /// A projected state of a requirement of another framework, from the
    /// practices that feed it: a projection, never an assessment.
    ReadinessState, "readiness state" {
        LikelyMet => "likely_met",
        Partial => "partial",
        Gap => "gap",
        New => "new",
    }
}

string_enum! {
    /// Where a risk of the register stands. Open is identified, assessed or
    /// mitigating; accepted needs a reason; closed is done with.
    RiskStatus, "risk status" {
        Identified => "identified",
        Assessed => "assessed",
        Mitigating => "mitigating",
        Accepted => "accepted",
        Closed => "closed",
    }
}

impl RiskStatus {
    /// Whether the risk is still being worked: identified, assessed or mitigating.
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Identified | Self::Assessed | Self::Mitigating)
    }
}

string_enum! {
    /// A risk's band by its score (likelihood x impact): low 1-4, medium
    /// 5-9, high 10-15, critical 16-25.
    RiskBand, "risk band" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

string_enum! {
    /// What a provider is to the organisation (32 CFR 170.4): a cloud service
    /// provider, or another external service provider (an MSP, an MSSP).
    ProviderKind, "provider kind" {
        CloudServiceProvider => "cloud_service_provider",
        ExternalServiceProvider => "external_service_provider",
    }
}

string_enum! {
    /// The authorisation a provider holds. DFARS 252.204-7012(b)(2)(ii)(D)
    /// asks a cloud service provider that holds CUI for FedRAMP Moderate or
    /// its equivalent.
    ProviderAuthorization, "provider authorization" {
        FedrampModerate => "fedramp_moderate",
        FedrampHigh => "fedramp_high",
        FedrampModerateEquivalent => "fedramp_moderate_equivalent",
        None => "none",
    }
}

impl ProviderAuthorization {
    /// Whether it meets DFARS 252.204-7012's bar for CUI in a cloud:
    /// FedRAMP Moderate, High, or Moderate equivalent.
    #[must_use]
    pub const fn meets_fedramp_moderate(self) -> bool {
        !matches!(self, Self::None)
    }
}

string_enum! {
    /// Who meets a practice or objective under a customer responsibility
    /// matrix: the provider, both, or the customer.
    Responsibility, "responsibility" {
        Inherited => "inherited",
        Shared => "shared",
        Customer => "customer",
    }
}

string_enum! {
    /// Whom an organisation requires to sign in with a second factor:
    /// nobody, its privileged users (org_admin, system_admin), or everyone.
    MfaPolicy, "MFA policy" {
        None => "none",
        Privileged => "privileged",
        All => "all",
    }
}

string_enum! {
    /// How serious a finding is.
    Severity, "severity" {
        Critical => "critical",
        High => "high",
        Medium => "medium",
        Low => "low",
    }
}

string_enum! {
    /// Where a finding is in its remediation.
    FindingStatus, "finding status" {
        Open => "open",
        InRemediation => "in_remediation",
        Resolved => "resolved",
        Accepted => "accepted",
    }
}

impl FindingStatus {
    /// open -> in_remediation -> resolved; an open or in-remediation finding may
    /// instead be accepted (its risk accepted). Resolved and accepted are final.
    #[must_use]
    pub const fn can_transition_to(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Open, Self::InRemediation)
                | (Self::Open, Self::Accepted)
                | (Self::InRemediation, Self::Resolved)
                | (Self::InRemediation, Self::Accepted)
        )
    }

    /// Moves to `next` when the rules allow it.
    ///
    /// # Errors
    /// [`TransitionError`] when `self -> next` is not an allowed step.
    pub fn transition_to(self, next: Self) -> Result<Self, TransitionError> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(TransitionError { kind: "finding", from: self.as_str(), to: next.as_str() })
        }
    }
}

string_enum! {
    /// Where a plan of action and milestones is.
    PoamStatus, "POA&M status" {
        Draft => "draft",
        Active => "active",
        Completed => "completed",
    }
}

impl PoamStatus {
    /// draft -> active -> completed.
    #[must_use]
    pub const fn can_transition_to(self, next: Self) -> bool {
        matches!((self, next), (Self::Draft, Self::Active) | (Self::Active, Self::Completed))
    }

    /// Moves to `next` when the rules allow it.
    ///
    /// # Errors
    /// [`TransitionError`] when `self -> next` is not an allowed step.
    pub fn transition_to(self, next: Self) -> Result<Self, TransitionError> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(TransitionError { kind: "POA&M", from: self.as_str(), to: next.as_str() })
        }
    }
}

string_enum! {
    /// Where one POA&M item is.
    PoamItemStatus, "POA&M item status" {
        Open => "open",
        InProgress => "in_progress",
        Completed => "completed",
        Overdue => "overdue",
    }
}

string_enum! {
    /// The review of a piece of evidence.
    ReviewStatus, "review status" {
        Pending => "pending",
        Accepted => "accepted",
        Rejected => "rejected",
    }
}

string_enum! {
    /// The outcome of one call to DataPact.
    SyncStatus, "sync status" {
        Success => "success",
        Error => "error",
        Timeout => "timeout",
    }
}

string_enum! {
    /// The six roles of the data model.
    RoleName, "role" {
        SystemAdmin => "system_admin",
        OrgAdmin => "org_admin",
        ComplianceOfficer => "compliance_officer",
        Assessor => "assessor",
        C3paoLead => "c3pao_lead",
        Viewer => "viewer",
    }
}

string_enum! {
    /// Whether a practice may be on a POA&M for a Conditional status (32 CFR 170.21(a)).
    PoamEligibility, "POA&M eligibility" {
        Eligible => "eligible",
        Ineligible => "ineligible",
        /// Only in a partial case: SC.L2-3.13.11 when encryption is employed but not FIPS-validated.
        Conditional => "conditional",
    }
}

string_enum! {
    /// What a system security plan covers: the whole enterprise, an enclave,
    /// or the systems of one contract.
    SspScopeType, "SSP scope type" {
        Enterprise => "enterprise",
        Enclave => "enclave",
        Contract => "contract",
    }
}

string_enum! {
    /// How a requirement is implemented, as an SSP states it.
    ImplementationStatus, "implementation status" {
        Implemented => "implemented",
        PartiallyImplemented => "partially_implemented",
        Planned => "planned",
        AlternativeImplementation => "alternative_implementation",
        NotApplicable => "not_applicable",
    }
}

string_enum! {
    /// A system security plan version: a draft while it is written, then
    /// published and immutable.
    SspStatus, "SSP status" {
        Draft => "draft",
        Published => "published",
    }
}

string_enum! {
    /// What a person named in an SSP does for the system.
    SspPersonRole, "SSP person role" {
        SystemOwner => "system_owner",
        SecurityOfficial => "security_official",
        PointOfContact => "point_of_contact",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + FromStr<Err = ParseEnumError> + fmt::Display + PartialEq + fmt::Debug,
    {
        for value in all {
            assert_eq!(value.to_string().parse::<T>(), Ok(*value));
        }
    }

    #[test]
    fn every_enum_round_trips_through_its_string() {
        round_trips(AssessmentType::ALL);
        round_trips(AssessmentStatus::ALL);
        round_trips(PracticeStatus::ALL);
        round_trips(ObjectiveStatus::ALL);
        round_trips(FindingType::ALL);
        round_trips(Severity::ALL);
        round_trips(FindingStatus::ALL);
        round_trips(PoamStatus::ALL);
        round_trips(PoamItemStatus::ALL);
        round_trips(ReviewStatus::ALL);
        round_trips(SyncStatus::ALL);
        round_trips(RoleName::ALL);
        round_trips(PoamEligibility::ALL);
    }

    #[test]
    fn enum_strings_are_exactly_those_of_the_data_model() {
        let strings = |all: &[&str]| all.join(",");
        assert_eq!(
            strings(&AssessmentType::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "self,third_party,government"
        );
        assert_eq!(
            strings(&AssessmentStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "draft,in_progress,under_review,completed"
        );
        assert_eq!(
            strings(&PracticeStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "met,not_met,partially_met,not_applicable,not_evaluated"
        );
        assert_eq!(
            strings(&FindingType::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "deficiency,observation,recommendation,strength"
        );
        assert_eq!(
            strings(&Severity::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "critical,high,medium,low"
        );
        assert_eq!(
            strings(&FindingStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "open,in_remediation,resolved,accepted"
        );
        assert_eq!(
            strings(&PoamStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "draft,active,completed"
        );
        assert_eq!(
            strings(&PoamItemStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "open,in_progress,completed,overdue"
        );
        assert_eq!(
            strings(&ReviewStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "pending,accepted,rejected"
        );
        assert_eq!(
            strings(&SyncStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "success,error,timeout"
        );
        assert_eq!(
            strings(&RoleName::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
            "system_admin,org_admin,compliance_officer,assessor,c3pao_lead,viewer"
        );
    }

    #[test]
    fn unknown_or_differently_cased_strings_are_rejected() {
        for bad in ["", "Met", "MET", "met ", "partially-met", "unknown"] {
            let err = bad.parse::<PracticeStatus>().unwrap_err();
            assert_eq!(err.kind, "practice status");
            assert_eq!(err.value, bad);
            assert!(err.to_string().contains("not_evaluated"), "{err}");
        }
        assert!("Self".parse::<AssessmentType>().is_err());
        assert!("third-party".parse::<AssessmentType>().is_err());
        assert!("admin".parse::<RoleName>().is_err());
    }

    #[test]
    fn assessment_transitions_follow_the_lifecycle_exactly() {
        use AssessmentStatus::{Completed, Draft, InProgress, UnderReview};
        let allowed = [
            (Draft, InProgress),
            (InProgress, UnderReview),
            (UnderReview, Completed),
            (UnderReview, InProgress),
        ];
        for &from in AssessmentStatus::ALL {
            for &to in AssessmentStatus::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), expected, "{from} -> {to}");
                match from.transition_to(to) {
                    Ok(next) => {
                        assert!(expected, "{from} -> {to} was allowed");
                        assert_eq!(next, to);
                    }
                    Err(err) => {
                        assert!(!expected, "{from} -> {to} was refused");
                        assert_eq!(err.from, from.as_str());
                        assert_eq!(err.to, to.as_str());
                    }
                }
            }
        }
        assert!(Completed.is_read_only());
        assert!(!UnderReview.is_read_only());
    }

    #[test]
    fn finding_transitions_follow_remediation() {
        use FindingStatus::{Accepted, InRemediation, Open, Resolved};
        let allowed = [
            (Open, InRemediation),
            (Open, Accepted),
            (InRemediation, Resolved),
            (InRemediation, Accepted),
        ];
        for &from in FindingStatus::ALL {
            for &to in FindingStatus::ALL {
                assert_eq!(
                    from.transition_to(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn poam_transitions_go_draft_active_completed() {
        use PoamStatus::{Active, Completed, Draft};
        let allowed = [(Draft, Active), (Active, Completed)];
        for &from in PoamStatus::ALL {
            for &to in PoamStatus::ALL {
                assert_eq!(
                    from.transition_to(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn practice_status_scores_count_not_applicable_as_met() {
        assert!((PracticeStatus::Met.score() - 1.0).abs() < f64::EPSILON);
        assert!((PracticeStatus::NotApplicable.score() - 1.0).abs() < f64::EPSILON);
        for status in
            [PracticeStatus::NotMet, PracticeStatus::PartiallyMet, PracticeStatus::NotEvaluated]
        {
            assert!(status.score().abs() < f64::EPSILON);
            assert!(!status.counts_as_met());
        }
    }
}
