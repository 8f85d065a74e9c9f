//! Documents people hand over: the system security plan and an assessment's
//! summary report, each as printable HTML (`html.rs`) and as a Word file
//! (`docx.rs`). Both writers lay out the same view built here from the
//! services' reads, so the two formats always say the same thing.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use cmmc_domain::report::{self, PoamRow};
use cmmc_store::entities::{cmmc_domains, organizations};
use sea_orm::{EntityTrait, QueryOrder};

use super::{ExportFile, file_stem, practice_rows};
use crate::assessments::{Assessment, AssessmentScore, PracticeAnswerFilter};
use crate::remediation::Finding;
use crate::ssps::{Ssp, SspStatement};
use crate::{Actor, ServiceError, Services};
use cmmc_domain::Severity;

/// The file formats of a document export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Docx,
    Html,
}

impl DocumentFormat {
    pub const ALL: [Self; 2] = [Self::Docx, Self::Html];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Html => "html",
        }
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

impl FromStr for DocumentFormat {
    type Err = ServiceError;

    fn from_str(text: &str) -> Result<Self, ServiceError> {
        Self::ALL.into_iter().find(|f| f.as_str() == text).ok_or_else(|| {
            ServiceError::invalid(
                "format",
                format!("{text:?} is not a format; expected docx or html"),
            )
        })
    }
}

/// One requirement's statement as the SSP document shows it; a requirement
/// with no statement yet says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StatementView {
    pub practice_id: String,
    pub title: String,
    pub status: String,
    pub narrative: String,
    pub responsible_role: String,
    pub planned_date: String,
    pub objectives: String,
    /// What providers carry, a line per inherited or shared CRM row.
    pub providers: Vec<String>,
}

/// A domain's requirements, in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Section<T> {
    pub domain_id: String,
    pub name: String,
    pub items: Vec<T>,
}

/// The SSP as a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SspDocument {
    pub organization: String,
    pub ssp: Ssp,
    /// `Draft` or the publication date.
    pub date: String,
    pub people: Vec<[String; 5]>,
    pub sections: Vec<Section<StatementView>>,
    pub stated: usize,
    pub total: usize,
}

/// A domain's bar in the chart of points lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DomainBar {
    pub domain_id: String,
    pub name: String,
    pub points: i32,
    /// Out of [`BAR_UNITS`].
    pub units: u32,
}

/// How many units the longest bar has.
pub(super) const BAR_UNITS: u32 = 20;

/// An assessment's summary as a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportDocument {
    pub org_id: String,
    pub organization: String,
    pub title: String,
    /// Label and value pairs: level, type, status, score, CMMC status, dates.
    pub facts: Vec<(&'static str, String)>,
    pub bars: Vec<DomainBar>,
    /// Practice id, title, points.
    pub deductions: Vec<(String, String, i32)>,
    pub severities: Vec<(String, u32)>,
    /// Severity, title, status, requirement.
    pub findings: Vec<[String; 4]>,
    pub poam_title: Option<String>,
    pub poam: Vec<PoamRow>,
    pub today: NaiveDate,
}

impl ReportDocument {
    /// Whether a POA&M row is overdue on the day of the report.
    pub(super) fn overdue(&self, row: &PoamRow) -> bool {
        row.is_overdue(self.today)
    }
}

fn date_or(date: Option<NaiveDate>, none: &str) -> String {
    date.map_or_else(|| none.to_owned(), |d| d.to_string())
}

fn statement_view(
    practice_id: &str,
    title: &str,
    statement: Option<&SspStatement>,
) -> StatementView {
    match statement {
        Some(s) => StatementView {
            practice_id: practice_id.to_owned(),
            title: title.to_owned(),
            status: report::label(s.implementation_status.as_str()),
            narrative: s.narrative.clone(),
            responsible_role: s.responsible_role.clone().unwrap_or_default(),
            planned_date: date_or(s.planned_date, ""),
            objectives: s.objectives.join(", "),
            providers: Vec::new(),
        },
        None => StatementView {
            practice_id: practice_id.to_owned(),
            title: title.to_owned(),
            status: "Not yet stated".to_owned(),
            narrative: String::new(),
            responsible_role: String::new(),
            planned_date: String::new(),
            objectives: String::new(),
            providers: Vec::new(),
        },
    }
}

/// Groups `(domain, item)` pairs by domain in the order they come, naming
/// each domain from `names`.
fn sections<T>(items: Vec<(String, T)>, names: &HashMap<String, String>) -> Vec<Section<T>> {
    let mut out: Vec<Section<T>> = Vec::new();
    for (domain, item) in items {
        match out.last_mut() {
            Some(section) if section.domain_id == domain => section.items.push(item),
            _ => out.push(Section {
                name: names.get(&domain).cloned().unwrap_or_else(|| domain.clone()),
                domain_id: domain,
                items: vec![item],
            }),
        }
    }
    out
}

