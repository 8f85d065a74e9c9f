//! The workflows of the CMMC tracker. Callers (the HTTP API, other services
//! using this crate as a library) get the same rules and checks here: this
//! layer owns transactions, authorisation and the audit trail, and knows
//! nothing of HTTP or JSON shapes.
//!
//! Everything runs through [`Services`]; a signed-in caller is an [`Actor`].

mod actor;
pub mod affirmations;
pub mod assessments;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod catalog;
mod context;
mod csv_import;
pub mod datapact;
pub mod diag;
mod error;
pub mod evidence;
pub mod exports;
pub mod file_store;
pub mod frameworks;
pub mod keys;
pub mod mfa;
pub mod models;
pub mod organizations;
pub mod oscal;
pub mod outbound;
pub mod package;
mod page;
pub mod providers;
pub mod remediation;
pub mod risks;
mod sealed;
pub mod sprs_record;
pub mod ssps;
mod unit_of_work;
pub mod users;

pub use actor::{Actor, Visible};
pub use context::{AuthSettings, Services, ServicesConfigError};
pub use error::{RowProblem, ServiceError};
pub use keys::Keys;
pub use page::Page;
