//! Runs DDL written once for both backends.
//!
//! The statements are plain SQL that SQLite and PostgreSQL both accept, but for
//! a few column types, written as placeholders:
//!
//! | placeholder | PostgreSQL | SQLite |
//! |---|---|---|
//! | `{TS}` | `TIMESTAMPTZ` | `TEXT` (RFC 3339, as sqlx writes it) |
//! | `{DATE}` | `DATE` | `TEXT` (ISO 8601) |
//! | `{JSON}` | `JSONB` | `TEXT` (SQLite's JSON functions read it) |
//! | `{FLOAT}` | `DOUBLE PRECISION` | `REAL` |
//!
//! Identifiers are `VARCHAR(64)` text UUIDs on both backends (PRD-002's
//! `String(64)`), which keeps ids readable in either database and in the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// Replaces the type placeholders for `backend`.
fn render(sql: &str, backend: DatabaseBackend) -> String {
    let (ts, date, json, float) = match backend {
        DatabaseBackend::Postgres => ("TIMESTAMPTZ", "DATE", "JSONB", "DOUBLE PRECISION"),
        _ => ("TEXT", "TEXT", "TEXT", "REAL"),
    };
    sql.replace("{TS}", ts)
        .replace("{DATE}", date)
        .replace("{JSON}", json)
        .replace("{FLOAT}", float)
}

/// Runs each `;`-terminated statement of `sql` in order.
pub(crate) async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    let sql = render(sql, manager.get_database_backend());
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        connection.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// Drops `tables` in the order given (dependants first).
pub(crate) async fn drop_tables(manager: &SchemaManager<'_>, tables: &[&str]) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    for table in tables {
        connection.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}")).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_native_types() {
        let sql = "a {TS}, b {DATE}, c {JSON}, d {FLOAT}";
        assert_eq!(
            render(sql, DatabaseBackend::Postgres),
            "a TIMESTAMPTZ, b DATE, c JSONB, d DOUBLE PRECISION"
        );
        assert_eq!(render(sql, DatabaseBackend::Sqlite), "a TEXT, b TEXT, c TEXT, d REAL");
    }
}
