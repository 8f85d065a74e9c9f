//! Black-box tests: the real server on a random port, spoken to over HTTP.
//! Each runs on SQLite and on PostgreSQL.

mod catalogue;
mod diag;
mod startup;
