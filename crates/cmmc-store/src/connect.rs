//! Opening the database named by a URL.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Open(#[from] DbErr),
}

impl Backend {
    /// The backend of `url`, or `None` for an unsupported scheme.
    #[must_use]
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// Opens a connection pool to `url`.
///
/// A SQLite file is created when missing, in WAL mode with a busy timeout so
/// that readers never wait for the writer and concurrent writers queue rather
/// than fail. PostgreSQL pools hold up to `max_connections`.
///
/// # Errors
/// [`ConnectError::UnsupportedUrl`] for another scheme; [`ConnectError::Open`]
/// when the database cannot be reached or opened.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, ConnectError> {
    connect_with(url, max_connections, DEFAULT_QUERY_TIMEOUT).await
}

/// How long a statement may run, unless the caller says otherwise.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// [`connect`], with the longest a statement may run (PostgreSQL's
/// `statement_timeout`) and a connection may be waited for.
///
/// A PostgreSQL connection that does not answer a ping within a second when
/// it is given back (a request abandoned on a frozen or half-open network) is
/// closed rather than kept, so the pool replaces it and the server recovers
/// by itself once the database answers again.
///
/// # Errors
/// As for [`connect`].
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    query_timeout: Duration,
) -> Result<DatabaseConnection, ConnectError> {
    let backend = Backend::of_url(url).ok_or_else(|| ConnectError::UnsupportedUrl(redact(url)))?;
    if backend == Backend::Postgres {
        return connect_postgres(url, max_connections, query_timeout).await;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .sqlx_logging(false);
    if backend == Backend::Sqlite {
        // Validate the URL here so a bad one is reported as such.
        SqliteConnectOptions::from_str(url)
            .map_err(|err| ConnectError::Open(DbErr::Custom(err.to_string())))?;
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    // Opening a SQLite file switches it to WAL, which needs a moment of
    // exclusive access: a second process opening it at that instant is told
    // the file is locked, and simply tries again.
    let mut attempt = 0_u64;
    loop {
        attempt += 1;
        match Database::connect(options.clone()).await {
            Err(err)
                if backend == Backend::Sqlite
                    && attempt < 20
                    && err.to_string().contains("database is locked") =>
            {
                tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
            }
            res => return Ok(res?),
        }
    }
}

async fn connect_postgres(
    url: &str,
    max_connections: u32,
    query_timeout: Duration,
) -> Result<DatabaseConnection, ConnectError> {
    use sea_orm::sqlx::Connection as _;
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    let bad = |err: sea_orm::sqlx::Error| ConnectError::Open(DbErr::Custom(err.to_string()));
    let millis = query_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(url).map_err(bad)?.options([
        ("statement_timeout", millis.as_str()),
        ("lock_timeout", millis.as_str()),
        ("idle_in_transaction_session_timeout", "60000"),
    ]);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(query_timeout.min(Duration::from_secs(5)))
        .idle_timeout(Duration::from_secs(300))
        .after_release(|conn, _meta| {
            Box::pin(async move {
                match tokio::time::timeout(Duration::from_secs(1), conn.ping()).await {
                    Ok(Ok(())) => Ok(true),
                    Ok(Err(err)) => Err(err),
                    Err(_) => Err(sea_orm::sqlx::Error::PoolTimedOut),
                }
            })
        })
        .connect_with(options)
        .await
        .map_err(|err| ConnectError::Open(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err))))?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// `url` without its password, for messages and logs.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::of_url("sqlite://cmmc.db?mode=rwc"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact("postgres://user:secret@host/db"), "postgres://user:***@host/db");
        assert_eq!(redact("postgres://user@host/db"), "postgres://user@host/db");
        assert_eq!(redact("sqlite://cmmc.db"), "sqlite://cmmc.db");
    }
}
