//! Errors a caller can act on, and everything else.

/// What went wrong in a service call. Variants name the condition; only the
/// HTTP layer turns them into status codes.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid credentials or token: the caller is not signed in.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but this action is not allowed to the caller's roles.
    #[error("not allowed: {action}")]
    Forbidden { action: String },
    /// Signed in with a sign-in that may only enrol in multi-factor
    /// authentication, which the organisation or the deployment requires.
    #[error("multi-factor authentication must be enrolled first")]
    MfaEnrolmentRequired,
    /// The thing asked for does not exist, or is another organisation's.
    #[error("{what} not found")]
    NotFound { what: String },
    /// A field of the request breaks a rule.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    /// The request is well formed (it conforms to the API's schema) but breaks
    /// a rule the schema cannot state: one that depends on what is stored (an
    /// objective the practice does not have, a practice outside the
    /// assessment), on the server's policy (a destination the outbound policy
    /// refuses), or on several fields at once (a password equal to the username).
    #[error("{field}: {message}")]
    Unprocessable { field: String, message: String },
    /// Rows of an uploaded file break rules: each with its line (1 is the
    /// header), column and why. Nothing was written.
    #[error("{} row problem(s), the first on line {}", .0.len(), .0.first().map_or(0, |p| p.line))]
    InvalidRows(Vec<RowProblem>),
    /// The request conflicts with the current state (a duplicate, a step the
    /// workflow does not allow).
    #[error("{0}")]
    Conflict(String),
    /// The caller's copy is stale: it changed since the caller read it (If-Match).
    #[error("{0}")]
    PreconditionFailed(String),
    /// An upload is larger than the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// An upload of a kind that is not accepted.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Stored data no longer matches its checksum.
    #[error("{0}")]
    Integrity(String),
    /// An external service (DataPact) failed; `kind` names how.
    #[error("{message}")]
    Upstream { kind: &'static str, message: String },
    /// The database cannot be reached right now (or did not answer in time).
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything the caller cannot act on; logged with its cause chain.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ServiceError {
    pub(crate) fn invalid(field: &str, message: impl std::fmt::Display) -> Self {
        Self::InvalidInput { field: field.to_owned(), message: message.to_string() }
    }

    pub(crate) fn unprocessable(field: &str, message: impl std::fmt::Display) -> Self {
        Self::Unprocessable { field: field.to_owned(), message: message.to_string() }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    #[track_caller]
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
                Self::DatabaseUnavailable(Box::new(err))
            }
            other if is_unavailable(&other) => Self::DatabaseUnavailable(Box::new(other)),
            other => {
                let text = other.to_string();
                // A unique constraint the checks before the write did not catch
                // (two requests at once): a conflict, named by its constraint.
                if let Some(name) = constraint_name(&text, "uq_") {
                    return Self::Conflict(format!(
                        "a record with the same {} already exists",
                        unique_subject(&name)
                    ));
                }
                // SQLite names the columns, not the constraint: "UNIQUE constraint failed: organizations.cage_code".
                if let Some((_, columns)) = text.split_once("UNIQUE constraint failed: ") {
                    let columns: Vec<&str> = columns
                        .split(',')
                        .filter_map(|c| c.trim().split('.').nth(1))
                        .map(|c| {
                            c.trim_end_matches(|ch: char| !ch.is_ascii_alphanumeric() && ch != '_')
                        })
                        .collect();
                    return Self::Conflict(format!(
                        "a record with the same {} already exists",
                        columns.join(" and ")
                    ));
                }
                Self::Unexpected(
                    anyhow::Error::new(other).context(std::panic::Location::caller().to_string()),
                )
            }
        }
    }
}

/// Whether a database error says the database, or the connection to it, is
/// unavailable right now (rather than that the statement was wrong): I/O and
/// protocol failures, a terminated backend (SQLSTATE class 08, 57P0x), a
/// statement cancelled by its timeout (57014), too many connections (53300),
/// a lock not granted in time (55P03), a deadlock or serialisation failure
/// (40P01, 40001: worth retrying), or SQLite busy or locked.
fn is_unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as SqlxError;
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) =
        err
    else {
        let text = err.to_string();
        return text.contains("database is locked") || text.contains("Connection pool timed out");
    };
    match sqlx {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::Protocol(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08")
                || code.starts_with("57P0")
                || matches!(
                    code.as_ref(),
                    "57014"
                        | "53300"
                        | "55P03"
                        | "40P01"
                        | "40001"
                        | "5"
                        | "6"
                        | "261"
                        | "517"
                        | "773"
                )
        }
        _ => false,
    }
}

/// The first `prefix…` identifier in a database error message.
fn constraint_name(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    let name: String =
        text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    Some(name)
}

fn unique_subject(constraint: &str) -> String {
    // uq_<table>_<columns>: say the columns.
    let rest = constraint.trim_start_matches("uq_");
    for table in [
        "organizations",
        "users",
        "user_roles",
        "datapact_practice_mappings",
        "assessment_practices",
    ] {
        if let Some(columns) = rest.strip_prefix(table).and_then(|r| r.strip_prefix('_')) {
            return columns.replace('_', " ");
        }
    }
    rest.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_become_conflicts_naming_the_columns() {
        let err = ServiceError::from(sea_orm::DbErr::Custom(
            "duplicate key value violates unique constraint \"uq_users_username\"".into(),
        ));
        match err {
            ServiceError::Conflict(message) => assert!(message.contains("username"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sqlite_unique_violations_become_conflicts_too() {
        let err = ServiceError::from(sea_orm::DbErr::Custom(
            "error returned from database: (code: 2067) UNIQUE constraint failed: organizations.cage_code".into(),
        ));
        match err {
            ServiceError::Conflict(message) => assert!(message.contains("cage_code"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_lost_connection_means_unavailable() {
        use sea_orm::{DbErr, RuntimeErr};
        let io =
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
        let err = DbErr::Exec(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Io(io)));
        assert!(matches!(ServiceError::from(err), ServiceError::DatabaseUnavailable(_)));
        let err = DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::PoolTimedOut));
        assert!(matches!(ServiceError::from(err), ServiceError::DatabaseUnavailable(_)));
    }

    #[test]
    fn other_database_errors_are_unexpected() {
        let err = ServiceError::from(sea_orm::DbErr::Custom("syntax error".into()));
        assert!(matches!(err, ServiceError::Unexpected(_)));
    }
}

/// One problem of an uploaded file's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub column: String,
    pub problem: String,
}
