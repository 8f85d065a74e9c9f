//! `assets`: an organisation's asset inventory (32 CFR 170.19 scoping).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub asset_tag: String,
    pub name: String,
    pub asset_type: String,
    pub category: String,
    pub owner: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub provider_id: Option<String>,
    pub tags: Json,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
