//! Reading and validating the YAML files.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use cmmc_domain::{AssessmentType, DomainId, Level, PoamEligibility, PracticeId, scoring};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The files of a data set, in the order they are read.
/// The source name of the data built into the binary.
pub const EMBEDDED: &str = "embedded";

/// `data/cmmc` as it was when the crate was built, so a binary needs nothing
/// beside it.
const EMBEDDED_FILES: [(&str, &str); 6] = [
    ("version.yaml", include_str!("../../../data/cmmc/version.yaml")),
    ("domains.yaml", include_str!("../../../data/cmmc/domains.yaml")),
    ("levels.yaml", include_str!("../../../data/cmmc/levels.yaml")),
    ("level1_practices.yaml", include_str!("../../../data/cmmc/level1_practices.yaml")),
    ("level2_practices.yaml", include_str!("../../../data/cmmc/level2_practices.yaml")),
    ("level3_practices.yaml", include_str!("../../../data/cmmc/level3_practices.yaml")),
];

pub(crate) const FILES: [&str; 6] = [
    "version.yaml",
    "domains.yaml",
    "levels.yaml",
    "level1_practices.yaml",
    "level2_practices.yaml",
    "level3_practices.yaml",
];

/// One problem with one entry of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataProblem {
    pub file: String,
    /// The entry: a practice or domain id, a level, or a position in the file.
    pub entry: String,
    pub message: String,
}

impl fmt::Display for DataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.entry, self.message)
    }
}

/// The data set could not be loaded: every problem found, not just the first.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid reference data in {dir}:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct LoadError {
    pub dir: String,
    /// Invariant: never empty.
    pub problems: Vec<DataProblem>,
}

/// A validated reference data set.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    /// Where it was read from: [`EMBEDDED`] or a directory.
    pub source: String,
    pub version: String,
    /// SHA-256 (hex) over the file names and contents, in the order version, domains, levels, level 1 to 3 practices.
    pub checksum: String,
    pub domains: Vec<Domain>,
    pub levels: Vec<LevelRow>,
    /// In catalogue order.
    pub practices: Vec<Practice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub domain_id: DomainId,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRow {
    pub level: Level,
    pub name: String,
    pub assessment_type: AssessmentType,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    pub practice_id: PracticeId,
    pub title: String,
    pub description: String,
    pub assessment_objectives: Vec<String>,
    pub evidence_requirements: Vec<String>,
    pub nist_refs: Vec<String>,
    pub sprs_weight: Option<i32>,
    pub sprs_partial_weight: Option<i32>,
    pub poam_eligibility: PoamEligibility,
    pub final_rule_id: Option<String>,
}

