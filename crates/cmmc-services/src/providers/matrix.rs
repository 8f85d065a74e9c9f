//! A provider's customer responsibility matrix: one row per practice (or
//! objective of one), saying who meets it. Replaced whole through the API,
//! or upserted from a CSV file all or nothing; every row is checked against
//! the catalogue (the practice exists, and has the objective).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::provider::{self, CSV_COLUMNS, CheckedResponsibility, ResponsibilityInput};
use cmmc_domain::{ObjectiveKind, ObjectiveLine, Responsibility};
use cmmc_store::entities::{cmmc_practices, provider_responsibilities as crm};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::csv_import::{ImportReport, problem, read_rows, unique_rows};
use crate::{Actor, ServiceError, Services};

/// One row of a matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    pub id: String,
    pub provider_id: String,
    pub row: CheckedResponsibility,
    pub updated_at: DateTime<Utc>,
}

/// What replacing a matrix did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplaceReport {
    pub upsert: ImportReport,
    pub deleted: u64,
}

/// The most rows a matrix holds.
const MAX_ROWS: usize = provider::MATRIX_MAX;

fn corrupt(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("a stored responsibility is invalid: {what}"))
}

impl TryFrom<crm::Model> for MatrixRow {
    type Error = ServiceError;

    fn try_from(row: crm::Model) -> Result<Self, ServiceError> {
        Ok(Self {
            row: CheckedResponsibility {
                practice_id: row.practice_id.parse().map_err(corrupt)?,
                objective: Some(row.objective).filter(|o| !o.is_empty()),
                responsibility: row.responsibility.parse::<Responsibility>().map_err(corrupt)?,
                provider_statement: row.provider_statement,
            },
            id: row.id,
            provider_id: row.provider_id,
            updated_at: row.updated_at,
        })
    }
}

/// Each practice's objective letters, for the practices `rows` name.
async fn catalogue<C: ConnectionTrait>(
    db: &C,
    rows: &[CheckedResponsibility],
) -> Result<HashMap<String, Vec<String>>, ServiceError> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.practice_id.to_string()).collect();
    ids.sort();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for practice in cmmc_practices::Entity::find()
            .filter(cmmc_practices::Column::PracticeId.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            let lines: Vec<String> =
                serde_json::from_value(practice.assessment_objectives).unwrap_or_default();
            let letters = lines
                .iter()
                .filter_map(|l| ObjectiveLine::parse(l))
                .filter(|o| o.kind == ObjectiveKind::Lettered)
                .map(|o| o.label.to_owned())
                .collect();
            out.insert(practice.practice_id, letters);
        }
    }
    Ok(out)
}

/// Why the catalogue refuses `row`, if it does: the column and the reason.
fn against_catalogue(
    row: &CheckedResponsibility,
    catalogue: &HashMap<String, Vec<String>>,
) -> Option<(&'static str, String)> {
    let Some(letters) = catalogue.get(&row.practice_id.to_string()) else {
        return Some(("practice_id", format!("{} is not in the catalogue", row.practice_id)));
    };
    let objective = row.objective.as_ref()?;
    (!letters.contains(objective)).then(|| {
        ("objective", format!("{} has objectives {}", row.practice_id, letters.join(", ")))
    })
}

/// The row's key and how to show it.
fn key(row: &CheckedResponsibility) -> ((String, String), String) {
    let shown = match &row.objective {
        Some(o) => format!("{}[{o}]", row.practice_id),
        None => row.practice_id.to_string(),
    };
    (row.key(), shown)
}

