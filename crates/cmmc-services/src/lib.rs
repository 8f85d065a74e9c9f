//! The workflows of the CMMC tracker. Callers (the HTTP API, other services
//! using this crate as a library) get the same rules and checks here; this
//! layer owns transactions and knows nothing of HTTP or JSON shapes.

pub mod catalog;
pub mod diag;
mod error;

pub use error::ServiceError;
