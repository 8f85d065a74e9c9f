//! Stored evidence files and how many rows name each.
//!
//! Identical uploads share one file under the upload directory, named by its
//! SHA-256. `stored_files` keeps a reference count per file, changed in the
//! same transaction as the rows that name it; its row is also the lock that
//! serialises an upload placing a file and a delete removing it, so a file is
//! never removed while a row names it or an upload is about to.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE stored_files (
    sha256 VARCHAR(64) NOT NULL,
    ref_count BIGINT NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_stored_files PRIMARY KEY (sha256),
    CONSTRAINT ck_stored_files_ref_count CHECK (ref_count >= 0)
);
INSERT INTO stored_files (sha256, ref_count, created_at, updated_at)
    SELECT sha256, COUNT(*), MIN(created_at), MAX(updated_at)
    FROM evidence WHERE sha256 IS NOT NULL GROUP BY sha256;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(manager, &["stored_files"]).await
    }
}
