//! Providers, their customer responsibility matrices, assessment scope and
//! inherited objectives (32 CFR 170.19; DFARS 252.204-7012).
//!
//! - `providers`: an organisation's cloud and external service providers,
//!   one per name in the organisation. The authorisation is kept as
//!   `fedramp_authorization`: `authorization` is a reserved word in PostgreSQL.
//! - `provider_responsibilities`: a provider's CRM, one row per practice
//!   and objective (`objective` is `''` for the whole practice, so that the
//!   unique key holds on both backends, which treat NULLs as distinct).
//! - `assessment_scope_assets`: the assets an assessment scopes, copied as
//!   they were when the scope was set, so a later change to the inventory
//!   leaves the assessment's record as it was. No foreign key to `assets`:
//!   the copy outlives the asset.
//! - `assessment_practices.objective_sources`: per objective label, where an
//!   inherited or shared result came from and whether an assessor overrode it.
//! - `assets.provider_id` becomes a foreign key on PostgreSQL (SQLite cannot
//!   add one with `ALTER TABLE`; the services check the provider's organisation).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE providers (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    name VARCHAR(256) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    fedramp_authorization VARCHAR(32) NOT NULL,
    services {JSON} NOT NULL,
    created_by VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_providers PRIMARY KEY (id),
    CONSTRAINT fk_providers_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT uq_providers_org_id_name UNIQUE (org_id, name),
    CONSTRAINT ck_providers_name CHECK (length(name) > 0),
    CONSTRAINT ck_providers_kind CHECK (kind IN ('cloud_service_provider', 'external_service_provider')),
    CONSTRAINT ck_providers_fedramp_authorization CHECK (fedramp_authorization IN ('fedramp_moderate', 'fedramp_high', 'fedramp_moderate_equivalent', 'none'))
);
CREATE TABLE provider_responsibilities (
    id VARCHAR(64) NOT NULL,
    provider_id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NOT NULL,
    objective VARCHAR(8) NOT NULL,
    responsibility VARCHAR(16) NOT NULL,
    provider_statement TEXT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_provider_responsibilities PRIMARY KEY (id),
    CONSTRAINT fk_provider_responsibilities_provider_id FOREIGN KEY (provider_id) REFERENCES providers (id) ON DELETE CASCADE,
    CONSTRAINT fk_provider_responsibilities_practice_id FOREIGN KEY (practice_id) REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT uq_provider_responsibilities_key UNIQUE (provider_id, practice_id, objective),
    CONSTRAINT ck_provider_responsibilities_responsibility CHECK (responsibility IN ('inherited', 'shared', 'customer'))
);
CREATE TABLE assessment_scope_assets (
    assessment_id VARCHAR(64) NOT NULL,
    asset_id VARCHAR(64) NOT NULL,
    asset_tag VARCHAR(64) NOT NULL,
    name VARCHAR(256) NOT NULL,
    asset_type VARCHAR(32) NOT NULL,
    category VARCHAR(32) NOT NULL,
    description TEXT NULL,
    handles_cui BOOLEAN NOT NULL,
    handles_fci BOOLEAN NOT NULL,
    provider_id VARCHAR(64) NULL,
    scoped_at {TS} NOT NULL,
    CONSTRAINT pk_assessment_scope_assets PRIMARY KEY (assessment_id, asset_id),
    CONSTRAINT fk_assessment_scope_assets_assessment_id FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE CASCADE,
    CONSTRAINT ck_assessment_scope_assets_category CHECK (category IN ('cui', 'security_protection', 'contractor_risk_managed', 'specialized', 'out_of_scope', 'fci'))
);
ALTER TABLE assessment_practices ADD COLUMN objective_sources {JSON} NOT NULL DEFAULT '{}';
";

const DOWN: &str = r"
ALTER TABLE assessment_practices DROP COLUMN objective_sources;
DROP TABLE IF EXISTS assessment_scope_assets;
DROP TABLE IF EXISTS provider_responsibilities;
DROP TABLE IF EXISTS providers;
";

const PG_FOREIGN_KEYS: &str = r"
ALTER TABLE assets ADD CONSTRAINT fk_assets_provider_id FOREIGN KEY (provider_id) REFERENCES providers (id) ON DELETE RESTRICT;
";

const PG_DROP_FOREIGN_KEYS: &str = r"
ALTER TABLE assets DROP CONSTRAINT IF EXISTS fk_assets_provider_id;
";

fn postgres(manager: &SchemaManager) -> bool {
    manager.get_database_backend() == DatabaseBackend::Postgres
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await?;
        if postgres(manager) {
            ddl::run(manager, PG_FOREIGN_KEYS).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if postgres(manager) {
            ddl::run(manager, PG_DROP_FOREIGN_KEYS).await?;
        }
        ddl::run(manager, DOWN).await
    }
}
