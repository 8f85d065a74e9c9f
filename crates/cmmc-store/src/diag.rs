//! What an operator needs to know about the database: can it be reached, which
//! migration it is at, how many tables it has.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// The facts `/api/diag/db` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFacts {
    pub backend: &'static str,
    /// The newest applied migration, if any.
    pub migration_version: Option<String>,
    pub table_count: i64,
}

/// Asks the database for its migration version and table count.
///
/// # Errors
/// Any database error, including an unreachable database.
pub async fn facts<C: ConnectionTrait>(db: &C) -> Result<DbFacts, DbErr> {
    let backend = db.get_database_backend();
    let table_sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
    };
    let table_count = count(db, table_sql).await?;
    // seaql_migrations is absent before the first migration: that is a version of none, not an error.
    let migration_version = if has_migration_table(db, backend).await? {
        db.query_one(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await?
        .map(|row| row.try_get::<String>("", "version"))
        .transpose()?
    } else {
        None
    };
    let backend = match backend {
        DatabaseBackend::Postgres => "postgres",
        _ => "sqlite",
    };
    Ok(DbFacts { backend, migration_version, table_count })
}

async fn has_migration_table<C: ConnectionTrait>(
    db: &C,
    backend: DatabaseBackend,
) -> Result<bool, DbErr> {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        }
    };
    Ok(count(db, sql).await? > 0)
}

/// The `n` of a `SELECT COUNT(*) AS n ...`.
async fn count<C: ConnectionTrait>(db: &C, sql: &str) -> Result<i64, DbErr> {
    Ok(db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Checks that the SQLite file behind `url` can still be opened and read.
///
/// Pooled connections keep a file open even after it was moved, deleted or
/// damaged, and would go on answering from the orphaned file; a fresh
/// read-only connection sees what a restarted server would see.
///
/// # Errors
/// When the file is missing, unreadable or not a database.
pub async fn probe_sqlite_file(url: &str) -> Result<(), DbErr> {
    let to_err = |err: sea_orm::sqlx::Error| DbErr::Custom(err.to_string());
    let options = SqliteConnectOptions::from_str(url)
        .map_err(to_err)?
        .create_if_missing(false)
        .read_only(true)
        .busy_timeout(Duration::from_secs(2));
    let mut connection: SqliteConnection = options.connect().await.map_err(to_err)?;
    let res =
        sea_orm::sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&mut connection).await;
    let _closed = connection.close().await;
    res.map(|_| ()).map_err(to_err)
}

/// How many assessments the database holds; `None` when it has no
/// assessments table (not migrated that far).
///
/// # Errors
/// Any database error.
pub async fn assessment_count<C: ConnectionTrait>(db: &C) -> Result<Option<i64>, DbErr> {
    let backend = db.get_database_backend();
    let exists_sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'assessments'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'assessments'"
        }
    };
    let count = |sql: &'static str| async move {
        db.query_one(Statement::from_string(backend, sql))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()
            .map(|n| n.unwrap_or(0))
    };
    if count(exists_sql).await? == 0 {
        return Ok(None);
    }
    Ok(Some(count("SELECT COUNT(*) AS n FROM assessments").await?))
}
