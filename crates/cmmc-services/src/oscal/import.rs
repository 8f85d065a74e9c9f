//! Reading an OSCAL assessment-results document back: ours, or another
//! tool's that uses our catalogue's control ids. It must validate against
//! NIST's 1.2.3 schema (compiled once, from `schema/`); then its first
//! result gives the level, the type, and per practice the status (our
//! `practice-status` property, else `satisfied` -> met and
//! `not-satisfied` -> not met), the objective results (our observations'
//! `objective-id` and `objective-status`) and the remarks as notes. The
//! first problem is reported with its JSON pointer.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use cmmc_domain::{AssessmentType, Level, ObjectiveStatus, PracticeId, PracticeStatus};
use serde_json::Value;

use super::{NS, practice_of};

/// Why a document cannot be imported: where (a JSON pointer) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub pointer: String,
    pub message: String,
}

fn problem(pointer: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError { pointer: pointer.into(), message: message.into() }
}

/// One practice as the document gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPractice {
    pub practice_id: PracticeId,
    pub status: PracticeStatus,
    pub objectives: BTreeMap<String, ObjectiveStatus>,
    pub notes: Option<String>,
}

/// What an assessment-results document holds for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub title: String,
    pub level: Level,
    pub assessment_type: AssessmentType,
    pub practices: Vec<ImportedPractice>,
}

const SCHEMA: &str = include_str!("schema/oscal_assessment-results_schema.json");

fn validator() -> Result<&'static jsonschema::Validator, ImportError> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
            jsonschema::validator_for(&schema).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| problem("", format!("the OSCAL schema could not be loaded: {e}")))
}

/// The document's first schema violation, if any.
fn check_schema(document: &Value) -> Result<(), ImportError> {
    match validator()?.iter_errors(document).next() {
        Some(error) => Err(problem(
            error.instance_path().to_string(),
            format!("is not valid OSCAL 1.2.3 assessment-results: {error}"),
        )),
        None => Ok(()),
    }
}

/// Our property `name` of `item`, if it has one.
fn our_prop<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    item.get("props")?.as_array()?.iter().find(|p| p["name"] == name && p["ns"] == NS)?["value"]
        .as_str()
}

/// The practice a target or objective id names (`<control>_smt`,
/// `<control>_obj.<label>` or the control id itself), with the label.
fn named_practice(id: &str) -> Option<(PracticeId, Option<&str>)> {
    if let Some((control, label)) = id.split_once("_obj.") {
        return Some((practice_of(control)?, Some(label)));
    }
    Some((practice_of(id.strip_suffix("_smt").unwrap_or(id))?, None))
}

fn level_and_type(result: &Value, at: &str) -> Result<(Level, AssessmentType), ImportError> {
    let level = our_prop(result, "level")
        .and_then(|l| l.parse::<i32>().ok())
        .and_then(|l| Level::try_from(l).ok())
        .ok_or_else(|| {
            problem(format!("{at}/props"), "names no CMMC level (our `level` property, 1 to 3)")
        })?;
    let assessment_type = match our_prop(result, "assessment-type") {
        Some(t) => t.parse().map_err(|e| problem(format!("{at}/props"), format!("{e}")))?,
        None => AssessmentType::SelfAssessment,
    };
    Ok((level, assessment_type))
}

/// The practices the findings give, in document order.
fn findings(
    result: &Value,
    at: &str,
    allowed: &dyn Fn(PracticeId) -> bool,
) -> Result<Vec<ImportedPractice>, ImportError> {
    let mut practices: Vec<ImportedPractice> = Vec::new();
    for (i, finding) in result["findings"].as_array().into_iter().flatten().enumerate() {
        let pointer = format!("{at}/findings/{i}/target/target-id");
        let target = finding["target"]["target-id"].as_str().unwrap_or_default();
        let Some((practice_id, None)) = named_practice(target).filter(|(p, _)| allowed(*p)) else {
            return Err(problem(
                pointer,
                format!("{target:?} names no practice of the assessment's level"),
            ));
        };
        if practices.iter().any(|p| p.practice_id == practice_id) {
            return Err(problem(pointer, format!("{practice_id} has a finding already")));
        }
        let status = match our_prop(finding, "practice-status") {
            Some(s) => s
                .parse()
                .map_err(|e| problem(format!("{at}/findings/{i}/props"), format!("{e}")))?,
            None if finding["target"]["status"]["state"] == "satisfied" => PracticeStatus::Met,
            None => PracticeStatus::NotMet,
        };
        let notes = finding["remarks"].as_str().map(str::to_owned);
        practices.push(ImportedPractice {
            practice_id,
            status,
            objectives: BTreeMap::new(),
            notes,
        });
    }
    Ok(practices)
}

/// Adds the objective results our observations carry.
fn observations(
    result: &Value,
    at: &str,
    practices: &mut [ImportedPractice],
) -> Result<(), ImportError> {
    for (i, observation) in result["observations"].as_array().into_iter().flatten().enumerate() {
        let (Some(id), Some(status)) =
            (our_prop(observation, "objective-id"), our_prop(observation, "objective-status"))
        else {
            continue;
        };
        let pointer = format!("{at}/observations/{i}/props");
        let Some((practice_id, Some(label))) = named_practice(id) else {
            return Err(problem(pointer, format!("{id:?} names no objective")));
        };
        let status: ObjectiveStatus =
            status.parse().map_err(|e| problem(pointer.clone(), format!("{e}")))?;
        let Some(practice) = practices.iter_mut().find(|p| p.practice_id == practice_id) else {
            return Err(problem(pointer, format!("{practice_id} has no finding")));
        };
        practice.objectives.insert(label.to_owned(), status);
    }
    Ok(())
}

/// Reads an assessment-results document; `level_has` says whether a
/// practice belongs to a level.
///
/// # Errors
/// The first problem, with its JSON pointer.
pub fn read(
    document: &Value,
    level_has: &dyn Fn(Level, PracticeId) -> bool,
) -> Result<Imported, ImportError> {
    check_schema(document)?;
    let at = "/assessment-results/results/0";
    let result = &document["assessment-results"]["results"][0];
    let (level, assessment_type) = level_and_type(result, at)?;
    let mut practices = findings(result, at, &|p| level_has(level, p))?;
    observations(result, at, &mut practices)?;
    let title = result["title"].as_str().unwrap_or("Imported assessment").trim().to_owned();
    Ok(Imported { title, level, assessment_type, practices })
}
