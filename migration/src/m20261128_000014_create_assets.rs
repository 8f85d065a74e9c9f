//! The asset inventory (32 CFR 170.19 scoping): an organisation's assets,
//! each under a tag unique in the organisation, with its type, category,
//! whether it handles CUI or FCI, and free tags. `provider_id` names the
//! cloud or service provider it lives at, once providers are kept.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
CREATE TABLE assets (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    asset_tag VARCHAR(64) NOT NULL,
    name VARCHAR(256) NOT NULL,
    asset_type VARCHAR(32) NOT NULL,
    category VARCHAR(32) NOT NULL,
    owner VARCHAR(256) NULL,
    location VARCHAR(256) NULL,
    description TEXT NULL,
    handles_cui BOOLEAN NOT NULL,
    handles_fci BOOLEAN NOT NULL,
    provider_id VARCHAR(64) NULL,
    tags {JSON} NOT NULL,
    created_by VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_assets PRIMARY KEY (id),
    CONSTRAINT fk_assets_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT uq_assets_org_id_asset_tag UNIQUE (org_id, asset_tag),
    CONSTRAINT ck_assets_asset_tag CHECK (length(asset_tag) > 0),
    CONSTRAINT ck_assets_name CHECK (length(name) > 0),
    CONSTRAINT ck_assets_asset_type CHECK (asset_type IN ('hardware', 'software', 'cloud_service', 'network', 'facility', 'people', 'ot_iot', 'other')),
    CONSTRAINT ck_assets_category CHECK (category IN ('cui', 'security_protection', 'contractor_risk_managed', 'specialized', 'out_of_scope', 'fci'))
);
CREATE INDEX ix_assets_org_id_category ON assets (org_id, category);
";

const DOWN: &str = r"
DROP TABLE IF EXISTS assets;
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
