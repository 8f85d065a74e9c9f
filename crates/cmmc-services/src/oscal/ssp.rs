//! An SSP version as an OSCAL system-security-plan: it imports its level's
//! profile; the system is the one component (`this-system`); its people
//! are parties in their roles; and every requirement of the level has an
//! implemented-requirement carrying its statement (status, narrative,
//! responsible role, planned date, objectives), or a remark that it has
//! none yet.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cmmc_domain::ImplementationStatus;
use serde_json::{Value, json};

use super::{control_id, metadata, oscal_prop, prop, stable_uuid, text};
use crate::ssps::{Ssp, SspStatement};

/// OSCAL's implementation state for ours.
#[must_use]
pub const fn implementation_state(status: ImplementationStatus) -> &'static str {
    match status {
        ImplementationStatus::Implemented => "implemented",
        ImplementationStatus::PartiallyImplemented => "partial",
        ImplementationStatus::Planned => "planned",
        ImplementationStatus::AlternativeImplementation => "alternative",
        ImplementationStatus::NotApplicable => "not-applicable",
    }
}

/// The people as parties, their roles, and who holds which role.
fn people(ssp: &Ssp) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let mut holders: Vec<(&str, Vec<String>)> = Vec::new();
    let parties = ssp
        .people
        .iter()
        .enumerate()
        .map(|(i, person)| {
            let uuid = stable_uuid("party", &format!("{}:{i}", ssp.id));
            let role = person.role.as_str().replace('_', "-");
            match holders.iter_mut().find(|(r, _)| *r == person.role.as_str()) {
                Some((_, uuids)) => uuids.push(uuid.clone()),
                None => holders.push((person.role.as_str(), vec![uuid.clone()])),
            }
            let mut party = json!({
                "uuid": uuid,
                "type": "person",
                "name": text(&person.name, "Unnamed"),
                "email-addresses": [person.email],
                "props": [prop("role", role)],
            });
            if let Some(title) = &person.title {
                party["props"] = json!([
                    prop("role", person.role.as_str().replace('_', "-")),
                    oscal_prop("job-title", text(title, "-"))
                ]);
            }
            if let Some(phone) = &person.phone {
                party["telephone-numbers"] = json!([{ "number": phone }]);
            }
            party
        })
        .collect();
    let roles = holders
        .iter()
        .map(|(role, _)| json!({ "id": role.replace('_', "-"), "title": cmmc_domain::report::label(role) }))
        .collect();
    let responsible = holders
        .into_iter()
        .map(|(role, uuids)| json!({ "role-id": role.replace('_', "-"), "party-uuids": uuids }))
        .collect();
    (parties, roles, responsible)
}

fn implemented_requirement(
    ssp: &Ssp,
    component: &str,
    practice_id: &str,
    statement: Option<&SspStatement>,
) -> Value {
    let mut requirement = json!({
        "uuid": stable_uuid("implemented-requirement", &format!("{}:{practice_id}", ssp.id)),
        "control-id": control_id(practice_id),
    });
    let Some(s) = statement else {
        requirement["remarks"] = json!("No implementation statement yet.");
        return requirement;
    };
    let mut props = vec![prop("implementation-status", s.implementation_status.as_str())];
    props.extend(s.responsible_role.iter().map(|r| prop("responsible-role", r)));
    props.extend(s.planned_date.iter().map(|d| prop("planned-date", d)));
    props.extend(s.objectives.iter().map(|o| prop("objective", o)));
    requirement["props"] = Value::Array(props);
    requirement["by-components"] = json!([{
        "component-uuid": component,
        "uuid": stable_uuid("by-component", &format!("{}:{practice_id}", ssp.id)),
        "description": text(&s.narrative, "See the implementation status."),
        "implementation-status": { "state": implementation_state(s.implementation_status) },
    }]);
    requirement
}

/// The SSP version as an OSCAL system-security-plan; `practice_ids` are
/// the requirements of its level in catalogue order, `profile_href` where
/// its level's profile is served.
#[must_use]
pub fn system_security_plan(
    ssp: &Ssp,
    practice_ids: &[String],
    statements: &[SspStatement],
    profile_href: &str,
    now: DateTime<Utc>,
) -> Value {
    let (parties, roles, responsible) = people(ssp);
    let mut meta = metadata(&ssp.name, now, &ssp.version);
    if !parties.is_empty() {
        meta["roles"] = Value::Array(roles);
        meta["parties"] = Value::Array(parties);
        meta["responsible-parties"] = Value::Array(responsible);
    }
    meta["props"] = json!([prop("ssp-status", ssp.status.as_str())]);
    let component = stable_uuid("component", &ssp.id);
    let by_practice: HashMap<&str, &SspStatement> =
        statements.iter().map(|s| (s.practice_id.as_str(), s)).collect();
    let requirements: Vec<Value> = practice_ids
        .iter()
        .map(|p| implemented_requirement(ssp, &component, p, by_practice.get(p.as_str()).copied()))
        .collect();
    let mut props =
        vec![prop("scope-type", ssp.scope_type.as_str()), prop("level", ssp.level.number())];
    props.extend(ssp.cage_codes.iter().map(|c| prop("cage-code", c)));
    let mut characteristics = json!({
        "system-ids": [{ "identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system", &ssp.org_id) }],
        "system-name": text(&ssp.name, "System"),
        "description": text(&ssp.system_description, "System"),
        "props": props,
        "system-information": { "information-types": [{
            "title": "Controlled Unclassified Information",
            "description": "CUI (and Federal Contract Information) the system processes, stores or transmits.",
        }]},
        "status": { "state": "operational" },
        "authorization-boundary": { "description": text(&ssp.boundary_description, "See the system description.") },
    });
    if let Some(environment) = ssp.environment.as_deref().filter(|e| !e.trim().is_empty()) {
        characteristics["remarks"] = json!(format!("Environment: {}", environment.trim()));
    }
    json!({ "system-security-plan": {
        "uuid": stable_uuid("ssp", &ssp.id),
        "metadata": meta,
        "import-profile": { "href": profile_href },
        "system-characteristics": characteristics,
        "system-implementation": { "components": [{
            "uuid": component,
            "type": "this-system",
            "title": text(&ssp.name, "System"),
            "description": text(&ssp.system_description, "System"),
            "status": { "state": "operational" },
        }]},
        "control-implementation": {
            "description": format!("How {} meets the requirements of CMMC Level {}.", text(&ssp.name, "the system"), ssp.level.number()),
            "implemented-requirements": requirements,
        },
    }})
}
