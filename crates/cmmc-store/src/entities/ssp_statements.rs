//! `ssp_statements`: how one requirement is implemented, as an SSP version states it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ssp_statements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ssp_id: String,
    pub practice_id: String,
    pub implementation_status: String,
    pub narrative: String,
    pub responsible_role: Option<String>,
    pub objectives: Json,
    pub planned_date: Option<Date>,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
