//! An assessment as OSCAL assessment-results: one result with its dates and
//! the controls it reviewed, a finding per practice (its statement as the
//! target, `satisfied` or `not-satisfied`, the assessor's notes as
//! remarks), an observation per objective answer (the objective named by
//! its id) and per practice with evidence (each piece as relevant-evidence,
//! its file, at its path in the assessment's package, and SHA-256 in the
//! back-matter), and the SPRS score and CMMC
//! status as properties of the result.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cmmc_domain::PracticeStatus;
use serde_json::{Value, json};

use super::{control_id, metadata, oscal_prop, prop, stable_uuid, text, timestamp};
use crate::assessments::{Assessment, PracticeAnswer};
use crate::models::Evidence;

/// Whether OSCAL calls a practice's status satisfied: met and not
/// applicable are; not met, partially met and not evaluated are not.
#[must_use]
pub fn state(status: PracticeStatus) -> &'static str {
    match status {
        PracticeStatus::Met | PracticeStatus::NotApplicable => "satisfied",
        _ => "not-satisfied",
    }
}

/// One observation per answered objective of `answer`.
fn objective_observations(assessment_id: &str, answer: &PracticeAnswer) -> Vec<Value> {
    let id = control_id(&answer.practice_id);
    let collected = timestamp(answer.evaluated_at.unwrap_or(answer.updated_at));
    answer
        .objectives
        .iter()
        .filter_map(|objective| {
            let status = objective.status?;
            let key = format!("{assessment_id}:{}:{}", answer.practice_id, objective.label);
            Some(json!({
                "uuid": stable_uuid("observation", &key),
                "title": format!("{} [{}]", answer.practice_id, objective.label),
                "description": text(&objective.text, &objective.label),
                "props": [
                    prop("objective-id", format!("{id}_obj.{}", objective.label)),
                    prop("objective-status", status.as_str()),
                ],
                "methods": ["UNKNOWN"],
                "collected": collected,
            }))
        })
        .collect()
}

/// The observation that carries a practice's evidence, if it has any, and
/// a back-matter resource per piece (its file name or link, and hash).
fn evidence_observation(
    assessment_id: &str,
    answer: &PracticeAnswer,
    evidence: &[&Evidence],
    paths: &BTreeMap<String, String>,
) -> Option<(Value, Vec<Value>)> {
    if evidence.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    let relevant: Vec<Value> = evidence
        .iter()
        .map(|e| {
            let resource = stable_uuid("evidence", &e.id);
            let href = e
                .file_url
                .clone()
                .or_else(|| paths.get(&e.id).cloned())
                .unwrap_or_else(|| format!("evidence/{}", answer.practice_id));
            let mut rlink = json!({ "href": href });
            if let Some(sha256) = &e.sha256 {
                rlink["hashes"] = json!([{ "algorithm": "SHA-256", "value": sha256 }]);
            }
            if let Some(media_type) = &e.media_type {
                rlink["media-type"] = json!(media_type);
            }
            resources.push(
                json!({ "uuid": resource, "title": text(&e.title, "Evidence"), "rlinks": [rlink] }),
            );
            json!({
                "href": format!("#{resource}"),
                "description": text(&e.title, "Evidence"),
                "props": [prop("review-status", e.review_status.as_str())],
            })
        })
        .collect();
    let observation = json!({
        "uuid": stable_uuid("evidence-observation", &format!("{assessment_id}:{}", answer.practice_id)),
        "title": format!("{}: evidence", answer.practice_id),
        "description": format!("The evidence attached to {}.", answer.practice_id),
        "methods": ["EXAMINE"],
        "relevant-evidence": relevant,
        "collected": timestamp(answer.updated_at),
    });
    Some((observation, resources))
}

