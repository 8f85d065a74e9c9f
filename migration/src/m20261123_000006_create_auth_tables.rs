//! Sign-in sessions, their tokens, password history and login attempts.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// A session is one sign-in: its refresh tokens form one rotation family, and
// revoking the session (logout, reuse of a spent refresh token) revokes every
// token of it. Tokens are stored only as SHA-256 hashes; a stolen database
// holds no usable token. Everything here belongs to its user (CASCADE), but
// users are deactivated rather than deleted.
const UP: &str = r"
CREATE TABLE auth_sessions (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    ip_address VARCHAR(64) NULL,
    expires_at {TS} NOT NULL,
    revoked_at {TS} NULL,
    revoked_reason VARCHAR(64) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_auth_sessions PRIMARY KEY (id),
    CONSTRAINT fk_auth_sessions_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_auth_sessions_user_id ON auth_sessions (user_id);
CREATE TABLE access_tokens (
    id VARCHAR(64) NOT NULL,
    session_id VARCHAR(64) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    expires_at {TS} NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_access_tokens PRIMARY KEY (id),
    CONSTRAINT fk_access_tokens_session_id FOREIGN KEY (session_id) REFERENCES auth_sessions (id) ON DELETE CASCADE,
    CONSTRAINT uq_access_tokens_token_hash UNIQUE (token_hash)
);
CREATE INDEX ix_access_tokens_session_id ON access_tokens (session_id);
CREATE INDEX ix_access_tokens_expires_at ON access_tokens (expires_at);
CREATE TABLE refresh_tokens (
    id VARCHAR(64) NOT NULL,
    session_id VARCHAR(64) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    expires_at {TS} NOT NULL,
    -- Set when the token is exchanged; presenting it again revokes the session.
    used_at {TS} NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_refresh_tokens PRIMARY KEY (id),
    CONSTRAINT fk_refresh_tokens_session_id FOREIGN KEY (session_id) REFERENCES auth_sessions (id) ON DELETE CASCADE,
    CONSTRAINT uq_refresh_tokens_token_hash UNIQUE (token_hash)
);
CREATE INDEX ix_refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE TABLE password_history (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    password_hash VARCHAR(512) NOT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_password_history PRIMARY KEY (id),
    CONSTRAINT fk_password_history_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_password_history_user_id_created_at ON password_history (user_id, created_at);
CREATE TABLE login_attempts (
    id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NULL,
    username VARCHAR(256) NOT NULL,
    succeeded BOOLEAN NOT NULL,
    ip_address VARCHAR(64) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_login_attempts PRIMARY KEY (id),
    CONSTRAINT fk_login_attempts_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_login_attempts_user_id_created_at ON login_attempts (user_id, created_at);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(
            manager,
            &[
                "login_attempts",
                "password_history",
                "refresh_tokens",
                "access_tokens",
                "auth_sessions",
            ],
        )
        .await
    }
}
