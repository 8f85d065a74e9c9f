//! The framework crosswalks as an immutable snapshot for serving from
//! memory ([`Crosswalks`]): the frameworks, their requirements, and every
//! CMMC Level 2 practice's mappings, direct and derived, both ways. Built
//! from what the seed wrote (`framework_*` tables) and the catalogue.

mod readiness;

use std::collections::BTreeMap;

use cmmc_domain::{ChangeRating, MappingRelationship};
use cmmc_store::entities::{
    cmmc_practices, framework_mappings, framework_requirements, frameworks,
};
use sea_orm::{EntityTrait, QueryOrder};

use crate::{ServiceError, Services};

pub use readiness::{Readiness, ReadinessItem, ReadinessSource};

/// The source of a practice's equivalence with its Rev 2 requirement.
const EQUIVALENT: &str =
    "32 CFR 170.14(c)(3): the CMMC Level 2 practices are the SP 800-171 Rev 2 requirements";
/// The source of the ISO/IEC 27001:2022 mappings derived through Rev 5.
const DERIVED_ISO: &str =
    "derived: SP 800-53 Rev 5 (through Rev 3) to ISO/IEC 27001:2022 by NIST OLIR #155";

/// A framework, with how many requirements it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkInfo {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub reference: String,
    pub requirements: usize,
    pub data_version: String,
}

/// A requirement of a framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementInfo {
    pub id: String,
    pub title: Option<String>,
    pub family: Option<String>,
}

/// One mapping of a practice to a requirement (or, reversed, of a
/// requirement to a practice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeMapping {
    pub practice_id: String,
    pub framework: String,
    pub requirement_id: String,
    pub relationship: MappingRelationship,
    pub derived: bool,
    pub change_rating: Option<ChangeRating>,
    pub note: Option<String>,
    pub source: String,
}

/// The crosswalks, loaded once.
#[derive(Debug, Clone, Default)]
pub struct Crosswalks {
    pub checksum: Option<String>,
    pub frameworks: Vec<FrameworkInfo>,
    requirements: BTreeMap<String, Vec<RequirementInfo>>,
    forward: BTreeMap<String, Vec<PracticeMapping>>,
    reverse: BTreeMap<(String, String), Vec<PracticeMapping>>,
}

impl Crosswalks {
    /// The requirements of `framework`, in order; `None` for an unknown framework.
    #[must_use]
    pub fn requirements(&self, framework: &str) -> Option<&[RequirementInfo]> {
        self.requirements.get(framework).map(Vec::as_slice)
    }

    /// A requirement of `framework`.
    #[must_use]
    pub fn requirement(&self, framework: &str, id: &str) -> Option<&RequirementInfo> {
        self.requirements(framework)?.iter().find(|r| r.id == id)
    }

    /// Every mapping of a practice (empty for one outside Level 2).
    #[must_use]
    pub fn practice_mappings(&self, practice_id: &str) -> &[PracticeMapping] {
        self.forward.get(practice_id).map_or(&[], Vec::as_slice)
    }

    /// The practices that map to a requirement.
    #[must_use]
    pub fn requirement_mappings(&self, framework: &str, id: &str) -> &[PracticeMapping] {
        self.reverse.get(&(framework.to_owned(), id.to_owned())).map_or(&[], Vec::as_slice)
    }
}

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored crosswalk is invalid: {what}"))
}

fn to_mapping(
    practice_id: &str,
    row: &framework_mappings::Model,
) -> Result<PracticeMapping, ServiceError> {
    Ok(PracticeMapping {
        practice_id: practice_id.to_owned(),
        framework: row.to_framework.clone(),
        requirement_id: row.to_requirement.clone(),
        relationship: row.relationship.parse().map_err(corrupt)?,
        derived: row.derived,
        change_rating: row.change_rating.as_deref().map(str::parse).transpose().map_err(corrupt)?,
        note: row.note.clone(),
        source: row.source.clone(),
    })
}

impl Services {
    /// The checksum of the crosswalks seeded, if any.
    ///
    /// # Errors
    /// Database errors.
    pub async fn crosswalks_checksum(&self) -> Result<Option<String>, ServiceError> {
        Ok(frameworks::Entity::find().one(&self.db).await?.map(|f| f.checksum))
    }

