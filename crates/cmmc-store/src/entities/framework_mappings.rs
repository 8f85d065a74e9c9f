//! `framework_mappings`: one requirement mapped to another (reference
//! data), with the relationship, whether it is derived, and its source.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "framework_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_framework: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_requirement: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub to_framework: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub to_requirement: String,
    pub relationship: String,
    pub derived: bool,
    pub change_rating: Option<String>,
    pub note: Option<String>,
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
