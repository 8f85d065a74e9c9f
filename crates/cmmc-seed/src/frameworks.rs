//! The framework crosswalks (`data/frameworks/*.yaml`): loaded and checked
//! like the catalogue (every practice id a Level 2 practice, every
//! relationship and change rating known, every target a requirement of its
//! framework), then upserted by natural key in one transaction
//! ([`seed_frameworks`]). The data set's version and checksum are kept on
//! each framework row; a second run with the same files writes nothing.

mod rows;
mod upsert;

use std::collections::BTreeSet;
use std::path::Path;

use cmmc_domain::{ChangeRating, MappingRelationship};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::load::{DataProblem, EMBEDDED, LoadError};

pub use upsert::{FrameworkSeedReport, seed_frameworks};

/// `data/frameworks` as it was when the crate was built.
const EMBEDDED_FILES: [(&str, &str); 5] = [
    ("frameworks.yaml", include_str!("../../../data/frameworks/frameworks.yaml")),
    ("sp800_171r3.yaml", include_str!("../../../data/frameworks/sp800_171r3.yaml")),
    ("sp800_171r2.yaml", include_str!("../../../data/frameworks/sp800_171r2.yaml")),
    (
        "sp800_171r3_to_sp800_53r5.yaml",
        include_str!("../../../data/frameworks/sp800_171r3_to_sp800_53r5.yaml"),
    ),
    (
        "sp800_53r5_to_iso27001_2022.yaml",
        include_str!("../../../data/frameworks/sp800_53r5_to_iso27001_2022.yaml"),
    ),
];

/// The frameworks the code relies on; the data may not drop one.
pub const FRAMEWORK_IDS: [&str; 7] = [
    "cmmc",
    "sp800-171r2",
    "sp800-171r3",
    "sp800-53r4",
    "sp800-53r5",
    "iso27001-2013",
    "iso27001-2022",
];

/// A framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub reference: String,
}

/// A requirement (or control) of a framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub framework_id: String,
    pub requirement_id: String,
    pub title: Option<String>,
    pub family: Option<String>,
}

/// One requirement mapped to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub from: (String, String),
    pub to: (String, String),
    pub relationship: MappingRelationship,
    pub derived: bool,
    pub change_rating: Option<ChangeRating>,
    pub note: Option<String>,
    pub source: String,
}

/// A validated crosswalk data set.
#[derive(Debug, Clone)]
pub struct FrameworkData {
    pub source: String,
    pub version: String,
    /// SHA-256 over every file, in order.
    pub checksum: String,
    pub frameworks: Vec<Framework>,
    /// In each framework's order.
    pub requirements: Vec<Requirement>,
    pub mappings: Vec<Mapping>,
    /// The Level 2 practice of each Rev 2 requirement, to check against the catalogue.
    pub practices: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworksFile {
    version: String,
    frameworks: Vec<RawFramework>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: String,
    name: String,
    publisher: String,
    reference: String,
}

impl FrameworkData {
    /// Reads and checks the data set in `dir`.
    ///
    /// # Errors
    /// [`LoadError`] listing every unreadable file and invalid entry.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        Self::from_files(&dir.display().to_string(), |file| {
            std::fs::read_to_string(dir.join(file))
                .map_err(|err| format!("cannot read {}: {err}", dir.join(file).display()))
        })
    }

    /// The data set built into the binary.
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

    fn from_files(
        source: &str,
        read: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Self, LoadError> {
        let mut problems = Vec::new();
        let mut hasher = Sha256::new();
        let mut texts = Vec::new();
        for (file, _) in EMBEDDED_FILES {
            match read(file) {
                Ok(text) => {
                    hasher.update(file.as_bytes());
                    hasher.update(text.as_bytes());
                    texts.push((file, text));
                }
                Err(message) => problems.push(problem(file, "file", message)),
            }
        }
        let checksum: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let text_of = |name: &str| texts.iter().find(|(f, _)| *f == name).map(|(_, t)| t.as_str());
        let mut data = rows::Builder::default();
        let version = text_of("frameworks.yaml").and_then(|text| {
            let file = parse::<FrameworksFile>("frameworks.yaml", text, &mut problems)?;
            check_frameworks(&file, &mut problems);
            data.frameworks = file
                .frameworks
                .into_iter()
                .map(|f| Framework {
                    id: f.id,
                    name: f.name,
                    publisher: f.publisher,
                    reference: f.reference,
                })
                .collect();
            Some(file.version.trim().to_owned())
        });
        rows::read_all(&mut data, &text_of, &mut problems);
        match version {
            Some(version) if problems.is_empty() && !version.is_empty() => Ok(Self {
                source: source.to_owned(),
                version,
                checksum,
                frameworks: data.frameworks,
                requirements: data.requirements,
                mappings: data.mappings,
                practices: data.practices,
            }),
            _ => Err(LoadError { dir: source.to_owned(), problems }),
        }
    }

    /// Problems with the Rev 2 requirements' practices: each must be a
    /// Level 2 practice of the catalogue, numbered as its requirement.
    #[must_use]
    pub fn practice_problems(&self, level2: &BTreeSet<String>) -> Vec<DataProblem> {
        self.practices
            .iter()
            .filter(|(r2, practice)| {
                !level2.contains(practice) || !practice.ends_with(&format!("-{r2}"))
            })
            .map(|(r2, practice)| {
                problem(
                    "sp800_171r2.yaml",
                    r2,
                    format!("{practice} is not the Level 2 practice of requirement {r2}"),
                )
            })
            .collect()
    }
}

/// Seeds the crosswalks beside a catalogue directory (`<dir>/../frameworks`)
/// when there is one, else those built into the binary.
///
/// # Errors
/// As [`seed_frameworks`]; [`crate::SeedError::Invalid`] for files that do not load.
pub async fn seed_frameworks_from(
    db: &sea_orm::DatabaseConnection,
    catalogue_dir: Option<&Path>,
) -> Result<FrameworkSeedReport, crate::SeedError> {
    let beside = catalogue_dir.and_then(Path::parent).map(|p| p.join("frameworks"));
    let data = match beside.filter(|dir| dir.is_dir()) {
        Some(dir) => FrameworkData::load(&dir)?,
        None => FrameworkData::embedded()?,
    };
    seed_frameworks(db, &data).await
}

fn check_frameworks(file: &FrameworksFile, problems: &mut Vec<DataProblem>) {
    let ids: Vec<&str> = file.frameworks.iter().map(|f| f.id.as_str()).collect();
    for id in FRAMEWORK_IDS {
        if !ids.contains(&id) {
            problems.push(problem("frameworks.yaml", id, "missing: the code relies on it"));
        }
    }
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        problems.push(problem("frameworks.yaml", "frameworks", "an id is listed twice"));
    }
    for f in &file.frameworks {
        if f.name.trim().is_empty() || f.publisher.trim().is_empty() || f.id.len() > 32 {
            problems.push(problem(
                "frameworks.yaml",
                &f.id,
                "needs a name and a publisher, and an id of at most 32 characters",
            ));
        }
    }
}

pub(crate) fn problem(
    file: &str,
    entry: impl std::fmt::Display,
    message: impl std::fmt::Display,
) -> DataProblem {
    DataProblem { file: file.to_owned(), entry: entry.to_string(), message: message.to_string() }
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
    problems: &mut Vec<DataProblem>,
) -> Option<T> {
    serde_yaml::from_str(text).map_err(|err| problems.push(problem(file, "file", err))).ok()
}
