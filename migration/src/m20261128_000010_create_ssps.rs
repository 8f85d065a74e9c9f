//! System security plans (CA.L2-3.12.4): a version per row, a draft until it
//! is published and immutable after; an implementation statement per
//! requirement; and the SSP version an assessment assessed.
//!
//! The assessment's `ssp_id` is a foreign key on PostgreSQL. On SQLite it is
//! a plain column (checked by the services), because SQLite cannot drop a
//! column a foreign key names, and `migrate down` must work on both.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE ssps (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    name VARCHAR(256) NOT NULL,
    version VARCHAR(64) NOT NULL,
    level INTEGER NOT NULL,
    -- The date of the version: set when it is published.
    ssp_date {DATE} NULL,
    system_description TEXT NOT NULL,
    scope_type VARCHAR(16) NOT NULL,
    boundary_description TEXT NOT NULL,
    environment TEXT NULL,
    -- A JSON array of CAGE codes.
    cage_codes {JSON} NOT NULL,
    -- A JSON array of {role, name, title, email, phone}.
    people {JSON} NOT NULL,
    status VARCHAR(16) NOT NULL,
    -- The version this one was copied from.
    previous_id VARCHAR(64) NULL,
    published_at {TS} NULL,
    published_by VARCHAR(64) NULL,
    created_by VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_ssps PRIMARY KEY (id),
    CONSTRAINT fk_ssps_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_ssps_previous_id FOREIGN KEY (previous_id) REFERENCES ssps (id) ON DELETE RESTRICT,
    CONSTRAINT fk_ssps_published_by FOREIGN KEY (published_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_ssps_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_ssps_level CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT ck_ssps_name CHECK (length(name) > 0),
    CONSTRAINT ck_ssps_version CHECK (length(version) > 0),
    CONSTRAINT ck_ssps_scope_type CHECK (scope_type IN ('enterprise', 'enclave', 'contract')),
    CONSTRAINT ck_ssps_status CHECK (status IN ('draft', 'published')),
    CONSTRAINT ck_ssps_published_at CHECK ((status = 'published') = (published_at IS NOT NULL AND ssp_date IS NOT NULL))
);
CREATE UNIQUE INDEX uq_ssps_org_id_name_version ON ssps (org_id, name, version);
CREATE TABLE ssp_statements (
    id VARCHAR(64) NOT NULL,
    ssp_id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NOT NULL,
    implementation_status VARCHAR(32) NOT NULL,
    narrative TEXT NOT NULL,
    responsible_role VARCHAR(256) NULL,
    -- A JSON array of objective labels the statement addresses.
    objectives {JSON} NOT NULL,
    planned_date {DATE} NULL,
    updated_by VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_ssp_statements PRIMARY KEY (id),
    CONSTRAINT fk_ssp_statements_ssp_id FOREIGN KEY (ssp_id) REFERENCES ssps (id) ON DELETE CASCADE,
    CONSTRAINT fk_ssp_statements_practice_id FOREIGN KEY (practice_id) REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT fk_ssp_statements_updated_by FOREIGN KEY (updated_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT uq_ssp_statements_ssp_id_practice_id UNIQUE (ssp_id, practice_id),
    CONSTRAINT ck_ssp_statements_implementation_status CHECK (implementation_status IN
        ('implemented', 'partially_implemented', 'planned', 'alternative_implementation', 'not_applicable')),
    CONSTRAINT ck_ssp_statements_planned_date CHECK (implementation_status <> 'planned' OR planned_date IS NOT NULL)
);
ALTER TABLE assessments ADD COLUMN ssp_id VARCHAR(64) NULL;
CREATE INDEX ix_assessments_ssp_id ON assessments (ssp_id);
";

const DOWN: &str = r"
DROP INDEX ix_assessments_ssp_id;
ALTER TABLE assessments DROP COLUMN ssp_id;
DROP TABLE IF EXISTS ssp_statements;
DROP TABLE IF EXISTS ssps;
";

const PG_FOREIGN_KEY: &str = "ALTER TABLE assessments ADD CONSTRAINT fk_assessments_ssp_id \
     FOREIGN KEY (ssp_id) REFERENCES ssps (id) ON DELETE RESTRICT";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(PG_FOREIGN_KEY).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let sql = "ALTER TABLE assessments DROP CONSTRAINT IF EXISTS fk_assessments_ssp_id";
            manager.get_connection().execute_unprepared(sql).await?;
        }
        ddl::run(manager, DOWN).await
    }
}
