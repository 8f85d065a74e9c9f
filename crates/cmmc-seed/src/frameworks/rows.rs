//! The crosswalk files read into requirements and mappings, every entry
//! checked: ids of the right form, relationships and change ratings known,
//! every target a requirement of its framework.

use std::collections::{BTreeMap, BTreeSet};

use cmmc_domain::{ChangeRating, MappingRelationship};
use serde::Deserialize;

use super::{Framework, Mapping, Requirement, parse, problem};
use crate::load::DataProblem;

const APPENDIX_D: &str = "NIST SP 800-171 Rev 2, Appendix D (informational)";
const REV3_CATALOG: &str = "NIST SP 800-171 Rev 3 OSCAL catalog v1.0.0 (withdrawal links; change rating from NIST's Rev 2 to Rev 3 analysis)";
const REV3_SOURCES: &str = "NIST SP 800-171 Rev 3 OSCAL catalog v1.0.0 (source controls)";
const DERIVED_R5: &str = "derived: the SP 800-53 Rev 5 source controls of the Rev 3 successor(s)";
const OLIR: &str = "NIST OLIR #155, SP 800-53 Rev 5 to ISO/IEC 27001:2022";

/// What the files add up to.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) frameworks: Vec<Framework>,
    pub(super) requirements: Vec<Requirement>,
    pub(super) mappings: Vec<Mapping>,
    pub(super) practices: Vec<(String, String)>,
    /// Every requirement id per framework, with its title and family.
    ids: BTreeMap<&'static str, BTreeMap<String, TitleAndFamily>>,
}

