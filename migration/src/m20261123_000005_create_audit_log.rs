//! The audit trail.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Rows are kept seven years (see README.md, "Audit retention"); the index on
// created_at keeps time-range queries fast at millions of rows. user_id is
// NULL for actions no signed-in user made (a failed login of an unknown name,
// the seed).
const UP: &str = r"
CREATE TABLE audit_log (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NULL,
    action VARCHAR(64) NOT NULL,
    resource_type VARCHAR(64) NOT NULL,
    resource_id VARCHAR(64) NULL,
    details {JSON} NULL,
    ip_address VARCHAR(64) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (id),
    CONSTRAINT fk_audit_log_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_audit_log_action CHECK (length(action) > 0)
);
CREATE INDEX ix_audit_log_user_id ON audit_log (user_id);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_resource_type_resource_id ON audit_log (resource_type, resource_id);
CREATE INDEX ix_audit_log_created_at ON audit_log (created_at);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(manager, &["audit_log"]).await
    }
}
