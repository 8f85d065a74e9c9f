//! Multi-factor authentication (NIST SP 800-171 3.5.3).
//!
//! - `users.totp_secret`: the TOTP secret, sealed with AES-256-GCM under
//!   the key derived from the server secret (bound to the user's id); NULL
//!   when the user has none. `totp_enabled` turns it on once a first code
//!   confirmed it; `totp_last_step` is the last time step accepted, so no
//!   code is accepted twice.
//! - `mfa_recovery_codes`: ten single-use codes per user, stored as SHA-256.
//! - `mfa_challenges`: the second step of a sign-in: a short-lived,
//!   single-use token (stored as SHA-256) that a password opened.
//! - `organizations.mfa_policy`: `none`, `privileged` or `all`.
//! - `auth_sessions.enrol_only`: a sign-in of a user who must enrol in MFA
//!   and has not; it may only enrol.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const UP: &str = r"
ALTER TABLE users ADD COLUMN totp_secret TEXT NULL;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NULL;
ALTER TABLE organizations ADD COLUMN mfa_policy VARCHAR(16) NOT NULL DEFAULT 'none' CONSTRAINT ck_organizations_mfa_policy CHECK (mfa_policy IN ('none', 'privileged', 'all'));
ALTER TABLE auth_sessions ADD COLUMN enrol_only BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE mfa_recovery_codes (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    code_hash VARCHAR(64) NOT NULL,
    used_at {TS} NULL,
    created_at {TS} NOT NULL,
    CONSTRAINT pk_mfa_recovery_codes PRIMARY KEY (id),
    CONSTRAINT fk_mfa_recovery_codes_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_mfa_recovery_codes_user_id_code_hash UNIQUE (user_id, code_hash)
);
CREATE TABLE mfa_challenges (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    ip_address VARCHAR(64) NULL,
    expires_at {TS} NOT NULL,
    used_at {TS} NULL,
    created_at {TS} NOT NULL,
    CONSTRAINT pk_mfa_challenges PRIMARY KEY (id),
    CONSTRAINT fk_mfa_challenges_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT uq_mfa_challenges_token_hash UNIQUE (token_hash)
);
";

const DOWN: &str = r"
DROP TABLE IF EXISTS mfa_challenges;
DROP TABLE IF EXISTS mfa_recovery_codes;
ALTER TABLE auth_sessions DROP COLUMN enrol_only;
ALTER TABLE organizations DROP COLUMN mfa_policy;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled;
ALTER TABLE users DROP COLUMN totp_secret;
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
