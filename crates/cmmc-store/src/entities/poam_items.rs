//! `poam_items`: one milestone of a POA&M.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "poam_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub poam_id: String,
    pub finding_id: Option<String>,
    pub practice_id: Option<String>,
    pub milestone: String,
    pub scheduled_completion: Option<Date>,
    pub actual_completion: Option<Date>,
    pub status: String,
    pub resources_required: Option<String>,
    /// Who answers for the item (migration 12).
    pub point_of_contact: Option<String>,
    pub risk_accepted: bool,
    pub poam_eligible: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
