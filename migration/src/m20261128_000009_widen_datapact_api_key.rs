//! The stored DataPact key is the encrypted key (nonce, ciphertext and tag,
//! base64), a third longer than the key of up to 1024 characters the API
//! takes, so `VARCHAR(512)` refused long keys on PostgreSQL with a 500 (found
//! by the fuzz run). It becomes `TEXT`. SQLite does not enforce `VARCHAR`
//! lengths, so there the column stays as it is.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

async fn set_type(manager: &SchemaManager<'_>, sql_type: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let sql = format!("ALTER TABLE organizations ALTER COLUMN datapact_api_key TYPE {sql_type}");
    manager.get_connection().execute_unprepared(&sql).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_type(manager, "TEXT").await
    }

    /// Fails while a stored key is longer than 512 characters: shortening it
    /// would destroy it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_type(manager, "VARCHAR(512)").await
    }
}