/// The finding of one practice, related to its observations.
fn finding(assessment_id: &str, answer: &PracticeAnswer, observations: &[&Value]) -> Value {
    let id = control_id(&answer.practice_id);
    let mut status = json!({ "state": state(answer.status) });
    if answer.status != PracticeStatus::Met {
        status["reason"] = json!(answer.status.as_str().replace('_', "-"));
    }
    let mut finding = json!({
        "uuid": stable_uuid("finding", &format!("{assessment_id}:{}", answer.practice_id)),
        "title": format!("{}: {}", answer.practice_id, text(&answer.title, &answer.practice_id)),
        "description": format!("{} is {}.", answer.practice_id, answer.status.as_str().replace('_', " ")),
        "props": [prop("practice-status", answer.status.as_str())],
        "target": { "type": "statement-id", "target-id": format!("{id}_smt"), "status": status },
    });
    if !observations.is_empty() {
        finding["related-observations"] =
            observations.iter().map(|o| json!({ "observation-uuid": o["uuid"] })).collect();
    }
    if let Some(notes) = answer.assessor_notes.as_deref().filter(|n| !n.trim().is_empty()) {
        finding["remarks"] = json!(notes.trim());
    }
    finding
}

/// The properties of the result: level, type, status, and once stored the
/// SPRS score and CMMC status.
fn result_props(assessment: &Assessment) -> Vec<Value> {
    let mut props = vec![
        prop("level", assessment.target_level.number()),
        prop("assessment-type", assessment.assessment_type.as_str()),
        prop("assessment-status", assessment.status.as_str()),
    ];
    props.extend(assessment.sprs_score.map(|s| prop("sprs-score", s)));
    props.extend(assessment.level3_score.map(|s| prop("level3-score", s)));
    props.extend(assessment.cmmc_status.iter().map(|s| prop("cmmc-status", s)));
    props
}

/// The assessment as an OSCAL assessment-results document.
#[must_use]
pub fn assessment_results(
    assessment: &Assessment,
    answers: &[PracticeAnswer],
    evidence: &[(String, Evidence)],
    paths: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Value {
    let (mut observations, mut findings, mut resources) = (Vec::new(), Vec::new(), Vec::new());
    for answer in answers {
        let mut own = objective_observations(&assessment.id, answer);
        let pieces: Vec<&Evidence> =
            evidence.iter().filter(|(a, _)| *a == answer.id).map(|(_, e)| e).collect();
        if let Some((observation, files)) =
            evidence_observation(&assessment.id, answer, &pieces, paths)
        {
            own.push(observation);
            resources.extend(files);
        }
        findings.push(finding(&assessment.id, answer, &own.iter().collect::<Vec<_>>()));
        observations.extend(own);
    }
    let plan = stable_uuid("assessment-plan", &assessment.id);
    let controls: Vec<Value> =
        answers.iter().map(|a| json!({ "control-id": control_id(&a.practice_id) })).collect();
    let mut result = json!({
        "uuid": stable_uuid("result", &assessment.id),
        "title": text(&assessment.title, "Assessment"),
        "description": format!("CMMC Level {} {} assessment.", assessment.target_level.number(), assessment.assessment_type.as_str().replace('_', " ")),
        "start": timestamp(assessment.started_at.unwrap_or(assessment.created_at)),
        "props": result_props(assessment),
        "reviewed-controls": { "control-selections": [{ "include-controls": controls }] },
        "findings": findings,
    });
    if let Some(end) = assessment.completed_at {
        result["end"] = json!(timestamp(end));
    }
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    resources.push(json!({
        "uuid": plan,
        "title": format!("Assessment plan of {} (kept in CMMC Tracker)", text(&assessment.title, "the assessment")),
        "props": [oscal_prop("type", "plan")],
    }));
    json!({ "assessment-results": {
        "uuid": stable_uuid("assessment-results", &assessment.id),
        "metadata": metadata(&format!("Assessment results: {}", assessment.title), now, "1"),
        "import-ap": { "href": format!("#{plan}") },
        "results": [result],
        "back-matter": { "resources": resources },
    }})
}
