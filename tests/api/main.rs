//! Black-box tests: the real server on a random port, spoken to over HTTP.
//! Each runs on SQLite and on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    clippy::tests_outside_test_module,
    reason = "integration tests: the whole file is test code, and a failed unwrap is a failed test"
)]

mod affirmations;
mod assessments;
mod assets;
mod audit;
mod auth;
mod browser;
mod catalogue;
mod closeout;
mod datapact;
mod db_faults;
mod diag;
mod documents;
mod evidence;
mod evidence_files;
mod exports;
mod frameworks;
mod hostile_input;
mod http_heads;
mod mfa;
mod openapi;
mod oscal;
mod package;
mod permissions;
mod providers;
mod reliability;
mod remediation;
mod risks;
mod sprs_record;
mod ssps;
mod startup;
mod web;
