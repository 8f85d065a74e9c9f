//! The catalogue as an OSCAL catalog, and a profile per level.

use chrono::{DateTime, Utc};
use cmmc_domain::Level;
use cmmc_domain::{ObjectiveKind, ObjectiveLine};
use serde_json::{Value, json};

use super::{control_id, metadata, oscal_prop, prop, stable_uuid, text};
use crate::catalog::{Catalog, Practice};

/// The methods of SP 800-171A, as the catalogue's lines start.
const METHODS: [(&str, &str); 3] =
    [("Examine:", "EXAMINE"), ("Interview:", "INTERVIEW"), ("Test:", "TEST")];

/// The catalogue's version and when it was seeded (the documents' date).
fn version_of(catalog: &Catalog) -> (String, DateTime<Utc>) {
    catalog.version.as_ref().map_or_else(
        || ("unversioned".to_owned(), DateTime::<Utc>::UNIX_EPOCH),
        |v| (v.version.clone(), v.seeded_at),
    )
}

/// The objectives as `assessment-objective` parts, and the `[ODPn]` lines
/// as parameters.
fn objectives_and_params(id: &str, lines: &[String]) -> (Vec<Value>, Vec<Value>) {
    let (mut objectives, mut params) = (Vec::new(), Vec::new());
    for line in lines.iter().filter_map(|l| ObjectiveLine::parse(l)) {
        match line.kind {
            ObjectiveKind::Lettered => objectives.push(json!({
                "id": format!("{id}_obj.{}", line.label),
                "name": "assessment-objective",
                "props": [oscal_prop("label", format!("[{}]", line.label))],
                "prose": text(line.text, line.label),
            })),
            ObjectiveKind::Parameter => params.push(json!({
                "id": format!("{id}_{}", line.label.to_ascii_lowercase()),
                "props": [oscal_prop("label", format!("[{}]", line.label))],
                "label": text(line.text, line.label),
            })),
        }
    }
    (objectives, params)
}

/// The potential assessment methods and objects, one part per method.
fn methods(id: &str, lines: &[String]) -> Vec<Value> {
    METHODS
        .iter()
        .filter_map(|(prefix, method)| {
            let objects: Vec<&str> =
                lines.iter().filter_map(|l| l.strip_prefix(prefix)).map(str::trim).collect();
            (!objects.is_empty()).then(|| {
                json!({
                    "id": format!("{id}_asm-{}", method.to_ascii_lowercase()),
                    "name": "assessment-method",
                    "props": [oscal_prop("method", method)],
                    "parts": [{ "name": "assessment-objects", "prose": objects.join("; ") }],
                })
            })
        })
        .collect()
}

fn control(practice: &Practice) -> Value {
    let id = control_id(&practice.practice_id.to_string());
    let (objectives, params) = objectives_and_params(&id, &practice.assessment_objectives);
    let mut props = vec![
        oscal_prop("label", practice.practice_id),
        prop("level", practice.practice_id.level().number()),
        prop("poam-eligibility", practice.poam_eligibility.as_str()),
    ];
    props.extend(practice.sprs_weight.map(|w| prop("sprs-weight", w)));
    props.extend(practice.sprs_partial_weight.map(|w| prop("sprs-partial-weight", w)));
    props.extend(practice.final_rule_id.iter().map(|r| prop("final-rule-id", r)));
    props.extend(practice.nist_refs.iter().map(|r| prop("nist-reference", r)));
    let mut parts = vec![json!({
        "id": format!("{id}_smt"),
        "name": "statement",
        "prose": text(&practice.description, &practice.title),
    })];
    if !objectives.is_empty() {
        parts.push(json!({ "id": format!("{id}_obj"), "name": "assessment-objective", "parts": objectives }));
    }
    parts.extend(methods(&id, &practice.evidence_requirements));
    let mut control = json!({
        "id": id,
        "class": "cmmc-practice",
        "title": text(&practice.title, &practice.practice_id.to_string()),
        "props": props,
        "parts": parts,
    });
    if !params.is_empty() {
        control["params"] = Value::Array(params);
    }
    control
}

/// The catalogue as an OSCAL catalog: a group per domain, a control per
/// practice (all levels), dated when the reference data was seeded.
#[must_use]
pub fn catalog(catalog: &Catalog) -> Value {
    let (version, seeded_at) = version_of(catalog);
    let groups: Vec<Value> = catalog
        .domains
        .iter()
        .map(|domain| {
            let controls: Vec<Value> = catalog
                .practices
                .iter()
                .filter(|p| p.practice_id.domain() == domain.domain_id)
                .map(control)
                .collect();
            json!({
                "id": domain.domain_id.as_str().to_ascii_lowercase(),
                "class": "cmmc-domain",
                "title": text(&domain.name, domain.domain_id.as_str()),
                "props": [
                    oscal_prop("label", domain.domain_id.as_str()),
                    prop("nist-family", &domain.nist_family),
                ],
                "controls": controls,
            })
        })
        .collect();
    json!({ "catalog": {
        "uuid": stable_uuid("catalog", &version),
        "metadata": metadata("CMMC 2.0 practices (Levels 1 to 3)", seeded_at, &version),
        "groups": groups,
    }})
}

/// The practices a level assesses: Level 3 adds its own to Level 2's.
#[must_use]
pub fn level_practices(catalog: &Catalog, level: Level) -> Vec<&Practice> {
    catalog
        .practices
        .iter()
        .filter(|p| {
            let own = p.practice_id.level();
            own == level || (level == Level::Expert && own == Level::Advanced)
        })
        .collect()
}

/// A profile selecting the practices of `level` from the catalog, which it
/// names as a back-matter resource served at `catalog_href`.
#[must_use]
pub fn profile(catalog: &Catalog, level: Level, catalog_href: &str) -> Value {
    let (version, seeded_at) = version_of(catalog);
    let ids: Vec<String> = level_practices(catalog, level)
        .iter()
        .map(|p| control_id(&p.practice_id.to_string()))
        .collect();
    let resource = stable_uuid("catalog-resource", &version);
    json!({ "profile": {
        "uuid": stable_uuid("profile", &format!("{version}:{}", level.number())),
        "metadata": metadata(&format!("CMMC 2.0 Level {}", level.number()), seeded_at, &version),
        "imports": [{ "href": format!("#{resource}"), "include-controls": [{ "with-ids": ids }] }],
        "merge": { "as-is": true },
        "back-matter": { "resources": [{
            "uuid": resource,
            "title": "CMMC 2.0 practices (OSCAL catalog)",
            "rlinks": [{ "href": catalog_href, "media-type": "application/json" }],
        }]},
    }})
}
