//! Request handlers, one module per resource. Each handler extracts, parses
//! into domain types, calls one service and shapes the answer.

pub(crate) mod affirmations;
pub(crate) mod assessments;
pub(crate) mod assets;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod catalog;
pub(crate) mod datapact;
pub(crate) mod diag;
pub(crate) mod evidence;
pub(crate) mod exports;
pub(crate) mod fallback;
pub(crate) mod frameworks;
pub(crate) mod mfa;
pub(crate) mod organizations;
pub(crate) mod oscal;
pub(crate) mod providers;
pub(crate) mod remediation;
pub(crate) mod risks;
pub(crate) mod ssps;
