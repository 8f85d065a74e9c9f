//! `reference_data_versions`: one row per seed run that changed the reference data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reference_data_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub seq: i64,
    pub version: String,
    pub checksum: String,
    pub n_inserted: i32,
    pub n_updated: i32,
    pub n_unchanged: i32,
    pub seeded_at: DateTimeUtc,
    /// Where the data came from: `embedded` (built into the binary) or a directory.
    pub source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
