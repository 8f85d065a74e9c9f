//! Each entity under a type name.

pub use super::access_tokens::Entity as AccessTokens;
pub use super::assessment_practices::Entity as AssessmentPractices;
pub use super::assessments::Entity as Assessments;
pub use super::assets::Entity as Assets;
pub use super::audit_chain_heads::Entity as AuditChainHeads;
pub use super::audit_log::Entity as AuditLog;
pub use super::auth_sessions::Entity as AuthSessions;
pub use super::cmmc_domains::Entity as CmmcDomains;
pub use super::cmmc_levels::Entity as CmmcLevels;
pub use super::cmmc_practices::Entity as CmmcPractices;
pub use super::datapact_practice_mappings::Entity as DatapactPracticeMappings;
pub use super::datapact_sync_logs::Entity as DatapactSyncLogs;
pub use super::evidence::Entity as Evidence;
pub use super::findings::Entity as Findings;
pub use super::login_attempts::Entity as LoginAttempts;
pub use super::organizations::Entity as Organizations;
pub use super::password_history::Entity as PasswordHistory;
pub use super::poam_items::Entity as PoamItems;
pub use super::poams::Entity as Poams;
pub use super::reference_data_versions::Entity as ReferenceDataVersions;
pub use super::refresh_tokens::Entity as RefreshTokens;
pub use super::roles::Entity as Roles;
pub use super::server_secrets::Entity as ServerSecrets;
pub use super::stored_files::Entity as StoredFiles;
pub use super::user_roles::Entity as UserRoles;
pub use super::users::Entity as Users;
