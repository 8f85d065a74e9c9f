//! Framework crosswalks, reference data like the catalogue: the frameworks
//! (SP 800-171 Rev 2 and Rev 3, SP 800-53 Rev 4 and Rev 5, ISO/IEC 27001
//! 2013 and 2022, CMMC), their requirements (ids, titles where public,
//! families) and the mappings between requirements, each with its
//! relationship, its source and whether it is derived. Written only by the
//! seed (`data/frameworks/`); the CMMC practices stay in `cmmc_practices`.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE frameworks (
    id VARCHAR(32) NOT NULL,
    name VARCHAR(128) NOT NULL,
    publisher VARCHAR(64) NOT NULL,
    reference VARCHAR(256) NOT NULL,
    sort_order INTEGER NOT NULL,
    data_version VARCHAR(32) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_frameworks PRIMARY KEY (id)
);
CREATE TABLE framework_requirements (
    framework_id VARCHAR(32) NOT NULL,
    requirement_id VARCHAR(32) NOT NULL,
    title VARCHAR(256) NULL,
    family VARCHAR(128) NULL,
    sort_order INTEGER NOT NULL,
    CONSTRAINT pk_framework_requirements PRIMARY KEY (framework_id, requirement_id),
    CONSTRAINT fk_framework_requirements_framework_id FOREIGN KEY (framework_id) REFERENCES frameworks (id) ON DELETE CASCADE
);
CREATE TABLE framework_mappings (
    from_framework VARCHAR(32) NOT NULL,
    from_requirement VARCHAR(32) NOT NULL,
    to_framework VARCHAR(32) NOT NULL,
    to_requirement VARCHAR(32) NOT NULL,
    relationship VARCHAR(32) NOT NULL,
    derived BOOLEAN NOT NULL,
    change_rating VARCHAR(16) NULL,
    note VARCHAR(256) NULL,
    source VARCHAR(256) NOT NULL,
    CONSTRAINT pk_framework_mappings PRIMARY KEY (from_framework, from_requirement, to_framework, to_requirement),
    CONSTRAINT fk_framework_mappings_from FOREIGN KEY (from_framework, from_requirement) REFERENCES framework_requirements (framework_id, requirement_id) ON DELETE CASCADE,
    CONSTRAINT fk_framework_mappings_to FOREIGN KEY (to_framework, to_requirement) REFERENCES framework_requirements (framework_id, requirement_id) ON DELETE CASCADE,
    CONSTRAINT ck_framework_mappings_relationship CHECK (relationship IN ('carried_forward', 'incorporated_into', 'addressed_by', 'maps_to', 'partially_maps_to', 'source_control')),
    CONSTRAINT ck_framework_mappings_change_rating CHECK (change_rating IS NULL OR change_rating IN ('none', 'minor', 'significant', 'withdrawn'))
);
CREATE INDEX ix_framework_mappings_to ON framework_mappings (to_framework, to_requirement);
";

const DOWN: &str = r"
DROP TABLE IF EXISTS framework_mappings;
DROP TABLE IF EXISTS framework_requirements;
DROP TABLE IF EXISTS frameworks;
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
