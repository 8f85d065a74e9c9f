//! Schema migrations of the CMMC tracker, one set for SQLite and PostgreSQL.
//!
//! Each migration writes its DDL as SQL text with named constraints in the
//! `pk_/fk_/ck_/uq_/ix_<table>_<columns>` convention, so code (and people)
//! can recognise a violated constraint by name on either backend. A migration
//! describes the schema of its own day: it names tables and columns as strings
//! and never imports entity structs. Once merged, a migration is never edited;
//! a change is a new migration.

pub use sea_orm_migration::prelude::*;

mod ddl;
mod m20261123_000001_create_reference_tables;
mod m20261123_000002_create_organization_tables;
mod m20261123_000003_create_assessment_tables;
mod m20261123_000004_create_datapact_tables;
mod m20261123_000005_create_audit_log;
mod m20261123_000006_create_auth_tables;
mod m20261128_000007_create_stored_files;
mod m20261128_000008_add_server_secret_and_seed_source;
mod m20261128_000009_widen_datapact_api_key;
mod m20261128_000010_create_ssps;
mod m20261128_000011_create_affirmations;
mod m20261128_000012_add_poam_item_point_of_contact;
mod m20261128_000013_add_senior_officials_and_closeouts;
mod m20261128_000014_create_assets;
mod m20261128_000015_create_providers_and_scope;
mod m20261128_000016_add_mfa;
mod m20261128_000017_create_risks;
mod m20261128_000018_create_frameworks;
mod m20261128_000019_add_session_last_seen;

/// The migrations, in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_reference_tables::Migration),
            Box::new(m20261123_000002_create_organization_tables::Migration),
            Box::new(m20261123_000003_create_assessment_tables::Migration),
            Box::new(m20261123_000004_create_datapact_tables::Migration),
            Box::new(m20261123_000005_create_audit_log::Migration),
            Box::new(m20261123_000006_create_auth_tables::Migration),
            Box::new(m20261128_000007_create_stored_files::Migration),
            Box::new(m20261128_000008_add_server_secret_and_seed_source::Migration),
            Box::new(m20261128_000009_widen_datapact_api_key::Migration),
            Box::new(m20261128_000010_create_ssps::Migration),
            Box::new(m20261128_000011_create_affirmations::Migration),
            Box::new(m20261128_000012_add_poam_item_point_of_contact::Migration),
            Box::new(m20261128_000013_add_senior_officials_and_closeouts::Migration),
            Box::new(m20261128_000014_create_assets::Migration),
            Box::new(m20261128_000015_create_providers_and_scope::Migration),
            Box::new(m20261128_000016_add_mfa::Migration),
            Box::new(m20261128_000017_create_risks::Migration),
            Box::new(m20261128_000018_create_frameworks::Migration),
            Box::new(m20261128_000019_add_session_last_seen::Migration),
        ]
    }
}

/// The names of every table the migrations create, in creation order.
pub const TABLES: &[&str] = &[
    "cmmc_domains",
    "cmmc_levels",
    "cmmc_practices",
    "reference_data_versions",
    "organizations",
    "users",
    "roles",
    "user_roles",
    "assessments",
    "assessment_practices",
    "evidence",
    "findings",
    "poams",
    "poam_items",
    "datapact_practice_mappings",
    "datapact_sync_logs",
    "audit_log",
    "audit_chain_heads",
    "auth_sessions",
    "access_tokens",
    "refresh_tokens",
    "password_history",
    "login_attempts",
    "stored_files",
    "server_secrets",
    "ssps",
    "ssp_statements",
    "affirmations",
    "assets",
    "providers",
    "provider_responsibilities",
    "assessment_scope_assets",
    "mfa_recovery_codes",
    "mfa_challenges",
    "risks",
    "risk_links",
    "frameworks",
    "framework_requirements",
    "framework_mappings",
];

/// A constant naming the PostgreSQL advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0000_C33C_2025;

/// Applies every pending migration, all in one transaction.
///
/// Several servers may start at once against one database. On PostgreSQL the
/// transaction first takes an advisory lock, so one migrates and the others
/// wait, then find nothing pending (PostgreSQL DDL is transactional). On
/// SQLite the file lock serialises writers; a run that finds the file locked
/// retries.
///
/// # Errors
/// Any database error; nothing of a failed run stays applied.
pub async fn migrate_up(db: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};
    let mut attempt = 0_u64;
    loop {
        attempt += 1;
        let res = async {
            let txn = db.begin().await?;
            if txn.get_database_backend() == DatabaseBackend::Postgres {
                // Migrations may take longer than a request's statement
                // timeout, which the server's connections carry.
                txn.execute_unprepared("SET LOCAL statement_timeout = 0").await?;
                txn.execute_unprepared("SET LOCAL lock_timeout = 0").await?;
                txn.execute_unprepared(&format!(
                    "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
                ))
                .await?;
            }
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        .await;
        match res {
            Err(err) if attempt < 20 && err.to_string().contains("database is locked") => {
                tokio::time::sleep(std::time::Duration::from_millis(25 * attempt)).await;
            }
            res => return res,
        }
    }
}
