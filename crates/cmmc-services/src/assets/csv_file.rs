//! The inventory as a CSV file (`cmmc_domain::asset::CSV_COLUMNS`, header
//! first). An import checks every row before it writes anything and then
//! writes all of them in one transaction, upserting by tag; an export
//! writes cells a spreadsheet will not run as formulas (a leading `'`),
//! which an import takes off again, so an export imports back unchanged.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use cmmc_domain::access::Action;
use cmmc_domain::asset::{self, CSV_COLUMNS, CheckedAsset};
use cmmc_domain::report::spreadsheet_safe;
use cmmc_store::entities::assets;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use super::{Asset, new_row, set_fields};
use crate::audit::{AuditEvent, Author};
use crate::{Actor, RowProblem, ServiceError, Services};

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The most problems one import reports.
const MAX_PROBLEMS: usize = 1_000;
/// Columns every file must have.
const REQUIRED: [&str; 4] = ["asset_tag", "name", "asset_type", "category"];

/// An asset's fields as JSON (for the audit trail).
pub(crate) fn row_json(asset: &CheckedAsset) -> Value {
    let cells = asset::to_csv_row(asset, "");
    Value::Object(CSV_COLUMNS.iter().zip(cells).map(|(c, v)| ((*c).to_owned(), json!(v))).collect())
}

/// A cell as exported, read back: the `'` that kept a spreadsheet from
/// running it as a formula comes off.
fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if spreadsheet_safe(rest) != rest => rest,
        _ => cell,
    }
}

fn problem(line: u64, column: &str, text: impl Into<String>) -> RowProblem {
    RowProblem { line, column: column.to_owned(), problem: text.into() }
}

/// The header's columns by name, or what is wrong with it.
fn header(reader: &mut csv::Reader<&[u8]>) -> Result<HashMap<String, usize>, Vec<RowProblem>> {
    let names =
        reader.headers().map_err(|e| vec![problem(1, "", format!("unreadable header: {e}"))])?;
    let mut columns = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.trim();
        // A name from the file is shown escaped: it may hold anything.
        let shown = name.escape_debug().to_string();
        if !CSV_COLUMNS.contains(&name) {
            problems.push(problem(
                1,
                &shown,
                format!("unknown column; the columns are {}", CSV_COLUMNS.join(", ")),
            ));
        } else if columns.insert(name.to_owned(), i).is_some() {
            problems.push(problem(1, &shown, "the column is given twice"));
        }
    }
    problems.extend(
        REQUIRED
            .iter()
            .filter(|c| !columns.contains_key(**c))
            .map(|c| problem(1, c, "missing column")),
    );
    if problems.is_empty() { Ok(columns) } else { Err(problems) }
}

/// Every row of the file checked: the assets, or every problem found.
fn read(bytes: &[u8]) -> Result<Vec<CheckedAsset>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let columns = header(&mut reader)?;
    let (mut assets, mut problems, mut tags) = (Vec::new(), Vec::new(), HashSet::new());
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell =
            |column: &str| columns.get(column).and_then(|i| record.get(*i)).map_or("", unescape);
        let (input, provider, mut found) = asset::from_csv_row(cell);
        if !provider.is_empty() {
            found.push(("provider", format!("no provider named {provider:?}")));
        }
        let checked = match (asset::check(&input), found.is_empty()) {
            (Ok(asset), true) => Ok(asset),
            (Ok(_), false) => Err(found),
            (Err(more), _) => Err(found.into_iter().chain(more).collect()),
        };
        match checked {
            Ok(asset) if !tags.insert(asset.asset_tag.clone()) => {
                problems.push(problem(
                    line,
                    "asset_tag",
                    format!("{:?} is on an earlier line too", asset.asset_tag),
                ));
            }
            Ok(asset) => assets.push(asset),
            Err(found) => problems.extend(found.into_iter().map(|(c, p)| problem(line, c, p))),
        }
    }
    if problems.is_empty() { Ok(assets) } else { Err(problems) }
}

