//! Affirmations (32 CFR 170.22): who affirmed, when, for which assessment or
//! for the organisation's current status, and what they affirmed. A row is
//! never changed or deleted once made.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE affirmations (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    -- NULL: an affirmation of the organisation's current status.
    assessment_id VARCHAR(64) NULL,
    level INTEGER NOT NULL,
    official_name VARCHAR(256) NOT NULL,
    official_title VARCHAR(256) NOT NULL,
    official_email VARCHAR(256) NOT NULL,
    official_phone VARCHAR(32) NULL,
    statement TEXT NOT NULL,
    -- The user who recorded it.
    made_by VARCHAR(64) NOT NULL,
    affirmed_at {TS} NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_affirmations PRIMARY KEY (id),
    CONSTRAINT fk_affirmations_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_affirmations_assessment_id FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE RESTRICT,
    CONSTRAINT fk_affirmations_made_by FOREIGN KEY (made_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_affirmations_level CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT ck_affirmations_official_name CHECK (length(official_name) > 0),
    CONSTRAINT ck_affirmations_statement CHECK (length(statement) > 0)
);
CREATE INDEX ix_affirmations_org_id_affirmed_at ON affirmations (org_id, affirmed_at);
";

const DOWN: &str = r"
DROP TABLE IF EXISTS affirmations;
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
