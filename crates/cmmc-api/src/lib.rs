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
mod head_guard;
mod input_guard;
pub mod openapi;
pub mod routes;
pub mod startup;
mod stream_writer;

/// The operator commands and the settings live in `cmmc_bootstrap`, which
/// every process starts through; they are here too for the binary and tests.
pub use cmmc_bootstrap::{Settings, ops, settings, telemetry};
pub use startup::Application;
