//! A POA&M as an OSCAL plan-of-action-and-milestones: a poam-item per item
//! (the weakness, the requirement it closes), each with a risk whose
//! remediation holds the milestone and its scheduled date; risk accepted
//! is a deviation approved, a completed item a closed risk.

use chrono::{DateTime, Utc};
use cmmc_domain::PoamItemStatus;
use cmmc_domain::report::PoamRow;
use serde_json::{Value, json};

use super::{control_id, metadata, prop, stable_uuid, text};
use crate::remediation::Poam;

/// The OSCAL risk status of an item.
#[must_use]
pub fn risk_status(row: &PoamRow) -> &'static str {
    if row.status == PoamItemStatus::Completed {
        "closed"
    } else if row.risk_accepted {
        "deviation-approved"
    } else if row.status == PoamItemStatus::Open {
        "open"
    } else {
        "remediating"
    }
}

/// The milestone as a remediation task: on its scheduled date, if any.
fn remediation(row: &PoamRow) -> Value {
    let mut task = json!({
        "uuid": stable_uuid("poam-task", &row.item_id),
        "type": "milestone",
        "title": text(&row.milestone, "Milestone"),
    });
    if let Some(date) = row.scheduled_completion {
        task["timing"] = json!({ "on-date": { "date": format!("{date}T00:00:00Z") } });
    }
    let lifecycle = if row.status == PoamItemStatus::Completed { "completed" } else { "planned" };
    json!({
        "uuid": stable_uuid("poam-remediation", &row.item_id),
        "lifecycle": lifecycle,
        "title": text(&row.milestone, "Milestone"),
        "description": text(row.resources_required.as_deref().unwrap_or(""), "Resources as planned."),
        "tasks": [task],
    })
}

fn risk(row: &PoamRow) -> Value {
    let mut props = vec![prop("item-status", row.status.as_str())];
    props.extend(row.requirement.iter().map(|r| prop("requirement", control_id(r))));
    props.extend(row.point_of_contact.iter().map(|p| prop("point-of-contact", p)));
    props.extend(row.actual_completion.iter().map(|d| prop("actual-completion", d)));
    let mut risk = json!({
        "uuid": stable_uuid("poam-risk", &row.item_id),
        "title": text(&row.weakness, "Weakness"),
        "description": text(&row.weakness, "Weakness"),
        "statement": text(row.requirement_title.as_deref().unwrap_or(&row.weakness), "Weakness"),
        "props": props,
        "status": risk_status(row),
        "remediations": [remediation(row)],
    });
    if let Some(date) = row.scheduled_completion {
        risk["deadline"] = json!(format!("{date}T00:00:00Z"));
    }
    risk
}

/// The POA&M as an OSCAL plan-of-action-and-milestones document.
#[must_use]
pub fn poam(poam: &Poam, rows: &[PoamRow], now: DateTime<Utc>) -> Value {
    let items: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut props = vec![prop("risk-accepted", row.risk_accepted)];
            props.extend(row.requirement.iter().map(|r| prop("requirement", control_id(r))));
            json!({
                "uuid": stable_uuid("poam-item", &row.item_id),
                "title": text(&row.milestone, "Milestone"),
                "description": text(&row.weakness, "Weakness"),
                "props": props,
                "related-risks": [{ "risk-uuid": stable_uuid("poam-risk", &row.item_id) }],
            })
        })
        .collect();
    let mut document = json!({
        "uuid": stable_uuid("poam", &poam.poam.id),
        "metadata": metadata(&poam.poam.title, now, "1"),
        "system-id": { "identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system", &poam.poam.org_id) },
        "poam-items": items,
    });
    if !rows.is_empty() {
        document["risks"] = rows.iter().map(risk).collect();
    }
    json!({ "plan-of-action-and-milestones": document })
}
