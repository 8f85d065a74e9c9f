//! SeaORM entities, one module per table, named after the table.

pub mod access_tokens;
pub mod assessment_practices;
pub mod assessments;
pub mod audit_chain_heads;
pub mod audit_log;
pub mod auth_sessions;
pub mod cmmc_domains;
pub mod cmmc_levels;
pub mod cmmc_practices;
pub mod datapact_practice_mappings;
pub mod datapact_sync_logs;
pub mod evidence;
pub mod findings;
pub mod login_attempts;
pub mod organizations;
pub mod password_history;
pub mod poam_items;
pub mod poams;
pub mod prelude;
pub mod reference_data_versions;
pub mod refresh_tokens;
pub mod roles;
pub mod server_secrets;
pub mod stored_files;
pub mod user_roles;
pub mod users;
