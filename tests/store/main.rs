//! Database tests below the HTTP API: migrations, the schema's own rules, and
//! the reference-data seed. Each runs on SQLite and on PostgreSQL.

mod migrations;
mod seed;
