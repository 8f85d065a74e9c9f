//! The reference catalogue as one immutable snapshot.
//!
//! Reference data changes only when the seed runs, so a server loads the whole
//! catalogue once, answers from memory, and reloads when the recorded
//! reference-data checksum changes ([`current_checksum`]).

use std::collections::HashMap;

use cmmc_domain::{AssessmentType, DomainId, Level, PoamEligibility, PracticeId};
use cmmc_store::catalog;
use cmmc_store::entities::{cmmc_domains, cmmc_levels, cmmc_practices};
use sea_orm::ConnectionTrait;

use crate::ServiceError;

/// A domain of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: String,
    pub domain_id: DomainId,
    pub name: String,
    pub description: String,
    pub nist_family: String,
}

/// A level of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelInfo {
    pub id: String,
    pub level: Level,
    pub name: String,
    pub assessment_type: AssessmentType,
    pub description: String,
}

/// A practice of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    pub id: String,
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
    /// Lower-cased id, title and description, for search.
    search_text: String,
}

/// The recorded version of the seeded reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceVersion {
    pub version: String,
    pub checksum: String,
    pub seeded_at: chrono::DateTime<chrono::Utc>,
}

/// Which practices to list. Every filter is optional; given ones combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PracticeFilter {
    pub level: Option<Level>,
    pub domain: Option<DomainId>,
    /// Matched case-insensitively against the id, title and description.
    pub search: Option<String>,
}

/// The whole catalogue at one moment.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub domains: Vec<Domain>,
    pub levels: Vec<LevelInfo>,
    /// In catalogue order.
    pub practices: Vec<Practice>,
    pub version: Option<ReferenceVersion>,
    by_id: HashMap<String, usize>,
}

impl Catalog {
    /// The practices that pass `filter`, in catalogue order.
    pub fn practices_matching<'a>(
        &'a self,
        filter: &'a PracticeFilter,
    ) -> impl Iterator<Item = &'a Practice> + 'a {
        let needle = filter.search.as_ref().map(|s| s.to_lowercase());
        self.practices.iter().filter(move |practice| {
            filter.level.is_none_or(|level| practice.practice_id.level() == level)
                && filter.domain.is_none_or(|domain| practice.practice_id.domain() == domain)
                && needle
                    .as_ref()
                    .is_none_or(|needle| practice.search_text.contains(needle.as_str()))
        })
    }

    /// The practice with the printed id `practice_id`.
    #[must_use]
    pub fn practice(&self, practice_id: &str) -> Option<&Practice> {
        self.by_id.get(practice_id).and_then(|&index| self.practices.get(index))
    }

    /// The checksum of the data this snapshot was loaded from.
    #[must_use]
    pub fn checksum(&self) -> Option<&str> {
        self.version.as_ref().map(|v| v.checksum.as_str())
    }
}

fn strings(
    value: &serde_json::Value,
    what: &str,
    practice_id: &str,
) -> Result<Vec<String>, ServiceError> {
    serde_json::from_value(value.clone()).map_err(|err| {
        ServiceError::Unexpected(anyhow::anyhow!(
            "{what} of {practice_id} is not a list of strings: {err}"
        ))
    })
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::anyhow!("stored reference data is invalid: {what}"))
}

/// A stored domain row as a [`Domain`].
fn domain_of(row: cmmc_domains::Model) -> Result<Domain, ServiceError> {
    Ok(Domain {
        domain_id: row.domain_id.parse().map_err(corrupt)?,
        id: row.id,
        name: row.name,
        description: row.description,
        nist_family: row.nist_family,
    })
}

/// A stored level row as a [`LevelInfo`].
fn level_of(row: cmmc_levels::Model) -> Result<LevelInfo, ServiceError> {
    Ok(LevelInfo {
        level: Level::try_from(row.level).map_err(corrupt)?,
        assessment_type: row.assessment_type.parse().map_err(corrupt)?,
        id: row.id,
        name: row.name,
        description: row.description,
    })
}

/// A stored practice row as a [`Practice`], with its search text.
fn practice_of(row: cmmc_practices::Model) -> Result<Practice, ServiceError> {
    let practice_id: PracticeId = row.practice_id.parse().map_err(corrupt)?;
    let search_text =
        format!("{}\n{}\n{}", row.practice_id, row.title, row.description).to_lowercase();
    Ok(Practice {
        assessment_objectives: strings(
            &row.assessment_objectives,
            "assessment_objectives",
            &row.practice_id,
        )?,
        evidence_requirements: strings(
            &row.evidence_requirements,
            "evidence_requirements",
            &row.practice_id,
        )?,
        nist_refs: strings(&row.nist_refs, "nist_refs", &row.practice_id)?,
        poam_eligibility: row.poam_eligibility.parse().map_err(corrupt)?,
        practice_id,
        id: row.id,
        title: row.title,
        description: row.description,
        sprs_weight: row.sprs_weight,
        sprs_partial_weight: row.sprs_partial_weight,
        final_rule_id: row.final_rule_id,
        search_text,
    })
}

/// Loads the whole catalogue.
///
/// # Errors
/// [`ServiceError::DatabaseUnavailable`] when the database cannot be reached;
/// [`ServiceError::Unexpected`] when a stored row breaks the domain's rules.
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Catalog, ServiceError> {
    let domains = catalog::domains(db)
        .await?
        .into_iter()
        .map(domain_of)
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let levels = catalog::levels(db)
        .await?
        .into_iter()
        .map(level_of)
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let mut practices = catalog::practices(db)
        .await?
        .into_iter()
        .map(practice_of)
        .collect::<Result<Vec<_>, ServiceError>>()?;
    practices.sort_by_key(|p| p.practice_id);
    let by_id =
        practices.iter().enumerate().map(|(index, p)| (p.practice_id.to_string(), index)).collect();
    let version = catalog::latest_version(db).await?.map(|row| ReferenceVersion {
        version: row.version,
        checksum: row.checksum,
        seeded_at: row.seeded_at,
    });
    Ok(Catalog { domains, levels, practices, version, by_id })
}

/// The checksum of the reference data last seeded, if any: cheap to ask, so
/// servers poll it to notice a reseed.
///
/// # Errors
/// [`ServiceError::DatabaseUnavailable`] when the database cannot be reached.
pub async fn current_checksum<C: ConnectionTrait>(db: &C) -> Result<Option<String>, ServiceError> {
    Ok(catalog::latest_version(db).await?.map(|row| row.checksum))
}