// The file shapes. Unknown keys are errors, so a misspelt key is caught.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    version: String,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people; not stored")]
    sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainsFile {
    domains: Vec<RawDomain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    domain_id: String,
    name: String,
    description: String,
    nist_family: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelsFile {
    levels: Vec<RawLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    level: i64,
    name: String,
    assessment_type: String,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PracticesFile {
    practices: Vec<RawPractice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPractice {
    practice_id: String,
    domain_id: String,
    level: i64,
    title: String,
    description: String,
    #[serde(default)]
    final_rule_id: Option<String>,
    #[serde(default)]
    sprs_weight: Option<i64>,
    #[serde(default)]
    sprs_partial_weight: Option<i64>,
    poam_eligibility: String,
    nist_refs: Vec<String>,
    assessment_objectives: Vec<String>,
    evidence_requirements: Vec<String>,
}

/// Collects problems while reading one data set.
struct Problems(Vec<DataProblem>);

impl Problems {
    fn add(&mut self, file: &str, entry: impl fmt::Display, message: impl fmt::Display) {
        self.0.push(DataProblem {
            file: file.to_owned(),
            entry: entry.to_string(),
            message: message.to_string(),
        });
    }
}

impl ReferenceData {
    /// Reads and validates the data set in `dir`.
    ///
    /// # Errors
    /// [`LoadError`] listing every unreadable file, YAML syntax error and
    /// invalid entry.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        Self::from_files(&dir.display().to_string(), |file| {
            let path: PathBuf = dir.join(file);
            std::fs::read_to_string(&path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))
        })
    }

    /// The data set built into the binary (`data/cmmc` at build time).
    ///
    /// # Errors
    /// [`LoadError`] if the built-in data is invalid (a test keeps it valid).
    pub fn embedded() -> Result<Self, LoadError> {
        Self::from_files(EMBEDDED, |file| {
            EMBEDDED_FILES
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| format!("{file} is not built in"))
        })
    }

    /// The version of the built-in data, as `version.yaml` gives it.
    #[must_use]
    pub fn embedded_version() -> Option<String> {
        let (_, text) = EMBEDDED_FILES.iter().find(|(name, _)| *name == "version.yaml")?;
        serde_yaml::from_str::<VersionFile>(text).ok().map(|v| v.version.trim().to_owned())
    }

    fn from_files(
        source: &str,
        read: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Self, LoadError> {
        let mut problems = Problems(Vec::new());
        let (texts, checksum) = read_all(&read, &mut problems);
        let version =
            parse::<VersionFile>(&texts, "version.yaml", &mut problems).map(|v| v.version);
        if let Some(version) = &version
            && (version.trim().is_empty() || version.len() > 64)
        {
            problems.add("version.yaml", "version", "must be 1 to 64 characters");
        }
        let domains = parse::<DomainsFile>(&texts, "domains.yaml", &mut problems)
            .map(|f| check_domains(f.domains, &mut problems))
            .unwrap_or_default();
        let levels = parse::<LevelsFile>(&texts, "levels.yaml", &mut problems)
            .map(|f| check_levels(f.levels, &mut problems))
            .unwrap_or_default();
        let known_domains: HashSet<DomainId> = domains.iter().map(|d| d.domain_id).collect();
        let mut practices = load_practices(&texts, &known_domains, &mut problems);
        check_weights(&practices, &mut problems);
        practices.sort_by_key(|p| p.practice_id);

        match version {
            Some(version) if problems.0.is_empty() => Ok(Self {
                source: source.to_owned(),
                version: version.trim().to_owned(),
                checksum,
                domains,
                levels,
                practices,
            }),
            _ => Err(LoadError { dir: source.to_owned(), problems: problems.0 }),
        }
    }
}

/// Every file's text, and the checksum over all of them.
fn read_all(
    read: &impl Fn(&str) -> Result<String, String>,
    problems: &mut Problems,
) -> (BTreeMap<&'static str, String>, String) {
    let mut hasher = Sha256::new();
    let mut texts = BTreeMap::new();
    for file in FILES {
        match read(file) {
            Ok(text) => {
                hasher.update(file.as_bytes());
                hasher.update([0]);
                hasher.update(text.as_bytes());
                hasher.update([0]);
                texts.insert(file, text);
            }
            Err(err) => problems.add(file, "file", err),
        }
    }
    (texts, hex(&hasher.finalize()))
}

/// The practices of the three level files, each checked.
fn load_practices(
    texts: &BTreeMap<&'static str, String>,
    known_domains: &HashSet<DomainId>,
    problems: &mut Problems,
) -> Vec<Practice> {
    let mut practices = Vec::new();
    let mut seen = HashSet::new();
    for level in Level::ALL {
        let file = match level {
            Level::Foundational => "level1_practices.yaml",
            Level::Advanced => "level2_practices.yaml",
            Level::Expert => "level3_practices.yaml",
        };
        let Some(parsed) = parse::<PracticesFile>(texts, file, problems) else { continue };
        for (index, raw) in parsed.practices.into_iter().enumerate() {
            let checked =
                check_practice(file, index, level, raw, known_domains, &mut seen, problems);
            practices.extend(checked);
        }
    }
    practices
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _infallible = write!(out, "{b:02x}");
        out
    })
}