impl Services {
    /// Imports a CSV file of the inventory (`is_csv`: it came as `text/csv`):
    /// all rows or none, upserting by tag. Audited as `asset.import` with
    /// the counts.
    ///
    /// # Errors
    /// [`ServiceError::InvalidRows`] with every problem (nothing written);
    /// [`ServiceError::UnsupportedMediaType`] when it is not CSV;
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn import_assets(
        &self,
        actor: &Actor,
        org_id: &str,
        bytes: &[u8],
        is_csv: bool,
    ) -> Result<ImportReport, ServiceError> {
        actor.authorize(Action::AssessmentManage, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        if !is_csv {
            return Err(ServiceError::UnsupportedMediaType("the body must be text/csv".into()));
        }
        let incoming = read(bytes).map_err(ServiceError::InvalidRows)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let existing: HashMap<String, assets::Model> = assets::Entity::find()
            .filter(assets::Column::OrgId.eq(org_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|row| (row.asset_tag.clone(), row))
            .collect();
        let mut report = ImportReport::default();
        let mut inserts = Vec::new();
        for asset in incoming {
            match existing.get(&asset.asset_tag) {
                None => inserts.push(new_row(org_id, &asset, actor, now)),
                Some(row) if Asset::try_from(row.clone())?.asset == asset => report.unchanged += 1,
                Some(row) => {
                    let mut active = row.clone().into_active_model();
                    set_fields(&mut active, &asset);
                    active.updated_at = sea_orm::ActiveValue::Set(now);
                    active.update(&txn).await?;
                    report.updated += 1;
                }
            }
        }
        report.inserted = inserts.len() as u64;
        for chunk in inserts.chunks(500).map(<[_]>::to_vec) {
            assets::Entity::insert_many(chunk).exec_without_returning(&txn).await?;
        }
        let details = json!({ "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged });
        let event = AuditEvent::new("asset.import", "organization", Some(org_id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(report)
    }

    /// The inventory as a CSV file, by tag. Audited as `asset.export`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for another organisation.
    pub async fn export_assets(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        actor.authorize(Action::AssessmentRead, org_id, "organization")?;
        self.get_organization(actor, org_id).await?;
        let rows = assets::Entity::find()
            .filter(assets::Column::OrgId.eq(org_id))
            .order_by_asc(assets::Column::AssetTag)
            .all(&self.db)
            .await?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let failed =
            |e: csv::Error| ServiceError::Unexpected(anyhow::format_err!("writing CSV: {e}"));
        writer.write_record(CSV_COLUMNS).map_err(failed)?;
        for row in &rows {
            let asset = Asset::try_from(row.clone())?;
            let cells = asset::to_csv_row(&asset.asset, "");
            writer
                .write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
                .map_err(failed)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| ServiceError::Unexpected(anyhow::format_err!("writing CSV: {e}")))?;
        let details = json!({ "assets": rows.len() });
        let event = AuditEvent::new("asset.export", "organization", Some(org_id), details);
        self.begin_change().await?.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_or_names_every_bad_row() {
        let good = "asset_tag,name,asset_type,category,handles_cui,tags\nLT-1,Laptop,hardware,cui,yes,a;b\nFW-1,Firewall,network,security_protection,,\n";
        let assets = read(good.as_bytes()).unwrap();
        assert_eq!(assets.len(), 2);
        assert!(assets[0].handles_cui);
        assert_eq!(assets[0].tags, ["a", "b"]);
        let bad = "asset_tag,name,asset_type,category,handles_cui\nLT-1,Laptop,toaster,cui,maybe\nLT-1,Laptop,hardware,cui,no\nLT-1,Again,hardware,cui,no\n";
        let problems = read(bad.as_bytes()).unwrap_err();
        let where_: Vec<(u64, &str)> =
            problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(where_, [(2, "handles_cui"), (2, "asset_type"), (4, "asset_tag")]);
        let control = read("asset_tag,na\u{84}me\n".as_bytes()).unwrap_err();
        assert_eq!(control[0].column, "na\\u{84}me", "shown escaped");
        let header = read(b"asset_tag,colour\nx,y\n").unwrap_err();
        assert!(
            header.iter().any(|p| p.column == "colour")
                && header.iter().any(|p| p.column == "name")
        );
    }

    #[test]
    fn an_escaped_formula_reads_back() {
        assert_eq!(unescape("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unescape("'quoted"), "'quoted");
        assert_eq!(unescape("plain"), "plain");
    }
}
