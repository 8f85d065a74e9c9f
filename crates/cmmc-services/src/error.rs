//! Errors a caller can act on, and everything else.

/// What went wrong in a service call.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The database cannot be reached right now.
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] sea_orm::DbErr),
    /// Anything the caller cannot act on; logged with its cause chain.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ServiceError {
    #[track_caller]
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::DatabaseUnavailable(err),
            other => Self::Unexpected(
                anyhow::Error::new(other).context(std::panic::Location::caller().to_string()),
            ),
        }
    }
}
