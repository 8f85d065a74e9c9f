//! What an assessment takes from its providers' responsibility matrices.
//! Applying providers fills each objective a provider meets (`inherited`)
//! as met, and attaches the provider's statement to each it shares
//! (`shared`), recording the source on the objective (`objective_sources`).
//! An assessor may change any of them afterwards; an inherited objective
//! whose result an assessor changes says it was overridden, and a later
//! apply leaves it alone. Applying never touches what an assessor answered.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use cmmc_domain::access::Action;
use cmmc_domain::provider::{self, CheckedResponsibility};
use cmmc_domain::{
    ObjectiveStatus, PracticeId, PracticeStatus, ProviderAuthorization, ProviderKind,
    Responsibility,
};
use cmmc_store::entities::{assessment_practices, provider_responsibilities as crm, providers};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::{Evaluation, answer_of, corrupt, decide_status, ensure_in_progress, results_of};
use crate::audit::{AuditEvent, Author};
use crate::{Actor, ServiceError, Services};

/// Where an objective's inherited or shared result came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveSource {
    pub provider_id: String,
    pub provider_name: String,
    /// The CRM row applied.
    pub responsibility_id: String,
    /// `inherited` or `shared`.
    pub responsibility: String,
    pub provider_statement: Option<String>,
    /// An assessor changed the inherited result.
    #[serde(default)]
    pub overridden: bool,
}

/// What applying providers did, counted in objectives: filled in as
/// inherited, given a shared statement, or skipped because an assessor
/// had answered or overridden them (or the practice as a whole). `warnings`
/// flags providers without FedRAMP Moderate that hold CUI in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub inherited: u64,
    pub shared: u64,
    pub skipped: u64,
    pub practices: Vec<String>,
    pub warnings: Vec<ProviderWarning>,
}

/// A provider flagged while applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderWarning {
    pub rule: &'static str,
    pub provider_id: String,
    pub detail: String,
}

/// How many objectives of an assessment providers carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InheritanceCounts {
    /// Filled in from a provider that meets them (overrides included).
    pub inherited: u64,
    /// With a provider's statement of a shared responsibility.
    pub shared: u64,
    /// Inherited, then changed by an assessor.
    pub overridden: u64,
}

/// Counts the sources of every answer (`objective_sources` columns).
pub(crate) fn counts<'a>(columns: impl Iterator<Item = &'a Json>) -> InheritanceCounts {
    let mut counts = InheritanceCounts::default();
    for column in columns {
        let sources: BTreeMap<String, ObjectiveSource> =
            serde_json::from_value(column.clone()).unwrap_or_default();
        for source in sources.values() {
            if source.responsibility == Responsibility::Inherited.as_str() {
                counts.inherited += 1;
            } else {
                counts.shared += 1;
            }
            counts.overridden += u64::from(source.overridden);
        }
    }
    counts
}

/// The most providers one apply names.
const MAX_PROVIDERS: usize = 50;

/// An answer's sources, by objective label.
pub(crate) fn sources_of(row: &assessment_practices::Model) -> BTreeMap<String, ObjectiveSource> {
    serde_json::from_value(row.objective_sources.clone()).unwrap_or_default()
}

pub(crate) fn sources_json(sources: &BTreeMap<String, ObjectiveSource>) -> Json {
    serde_json::to_value(sources).unwrap_or_else(|_| json!({}))
}

/// Marks as overridden each inherited objective whose result `after`
/// changes from `before`; answers the labels newly marked.
pub(crate) fn mark_overrides(
    sources: &mut BTreeMap<String, ObjectiveSource>,
    before: &BTreeMap<String, ObjectiveStatus>,
    after: &BTreeMap<String, ObjectiveStatus>,
) -> Vec<String> {
    let mut marked = Vec::new();
    for (label, source) in sources.iter_mut() {
        let inherited = source.responsibility == Responsibility::Inherited.as_str();
        if inherited && !source.overridden && before.get(label) != after.get(label) {
            source.overridden = true;
            marked.push(label.clone());
        }
    }
    marked
}

/// A CRM row applied, with its provider.
struct Applied<'a> {
    provider: &'a providers::Model,
    row_id: String,
}

/// The tallies of one practice.
#[derive(Default)]
struct Tally {
    inherited: u64,
    shared: u64,
    skipped: u64,
}

