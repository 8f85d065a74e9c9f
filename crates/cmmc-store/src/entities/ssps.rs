//! `ssps`: one version of a system security plan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ssps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub version: String,
    pub level: i32,
    pub ssp_date: Option<Date>,
    pub system_description: String,
    pub scope_type: String,
    pub boundary_description: String,
    pub environment: Option<String>,
    pub cage_codes: Json,
    pub people: Json,
    pub status: String,
    pub previous_id: Option<String>,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
