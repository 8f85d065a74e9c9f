//! `cmmc_practices`: the practices of all three levels.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cmmc_practices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub practice_id: String,
    pub domain_id: String,
    pub level: i32,
    pub title: String,
    pub description: String,
    /// A JSON array of strings.
    pub assessment_objectives: Json,
    /// A JSON array of strings.
    pub evidence_requirements: Json,
    /// A JSON array of strings.
    pub nist_refs: Json,
    pub sprs_weight: Option<i32>,
    pub sprs_partial_weight: Option<i32>,
    pub poam_eligibility: String,
    pub final_rule_id: Option<String>,
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