/// Applies `plan` onto one answer's `results` and `sources`.
fn apply_plan(
    plan: &BTreeMap<String, provider::ObjectivePlan<'_, Applied<'_>>>,
    results: &mut BTreeMap<String, ObjectiveStatus>,
    sources: &mut BTreeMap<String, ObjectiveSource>,
) -> Tally {
    let mut tally = Tally::default();
    for (label, planned) in plan {
        // A result not filled in by inheritance is an assessor's.
        let inherited_result = sources
            .get(label)
            .is_some_and(|s| s.responsibility == Responsibility::Inherited.as_str());
        let answered_by_hand = results.contains_key(label) && !inherited_result;
        if answered_by_hand || sources.get(label).is_some_and(|s| s.overridden) {
            tally.skipped += 1;
            continue;
        }
        let statement = planned.row.provider_statement.clone();
        sources.insert(
            label.clone(),
            ObjectiveSource {
                provider_id: planned.source.provider.id.clone(),
                provider_name: planned.source.provider.name.clone(),
                responsibility_id: planned.source.row_id.clone(),
                responsibility: planned.responsibility.as_str().to_owned(),
                provider_statement: statement,
                overridden: false,
            },
        );
        if planned.responsibility == Responsibility::Inherited {
            results.insert(label.clone(), ObjectiveStatus::Met);
            tally.inherited += 1;
        } else {
            tally.shared += 1;
        }
    }
    tally
}

/// The FedRAMP flag: a cloud provider without FedRAMP Moderate (or
/// equivalent) whose assets in the scope handle CUI.
fn fedramp_warnings(
    applied: &[providers::Model],
    cui_providers: &[String],
) -> Vec<ProviderWarning> {
    applied
        .iter()
        .filter(|p| {
            p.kind == ProviderKind::CloudServiceProvider.as_str()
                && p.fedramp_authorization == ProviderAuthorization::None.as_str()
                && cui_providers.contains(&p.id)
        })
        .map(|p| ProviderWarning {
            rule: "provider_not_fedramp_moderate",
            provider_id: p.id.clone(),
            detail: format!("{} is a cloud service provider without FedRAMP Moderate or equivalent, and holds CUI assets in scope (DFARS 252.204-7012(b)(2)(ii)(D))", p.name),
        })
        .collect()
}