/// The summary's facts: level, type, status, score, status earned, dates.
fn report_facts(assessment: &Assessment, score: &AssessmentScore) -> Vec<(&'static str, String)> {
    let s = &score.score;
    vec![
        ("Level", score.target_level.number().to_string()),
        ("Assessment type", report::label(assessment.assessment_type.as_str())),
        ("Status", report::label(assessment.status.as_str())),
        (
            "SPRS score",
            s.sprs_score
                .map_or_else(|| "n/a".to_owned(), |v| format!("{} (maximum 110)", v.value())),
        ),
        ("Provisional", if s.provisional { "yes: practices not evaluated" } else { "no" }.into()),
        ("CMMC status earned", report::label(s.cmmc_status.as_str())),
        ("Practices met", format!("{:.1}% of applicable", s.overall_score * 100.0)),
        ("Completed", date_or(assessment.completed_at.map(|at| at.date_naive()), "not yet")),
        ("POA&M closeout deadline", date_or(score.conditional_deadline, "none")),
    ]
}

/// The findings, most serious first: severity, title, status, requirement.
fn finding_lines(mut findings: Vec<Finding>) -> Vec<[String; 4]> {
    findings.sort_by_key(|f| Severity::ALL.iter().position(|s| *s == f.severity));
    findings
        .into_iter()
        .map(|f| {
            [
                report::label(f.severity.as_str()),
                f.title,
                report::label(f.status.as_str()),
                f.practice_id.map(|p| p.to_string()).unwrap_or_default(),
            ]
        })
        .collect()
}

