//! An assessment's answers projected onto SP 800-171 Rev 3 requirements or
//! SP 800-53 Rev 5 controls through the crosswalks. The states are
//! `cmmc_domain::readiness`'s; this gathers the answers and the sources.

use std::collections::{BTreeMap, HashMap};

use cmmc_domain::access::Action;
use cmmc_domain::readiness::{self, SP800_53R5_NOTE, SP800_171R3_NOTE};
use cmmc_domain::{ChangeRating, MappingRelationship, PracticeStatus, ReadinessState};

use super::{Crosswalks, PracticeMapping};
use crate::{Actor, ServiceError, Services};

/// A practice that feeds a target, with its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessSource {
    pub practice_id: String,
    pub relationship: MappingRelationship,
    pub change_rating: Option<ChangeRating>,
    pub status: PracticeStatus,
}

/// One target requirement or control and its projected state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessItem {
    pub requirement_id: String,
    pub title: Option<String>,
    pub family: Option<String>,
    pub sources: Vec<ReadinessSource>,
    pub state: ReadinessState,
}

/// A projection: every target, the counts per state and per family, and
/// what it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub assessment_id: String,
    pub framework: &'static str,
    pub note: &'static str,
    pub items: Vec<ReadinessItem>,
    pub counts: BTreeMap<&'static str, u32>,
    pub by_family: BTreeMap<String, BTreeMap<&'static str, u32>>,
}

/// The target frameworks a projection is made for.
const TARGETS: [(&str, &str); 2] =
    [("sp800-171r3", SP800_171R3_NOTE), ("sp800-53r5", SP800_53R5_NOTE)];

impl Services {
    /// Projects the assessment's answers onto `framework` (`sp800-171r3`:
    /// every Rev 3 requirement; `sp800-53r5`: every control a practice maps to).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation's assessment or an
    /// unknown target; [`ServiceError::Conflict`] for a Level 1 assessment,
    /// which holds no Level 2 answers to project.
    pub async fn readiness(
        &self,
        actor: &Actor,
        assessment_id: &str,
        crosswalks: &Crosswalks,
        framework: &str,
    ) -> Result<Readiness, ServiceError> {
        let (framework, note) = TARGETS
            .into_iter()
            .find(|(id, _)| *id == framework)
            .ok_or_else(|| ServiceError::not_found("readiness projection"))?;
        let row =
            self.assessment_for(&self.db, actor, assessment_id, Action::AssessmentRead).await?;
        if row.target_level < 2 {
            return Err(ServiceError::Conflict(
                "a Level 1 assessment holds no Level 2 answers to project".to_owned(),
            ));
        }
        let answers: HashMap<String, PracticeStatus> = self
            .practice_rows(&self.db, assessment_id)
            .await?
            .into_iter()
            .filter_map(|p| Some((p.practice_id, p.status.parse().ok()?)))
            .collect();
        let items = items(crosswalks, framework, &answers);
        let counts = readiness::counts(items.iter().map(|i| i.state));
        let mut by_family: BTreeMap<String, Vec<ReadinessState>> = BTreeMap::new();
        for item in &items {
            let family = item.family.clone().unwrap_or_default();
            by_family.entry(family).or_default().push(item.state);
        }
        let by_family =
            by_family.into_iter().map(|(f, states)| (f, readiness::counts(states))).collect();
        Ok(Readiness {
            assessment_id: assessment_id.to_owned(),
            framework,
            note,
            items,
            counts,
            by_family,
        })
    }
}

/// The sources of a target: for Rev 3, the Rev 2 practices carried forward
/// into, incorporated into or addressed by it; otherwise every practice
/// that maps to it.
fn sources(
    mappings: &[PracticeMapping],
    framework: &str,
    answers: &HashMap<String, PracticeStatus>,
) -> Vec<ReadinessSource> {
    mappings
        .iter()
        .filter(|m| framework != "sp800-171r3" || m.relationship.feeds_successor())
        .filter_map(|m| {
            Some(ReadinessSource {
                practice_id: m.practice_id.clone(),
                relationship: m.relationship,
                change_rating: m.change_rating,
                status: *answers.get(&m.practice_id)?,
            })
        })
        .collect()
}

fn items(
    crosswalks: &Crosswalks,
    framework: &str,
    answers: &HashMap<String, PracticeStatus>,
) -> Vec<ReadinessItem> {
    crosswalks
        .requirements(framework)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let mappings = crosswalks.requirement_mappings(framework, &r.id);
            // Rev 3 lists every requirement (new ones too); Rev 5 the
            // controls some practice reaches.
            if framework != "sp800-171r3" && mappings.is_empty() {
                return None;
            }
            let sources = sources(mappings, framework, answers);
            let statuses: Vec<PracticeStatus> = sources.iter().map(|s| s.status).collect();
            Some(ReadinessItem {
                requirement_id: r.id.clone(),
                title: r.title.clone(),
                family: r.family.clone(),
                state: readiness::state(&statuses),
                sources,
            })
        })
        .collect()
}
