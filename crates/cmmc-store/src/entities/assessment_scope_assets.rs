//! `assessment_scope_assets`: the assets an assessment scopes, as they were
//! when the scope was set.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_scope_assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub assessment_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub asset_id: String,
    pub asset_tag: String,
    pub name: String,
    pub asset_type: String,
    pub category: String,
    pub description: Option<String>,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub provider_id: Option<String>,
    pub scoped_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