fn parse<T: for<'de> Deserialize<'de>>(
    texts: &BTreeMap<&str, String>,
    file: &str,
    problems: &mut Problems,
) -> Option<T> {
    let text = texts.get(file)?;
    match serde_yaml::from_str(text) {
        Ok(value) => Some(value),
        Err(err) => {
            let entry = err.location().map_or_else(
                || "file".to_owned(),
                |l| format!("line {}, column {}", l.line(), l.column()),
            );
            problems.add(file, entry, err);
            None
        }
    }
}

fn non_empty(
    file: &str,
    entry: &str,
    field: &str,
    value: &str,
    max: usize,
    problems: &mut Problems,
) {
    if value.trim().is_empty() {
        problems.add(file, entry, format!("{field} is empty"));
    } else if value.chars().count() > max {
        problems.add(file, entry, format!("{field} is longer than {max} characters"));
    }
}

fn check_domains(raw: Vec<RawDomain>, problems: &mut Problems) -> Vec<Domain> {
    const FILE: &str = "domains.yaml";
    let mut out: Vec<Domain> = Vec::new();
    for (index, domain) in raw.into_iter().enumerate() {
        let entry = if domain.domain_id.is_empty() {
            format!("entry {}", index + 1)
        } else {
            domain.domain_id.clone()
        };
        let Ok(domain_id) = domain.domain_id.parse::<DomainId>() else {
            problems.add(FILE, &entry, format!("unknown domain {:?}", domain.domain_id));
            continue;
        };
        if out.iter().any(|d| d.domain_id == domain_id) {
            problems.add(FILE, &entry, "duplicate domain id");
            continue;
        }
        if domain.nist_family != format!("3.{}", domain_id.nist_family()) {
            problems.add(
                FILE,
                &entry,
                format!("nist_family must be 3.{}", domain_id.nist_family()),
            );
        }
        non_empty(FILE, &entry, "name", &domain.name, 128, problems);
        non_empty(FILE, &entry, "description", &domain.description, 4000, problems);
        out.push(Domain {
            domain_id,
            name: domain.name.trim().to_owned(),
            description: domain.description,
        });
    }
    for domain_id in DomainId::ALL {
        if !out.iter().any(|d| d.domain_id == domain_id) {
            problems.add(FILE, domain_id, "domain is missing");
        }
    }
    out.sort_by_key(|d| d.domain_id);
    out
}

fn check_levels(raw: Vec<RawLevel>, problems: &mut Problems) -> Vec<LevelRow> {
    const FILE: &str = "levels.yaml";
    let mut out: Vec<LevelRow> = Vec::new();
    for (index, row) in raw.into_iter().enumerate() {
        let entry = format!("level {}", row.level);
        let Ok(level) = Level::from_number(row.level) else {
            problems.add(
                FILE,
                format!("entry {}", index + 1),
                format!("level {} is not 1, 2 or 3", row.level),
            );
            continue;
        };
        if out.iter().any(|l| l.level == level) {
            problems.add(FILE, &entry, "duplicate level");
            continue;
        }
        let assessment_type = match row.assessment_type.parse::<AssessmentType>() {
            Ok(t) => t,
            Err(err) => {
                problems.add(FILE, &entry, err);
                continue;
            }
        };
        non_empty(FILE, &entry, "name", &row.name, 64, problems);
        non_empty(FILE, &entry, "description", &row.description, 4000, problems);
        out.push(LevelRow {
            level,
            name: row.name.trim().to_owned(),
            assessment_type,
            description: row.description,
        });
    }
    for level in Level::ALL {
        if !out.iter().any(|l| l.level == level) {
            problems.add(FILE, format!("level {level}"), "level is missing");
        }
    }
    out.sort_by_key(|l| l.level);
    out
}

/// Whether `line` starts with an objective label: `[a]`, `[b]`, ... or `[ODP1]`, ...
fn objective_label(line: &str) -> Option<&str> {
    cmmc_domain::ObjectiveLine::parse(line).map(|o| o.label)
}

/// Where a problem is: the file and the entry.
#[derive(Clone, Copy)]
struct Site<'a> {
    file: &'a str,
    entry: &'a str,
}

