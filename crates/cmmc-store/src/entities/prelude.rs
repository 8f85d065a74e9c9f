//! Each entity under a type name.

pub use super::cmmc_domains::Entity as CmmcDomains;
pub use super::cmmc_levels::Entity as CmmcLevels;
pub use super::cmmc_practices::Entity as CmmcPractices;
pub use super::reference_data_versions::Entity as ReferenceDataVersions;
pub use super::roles::Entity as Roles;
