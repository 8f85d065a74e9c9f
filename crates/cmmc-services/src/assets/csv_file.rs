//! The inventory as a CSV file (`cmmc_domain::asset::CSV_COLUMNS`, header
//! first). An import checks every row before it writes anything and then
//! writes all of them in one transaction, upserting by tag; an export
//! writes cells a spreadsheet will not run as formulas (a leading `'`),
//! which an import takes off again, so an export imports back unchanged.

use std::collections::HashMap;

use chrono::Utc;
use cmmc_domain::access::Action;
use cmmc_domain::asset::{self, CSV_COLUMNS, CheckedAsset};
use cmmc_store::entities::assets;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use super::{Asset, new_row, set_fields};
use crate::audit::{AuditEvent, Author};
use crate::csv_import::{ImportReport, read_rows, unique_rows};
use crate::{Actor, RowProblem, ServiceError, Services};

/// Columns every file must have.
const REQUIRED: [&str; 4] = ["asset_tag", "name", "asset_type", "category"];

/// An asset's fields as JSON, its provider by id (for the audit trail).
pub(crate) fn row_json(asset: &CheckedAsset, provider_id: Option<&str>) -> Value {
    let cells = asset::to_csv_row(asset, provider_id.unwrap_or_default());
    Value::Object(CSV_COLUMNS.iter().zip(cells).map(|(c, v)| ((*c).to_owned(), json!(v))).collect())
}

/// An asset read from a file, with the id of the provider it names.
type AssetRow = (CheckedAsset, Option<String>);

/// Every row of the file checked, its `provider` found by name among
/// `providers` (name to id): the assets, or every problem found.
fn read(
    bytes: &[u8],
    providers: &HashMap<String, String>,
) -> Result<Vec<(u64, AssetRow)>, Vec<RowProblem>> {
    let rows = read_rows(bytes, &CSV_COLUMNS, &REQUIRED, |cells| {
        let (input, provider, mut found) = asset::from_csv_row(|c| cells.get(c));
        let provider_id = match provider {
            "" => None,
            name => providers.get(name).cloned().or_else(|| {
                found.push((
                    "provider",
                    format!("no provider named {:?}", name.escape_debug().to_string()),
                ));
                None
            }),
        };
        match (asset::check(&input), found.is_empty()) {
            (Ok(asset), true) => Ok((asset, provider_id)),
            (Ok(_), false) => Err(found),
            (Err(more), _) => Err(found.into_iter().chain(more).collect()),
        }
    })?;
    unique_rows(rows, "asset_tag", |(a, _)| (a.asset_tag.clone(), format!("{:?}", a.asset_tag)))
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
        let txn = self.begin_change().await?;
        let providers = self.provider_names(&txn, org_id).await?;
        let by_name = providers.iter().map(|(id, name)| (name.clone(), id.clone())).collect();
        let incoming = read(bytes, &by_name).map_err(ServiceError::InvalidRows)?;
        let now = Utc::now();
        let existing: HashMap<String, assets::Model> = assets::Entity::find()
            .filter(assets::Column::OrgId.eq(org_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|row| (row.asset_tag.clone(), row))
            .collect();
        let mut report = ImportReport::default();
        let mut inserts = Vec::new();
        for (_, (asset, provider_id)) in incoming {
            match existing.get(&asset.asset_tag) {
                None => inserts.push(new_row(org_id, &asset, provider_id, actor, now)),
                Some(row)
                    if Asset::try_from(row.clone())?.asset == asset
                        && row.provider_id == provider_id =>
                {
                    report.unchanged += 1;
                }
                Some(row) => {
                    let mut active = row.clone().into_active_model();
                    set_fields(&mut active, &asset);
                    active.provider_id = sea_orm::ActiveValue::Set(provider_id);
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
        let providers = self.provider_names(&self.db, org_id).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let name = row
                .provider_id
                .as_ref()
                .and_then(|id| providers.get(id))
                .map_or("", String::as_str);
            lines.push(asset::to_csv_row(&Asset::try_from(row.clone())?.asset, name));
        }
        let bytes = crate::csv_import::write(&CSV_COLUMNS, lines)?;
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
        let assets = read(good.as_bytes(), &HashMap::new()).unwrap();
        assert_eq!(assets.len(), 2);
        assert!(assets[0].1.0.handles_cui);
        assert_eq!(assets[0].1.0.tags, ["a", "b"]);
        let providers = HashMap::from([("Azure Government".to_owned(), "p-1".to_owned())]);
        let at = "asset_tag,name,asset_type,category,provider\nVM-1,VM,cloud_service,cui,Azure Government\nVM-2,VM,cloud_service,cui,Nimbus\n";
        let problems = read(at.as_bytes(), &providers).unwrap_err();
        assert_eq!(
            (problems.len(), problems[0].line, problems[0].column.as_str()),
            (1, 3, "provider")
        );
        let one = "asset_tag,name,asset_type,category,provider\nVM-1,VM,cloud_service,cui,Azure Government\n";
        assert_eq!(read(one.as_bytes(), &providers).unwrap()[0].1.1.as_deref(), Some("p-1"));
        let bad = "asset_tag,name,asset_type,category,handles_cui\nLT-1,Laptop,toaster,cui,maybe\nLT-1,Laptop,hardware,cui,no\nLT-1,Again,hardware,cui,no\n";
        let problems = read(bad.as_bytes(), &HashMap::new()).unwrap_err();
        let where_: Vec<(u64, &str)> =
            problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(where_, [(2, "handles_cui"), (2, "asset_type"), (4, "asset_tag")]);
        let control = read("asset_tag,na\u{84}me\n".as_bytes(), &HashMap::new()).unwrap_err();
        assert_eq!(control[0].column, "na\\u{84}me", "shown escaped");
        let header = read(b"asset_tag,colour\nx,y\n", &HashMap::new()).unwrap_err();
        assert!(
            header.iter().any(|p| p.column == "colour")
                && header.iter().any(|p| p.column == "name")
        );
    }
}