/// A requirement's title and family, where known.
type TitleAndFamily = (Option<String>, Option<String>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rev3File {
    families: Vec<Family>,
    requirements: Vec<Rev3Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Family {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rev3Requirement {
    id: String,
    title: String,
    family: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rev2File {
    requirements: Vec<Rev2Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rev2Requirement {
    id: String,
    practice_id: String,
    family: String,
    #[serde(default, rename = "sp800-171r3")]
    r3: Vec<Successor>,
    #[serde(default)]
    withdrawn_in_r3: Option<String>,
    #[serde(default, rename = "sp800-53r4")]
    r4: Vec<String>,
    #[serde(default, rename = "sp800-53r5_via_r3")]
    r5: Vec<String>,
    #[serde(default, rename = "iso27001-2013")]
    iso: Vec<IsoControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Successor {
    id: String,
    relationship: String,
    change: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IsoControl {
    id: String,
    via: String,
    #[serde(default)]
    partial: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    mappings: Vec<Sources>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sources {
    id: String,
    #[serde(rename = "sp800-53r5")]
    controls: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OlirFile {
    mappings: Vec<OlirRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OlirRow {
    id: String,
    #[serde(default)]
    annex_a: Vec<String>,
    #[serde(default)]
    clauses: Vec<String>,
    #[serde(default)]
    no_olir_row: bool,
}

/// Digits separated by dots, `parts` of them (`3.1.1`, `03.01.01`).
fn dotted(id: &str, parts: usize) -> bool {
    let pieces: Vec<&str> = id.split('.').collect();
    pieces.len() == parts
        && pieces.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// An SP 800-53 control: `AC-2`, `AC-2(13)`.
fn sp800_53(id: &str) -> bool {
    let Some((family, rest)) = id.split_once('-') else { return false };
    let (number, enhancement) = match rest.split_once('(') {
        Some((n, e)) => (n, e.strip_suffix(')')),
        None => (rest, Some("1")),
    };
    family.len() == 2
        && family.bytes().all(|b| b.is_ascii_uppercase())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && enhancement.is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// An ISO/IEC 27001 Annex A control (`A.9.2.1`, `A.5.15`) or clause (`7.5.1`).
fn iso(id: &str) -> bool {
    let bare = id.strip_prefix("A.").unwrap_or(id);
    (1..=3).contains(&bare.split('.').count()) && dotted(bare, bare.split('.').count())
}

impl Builder {
    fn add_requirement(
        &mut self,
        framework: &'static str,
        id: &str,
        title: Option<String>,
        family: Option<String>,
    ) {
        self.ids.entry(framework).or_default().entry(id.to_owned()).or_insert((title, family));
    }

    fn has(&self, framework: &str, id: &str) -> bool {
        self.ids.get(framework).is_some_and(|ids| ids.contains_key(id))
    }

    fn map(
        &mut self,
        from: (&str, &str),
        to: (&str, &str),
        relationship: MappingRelationship,
        source: &str,
    ) -> &mut Mapping {
        self.mappings.push(Mapping {
            from: (from.0.to_owned(), from.1.to_owned()),
            to: (to.0.to_owned(), to.1.to_owned()),
            relationship,
            derived: false,
            change_rating: None,
            note: None,
            source: source.to_owned(),
        });
        let last = self.mappings.len() - 1;
        &mut self.mappings[last]
    }
}

/// Reads every file but `frameworks.yaml` into `data`.
pub(super) fn read_all<'a>(
    data: &mut Builder,
    text_of: &impl Fn(&str) -> Option<&'a str>,
    problems: &mut Vec<DataProblem>,
) {
    if let Some(file) =
        text_of("sp800_171r3.yaml").and_then(|t| parse::<Rev3File>("sp800_171r3.yaml", t, problems))
    {
        read_rev3(data, file, problems);
    }
    if let Some(file) =
        text_of("sp800_171r2.yaml").and_then(|t| parse::<Rev2File>("sp800_171r2.yaml", t, problems))
    {
        for entry in file.requirements {
            read_rev2(data, entry, problems);
        }
    }
    if let Some(file) = text_of("sp800_171r3_to_sp800_53r5.yaml")
        .and_then(|t| parse::<SourcesFile>("sp800_171r3_to_sp800_53r5.yaml", t, problems))
    {
        read_sources(data, file, problems);
    }
    if let Some(file) = text_of("sp800_53r5_to_iso27001_2022.yaml")
        .and_then(|t| parse::<OlirFile>("sp800_53r5_to_iso27001_2022.yaml", t, problems))
    {
        read_olir(data, file, problems);
    }
    finish(data);
}

fn read_rev3(data: &mut Builder, file: Rev3File, problems: &mut Vec<DataProblem>) {
    let families: BTreeMap<String, String> =
        file.families.into_iter().map(|f| (f.id, f.name)).collect();
    for r in file.requirements {
        let known_family = families.get(&r.family);
        if !dotted(&r.id, 3)
            || !r.id.starts_with(&format!("{}.", r.family))
            || known_family.is_none()
            || r.title.trim().is_empty()
        {
            problems.push(problem(
                "sp800_171r3.yaml",
                &r.id,
                "needs an id NN.NN.NN in a listed family, and a title",
            ));
            continue;
        }
        if data.has("sp800-171r3", &r.id) {
            problems.push(problem("sp800_171r3.yaml", &r.id, "listed twice"));
        }
        let family = known_family.map(|name| format!("{} {name}", r.family));
        data.add_requirement("sp800-171r3", &r.id, Some(r.title.trim().to_owned()), family);
    }
}

fn read_rev2(data: &mut Builder, entry: Rev2Requirement, problems: &mut Vec<DataProblem>) {
    let file = "sp800_171r2.yaml";
    let id = entry.id.clone();
    if !dotted(&id, 3) || data.has("sp800-171r2", &id) {
        problems.push(problem(file, &id, "needs a unique id N.N.N"));
        return;
    }
    data.add_requirement("sp800-171r2", &id, None, Some(entry.family.clone()));
    data.practices.push((id.clone(), entry.practice_id.clone()));
    if entry.r3.is_empty() == entry.withdrawn_in_r3.is_none() {
        problems.push(problem(file, &id, "needs either sp800-171r3 successors or withdrawn_in_r3"));
    }
    let from = ("sp800-171r2", id.as_str());
    for s in &entry.r3 {
        let relationship =
            s.relationship.parse::<MappingRelationship>().ok().filter(|r| r.feeds_successor());
        let change = s.change.parse::<ChangeRating>().ok();
        match (relationship, change, data.has("sp800-171r3", &s.id)) {
            (Some(relationship), Some(change), true) => {
                data.map(from, ("sp800-171r3", &s.id), relationship, REV3_CATALOG).change_rating = Some(change);
            }
            _ => problems.push(problem(file, &id, format!(
                "successor {:?}: needs a Rev 3 requirement, a relationship of carried_forward, incorporated_into or addressed_by, and a change of {}",
                s.id, ChangeRating::EXPECTED.trim_end_matches(", ")
            ))),
        }
    }
    for control in &entry.r4 {
        if sp800_53(control) {
            data.add_requirement(
                "sp800-53r4",
                control,
                None,
                Some(cmmc_domain::readiness::sp800_53_family(control).to_owned()),
            );
            data.map(from, ("sp800-53r4", control), MappingRelationship::MapsTo, APPENDIX_D);
        } else {
            problems.push(problem(file, &id, format!("{control:?} is not an SP 800-53 control")));
        }
    }
    for control in &entry.r5 {
        if sp800_53(control) {
            data.add_requirement(
                "sp800-53r5",
                control,
                None,
                Some(cmmc_domain::readiness::sp800_53_family(control).to_owned()),
            );
            data.map(from, ("sp800-53r5", control), MappingRelationship::MapsTo, DERIVED_R5)
                .derived = true;
        } else {
            problems.push(problem(file, &id, format!("{control:?} is not an SP 800-53 control")));
        }
    }
    read_iso2013(data, &id, &entry.iso, problems);
}

/// Appendix D's ISO/IEC 27001:2013 column: one mapping per control, noting
/// the SP 800-53 controls it came through; partial when every one says
/// "does not fully satisfy the intent".
fn read_iso2013(
    data: &mut Builder,
    id: &str,
    controls: &[IsoControl],
    problems: &mut Vec<DataProblem>,
) {
    let mut by_control: BTreeMap<&str, (Vec<&str>, bool)> = BTreeMap::new();
    for c in controls {
        if !iso(&c.id) || !c.id.starts_with("A.") || !sp800_53(&c.via) {
            problems.push(problem(
                "sp800_171r2.yaml",
                id,
                format!(
                    "{:?} via {:?} is not an ISO/IEC 27001 control through an SP 800-53 one",
                    c.id, c.via
                ),
            ));
            continue;
        }
        let entry = by_control.entry(c.id.as_str()).or_insert((Vec::new(), true));
        entry.0.push(c.via.as_str());
        entry.1 &= c.partial;
    }
    for (control, (via, partial)) in by_control {
        let family = control.split('.').take(2).collect::<Vec<_>>().join(".");
        data.add_requirement("iso27001-2013", control, None, Some(family));
        let relationship = if partial {
            MappingRelationship::PartiallyMapsTo
        } else {
            MappingRelationship::MapsTo
        };
        data.map(("sp800-171r2", id), ("iso27001-2013", control), relationship, APPENDIX_D).note =
            Some(format!("via {}", via.join(", ")));
    }
}

fn read_sources(data: &mut Builder, file: SourcesFile, problems: &mut Vec<DataProblem>) {
    let mut seen = BTreeSet::new();
    for row in file.mappings {
        if !data.has("sp800-171r3", &row.id) || !seen.insert(row.id.clone()) {
            problems.push(problem(
                "sp800_171r3_to_sp800_53r5.yaml",
                &row.id,
                "not a Rev 3 requirement, or listed twice",
            ));
            continue;
        }
        for control in &row.controls {
            if !sp800_53(control) {
                problems.push(problem(
                    "sp800_171r3_to_sp800_53r5.yaml",
                    &row.id,
                    format!("{control:?} is not an SP 800-53 control"),
                ));
                continue;
            }
            data.add_requirement(
                "sp800-53r5",
                control,
                None,
                Some(cmmc_domain::readiness::sp800_53_family(control).to_owned()),
            );
            data.map(
                ("sp800-171r3", &row.id),
                ("sp800-53r5", control),
                MappingRelationship::SourceControl,
                REV3_SOURCES,
            );
        }
    }
}

fn read_olir(data: &mut Builder, file: OlirFile, problems: &mut Vec<DataProblem>) {
    let name = "sp800_53r5_to_iso27001_2022.yaml";
    for row in file.mappings {
        if !sp800_53(&row.id)
            || (row.no_olir_row && !(row.annex_a.is_empty() && row.clauses.is_empty()))
        {
            problems.push(problem(
                name,
                &row.id,
                "needs an SP 800-53 control, and no targets when no_olir_row",
            ));
            continue;
        }
        data.add_requirement(
            "sp800-53r5",
            &row.id,
            None,
            Some(cmmc_domain::readiness::sp800_53_family(&row.id).to_owned()),
        );
        for target in row.annex_a.iter().chain(&row.clauses) {
            let annex = target.starts_with("A.");
            if !iso(target) {
                problems.push(problem(
                    name,
                    &row.id,
                    format!("{target:?} is not an ISO/IEC 27001 control or clause"),
                ));
                continue;
            }
            let family = if annex {
                target.split('.').take(2).collect::<Vec<_>>().join(".")
            } else {
                format!("Clause {}", target.split('.').next().unwrap_or(target))
            };
            data.add_requirement("iso27001-2022", target, None, Some(family));
            data.map(
                ("sp800-53r5", &row.id),
                ("iso27001-2022", target),
                MappingRelationship::MapsTo,
                OLIR,
            );
        }
    }
}

/// A natural order of ids: numbers as numbers (`3.1.10` after `3.1.9`, `AC-2(13)` after `AC-2(3)`).
fn sort_key(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut number: Option<u64> = None;
    for c in id.chars() {
        match (c.to_digit(10), number) {
            (Some(d), Some(n)) => number = Some(n.saturating_mul(10).saturating_add(u64::from(d))),
            (Some(d), None) => number = Some(u64::from(d)),
            (None, Some(n)) => {
                key.push((std::mem::take(&mut text), n));
                number = None;
                text.push(c);
            }
            (None, None) => text.push(c),
        }
    }
    key.push((text, number.unwrap_or(0)));
    key
}

/// The requirements in order, and the mappings without repeats.
fn finish(data: &mut Builder) {
    for (framework, ids) in std::mem::take(&mut data.ids) {
        let mut ids: Vec<(String, TitleAndFamily)> = ids.into_iter().collect();
        ids.sort_by_key(|(id, _)| sort_key(id));
        data.requirements.extend(ids.into_iter().map(|(id, (title, family))| Requirement {
            framework_id: framework.to_owned(),
            requirement_id: id,
            title,
            family,
        }));
    }
    let mut seen = BTreeSet::new();
    data.mappings.retain(|m| seen.insert((m.from.clone(), m.to.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_recognised() {
        assert!(
            dotted("3.1.1", 3) && dotted("03.01.01", 3) && !dotted("3.1", 3) && !dotted("3.a.1", 3)
        );
        assert!(
            sp800_53("AC-2")
                && sp800_53("AC-2(13)")
                && !sp800_53("AC-2(")
                && !sp800_53("ac-2")
                && !sp800_53("AC2")
        );
        assert!(iso("A.9.2.1") && iso("A.5.15") && iso("7.5.1") && !iso("A.") && !iso("B.1"));
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["3.1.10", "3.1.9", "AC-2(13)", "AC-2(3)", "AC-2", "3.1.1"];
        ids.sort_by_key(|id| sort_key(id));
        assert_eq!(ids, ["3.1.1", "3.1.9", "3.1.10", "AC-2", "AC-2(3)", "AC-2(13)"]);
    }
}
