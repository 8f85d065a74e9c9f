//! The audit trail.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Rows are kept seven years (see README.md, "Audit trail"); the indexes on
// created_at keep time-range queries fast at millions of rows. user_id is
// NULL for actions no signed-in user made (a failed login of an unknown name).
//
// The trail is tamper-evident: rows form one hash chain per organisation
// (chain_key = the organisation's id, or 'global' for events of no
// organisation). Each row stores seq (1, 2, ... within its chain), the hash of
// the previous row, and an HMAC-SHA256, keyed with the server secret, over its
// own content and prev_hash. audit_chain_heads holds each chain's last seq and
// hash; writers lock that row, so concurrent writers still produce one
// unbroken chain, and removing the newest rows is detected too.
const UP: &str = r"
CREATE TABLE audit_log (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NULL,
    org_id VARCHAR(64) NULL,
    action VARCHAR(64) NOT NULL,
    resource_type VARCHAR(64) NOT NULL,
    resource_id VARCHAR(64) NULL,
    details {JSON} NULL,
    ip_address VARCHAR(64) NULL,
    chain_key VARCHAR(64) NOT NULL,
    seq BIGINT NOT NULL,
    prev_hash VARCHAR(64) NULL,
    hash VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (id),
    CONSTRAINT fk_audit_log_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_audit_log_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT uq_audit_log_chain_key_seq UNIQUE (chain_key, seq),
    CONSTRAINT ck_audit_log_action CHECK (length(action) > 0),
    CONSTRAINT ck_audit_log_seq CHECK (seq >= 1),
    CONSTRAINT ck_audit_log_hash CHECK (length(hash) = 64)
);
CREATE INDEX ix_audit_log_user_id ON audit_log (user_id);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_resource_type_resource_id ON audit_log (resource_type, resource_id);
CREATE INDEX ix_audit_log_created_at ON audit_log (created_at);
CREATE INDEX ix_audit_log_org_id_created_at ON audit_log (org_id, created_at);
CREATE TABLE audit_chain_heads (
    chain_key VARCHAR(64) NOT NULL,
    seq BIGINT NOT NULL,
    hash VARCHAR(64) NULL,
    -- HMAC over (chain_key, seq, hash): a head rewritten to hide removed rows does not verify.
    mac VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_audit_chain_heads PRIMARY KEY (chain_key),
    CONSTRAINT ck_audit_chain_heads_seq CHECK (seq >= 0)
);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(manager, &["audit_chain_heads", "audit_log"]).await
    }
}
