//! Exports people hand over: an assessment's results and a POA&M, as CSV and
//! as XLSX. The rows and what each cell says come from
//! `cmmc_domain::report`; `csv.rs` and `xlsx.rs` lay them out. Every export is
//! audited, and reading one needs what reading its assessment needs.

mod csv;
mod documents;
mod docx;
mod html;
mod xlsx;

pub use documents::DocumentFormat;

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use cmmc_domain::report::{self, PoamRow, PracticeRow};
use cmmc_store::entities::{assessment_practices, audit_log, findings};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::assessments::{AssessmentScore, PracticeAnswer, PracticeAnswerFilter};
use crate::audit::{AuditEvent, Author};
use crate::remediation::Poam;
use crate::{Actor, ServiceError, Services};

/// The file formats of a spreadsheet export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    pub const ALL: [Self; 2] = [Self::Csv, Self::Xlsx];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl FromStr for SheetFormat {
    type Err = ServiceError;

    fn from_str(text: &str) -> Result<Self, ServiceError> {
        Self::ALL.into_iter().find(|f| f.as_str() == text).ok_or_else(|| {
            ServiceError::invalid(
                "format",
                format!("{text:?} is not a format; expected csv or xlsx"),
            )
        })
    }
}

/// A file to send: its name, media type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A file name from a title: ASCII letters and digits, runs of anything
/// else as one `-`, at most 60 characters; `fallback` when nothing is left.
fn file_stem(title: &str, fallback: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.ends_with('-') && !stem.is_empty() {
            stem.push('-');
        }
    }
    let stem: String = stem.trim_end_matches('-').chars().take(60).collect();
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() { fallback.to_owned() } else { stem.to_owned() }
}

/// What providers carry of an answer, in one line.
pub(crate) fn inheritance_of(answer: &PracticeAnswer) -> String {
    let sources: Vec<report::ObjectiveSourceRef<'_>> = answer
        .objectives
        .iter()
        .filter_map(|o| {
            let s = o.source.as_ref()?;
            Some(report::ObjectiveSourceRef {
                label: &o.label,
                provider: &s.provider_name,
                responsibility: &s.responsibility,
                overridden: s.overridden,
            })
        })
        .collect();
    report::inheritance_summary(&sources)
}

/// One row per practice: its answer, points lost, evidence counts.
fn practice_rows(
    answers: &[PracticeAnswer],
    score: &AssessmentScore,
    evidence: &HashMap<String, crate::evidence::EvidenceCounts>,
) -> Vec<PracticeRow> {
    let deducted: HashMap<String, i32> =
        score.score.deductions.iter().map(|d| (d.practice_id.to_string(), d.points)).collect();
    answers
        .iter()
        .map(|a| {
            let counts = evidence.get(&a.id).copied().unwrap_or_default();
            PracticeRow {
                practice_id: a.practice_id.clone(),
                domain: a.domain_id.clone(),
                title: a.title.clone(),
                status: a.status.as_str().to_owned(),
                objectives: report::count_objectives(a.objectives.iter().map(|o| o.status)),
                points_deducted: deducted.get(&a.practice_id).copied().unwrap_or(0),
                poam_eligibility: a.poam_eligibility.clone(),
                notes: a.assessor_notes.clone(),
                evidence: [counts.pending, counts.accepted, counts.rejected],
                evaluated_at: a.evaluated_at.map(|at| at.date_naive()),
                inherited_from: inheritance_of(a),
            }
        })
        .collect()
}

/// The results as CSV: a row per practice.
pub(crate) fn results_csv(rows: &[PracticeRow]) -> Result<Vec<u8>, ServiceError> {
    csv::write(&report::PRACTICE_COLUMNS, rows.iter().map(PracticeRow::cells))
}

/// A POA&M as CSV, overdue items marked as of `today`.
pub(crate) fn poam_csv(rows: &[PoamRow], today: NaiveDate) -> Result<Vec<u8>, ServiceError> {
    csv::write(&report::POAM_COLUMNS, rows.iter().map(|r| r.cells(today)))
}