impl Services {
    /// The providers `ids` of the assessment's organisation, in that order.
    async fn providers_to_apply<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        ids: &[String],
    ) -> Result<Vec<providers::Model>, ServiceError> {
        if ids.is_empty() || ids.len() > MAX_PROVIDERS {
            return Err(ServiceError::invalid(
                "provider_ids",
                format!("name 1 to {MAX_PROVIDERS} providers"),
            ));
        }
        let mut out: Vec<providers::Model> = Vec::with_capacity(ids.len());
        for id in ids {
            if out.iter().any(|p| &p.id == id) {
                return Err(ServiceError::unprocessable(
                    "provider_ids",
                    "a provider is named twice",
                ));
            }
            out.push(self.provider_of_org(db, org_id, id).await.map_err(|_| {
                ServiceError::unprocessable("provider_ids", "the organisation has no such provider")
            })?);
        }
        Ok(out)
    }

    /// Applies the providers `provider_ids` (in that order of precedence)
    /// to an assessment in progress, in one transaction. Audited as
    /// `assessment.providers_apply` with the counts and the practices changed.
    ///
    /// # Errors
    /// 400/422 for a bad or foreign provider list; [`ServiceError::Conflict`]
    /// when the assessment is not in progress; [`ServiceError::NotFound`].
    pub async fn apply_providers(
        &self,
        actor: &Actor,
        assessment_id: &str,
        provider_ids: &[String],
    ) -> Result<ApplyReport, ServiceError> {
        let txn = self.begin_change().await?;
        let assessment =
            self.assessment_for(&txn, actor, assessment_id, Action::PracticeEvaluate).await?;
        ensure_in_progress(&assessment)?;
        let applied = self.providers_to_apply(&txn, &assessment.org_id, provider_ids).await?;
        let by_id: HashMap<&str, &providers::Model> =
            applied.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut by_practice: BTreeMap<String, Vec<(Applied<'_>, CheckedResponsibility)>> =
            BTreeMap::new();
        for row in crm::Entity::find()
            .filter(crm::Column::ProviderId.is_in(provider_ids.iter().cloned()))
            .order_by_asc(crm::Column::PracticeId)
            .all(&txn)
            .await?
        {
            let Some(provider) = by_id.get(row.provider_id.as_str()).copied() else { continue };
            let row_id = row.id.clone();
            let checked = crate::providers::MatrixRow::try_from(row)?.row;
            by_practice
                .entry(checked.practice_id.to_string())
                .or_default()
                .push((Applied { provider, row_id }, checked));
        }
        // Precedence follows the order the providers were named in.
        for rows in by_practice.values_mut() {
            rows.sort_by_key(|(a, _)| provider_ids.iter().position(|id| *id == a.provider.id));
        }
        let mut report = ApplyReport::default();
        let practice_rows = self.locked_practice_rows(&txn, assessment_id).await?;
        let now = Utc::now();
        for row in practice_rows {
            let Some(rows) = by_practice.get(&row.practice_id) else { continue };
            let before = answer_of(row.clone())?;
            let letters: Vec<&str> = before.objectives.iter().map(|o| o.label.as_str()).collect();
            let plan = provider::plan(&letters, rows, |a| a.provider.id.as_str());
            let mut results = results_of(&row);
            if results.is_empty() && before.status != PracticeStatus::NotEvaluated {
                report.skipped += plan.len() as u64;
                continue;
            }
            let mut sources = super::inheritance::sources_of(&row);
            let (old_results, old_sources) = (results.clone(), sources.clone());
            let tally = apply_plan(&plan, &mut results, &mut sources);
            report.inherited += tally.inherited;
            report.shared += tally.shared;
            report.skipped += tally.skipped;
            if results == old_results && sources == old_sources {
                continue;
            }
            let parsed: PracticeId = row.practice_id.parse().map_err(corrupt)?;
            let status = decide_status(&before, parsed, &results, None, false)?;
            let evaluation = Evaluation { status, results, assessor_notes: None };
            let mut active = evaluation.apply_to(&row, &actor.user_id, now);
            active.objective_sources = Set(sources_json(&sources));
            self.write_practice_answer(&txn, &row, active).await?;
            report.practices.push(row.practice_id.clone());
        }
        let cui_providers = self.cui_providers_in_scope(&txn, assessment_id).await?;
        report.warnings = fedramp_warnings(&applied, &cui_providers);
        let details = json!({
            "provider_ids": provider_ids, "inherited": report.inherited, "shared": report.shared,
            "skipped": report.skipped, "practices": report.practices,
        });
        let event = AuditEvent::new(
            "assessment.providers_apply",
            "assessment",
            Some(assessment_id),
            details,
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Ok(report)
    }

    /// The assessment's practice rows, locked on PostgreSQL until commit.
    async fn locked_practice_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        assessment_id: &str,
    ) -> Result<Vec<assessment_practices::Model>, ServiceError> {
        use sea_orm::QuerySelect;
        let mut query = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .order_by_asc(assessment_practices::Column::SortOrder);
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            query = query.lock_exclusive();
        }
        Ok(query.all(db).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(responsibility: Responsibility) -> ObjectiveSource {
        ObjectiveSource {
            provider_id: "p".into(),
            provider_name: "P".into(),
            responsibility_id: "r".into(),
            responsibility: responsibility.as_str().into(),
            provider_statement: None,
            overridden: false,
        }
    }

    #[test]
    fn changing_an_inherited_result_overrides_it_and_a_shared_one_does_not() {
        let mut sources = BTreeMap::from([
            ("a".to_owned(), source(Responsibility::Inherited)),
            ("b".to_owned(), source(Responsibility::Inherited)),
            ("c".to_owned(), source(Responsibility::Shared)),
        ]);
        let before = BTreeMap::from([
            ("a".to_owned(), ObjectiveStatus::Met),
            ("b".to_owned(), ObjectiveStatus::Met),
        ]);
        let mut after = before.clone();
        after.insert("a".into(), ObjectiveStatus::NotMet);
        after.insert("c".into(), ObjectiveStatus::Met);
        assert_eq!(mark_overrides(&mut sources, &before, &after), ["a"]);
        assert!(sources["a"].overridden && !sources["b"].overridden && !sources["c"].overridden);
        assert!(
            mark_overrides(&mut sources, &after, &before).is_empty(),
            "a is overridden once; b did not change"
        );
    }
}