impl Services {
    /// The SSP version as a document: a title page, the system and its
    /// boundary, its people, and a section per domain with each
    /// requirement's statement. Audited as `ssp.export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an SSP the actor cannot see.
    pub async fn export_ssp(
        &self,
        actor: &Actor,
        ssp_id: &str,
        format: DocumentFormat,
    ) -> Result<ExportFile, ServiceError> {
        let ssp = self.get_ssp(actor, ssp_id).await?;
        let statements = self.list_ssp_statements(actor, ssp_id).await?;
        let practices = self.practices_for_level(&self.db, ssp.level).await?;
        let by_practice: HashMap<&str, &SspStatement> =
            statements.iter().map(|s| (s.practice_id.as_str(), s)).collect();
        let mut carried = self.provider_lines(&ssp.org_id).await?;
        let items: Vec<(String, StatementView)> = practices
            .iter()
            .map(|p| {
                let mut view = statement_view(
                    &p.practice_id,
                    &p.title,
                    by_practice.get(p.practice_id.as_str()).copied(),
                );
                view.providers = carried.remove(&p.practice_id).unwrap_or_default();
                (p.domain_id.clone(), view)
            })
            .collect();
        let document = SspDocument {
            organization: self.organization_name(&ssp.org_id).await?,
            date: date_or(ssp.ssp_date, "Draft"),
            people: ssp
                .people
                .iter()
                .map(|p| {
                    [
                        report::label(p.role.as_str()),
                        p.name.clone(),
                        p.title.clone().unwrap_or_default(),
                        p.email.clone(),
                        p.phone.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
            stated: statements.len(),
            total: practices.len(),
            sections: sections(items, &self.domain_names().await?),
            ssp,
        };
        let bytes = match format {
            DocumentFormat::Html => super::html::ssp(&document)?,
            DocumentFormat::Docx => super::docx::ssp(&document)?,
        };
        let stem = file_stem(&format!("{} v{}", document.ssp.name, document.ssp.version), "ssp");
        let file = ExportFile {
            filename: format!("{stem}.{}", format.as_str()),
            content_type: format.content_type(),
            bytes,
        };
        let details =
            serde_json::json!({ "format": format.as_str(), "statements": document.stated });
        self.audit_file(actor, &document.ssp.org_id, "ssp.export", ssp_id, details).await?;
        Ok(file)
    }

    /// An assessment's summary: its score with a chart of the points lost
    /// per domain, the status earned, the deductions, the findings by
    /// severity and its newest POA&M. Audited as `assessment.report`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an assessment the actor cannot see.
    pub async fn assessment_report(
        &self,
        actor: &Actor,
        assessment_id: &str,
        format: DocumentFormat,
    ) -> Result<ExportFile, ServiceError> {
        let document = self.report_document(actor, assessment_id).await?;
        let bytes = match format {
            DocumentFormat::Html => super::html::report(&document)?,
            DocumentFormat::Docx => super::docx::report(&document)?,
        };
        let file = ExportFile {
            filename: format!(
                "{}-report.{}",
                file_stem(&document.title, "assessment"),
                format.as_str()
            ),
            content_type: format.content_type(),
            bytes,
        };
        let details = serde_json::json!({ "format": format.as_str() });
        self.audit_file(actor, &document.org_id, "assessment.report", assessment_id, details)
            .await?;
        Ok(file)
    }

    async fn report_document(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<ReportDocument, ServiceError> {
        let assessment = self.get_assessment(actor, assessment_id).await?;
        let answers = self
            .list_practice_answers(actor, assessment_id, PracticeAnswerFilter::default())
            .await?;
        let score = self.assessment_score(actor, assessment_id).await?;
        let rows = practice_rows(&answers, &score, &HashMap::new());
        let names = self.domain_names().await?;
        let by_domain = report::points_by_domain(&rows);
        let points: Vec<i32> = by_domain.iter().map(|(_, p)| *p).collect();
        let bars = by_domain
            .iter()
            .zip(report::bar_lengths(&points, BAR_UNITS))
            .map(|((domain, points), units)| DomainBar {
                name: names.get(domain).cloned().unwrap_or_else(|| domain.clone()),
                domain_id: domain.clone(),
                points: *points,
                units,
            })
            .collect();
        let titles: HashMap<&str, &str> =
            answers.iter().map(|a| (a.practice_id.as_str(), a.title.as_str())).collect();
        let deductions = score
            .score
            .deductions
            .iter()
            .map(|d| {
                let id = d.practice_id.to_string();
                let title = titles.get(id.as_str()).copied().unwrap_or_default().to_owned();
                (id, title, d.points)
            })
            .collect();
        let findings = self.list_findings(actor, assessment_id, None, None).await?;
        let severities = report::count_by_severity(findings.iter().map(|f| f.severity))
            .into_iter()
            .map(|(s, n)| (report::label(s.as_str()), n))
            .collect();
        let (poam_title, poam) = self.newest_poam(actor, assessment_id).await?;
        Ok(ReportDocument {
            organization: self.organization_name(&assessment.org_id).await?,
            facts: report_facts(&assessment, &score),
            org_id: assessment.org_id,
            title: assessment.title,
            bars,
            deductions,
            severities,
            findings: finding_lines(findings),
            poam_title,
            poam,
            today: Utc::now().date_naive(),
        })
    }

    /// The assessment's newest POA&M with its rows, if it has one.
    async fn newest_poam(
        &self,
        actor: &Actor,
        assessment_id: &str,
    ) -> Result<(Option<String>, Vec<PoamRow>), ServiceError> {
        let summaries = self.list_poams(actor, None, Some(assessment_id)).await?;
        let Some(newest) = summaries.first() else {
            return Ok((None, Vec::new()));
        };
        let poam = self.get_poam(actor, &newest.id).await?;
        let rows = self.poam_rows(&poam).await?;
        Ok((Some(poam.poam.title), rows))
    }

    async fn organization_name(&self, org_id: &str) -> Result<String, ServiceError> {
        Ok(organizations::Entity::find_by_id(org_id.to_owned())
            .one(&self.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default())
    }

    /// Domain id -> its name, from the catalogue.
    async fn domain_names(&self) -> Result<HashMap<String, String>, ServiceError> {
        Ok(cmmc_domains::Entity::find()
            .order_by_asc(cmmc_domains::Column::SortOrder)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| (d.domain_id, d.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_docx_and_html_only() {
        assert_eq!("docx".parse::<DocumentFormat>().unwrap(), DocumentFormat::Docx);
        assert_eq!("html".parse::<DocumentFormat>().unwrap(), DocumentFormat::Html);
        for bad in ["DOCX", "pdf", "", "csv"] {
            assert!(bad.parse::<DocumentFormat>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sections_follow_the_order_given() {
        let names = HashMap::from([("AC".to_owned(), "Access Control".to_owned())]);
        let items = vec![("AC".into(), 1), ("AC".into(), 2), ("AT".into(), 3)];
        let out = sections(items, &names);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].name.as_str(), out[0].items.clone()), ("Access Control", vec![1, 2]));
        assert_eq!((out[1].name.as_str(), out[1].items.clone()), ("AT", vec![3]));
    }

    #[test]
    fn a_missing_statement_says_so() {
        let view = statement_view("AC.L2-3.1.1", "Authorized Access Control", None);
        assert_eq!(view.status, "Not yet stated");
        assert!(view.narrative.is_empty());
    }
}
