//! OSCAL, release 1.2.3, JSON: the one place that maps our model to OSCAL.
//!
//! - `catalog.rs`: the catalogue as an OSCAL catalog (domains as groups,
//!   practices as controls with their statement, objectives, methods and
//!   Level 3's organisation-defined parameters) and a profile per level.
//! - `results.rs`: an assessment as assessment-results.
//! - `poam.rs`: a POA&M as a plan-of-action-and-milestones.
//! - `ssp.rs`: an SSP version as a system-security-plan.
//! - `import.rs`: an assessment-results document read back (schema-checked).
//!
//! Every document is built from what the services read, by plain functions
//! of their inputs: the same data gives the same document (its UUIDs are
//! name-based, version 5, from our ids), apart from `last-modified`.
//!
//! Control ids: NIST publishes no OSCAL catalog of SP 800-171 Rev 2, so the
//! controls are the CMMC practices under their own ids, lower-cased
//! (`ac.l2-3.1.1`), which are valid OSCAL tokens and cannot be mistaken for
//! Rev 3's (`SP_800_171_03.01.01`). Our own properties carry [`NS`].

pub mod catalog;
pub mod documents;
pub mod import;
pub mod poam;
pub mod results;
pub mod ssp;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// The OSCAL release the documents follow.
pub const OSCAL_VERSION: &str = "1.2.3";

/// The namespace of our own properties.
pub const NS: &str = "urn:cmmc-tracker:oscal";

/// The namespace of the name-based UUIDs (a fixed random UUID of ours).
const UUID_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c2e_9d4a_4f7b_8e21_5a90_c4d7_1e38);

/// A stable UUID for `id` of kind `kind`: the same inputs, the same UUID.
pub(crate) fn stable_uuid(kind: &str, id: &str) -> String {
    Uuid::new_v5(&UUID_NAMESPACE, format!("{kind}:{id}").as_bytes()).to_string()
}

/// The OSCAL control id of a CMMC practice: its id, lower-cased.
#[must_use]
pub fn control_id(practice_id: &str) -> String {
    practice_id.to_ascii_lowercase()
}

/// The practice id of an OSCAL control id of ours, if it is one.
#[must_use]
pub fn practice_of(control_id: &str) -> Option<cmmc_domain::PracticeId> {
    let (domain, rest) = control_id.split_once('.')?;
    let (level, number) = rest.split_once('-')?;
    format!("{}.{}-{number}", domain.to_ascii_uppercase(), level.to_ascii_uppercase()).parse().ok()
}

/// An OSCAL timestamp: RFC 3339 in UTC with the `Z` the schema requires.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A property of ours.
pub(crate) fn prop(name: &str, value: impl ToString) -> Value {
    json!({ "name": name, "ns": NS, "value": value.to_string() })
}

/// A property OSCAL defines (no namespace).
pub(crate) fn oscal_prop(name: &str, value: impl ToString) -> Value {
    json!({ "name": name, "value": value.to_string() })
}

/// Text for an OSCAL string field, which may not start or end with white
/// space nor be empty: trimmed, and `fallback` when nothing is left.
pub(crate) fn text(value: &str, fallback: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() { fallback.to_owned() } else { trimmed.to_owned() }
}

/// Document metadata: title, when it was last modified, its version.
pub(crate) fn metadata(title: &str, last_modified: DateTime<Utc>, version: &str) -> Value {
    json!({
        "title": text(title, "Untitled"),
        "last-modified": timestamp(last_modified),
        "version": text(version, "1"),
        "oscal-version": OSCAL_VERSION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_lower_case_practice_ids_and_read_back() {
        assert_eq!(control_id("AC.L2-3.1.1"), "ac.l2-3.1.1");
        assert_eq!(practice_of("ac.l2-3.1.1").unwrap().to_string(), "AC.L2-3.1.1");
        assert_eq!(practice_of("ac.l3-3.1.2e").unwrap().to_string(), "AC.L3-3.1.2e");
        assert!(practice_of("sp800-171r2_3.1.1").is_none());
        assert!(practice_of("ac-2").is_none());
    }

    #[test]
    fn uuids_are_stable_and_name_based() {
        let a = stable_uuid("assessment-results", "x");
        assert_eq!(a, stable_uuid("assessment-results", "x"));
        assert_ne!(a, stable_uuid("poam", "x"));
        assert_eq!(Uuid::parse_str(&a).unwrap().get_version_num(), 5);
    }

    #[test]
    fn text_is_never_blank_or_padded() {
        assert_eq!(text("  a b \n", "x"), "a b");
        assert_eq!(text(" ", "x"), "x");
    }
}