impl Services {
    /// The assessment, its score, and a report row per practice.
    pub(crate) async fn result_rows(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<(crate::assessments::Assessment, AssessmentScore, Vec<PracticeRow>), ServiceError>
    {
        let assessment = self.get_assessment(actor, assessment_id).await?;
        let filter = PracticeAnswerFilter::default();
        let answers = self.list_practice_answers(actor, assessment_id, filter).await?;
        let score = self.assessment_score(actor, assessment_id).await?;
        let ids: Vec<String> = answers.iter().map(|a| a.id.clone()).collect();
        let evidence = self.evidence_counts(&ids).await?;
        let rows = practice_rows(&answers, &score, &evidence);
        Ok((assessment, score, rows))
    }

    /// An assessment's results: a row per practice (CSV), or a summary sheet
    /// and a sheet per domain (XLSX). Audited as `assessment.export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an assessment the actor cannot see.
    pub async fn export_assessment(
        &self,
        actor: &Actor,
        assessment_id: &str,
        format: SheetFormat,
    ) -> Result<ExportFile, ServiceError> {
        let (assessment, score, rows) = self.result_rows(actor, assessment_id).await?;
        let bytes = match format {
            SheetFormat::Csv => results_csv(&rows)?,
            SheetFormat::Xlsx => xlsx::assessment(&assessment, &score, &rows)?,
        };
        let file = ExportFile {
            filename: format!(
                "{}-results.{}",
                file_stem(&assessment.title, "assessment"),
                format.as_str()
            ),
            content_type: format.content_type(),
            bytes,
        };
        let details = json!({ "format": format.as_str(), "rows": rows.len() });
        self.audit_file(actor, &assessment.org_id, "assessment.export", assessment_id, details)
            .await?;
        Ok(file)
    }

    /// A POA&M with the columns of the DoD template, overdue items marked.
    /// Audited as `poam.export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a POA&M the actor cannot see.
    pub async fn export_poam(
        &self,
        actor: &Actor,
        poam_id: &str,
        format: SheetFormat,
    ) -> Result<ExportFile, ServiceError> {
        let poam = self.get_poam(actor, poam_id).await?;
        let rows = self.poam_rows(&poam).await?;
        let today = Utc::now().date_naive();
        let bytes = match format {
            SheetFormat::Csv => poam_csv(&rows, today)?,
            SheetFormat::Xlsx => xlsx::poam(&poam, &rows, today)?,
        };
        let file = ExportFile {
            filename: format!("{}-poam.{}", file_stem(&poam.poam.title, "poam"), format.as_str()),
            content_type: format.content_type(),
            bytes,
        };
        let details = json!({ "format": format.as_str(), "rows": rows.len() });
        self.audit_file(actor, &poam.poam.org_id, "poam.export", poam_id, details).await?;
        Ok(file)
    }

    /// The audit row of a file made: `action` is `<resource>.<what>`.
    pub(crate) async fn audit_file(
        &self,
        actor: &Actor,
        org_id: &str,
        action: &str,
        id: &str,
        details: serde_json::Value,
    ) -> Result<(), ServiceError> {
        let kind = action.split('.').next().unwrap_or(action);
        let txn = self.begin_change().await?;
        let event = AuditEvent::new(action, kind, Some(id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await
    }

    /// The POA&M's items as export rows: the weakness from the finding (or
    /// the requirement), the requirement's title, and the earlier scheduled
    /// dates from the audit trail.
    pub(crate) async fn poam_rows(&self, poam: &Poam) -> Result<Vec<PoamRow>, ServiceError> {
        let assessment_id = &poam.poam.assessment_id;
        let titles: HashMap<String, String> = assessment_practices::Entity::find()
            .select_only()
            .columns([
                assessment_practices::Column::PracticeId,
                assessment_practices::Column::Title,
            ])
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id))
            .into_tuple::<(String, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let weaknesses: HashMap<String, String> = findings::Entity::find()
            .filter(findings::Column::AssessmentId.eq(assessment_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| {
                let text = match f.description.filter(|d| !d.trim().is_empty()) {
                    Some(description) => format!("{}: {description}", f.title),
                    None => f.title,
                };
                (f.id, text)
            })
            .collect();
        let ids: Vec<String> = poam.items.iter().map(|i| i.item.id.clone()).collect();
        let mut changes = self.milestone_changes(&ids).await?;
        Ok(poam
            .items
            .iter()
            .map(|entry| {
                let item = &entry.item;
                let requirement = item.practice_id.map(|p| p.to_string());
                let requirement_title = requirement.as_ref().and_then(|p| titles.get(p).cloned());
                let weakness = item
                    .finding_id
                    .as_ref()
                    .and_then(|f| weaknesses.get(f).cloned())
                    .or_else(|| requirement_title.clone())
                    .unwrap_or_else(|| item.milestone.clone());
                PoamRow {
                    item_id: item.id.clone(),
                    weakness,
                    requirement,
                    requirement_title,
                    point_of_contact: item.point_of_contact.clone(),
                    resources_required: item.resources_required.clone(),
                    milestone: item.milestone.clone(),
                    scheduled_completion: item.scheduled_completion,
                    milestone_changes: changes.remove(&item.id).unwrap_or_default(),
                    status: item.status,
                    actual_completion: item.actual_completion,
                    risk_accepted: item.risk_accepted,
                }
            })
            .collect())
    }

    /// For each item, the scheduled dates it had before each change, oldest
    /// first, from its `poam_item.update` audit rows.
    async fn milestone_changes(
        &self,
        item_ids: &[String],
    ) -> Result<HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>>, ServiceError> {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("poam_item.update"))
            .filter(audit_log::Column::ResourceId.is_in(item_ids.to_vec()))
            .order_by_asc(audit_log::Column::CreatedAt)
            .order_by_asc(audit_log::Column::Seq)
            .all(&self.db)
            .await?;
        let mut changes: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
        for row in rows {
            let Some(change) = row.details.as_ref().and_then(|d| d.get("scheduled_completion"))
            else {
                continue;
            };
            let before = change.get("before").and_then(|b| b.as_str()).and_then(|b| b.parse().ok());
            if let Some(item) = row.resource_id {
                changes.entry(item).or_default().push((row.created_at.date_naive(), before));
            }
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_csv_and_xlsx_only() {
        assert_eq!("csv".parse::<SheetFormat>().unwrap(), SheetFormat::Csv);
        assert_eq!("xlsx".parse::<SheetFormat>().unwrap(), SheetFormat::Xlsx);
        for bad in ["CSV", "pdf", "", "xls"] {
            assert!(
                matches!(bad.parse::<SheetFormat>(), Err(ServiceError::InvalidInput { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn file_names_keep_letters_and_digits() {
        assert_eq!(file_stem("2026 Level 2 self-assessment", "x"), "2026-level-2-self-assessment");
        assert_eq!(file_stem("  ../../etc/passwd  ", "x"), "etc-passwd");
        assert_eq!(file_stem("Évaluation ☃", "x"), "valuation");
        assert_eq!(file_stem("☃☃", "assessment"), "assessment");
        assert_eq!(file_stem(&"a".repeat(100), "x").len(), 60);
    }
}
