//! The CMMC 2.0 domain: identifiers, closed sets of statuses, workflow rules and
//! scoring, as pure types and functions.
//!
//! Nothing here does I/O or knows a database or HTTP. Every enum reads and
//! writes exactly the snake_case strings of the data model (PRD-002), through
//! `as_str` and `FromStr`; every value with a rule is a type whose constructor
//! checks it, so holding one means it is valid.

pub mod access;
pub mod affirmation;
pub mod asset;
mod enums;
mod identity;
mod level;
pub mod mfa;
mod objective;
pub mod poam;
mod practice_id;
pub mod provider;
pub mod readiness;
pub mod report;
pub mod risk;
pub mod scope;
pub mod scoring;
pub mod session;
mod sprs;
pub mod sprs_record;
pub mod ssp;
pub mod text;

pub use enums::{
    AssessmentStatus, AssessmentType, AssetCategory, AssetType, ChangeRating, FindingStatus,
    FindingType, ImplementationStatus, MappingRelationship, MfaPolicy, ObjectiveStatus,
    ParseEnumError, PoamEligibility, PoamItemStatus, PoamStatus, PracticeStatus,
    ProviderAuthorization, ProviderKind, ReadinessState, Responsibility, ReviewStatus, RiskBand,
    RiskStatus, RoleName, Severity, SspPersonRole, SspScopeType, SspStatus, SyncStatus,
    TransitionError,
};
pub use identity::{CageCode, Email, EntityId, IdentityError, Password, Username};
pub use level::{Level, LevelError};
pub use objective::{ObjectiveKind, ObjectiveLine};
pub use practice_id::{DomainId, PracticeId, PracticeIdError};
pub use sprs::{SprsScore, SprsScoreError};
