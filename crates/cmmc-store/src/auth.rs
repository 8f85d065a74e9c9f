//! The queries behind every authenticated request, kept to two round trips.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

/// Who an access token belongs to, with what decides whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub token_expires_at: DateTime<Utc>,
    pub session_id: String,
    pub session_revoked: bool,
    pub session_expires_at: DateTime<Utc>,
    pub user_id: String,
    pub username: String,
    pub org_id: Option<String>,
    pub is_active: bool,
    /// The sign-in may only enrol in MFA.
    pub enrol_only: bool,
}

fn placeholder(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?",
    }
}

/// The owner of the access token stored as `token_hash`, in one query.
///
/// # Errors
/// Any database error.
pub async fn token_owner<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<TokenOwner>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT a.expires_at AS token_expires_at, s.id AS session_id, s.revoked_at AS revoked_at, \
         s.expires_at AS session_expires_at, s.enrol_only AS enrol_only, u.id AS user_id, u.username AS username, u.org_id AS org_id, \
         u.is_active AS is_active \
         FROM access_tokens a JOIN auth_sessions s ON s.id = a.session_id JOIN users u ON u.id = s.user_id \
         WHERE a.token_hash = {}",
        placeholder(backend)
    );
    let row = db
        .query_one(Statement::from_sql_and_values(backend, sql, [Value::from(token_hash)]))
        .await?;
    row.map(|row| {
        Ok(TokenOwner {
            token_expires_at: row.try_get("", "token_expires_at")?,
            session_id: row.try_get("", "session_id")?,
            session_revoked: row.try_get::<Option<DateTime<Utc>>>("", "revoked_at")?.is_some(),
            session_expires_at: row.try_get("", "session_expires_at")?,
            user_id: row.try_get("", "user_id")?,
            username: row.try_get("", "username")?,
            org_id: row.try_get("", "org_id")?,
            is_active: row.try_get("", "is_active")?,
            enrol_only: row.try_get("", "enrol_only")?,
        })
    })
    .transpose()
}

/// The names of the roles a user holds, in one query.
///
/// # Errors
/// Any database error.
pub async fn role_names<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT r.name AS name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = {} ORDER BY r.name",
        placeholder(backend)
    );
    let rows =
        db.query_all(Statement::from_sql_and_values(backend, sql, [Value::from(user_id)])).await?;
    rows.iter().map(|row| row.try_get::<String>("", "name")).collect()
}
