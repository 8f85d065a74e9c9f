//! The HTTP JSON API of the CMMC tracker: actix-web routes, request and
//! response shapes, RFC 9457 problem details, configuration and start-up.
//!
//! This is the only crate that knows actix-web and the wire format. Handlers
//! are thin: extract, parse into domain types, call one service, shape the
//! answer. `Application::build` is what the binary, the tests and `cargo
//! xtask bench` start, so all three run the same server.

pub mod catalog_cache;
mod deadline;
mod dto;
pub mod error;
mod extract;
mod handlers;
mod input_guard;
pub mod ops;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
