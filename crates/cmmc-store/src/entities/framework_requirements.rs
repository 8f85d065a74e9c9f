//! `framework_requirements`: a framework's requirements or controls
//! (reference data): id, title where public, family.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "framework_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub framework_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub requirement_id: String,
    pub title: Option<String>,
    pub family: Option<String>,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