fn new_row(provider_id: &str, row: &CheckedResponsibility, now: DateTime<Utc>) -> crm::ActiveModel {
    crm::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        provider_id: Set(provider_id.to_owned()),
        practice_id: Set(row.practice_id.to_string()),
        objective: Set(row.objective.clone().unwrap_or_default()),
        responsibility: Set(row.responsibility.as_str().to_owned()),
        provider_statement: Set(row.provider_statement.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

impl Services {
    async fn matrix_rows<C: ConnectionTrait>(
        &self,
        db: &C,
        provider_id: &str,
    ) -> Result<Vec<crm::Model>, ServiceError> {
        Ok(crm::Entity::find()
            .filter(crm::Column::ProviderId.eq(provider_id))
            .order_by_asc(crm::Column::PracticeId)
            .order_by_asc(crm::Column::Objective)
            .all(db)
            .await?)
    }

    /// What the organisation's providers carry, as the SSP states it: per
    /// practice, a line per inherited or shared row, by provider name.
    pub(crate) async fn provider_lines(
        &self,
        org_id: &str,
    ) -> Result<HashMap<String, Vec<String>>, ServiceError> {
        let names = self.provider_names(&self.db, org_id).await?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        let ids: Vec<String> = names.keys().cloned().collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = crm::Entity::find()
            .filter(crm::Column::ProviderId.is_in(ids))
            .filter(crm::Column::Responsibility.ne(Responsibility::Customer.as_str()))
            .order_by_asc(crm::Column::PracticeId)
            .order_by_asc(crm::Column::Objective)
            .all(&self.db)
            .await?;
        let mut lines: Vec<(String, String, String)> = Vec::new();
        for row in rows {
            let name = names.get(&row.provider_id).cloned().unwrap_or_default();
            let row = MatrixRow::try_from(row)?.row;
            if let Some(line) = provider::ssp_line(&name, &row) {
                lines.push((row.practice_id.to_string(), name, line));
            }
        }
        lines.sort();
        for (practice, _, line) in lines {
            out.entry(practice).or_default().push(line);
        }
        Ok(out)
    }

    /// A provider's matrix, by practice and objective.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`], also for another organisation's provider.
    pub async fn list_responsibilities(
        &self,
        actor: &Actor,
        provider_id: &str,
    ) -> Result<Vec<MatrixRow>, ServiceError> {
        self.provider_row(&self.db, actor, provider_id, Action::AssessmentRead).await?;
        self.matrix_rows(&self.db, provider_id)
            .await?
            .into_iter()
            .map(MatrixRow::try_from)
            .collect()
    }

    /// Writes `rows` into the matrix, by practice and objective: new rows
    /// inserted, changed ones updated (keeping their ids), and with
    /// `replace` every row not in `rows` deleted.
    async fn upsert_matrix<C: ConnectionTrait>(
        &self,
        db: &C,
        provider_id: &str,
        rows: &[CheckedResponsibility],
        replace: bool,
    ) -> Result<ReplaceReport, ServiceError> {
        let now = Utc::now();
        let mut existing: BTreeMap<(String, String), crm::Model> = self
            .matrix_rows(db, provider_id)
            .await?
            .into_iter()
            .map(|r| ((r.practice_id.clone(), r.objective.clone()), r))
            .collect();
        let mut report = ReplaceReport::default();
        let mut inserts = Vec::new();
        for row in rows {
            match existing.remove(&row.key()) {
                None => inserts.push(new_row(provider_id, row, now)),
                Some(old) if MatrixRow::try_from(old.clone())?.row == *row => {
                    report.upsert.unchanged += 1
                }
                Some(old) => {
                    let mut active = old.into_active_model();
                    active.responsibility = Set(row.responsibility.as_str().to_owned());
                    active.provider_statement = Set(row.provider_statement.clone());
                    active.updated_at = Set(now);
                    active.update(db).await?;
                    report.upsert.updated += 1;
                }
            }
        }
        report.upsert.inserted = inserts.len() as u64;
        for chunk in inserts.chunks(500).map(<[_]>::to_vec) {
            crm::Entity::insert_many(chunk).exec_without_returning(db).await?;
        }
        if replace && !existing.is_empty() {
            let gone: Vec<String> = existing.into_values().map(|r| r.id).collect();
            report.deleted = gone.len() as u64;
            for chunk in gone.chunks(500) {
                crm::Entity::delete_many()
                    .filter(crm::Column::Id.is_in(chunk.iter().cloned()))
                    .exec(db)
                    .await?;
            }
        }
        Ok(report)
    }

    /// Replaces a provider's matrix with `inputs`. Audited as
    /// `provider.responsibilities` with the counts.
    ///
    /// # Errors
    /// 400 naming the first bad field (`responsibilities[i].field`); 422
    /// for a practice or objective the catalogue does not have, or a row
    /// given twice; [`ServiceError::NotFound`].
    pub async fn replace_responsibilities(
        &self,
        actor: &Actor,
        provider_id: &str,
        inputs: &[ResponsibilityInput],
    ) -> Result<(ReplaceReport, Vec<MatrixRow>), ServiceError> {
        if inputs.len() > MAX_ROWS {
            return Err(ServiceError::invalid(
                "responsibilities",
                format!("at most {MAX_ROWS} rows"),
            ));
        }
        let mut rows = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let row = provider::check_responsibility(input).map_err(|problems| {
                let (field, message) =
                    problems.into_iter().next().unwrap_or(("row", "is not valid".into()));
                ServiceError::invalid(&format!("responsibilities[{i}].{field}"), message)
            })?;
            rows.push(row);
        }
        let txn = self.begin_change().await?;
        let provider =
            self.provider_row(&txn, actor, provider_id, Action::AssessmentManage).await?;
        let known = catalogue(&txn, &rows).await?;
        let mut seen = std::collections::HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            if let Some((field, message)) =
                provider::missing_statement(row).or_else(|| against_catalogue(row, &known))
            {
                return Err(ServiceError::unprocessable(
                    &format!("responsibilities[{i}].{field}"),
                    message,
                ));
            }
            let (k, shown) = key(row);
            if !seen.insert(k) {
                return Err(ServiceError::unprocessable(
                    &format!("responsibilities[{i}]"),
                    format!("{shown} is given twice"),
                ));
            }
        }
        let report = self.upsert_matrix(&txn, provider_id, &rows, true).await?;
        let after = self.matrix_rows(&txn, provider_id).await?;
        let details = json!({
            "inserted": report.upsert.inserted, "updated": report.upsert.updated,
            "unchanged": report.upsert.unchanged, "deleted": report.deleted,
        });
        let event =
            AuditEvent::new("provider.responsibilities", "provider", Some(provider_id), details);
        txn.commit(&Author::from(actor), Some(&provider.org_id), event).await?;
        Ok((report, after.into_iter().map(MatrixRow::try_from).collect::<Result<_, _>>()?))
    }

    /// Imports a CSV file of a matrix (`is_csv`: it came as `text/csv`):
    /// all rows or none, upserting by practice and objective; rows not in
    /// the file stay. Audited as `provider.responsibilities_import`.
    ///
    /// # Errors
    /// [`ServiceError::InvalidRows`] with every problem (nothing written),
    /// also for practices and objectives the catalogue lacks;
    /// [`ServiceError::UnsupportedMediaType`]; [`ServiceError::NotFound`].
    pub async fn import_responsibilities(
        &self,
        actor: &Actor,
        provider_id: &str,
        bytes: &[u8],
        is_csv: bool,
    ) -> Result<ImportReport, ServiceError> {
        let provider =
            self.provider_row(&self.db, actor, provider_id, Action::AssessmentManage).await?;
        if !is_csv {
            return Err(ServiceError::UnsupportedMediaType("the body must be text/csv".into()));
        }
        let (rows, mut problems) =
            read_rows(bytes, &CSV_COLUMNS, &["practice_id", "responsibility"], |cells| {
                let row =
                    provider::check_responsibility(&provider::from_csv_row(|c| cells.get(c)))?;
                provider::missing_statement(&row).map_or(Ok(row), |problem| Err(vec![problem]))
            })
            .map_err(ServiceError::InvalidRows)?;
        if rows.len() > MAX_ROWS {
            return Err(ServiceError::InvalidRows(vec![problem(
                0,
                "",
                format!("at most {MAX_ROWS} rows"),
            )]));
        }
        let txn = self.begin_change().await?;
        let checked: Vec<CheckedResponsibility> = rows.iter().map(|(_, r)| r.clone()).collect();
        let known = catalogue(&txn, &checked).await?;
        problems.extend(rows.iter().filter_map(|(line, row)| {
            against_catalogue(row, &known).map(|(c, p)| problem(*line, c, p))
        }));
        unique_rows((rows, problems), "objective", key).map_err(ServiceError::InvalidRows)?;
        let report = self.upsert_matrix(&txn, provider_id, &checked, false).await?.upsert;
        let details = json!({ "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged });
        let event = AuditEvent::new(
            "provider.responsibilities_import",
            "provider",
            Some(provider_id),
            details,
        );
        txn.commit(&Author::from(actor), Some(&provider.org_id), event).await?;
        Ok(report)
    }

    /// A provider's matrix as a CSV file that imports back unchanged.
    /// Audited as `provider.responsibilities_export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn export_responsibilities(
        &self,
        actor: &Actor,
        provider_id: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let provider =
            self.provider_row(&self.db, actor, provider_id, Action::AssessmentRead).await?;
        let rows = self.list_responsibilities(actor, provider_id).await?;
        let bytes = crate::csv_import::write(
            &CSV_COLUMNS,
            rows.iter().map(|r| provider::to_csv_row(&r.row)),
        )?;
        let details = json!({ "rows": rows.len() });
        let event = AuditEvent::new(
            "provider.responsibilities_export",
            "provider",
            Some(provider_id),
            details,
        );
        self.begin_change()
            .await?
            .commit(&Author::from(actor), Some(&provider.org_id), event)
            .await?;
        Ok(bytes)
    }
}
