//! DataPact contract mappings and the log of every call to DataPact.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// A sync log is a record of what happened; it outlives a deleted draft
// assessment (SET NULL) but never its organisation (RESTRICT).
const UP: &str = r"
CREATE TABLE datapact_practice_mappings (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NOT NULL,
    datapact_contract_id VARCHAR(128) NOT NULL,
    datapact_contract_name VARCHAR(256) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_datapact_practice_mappings PRIMARY KEY (id),
    CONSTRAINT fk_datapact_practice_mappings_org_id FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_datapact_practice_mappings_practice_id FOREIGN KEY (practice_id)
        REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT uq_datapact_practice_mappings_org_id_practice_id_datapact_contract_id
        UNIQUE (org_id, practice_id, datapact_contract_id),
    CONSTRAINT ck_datapact_practice_mappings_datapact_contract_id CHECK (length(datapact_contract_id) > 0)
);
CREATE INDEX ix_datapact_practice_mappings_practice_id ON datapact_practice_mappings (practice_id);
CREATE TABLE datapact_sync_logs (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    assessment_id VARCHAR(64) NULL,
    practice_id VARCHAR(32) NULL,
    request_payload {JSON} NULL,
    response_payload {JSON} NULL,
    status VARCHAR(32) NOT NULL,
    error_message TEXT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_datapact_sync_logs PRIMARY KEY (id),
    CONSTRAINT fk_datapact_sync_logs_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_datapact_sync_logs_assessment_id FOREIGN KEY (assessment_id)
        REFERENCES assessments (id) ON DELETE SET NULL,
    CONSTRAINT ck_datapact_sync_logs_status CHECK (status IN ('success', 'error', 'timeout'))
);
CREATE INDEX ix_datapact_sync_logs_org_id ON datapact_sync_logs (org_id);
CREATE INDEX ix_datapact_sync_logs_assessment_id_created_at ON datapact_sync_logs (assessment_id, created_at);
CREATE INDEX ix_datapact_sync_logs_status ON datapact_sync_logs (status);
CREATE INDEX ix_datapact_sync_logs_practice_id ON datapact_sync_logs (practice_id);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(manager, &["datapact_sync_logs", "datapact_practice_mappings"]).await
    }
}
