//! `risks`: an organisation's risk register.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub likelihood: i16,
    pub impact: i16,
    pub status: String,
    pub owner_id: Option<String>,
    pub treatment_plan: Option<String>,
    pub review_date: Option<Date>,
    pub acceptance_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