impl Site<'_> {
    fn add(self, problems: &mut Problems, message: impl fmt::Display) {
        problems.add(self.file, self.entry, message);
    }
}

fn check_practice(
    file: &str,
    index: usize,
    file_level: Level,
    raw: RawPractice,
    known_domains: &HashSet<DomainId>,
    seen: &mut HashSet<PracticeId>,
    problems: &mut Problems,
) -> Option<Practice> {
    let entry = if raw.practice_id.is_empty() {
        format!("entry {}", index + 1)
    } else {
        raw.practice_id.clone()
    };
    let site = Site { file, entry: &entry };
    let before = problems.0.len();
    let practice_id = match raw.practice_id.parse::<PracticeId>() {
        Ok(id) => id,
        Err(err) => {
            site.add(problems, err);
            return None;
        }
    };
    if !seen.insert(practice_id) {
        site.add(problems, "duplicate practice id");
    }
    check_placement(site, practice_id, file_level, &raw, known_domains, problems);
    check_texts(site, &raw, problems);
    let poam_eligibility = check_poam_eligibility(site, practice_id, &raw, problems);
    check_sprs_weights(site, practice_id, &raw, problems);
    if problems.0.len() > before {
        return None;
    }
    Some(Practice {
        practice_id,
        title: raw.title.trim().to_owned(),
        description: raw.description.trim().to_owned(),
        sprs_weight: raw.sprs_weight.and_then(|w| i32::try_from(w).ok()),
        sprs_partial_weight: raw.sprs_partial_weight.and_then(|w| i32::try_from(w).ok()),
        assessment_objectives: raw.assessment_objectives,
        evidence_requirements: raw.evidence_requirements,
        nist_refs: raw.nist_refs,
        poam_eligibility,
        final_rule_id: raw.final_rule_id.filter(|id| !id.trim().is_empty()),
    })
}

/// The practice's file, level and domain agree with its id.
fn check_placement(
    site: Site<'_>,
    practice_id: PracticeId,
    file_level: Level,
    raw: &RawPractice,
    known_domains: &HashSet<DomainId>,
    problems: &mut Problems,
) {
    if practice_id.level() != file_level {
        let message =
            format!("a Level {} practice does not belong in {}", practice_id.level(), site.file);
        site.add(problems, message);
    }
    if raw.level != i64::from(practice_id.level().number()) {
        site.add(problems, format!("level {} disagrees with the practice id", raw.level));
    }
    match raw.domain_id.parse::<DomainId>() {
        Ok(domain) if domain != practice_id.domain() => {
            site.add(problems, format!("domain_id {domain} disagrees with the practice id"));
        }
        Ok(domain) if !known_domains.contains(&domain) => {
            site.add(problems, format!("domain {domain} is not in domains.yaml"));
        }
        Ok(_) => {}
        Err(err) => site.add(problems, err),
    }
}

/// Title, description, objectives, evidence requirements and references.
fn check_texts(site: Site<'_>, raw: &RawPractice, problems: &mut Problems) {
    non_empty(site.file, site.entry, "title", &raw.title, 256, problems);
    non_empty(site.file, site.entry, "description", &raw.description, 8000, problems);
    if raw.assessment_objectives.iter().all(|o| !o.starts_with('[') || o.starts_with("[ODP")) {
        site.add(problems, "has no lettered assessment objectives");
    }
    let mut labels = HashSet::new();
    for objective in &raw.assessment_objectives {
        match objective_label(objective) {
            Some(label) if !labels.insert(label) => {
                site.add(problems, format!("objective [{label}] appears twice"));
            }
            Some(_) => {}
            None => site.add(
                problems,
                format!("objective {objective:?} does not start with [a], [b], ... or [ODPn]"),
            ),
        }
    }
    if raw.evidence_requirements.is_empty() {
        site.add(problems, "has no evidence requirements");
    }
    for requirement in &raw.evidence_requirements {
        if !["Examine: ", "Interview: ", "Test: "].iter().any(|p| requirement.starts_with(p)) {
            site.add(problems, format!("evidence requirement {requirement:?} does not start with Examine:, Interview: or Test:"));
        }
    }
    if raw.nist_refs.is_empty() || raw.nist_refs.iter().any(|r| r.trim().is_empty()) {
        site.add(problems, "nist_refs is empty or has an empty entry");
    }
}

