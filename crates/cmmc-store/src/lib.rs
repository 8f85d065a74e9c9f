//! Storage of the CMMC tracker: SeaORM entities, the database connection, and
//! the queries the services need, for SQLite and PostgreSQL alike.
//!
//! Columns stay primitive (strings, integers, JSON); rows are converted into
//! domain types in one place, by the services that use them. Query functions
//! take any `ConnectionTrait`, so they run on the pool or inside a transaction.

pub mod auth;
pub mod catalog;
pub mod connect;
pub mod diag;
pub mod entities;

pub use connect::{Backend, ConnectError, connect, connect_with};
pub use sea_orm::{DatabaseConnection, DbErr};
