//! The fingerprint of the server secret that writes this database, and where
//! each seeded reference data set came from.
//!
//! The fingerprint is an HMAC of a fixed label under the secret: it tells
//! whether a starting process holds the same secret, and reveals nothing
//! about it. A process with another secret refuses to start instead of
//! writing audit rows that would later fail verification.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE server_secrets (
    id VARCHAR(16) NOT NULL,
    fingerprint VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_server_secrets PRIMARY KEY (id),
    CONSTRAINT ck_server_secrets_id CHECK (id = 'current'),
    CONSTRAINT ck_server_secrets_fingerprint CHECK (length(fingerprint) = 64)
);
ALTER TABLE reference_data_versions ADD COLUMN source VARCHAR(512) NULL;
";

const DOWN: &str = r"
ALTER TABLE reference_data_versions DROP COLUMN source;
DROP TABLE IF EXISTS server_secrets;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, DOWN).await
    }
}
