//! Request handlers, one module per resource. Each handler extracts, parses
//! into domain types, calls one service and shapes the answer.

pub(crate) mod catalog;
pub(crate) mod diag;
pub(crate) mod fallback;