/// The POA&M eligibility, which a Level 1 practice never has.
fn check_poam_eligibility(
    site: Site<'_>,
    practice_id: PracticeId,
    raw: &RawPractice,
    problems: &mut Problems,
) -> PoamEligibility {
    let poam_eligibility = match raw.poam_eligibility.parse::<PoamEligibility>() {
        Ok(p) => p,
        Err(err) => {
            site.add(problems, err);
            PoamEligibility::Ineligible
        }
    };
    if practice_id.level() == Level::Foundational && poam_eligibility != PoamEligibility::Ineligible
    {
        site.add(problems, "Level 1 practices may never be on a POA&M (32 CFR 170.21(a)(1))");
    }
    poam_eligibility
}

/// SPRS weights: Level 2 only, 1, 3 or 5, and partial credit where the
/// methodology gives it.
fn check_sprs_weights(
    site: Site<'_>,
    practice_id: PracticeId,
    raw: &RawPractice,
    problems: &mut Problems,
) {
    if practice_id.level() != Level::Advanced {
        if raw.sprs_weight.is_some() || raw.sprs_partial_weight.is_some() {
            site.add(problems, "only Level 2 practices carry SPRS weights");
        }
        return;
    }
    match raw.sprs_weight {
        None if !scoring::is_unscored(practice_id) => {
            site.add(problems, "a Level 2 practice needs an sprs_weight (1, 3 or 5)");
        }
        Some(_) if scoring::is_unscored(practice_id) => site.add(
            problems,
            "has no point value in the DoD Assessment Methodology; remove sprs_weight",
        ),
        Some(w) if ![1, 3, 5].contains(&w) => {
            site.add(problems, format!("sprs_weight {w} is not 1, 3 or 5"));
        }
        _ => {}
    }
    let partial_expected = scoring::has_partial_credit(practice_id);
    match raw.sprs_partial_weight {
        Some(3) if partial_expected => {}
        None if !partial_expected => {}
        Some(w) if partial_expected => {
            site.add(problems, format!("sprs_partial_weight {w} must be 3"))
        }
        None => site.add(problems, "needs sprs_partial_weight: 3 (32 CFR 170.24(c)(2)(i)(B)(4))"),
        Some(_) => site.add(
            problems,
            "only IA.L2-3.5.3 and SC.L2-3.13.11 earn partial credit; remove sprs_partial_weight",
        ),
    }
}

fn check_weights(practices: &[Practice], problems: &mut Problems) {
    let level2: Vec<&Practice> =
        practices.iter().filter(|p| p.practice_id.level() == Level::Advanced).collect();
    if level2.is_empty() {
        return;
    }
    let total: i32 = level2.iter().filter_map(|p| p.sprs_weight).sum();
    if total != scoring::SPRS_TOTAL_WEIGHT {
        problems.add(
            "level2_practices.yaml",
            "sprs_weight",
            format!(
                "the weights sum to {total}, but the DoD Assessment Methodology's total is {} (110 - {} = {})",
                scoring::SPRS_TOTAL_WEIGHT,
                scoring::SPRS_TOTAL_WEIGHT,
                110 - scoring::SPRS_TOTAL_WEIGHT
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objective_labels_are_letters_or_odp_numbers() {
        assert_eq!(objective_label("[a] users are identified;"), Some("a"));
        assert_eq!(objective_label("[ODP1] parameters are defined;"), Some("ODP1"));
        assert_eq!(objective_label("[aa] more;"), Some("aa"));
        assert_eq!(objective_label("a] no bracket"), None);
        assert_eq!(objective_label("[A] upper case"), None);
        assert_eq!(objective_label("[a]"), None);
        assert_eq!(objective_label("[ODP] no number"), None);
    }

    #[test]
    fn checksums_are_lowercase_hex() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
