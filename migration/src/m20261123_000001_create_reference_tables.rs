//! The CMMC reference catalogue: domains, levels, practices, and the record of
//! which reference-data version was seeded.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Reference rows are keyed by their natural keys (domain_id, level,
// practice_id), which other tables reference directly: an assessment stored
// years ago still names "AC.L2-3.1.1" however the catalogue's UUIDs change.
// ON DELETE RESTRICT everywhere: a practice that an assessment used cannot
// disappear from under it.
const UP: &str = r"
CREATE TABLE cmmc_domains (
    id VARCHAR(64) NOT NULL,
    domain_id VARCHAR(4) NOT NULL,
    name VARCHAR(128) NOT NULL,
    description TEXT NOT NULL,
    nist_family VARCHAR(8) NOT NULL,
    sort_order INTEGER NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_cmmc_domains PRIMARY KEY (id),
    CONSTRAINT uq_cmmc_domains_domain_id UNIQUE (domain_id),
    CONSTRAINT ck_cmmc_domains_domain_id CHECK (domain_id IN
        ('AC', 'AT', 'AU', 'CM', 'IA', 'IR', 'MA', 'MP', 'PS', 'PE', 'RA', 'CA', 'SC', 'SI')),
    CONSTRAINT ck_cmmc_domains_name CHECK (length(name) > 0)
);
CREATE TABLE cmmc_levels (
    id VARCHAR(64) NOT NULL,
    level INTEGER NOT NULL,
    name VARCHAR(64) NOT NULL,
    assessment_type VARCHAR(32) NOT NULL,
    description TEXT NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_cmmc_levels PRIMARY KEY (id),
    CONSTRAINT uq_cmmc_levels_level UNIQUE (level),
    CONSTRAINT ck_cmmc_levels_level CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT ck_cmmc_levels_assessment_type CHECK (assessment_type IN ('self', 'third_party', 'government'))
);
CREATE TABLE cmmc_practices (
    id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NOT NULL,
    domain_id VARCHAR(4) NOT NULL,
    level INTEGER NOT NULL,
    title VARCHAR(256) NOT NULL,
    description TEXT NOT NULL,
    assessment_objectives {JSON} NOT NULL,
    evidence_requirements {JSON} NOT NULL,
    nist_refs {JSON} NOT NULL,
    -- DoD Assessment Methodology points deducted when unmet: Level 2 only, and
    -- none for CA.L2-3.12.4 (the system security plan has no point value).
    sprs_weight INTEGER NULL,
    -- The smaller deduction of a partial implementation (IA.L2-3.5.3, SC.L2-3.13.11).
    sprs_partial_weight INTEGER NULL,
    poam_eligibility VARCHAR(16) NOT NULL,
    -- The 32 CFR 170 / guide v2.13 identifier of a Level 1 practice (AC.L1-b.1.i).
    final_rule_id VARCHAR(32) NULL,
    -- Catalogue order: level, NIST family, requirement number (3.1.2 before 3.1.10).
    sort_order INTEGER NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_cmmc_practices PRIMARY KEY (id),
    CONSTRAINT uq_cmmc_practices_practice_id UNIQUE (practice_id),
    CONSTRAINT fk_cmmc_practices_domain_id FOREIGN KEY (domain_id)
        REFERENCES cmmc_domains (domain_id) ON DELETE RESTRICT,
    CONSTRAINT fk_cmmc_practices_level FOREIGN KEY (level)
        REFERENCES cmmc_levels (level) ON DELETE RESTRICT,
    CONSTRAINT ck_cmmc_practices_level CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT ck_cmmc_practices_sprs_weight CHECK (sprs_weight IN (1, 3, 5)),
    CONSTRAINT ck_cmmc_practices_sprs_partial_weight CHECK (sprs_partial_weight = 3),
    CONSTRAINT ck_cmmc_practices_level_sprs_weight CHECK
        (level = 2 OR (sprs_weight IS NULL AND sprs_partial_weight IS NULL)),
    CONSTRAINT ck_cmmc_practices_poam_eligibility CHECK (poam_eligibility IN ('eligible', 'ineligible', 'conditional')),
    CONSTRAINT ck_cmmc_practices_title CHECK (length(title) > 0)
);
CREATE INDEX ix_cmmc_practices_domain_id ON cmmc_practices (domain_id);
CREATE INDEX ix_cmmc_practices_level_sort_order ON cmmc_practices (level, sort_order);
CREATE INDEX ix_cmmc_practices_sort_order ON cmmc_practices (sort_order);
CREATE TABLE reference_data_versions (
    id VARCHAR(64) NOT NULL,
    -- 1, 2, ... in the order the seeds ran (assigned under the seed's lock,
    -- so it does not depend on any server's clock).
    seq BIGINT NOT NULL,
    version VARCHAR(64) NOT NULL,
    -- SHA-256 (hex) over every YAML file of data/cmmc, in file-name order.
    checksum VARCHAR(64) NOT NULL,
    n_inserted INTEGER NOT NULL,
    n_updated INTEGER NOT NULL,
    n_unchanged INTEGER NOT NULL,
    seeded_at {TS} NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_reference_data_versions PRIMARY KEY (id),
    CONSTRAINT uq_reference_data_versions_seq UNIQUE (seq),
    CONSTRAINT ck_reference_data_versions_checksum CHECK (length(checksum) = 64),
    CONSTRAINT ck_reference_data_versions_n_inserted_n_updated_n_unchanged
        CHECK (n_inserted >= 0 AND n_updated >= 0 AND n_unchanged >= 0)
);
CREATE INDEX ix_reference_data_versions_seeded_at ON reference_data_versions (seeded_at);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(
            manager,
            &["reference_data_versions", "cmmc_practices", "cmmc_levels", "cmmc_domains"],
        )
        .await
    }
}
