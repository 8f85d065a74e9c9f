//! Database tests below the HTTP API: migrations, the schema's own rules, and
//! the reference-data seed. Each runs on SQLite and on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    clippy::tests_outside_test_module,
    reason = "integration tests: the whole file is test code, and a failed unwrap is a failed test"
)]

mod frameworks;
mod migrations;
mod seed;
