//! The risk register: an organisation's risks, scored by likelihood and
//! impact (the score is computed, never stored), and their links to
//! practices, findings, POA&M items and assets. A link's target is checked
//! against the organisation when it is written; a link to a finding, item
//! or asset that is later deleted goes with it (`risk_links` has no foreign
//! key to four tables, so the services delete links with their targets).

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE risks (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    title VARCHAR(256) NOT NULL,
    description TEXT NULL,
    category VARCHAR(64) NOT NULL,
    likelihood SMALLINT NOT NULL,
    impact SMALLINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    owner_id VARCHAR(64) NULL,
    treatment_plan TEXT NULL,
    review_date {DATE} NULL,
    acceptance_reason TEXT NULL,
    created_by VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_risks PRIMARY KEY (id),
    CONSTRAINT fk_risks_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_risks_owner_id FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT ck_risks_title CHECK (length(title) > 0),
    CONSTRAINT ck_risks_likelihood CHECK (likelihood BETWEEN 1 AND 5),
    CONSTRAINT ck_risks_impact CHECK (impact BETWEEN 1 AND 5),
    CONSTRAINT ck_risks_status CHECK (status IN ('identified', 'assessed', 'mitigating', 'accepted', 'closed')),
    CONSTRAINT ck_risks_acceptance CHECK (status <> 'accepted' OR acceptance_reason IS NOT NULL)
);
CREATE INDEX ix_risks_org_id_status ON risks (org_id, status);
CREATE TABLE risk_links (
    risk_id VARCHAR(64) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    target_id VARCHAR(64) NOT NULL,
    CONSTRAINT pk_risk_links PRIMARY KEY (risk_id, kind, target_id),
    CONSTRAINT fk_risk_links_risk_id FOREIGN KEY (risk_id) REFERENCES risks (id) ON DELETE CASCADE,
    CONSTRAINT ck_risk_links_kind CHECK (kind IN ('practice', 'finding', 'poam_item', 'asset'))
);
CREATE INDEX ix_risk_links_kind_target_id ON risk_links (kind, target_id);
";

const DOWN: &str = r"
DROP TABLE IF EXISTS risk_links;
DROP TABLE IF EXISTS risks;
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