    /// Reads the crosswalks and builds the snapshot.
    ///
    /// # Errors
    /// Database errors; a stored value that is not valid.
    pub async fn load_crosswalks(&self) -> Result<Crosswalks, ServiceError> {
        let stored = frameworks::Entity::find()
            .order_by_asc(frameworks::Column::SortOrder)
            .all(&self.db)
            .await?;
        let mut requirements: BTreeMap<String, Vec<RequirementInfo>> = BTreeMap::new();
        for r in framework_requirements::Entity::find()
            .order_by_asc(framework_requirements::Column::SortOrder)
            .all(&self.db)
            .await?
        {
            let info = RequirementInfo { id: r.requirement_id, title: r.title, family: r.family };
            requirements.entry(r.framework_id).or_default().push(info);
        }
        let practices = cmmc_practices::Entity::find()
            .order_by_asc(cmmc_practices::Column::SortOrder)
            .all(&self.db)
            .await?;
        let l2: Vec<&cmmc_practices::Model> = practices.iter().filter(|p| p.level == 2).collect();
        if let Some(r2) = requirements.get_mut("sp800-171r2") {
            // Rev 2 has no official titles; the CMMC practice's stands in.
            for r in r2.iter_mut().filter(|r| r.title.is_none()) {
                let suffix = format!("-{}", r.id);
                r.title =
                    l2.iter().find(|p| p.practice_id.ends_with(&suffix)).map(|p| p.title.clone());
            }
        }
        if !stored.is_empty() {
            requirements.insert(
                "cmmc".to_owned(),
                practices
                    .iter()
                    .map(|p| RequirementInfo {
                        id: p.practice_id.clone(),
                        title: Some(p.title.clone()),
                        family: Some(p.domain_id.clone()),
                    })
                    .collect(),
            );
        }
        let rows = framework_mappings::Entity::find().all(&self.db).await?;
        let (forward, reverse) = link(&l2, &rows)?;
        let frameworks = stored
            .iter()
            .map(|f| FrameworkInfo {
                id: f.id.clone(),
                name: f.name.clone(),
                publisher: f.publisher.clone(),
                reference: f.reference.clone(),
                requirements: requirements.get(&f.id).map_or(0, Vec::len),
                data_version: f.data_version.clone(),
            })
            .collect();
        let checksum = stored.first().map(|f| f.checksum.clone());
        Ok(Crosswalks { checksum, frameworks, requirements, forward, reverse })
    }
}

type Forward = BTreeMap<String, Vec<PracticeMapping>>;
type Reverse = BTreeMap<(String, String), Vec<PracticeMapping>>;

/// Every Level 2 practice's mappings: its Rev 2 requirement, what that maps
/// to, and ISO/IEC 27001:2022 derived through the Rev 5 controls; and the
/// same, reversed.
fn link(
    l2: &[&cmmc_practices::Model],
    rows: &[framework_mappings::Model],
) -> Result<(Forward, Reverse), ServiceError> {
    let mut from: BTreeMap<(&str, &str), Vec<&framework_mappings::Model>> = BTreeMap::new();
    for row in rows {
        from.entry((row.from_framework.as_str(), row.from_requirement.as_str()))
            .or_default()
            .push(row);
    }
    let mut forward = Forward::new();
    for practice in l2 {
        let Some((_, r2)) = practice.practice_id.split_once('-') else { continue };
        let mut list = vec![PracticeMapping {
            practice_id: practice.practice_id.clone(),
            framework: "sp800-171r2".to_owned(),
            requirement_id: r2.to_owned(),
            relationship: MappingRelationship::Equivalent,
            derived: false,
            change_rating: None,
            note: None,
            source: EQUIVALENT.to_owned(),
        }];
        let direct = from.get(&("sp800-171r2", r2)).cloned().unwrap_or_default();
        let mut iso: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &direct {
            list.push(to_mapping(&practice.practice_id, row)?);
            if row.to_framework == "sp800-53r5" {
                for olir in
                    from.get(&("sp800-53r5", row.to_requirement.as_str())).into_iter().flatten()
                {
                    iso.entry(olir.to_requirement.as_str())
                        .or_default()
                        .push(row.to_requirement.as_str());
                }
            }
        }
        for (target, via) in iso {
            list.push(PracticeMapping {
                practice_id: practice.practice_id.clone(),
                framework: "iso27001-2022".to_owned(),
                requirement_id: target.to_owned(),
                relationship: MappingRelationship::MapsTo,
                derived: true,
                change_rating: None,
                note: Some(format!("via {}", via.join(", "))),
                source: DERIVED_ISO.to_owned(),
            });
        }
        forward.insert(practice.practice_id.clone(), list);
    }
    let mut reverse = Reverse::new();
    for mapping in forward.values().flatten() {
        let key = (mapping.framework.clone(), mapping.requirement_id.clone());
        reverse.entry(key).or_default().push(mapping.clone());
    }
    Ok((forward, reverse))
}
