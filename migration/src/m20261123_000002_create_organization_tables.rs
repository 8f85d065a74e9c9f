//! Organisations (the tenants), users and their roles.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Users are never deleted while anything references them (ON DELETE RESTRICT
// from assessments, evidence and the audit log); they are deactivated instead.
// Usernames and emails are unique case-insensitively, through unique indexes
// on lower(...), which both backends support.
const UP: &str = r"
CREATE TABLE organizations (
    id VARCHAR(64) NOT NULL,
    name VARCHAR(256) NOT NULL,
    cage_code VARCHAR(8) NULL,
    duns_number VARCHAR(16) NULL,
    target_level INTEGER NOT NULL,
    datapact_api_url VARCHAR(512) NULL,
    -- Encrypted at rest (AES-256-GCM); never returned by the API.
    datapact_api_key VARCHAR(512) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_organizations PRIMARY KEY (id),
    CONSTRAINT ck_organizations_target_level CHECK (target_level BETWEEN 1 AND 3),
    CONSTRAINT ck_organizations_name CHECK (length(name) > 0)
);
CREATE UNIQUE INDEX uq_organizations_cage_code ON organizations (cage_code);
CREATE INDEX ix_organizations_name ON organizations (name);
CREATE TABLE users (
    id VARCHAR(64) NOT NULL,
    username VARCHAR(128) NOT NULL,
    email VARCHAR(256) NOT NULL,
    password_hash VARCHAR(512) NOT NULL,
    -- NULL only for system administrators, who belong to no organisation.
    org_id VARCHAR(64) NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Set after too many failed logins (NIST SP 800-171 3.1.8).
    locked_until {TS} NULL,
    password_changed_at {TS} NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT fk_users_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT ck_users_username CHECK (length(username) > 0),
    CONSTRAINT ck_users_email CHECK (length(email) > 0)
);
CREATE UNIQUE INDEX uq_users_username ON users (lower(username));
CREATE UNIQUE INDEX uq_users_email ON users (lower(email));
CREATE INDEX ix_users_org_id ON users (org_id);
CREATE INDEX ix_users_is_active ON users (is_active);
CREATE TABLE roles (
    id VARCHAR(64) NOT NULL,
    name VARCHAR(32) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_roles PRIMARY KEY (id),
    CONSTRAINT uq_roles_name UNIQUE (name),
    CONSTRAINT ck_roles_name CHECK (name IN
        ('system_admin', 'org_admin', 'compliance_officer', 'assessor', 'c3pao_lead', 'viewer'))
);
CREATE TABLE user_roles (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    role_id VARCHAR(64) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_user_roles PRIMARY KEY (id),
    -- A role assignment means nothing without its user; removing a role that
    -- is still assigned is refused.
    CONSTRAINT fk_user_roles_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_roles_role_id FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE RESTRICT,
    CONSTRAINT uq_user_roles_user_id_role_id UNIQUE (user_id, role_id)
);
CREATE INDEX ix_user_roles_role_id ON user_roles (role_id);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(manager, &["user_roles", "roles", "users", "organizations"]).await
    }
}
