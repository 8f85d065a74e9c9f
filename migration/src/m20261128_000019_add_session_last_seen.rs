//! When a sign-in was last used from a browser (`auth_sessions.last_seen_at`),
//! so that a web session idle for longer than the idle timeout ends
//! (NIST SP 800-171 3.1.11). NULL until the first page after sign-in.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
ALTER TABLE auth_sessions ADD COLUMN last_seen_at {TS} NULL;
";

const DOWN: &str = r"
ALTER TABLE auth_sessions DROP COLUMN last_seen_at;
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
