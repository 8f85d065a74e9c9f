//! Senior officials and POA&M closeouts.
//!
//! - `users.senior_official`: the user may make affirmations in their own
//!   name as the organisation's Affirming Official (32 CFR 170.22).
//! - `affirmations.official_user_id`: the signed-in senior official who
//!   affirmed; NULL for an affirmation recorded for a named person.
//! - `assessments.closed_out_at` / `closed_out_by`: when and by whom a
//!   Conditional status's POA&M closeout (32 CFR 170.21(b)) was recorded.
//!
//! The two user references are foreign keys on PostgreSQL; SQLite cannot add
//! one with `ALTER TABLE`, and the services only ever write the signed-in
//! user's id there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
ALTER TABLE users ADD COLUMN senior_official BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE affirmations ADD COLUMN official_user_id VARCHAR(64) NULL;
ALTER TABLE assessments ADD COLUMN closed_out_at {TS} NULL;
ALTER TABLE assessments ADD COLUMN closed_out_by VARCHAR(64) NULL;
";

const DOWN: &str = r"
ALTER TABLE assessments DROP COLUMN closed_out_by;
ALTER TABLE assessments DROP COLUMN closed_out_at;
ALTER TABLE affirmations DROP COLUMN official_user_id;
ALTER TABLE users DROP COLUMN senior_official;
";

const PG_FOREIGN_KEYS: &str = r"
ALTER TABLE affirmations ADD CONSTRAINT fk_affirmations_official_user_id FOREIGN KEY (official_user_id) REFERENCES users (id) ON DELETE RESTRICT;
ALTER TABLE assessments ADD CONSTRAINT fk_assessments_closed_out_by FOREIGN KEY (closed_out_by) REFERENCES users (id) ON DELETE RESTRICT;
";

const PG_DROP_FOREIGN_KEYS: &str = r"
ALTER TABLE assessments DROP CONSTRAINT IF EXISTS fk_assessments_closed_out_by;
ALTER TABLE affirmations DROP CONSTRAINT IF EXISTS fk_affirmations_official_user_id;
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
